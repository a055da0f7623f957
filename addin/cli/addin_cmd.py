"""`denialdesk addin build|install`: the ribbon add-in for desktop Excel (Windows, macOS)."""

from __future__ import annotations

from pathlib import Path

import click

from addin.cli._shared import cli, echo, friendly_errors
from addin.excel import build as addin_build


@cli.group()
def addin():
    """Build and install DenialDesk.xlam, the 'Denials' ribbon tab for desktop Excel."""


@addin.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(addin_build.ADDIN_NAME),
    show_default=True,
    help="Where to write the add-in.",
)
@friendly_errors
def build(out: Path):
    """Assemble the add-in from xlwings' ribbon template and macros/.

    On Windows with Excel it is complete (ribbon and VBA). Elsewhere it inserts the ribbon
    (the zip-level part) and says what remains to be done on Windows.

    Example:

        denialdesk addin build --out DenialDesk.xlam
    """
    echo(addin_build.build(out).summary())


@addin.command()
@click.argument(
    "xlam",
    required=False,
    default=Path(addin_build.ADDIN_NAME),
    type=click.Path(dir_okay=False, path_type=Path),
)
@friendly_errors
def install(xlam: Path):
    """Install XLAM into Excel's startup folder and point it at this Python environment.

    Writes the add-in's xlwings settings (Interpreter_Win/Interpreter_Mac, PYTHONPATH) to
    its .conf file, as `xlwings addin install` does. Needs Windows or macOS with Excel.

    Example:

        denialdesk addin install DenialDesk.xlam
    """
    echo(addin_build.install(xlam).summary())
