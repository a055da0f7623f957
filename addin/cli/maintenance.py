"""Commands that keep a tracker healthy: restore a backup, doctor (check and repair)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from addin.cli._shared import cli, friendly_errors, notice, password_option
from addin.workbook import files


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("backup", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the backups, newest first.")
@friendly_errors
def restore(workbook: Path, backup: str | None, list_only: bool):
    """Put WORKBOOK back from a backup (the newest, or BACKUP by number or name).

    The workbook being replaced is backed up first, so a restore can be undone.

    Example:

        denialdesk restore tracker.xlsx --list
        denialdesk restore tracker.xlsx 2
    """
    if list_only:
        for number, path in enumerate(files.list_backups(workbook), start=1):
            stamp = datetime.fromtimestamp(path.stat().st_mtime)
            click.echo(
                f"{number:>3}  {stamp:%Y-%m-%d %H:%M}  {path.stat().st_size:>10,}  {path.name}"
            )
        return
    from addin.actions import maintenance

    restored, saved = maintenance.restore(workbook, backup, notice)
    click.echo(
        f"Restored {workbook.name} from {restored.name}"
        + (f" (the replaced version is kept as {saved.name})" if saved else "")
    )


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--fix", is_flag=True, help="Repair what is safe to repair, and say what changed.")
@password_option
@friendly_errors
def doctor(workbook: Path, fix: bool, password: str | None):
    """Check WORKBOOK: sheets, tables, headers, duplicate or orphan keys, letter links, schema.

    Exits with status 1 while problems remain.

    Example:

        denialdesk doctor tracker.xlsx --fix
    """
    from addin.actions import maintenance

    report = maintenance.doctor(workbook, fix=fix, password=password, notify=notice)
    for line in report.lines():
        click.echo(line)
    if report.problems_left:
        sys.exit(1)
