"""`denialdesk check`: score outgoing 837 claims before they are sent (Claim Check sheet)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from addin.cli._shared import as_of_option, cli, friendly_errors, password_option, update_tracker


@cli.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument(
    "outgoing",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--history",
    "history",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An 837 the practice sent or an 835 that answered it, to learn from (repeat).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object per claim; write nothing."
)
@as_of_option("Count filing limits from this date instead of today (YYYY-MM-DD).")
@password_option
@friendly_errors
def check(workbook: Path, outgoing, history, as_json: bool, as_of, password: str | None):
    """Score each claim in the OUTGOING 837 files before you send them: risk 0-100 and the
    flags that explain it, written to the Claim Check sheet of WORKBOOK. The check learns
    from the claims WORKBOOK has imported (837s and the 835s that answered them) and from
    any --history files.

    Example:

        denialdesk check tracker.xlsx outbox/mon.837
        denialdesk check tracker.xlsx outbox/mon.837 --history june.837 --history june.835
    """
    from addin.actions import check_claims

    today = as_of or date.today()
    if as_json:
        from addin.workbook.layout import PAYERS
        from addin.workbook.tracker_file import open_book

        book = open_book(workbook, password)  # reads only the tables the check needs
        report = check_claims.check_outgoing(
            book,
            list(outgoing),
            list(history),
            today,
            book.read_table(PAYERS),
            book.read_settings(),
        )
        for result, _ in report.results:
            click.echo(json.dumps(result.as_dict()))
        return
    report = update_tracker(
        workbook,
        password,
        lambda book: check_claims.check_into_book(book, list(outgoing), list(history), today),
    )
    click.echo(report.summary())
