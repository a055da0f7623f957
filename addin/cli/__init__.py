"""The `denialdesk` command line: each command parses options, calls one action, reports.

Commands live in one module per area and register themselves on the shared group.
"""

from addin.cli import remits  # noqa: F401  (registers its commands)
from addin.cli._shared import cli

__all__ = ["cli"]
