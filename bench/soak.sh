#!/usr/bin/env bash
# Soak test: many more SIGKILL crash trials than CI runs (default 2000), same harness.
# Usage: bash bench/soak.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
DENIALDESK_CRASH_TRIALS="${1:-2000}" python -m pytest tests/test_crash.py -q -s -k killed
