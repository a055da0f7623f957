"""Shared fixtures: the public 835 samples beside the project, fresh trackers, the CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from addin.actions.new_tracker import create_tracker

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
REMITS = DATA / "remits"
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples" / "835"


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files in tests/data/expected from this run.",
    )


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture
def samples() -> Path:
    """The public sample 835 corpus in ../shared (skips cleanly where it is absent)."""
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples/835 is not present beside the project")
    return SAMPLES


@pytest.fixture
def tracker(tmp_path) -> Path:
    """A fresh, empty tracker workbook in a temporary folder."""
    return create_tracker(tmp_path / "tracker.xlsx")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def soffice() -> str:
    """The LibreOffice binary, or skip when it is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip("LibreOffice (soffice) is not installed")
    return found
