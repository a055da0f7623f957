"""Commands that keep a tracker healthy: restore a backup, doctor (check and repair)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from addin.cli._shared import cli, echo, friendly_errors, notice, password_option
from addin.workbook import files


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("backup", required=False)
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="List the backups, newest first: when each was taken and the action it preceded.",
)
@password_option
@friendly_errors
def restore(workbook: Path, backup: str | None, list_only: bool, password: str | None):
    """Put WORKBOOK back from a backup (the newest, or BACKUP by number or name).

    The workbook being replaced is backed up first, so a restore can be undone. A
    password-protected WORKBOOK stays protected: a plain-text backup is encrypted with its
    password (--password) on the way back, and refused without it.

    \b
    Example:
      denialdesk restore tracker.xlsx --list   (which backups there are)
      denialdesk restore tracker.xlsx 2        (put back backup number 2)
    """
    if list_only:
        from addin.actions import backup_history

        entries = backup_history.history(workbook, password)
        if not entries:
            echo(f"No backups of {workbook.name} yet.")
        for entry in entries:
            size = entry.path.stat().st_size
            echo(
                f"{entry.number:>3}  taken {entry.taken:%Y-%m-%d %H:%M:%S}  {entry.before}"
                f"\n     {entry.path.name}  ({size:,} bytes)"
            )
        return
    from addin.actions import maintenance

    restored, saved = maintenance.restore(workbook, backup, notice, password)
    echo(
        f"Restored {workbook.name} from {restored.name}"
        + (f" (the replaced version is kept as {saved.name})" if saved else "")
    )


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--fix", is_flag=True, help="Repair what is safe to repair, and say what changed.")
@click.option(
    "--unlock",
    is_flag=True,
    help="Show who holds DenialDesk's lock on WORKBOOK and release it (after confirmation).",
)
@click.option("--yes", is_flag=True, help="With --unlock: release without asking (scripts).")
@password_option
@friendly_errors
def doctor(workbook: Path, fix: bool, unlock: bool, yes: bool, password: str | None):
    """Check WORKBOOK: sheets, tables, headers, duplicate or orphan keys, letter links, schema.

    Exits with status 1 while problems remain. `--unlock` shows who holds the lock (a run on
    a PC that was switched off mid-run) and releases it once you confirm.

    Example:

        denialdesk doctor tracker.xlsx --fix
        denialdesk doctor tracker.xlsx --unlock
    """
    if unlock:
        _unlock(workbook, yes)
        return
    from addin.actions import maintenance

    report = maintenance.doctor(workbook, fix=fix, password=password, notify=notice)
    for line in report.lines():
        echo(line)
    if report.problems_left:
        sys.exit(1)


def _unlock(workbook: Path, yes: bool) -> None:
    from addin.actions import maintenance

    held = files.read_lock(workbook)
    if held is None:
        echo(f"No DenialDesk lock on {workbook.name}.")
        return
    echo(f"{workbook.name} is locked by {maintenance.describe_holder(held)}.")
    if held.on_this_computer and files.process_alive(held.pid):
        echo(f"Process {held.pid} is still running on this computer: let it finish first.")
    if not yes and not click.confirm("Release the lock?", default=False):
        echo("The lock was kept.")
        sys.exit(1)
    if not maintenance.release_lock(workbook, held):
        raise click.ClickException(
            "the lock changed while you were asked (another run took it); nothing was released. "
            "Run this again to see who holds it now."
        )
    echo(f"Released the lock on {workbook.name}.")
