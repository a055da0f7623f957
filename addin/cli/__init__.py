"""The `denialdesk` command line: each command parses options, calls one action, reports.

Commands live in one module per area and register themselves on the shared group.
"""

# Each module registers its commands on the group when imported.
from addin.cli import (  # noqa: F401
    addin_cmd,
    check,
    classify,
    kpis,
    letters,
    maintenance,
    remits,
)
from addin.cli._shared import cli

__all__ = ["cli"]
