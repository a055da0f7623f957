"""The `denialdesk` command line: each command parses options, calls one action, reports.

Commands live in one module per area and register themselves on the shared group.
"""

from addin.cli import addin_cmd, classify, kpis, letters, maintenance, remits  # noqa: F401  (they register commands)
from addin.cli._shared import cli

__all__ = ["cli"]
