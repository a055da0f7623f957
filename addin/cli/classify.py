"""Commands for Classify & Prioritize: classify, explain, codes import."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from addin.cli._shared import (
    as_of_option,
    cli,
    friendly_errors,
    password_option,
    status,
    update_tracker,
)


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@as_of_option("Count days left from this date instead of today (YYYY-MM-DD).")
@password_option
@friendly_errors
def classify(workbook: Path, as_of, password: str | None):
    """Classify every denial in WORKBOOK, set deadlines and scores, rebuild the Work Queue.

    Your columns (Status, Owner, Follow-up Date, Category Override, Notes) are never
    changed; running it again the same day changes nothing.

    Example:

        denialdesk classify tracker.xlsx
    """
    from addin.actions.classify_denials import classify_and_prioritize

    today = as_of or date.today()
    report = update_tracker(
        workbook,
        password,
        lambda book: classify_and_prioritize(book, today=today, notify=status),
    )
    click.echo(report.summary())


@cli.command()
@click.argument("carc")
@click.option("--group", default="CO", show_default=True, help="Group code: CO, PR, OA, PI, CR.")
@click.option("--rarc", "rarcs", multiple=True, help="A remark code (repeat for several).")
@click.option(
    "--workbook",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Apply this tracker's Codes sheet overrides.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as one JSON object.")
@friendly_errors
def explain(carc: str, group: str, rarcs: tuple[str, ...], workbook: Path | None, as_json: bool):
    """Explain how DenialDesk classifies a CARC (with its group and remark codes) and why.

    Example:

        denialdesk explain 16 --group CO --rarc MA130 --rarc N290
    """
    from addin.actions.code_list import explain_code
    from addin.workbook.openpyxl_book import OpenpyxlBook

    book = OpenpyxlBook.open(workbook) if workbook else None
    decision = explain_code(carc, group=group, rarcs=rarcs, book=book)
    if as_json:
        click.echo(json.dumps(decision.as_dict(), indent=2))
        return
    denial = "a denial" if decision.is_denial else "not a denial"
    traits = ", ".join(str(t) for t in (decision.type, decision.stage, decision.nature) if t)
    click.echo(decision.description)
    click.echo(f"Category: {decision.category} ({denial}{'; ' + traits if traits else ''})")
    click.echo(f"Action: {decision.action}")
    for item in decision.checklist:
        click.echo(f"  [ ] {item}")
    click.echo(f"Rule: {decision.rule} — {decision.why}")


@cli.group()
def codes():
    """Code lists: load the official CARC/RARC wording into a tracker's Codes sheet."""


@codes.command("import")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@password_option
@friendly_errors
def codes_import(workbook: Path, file: Path, password: str | None):
    """Load official CARC/RARC descriptions from FILE (CSV: Code, Description) into WORKBOOK.

    Codes the Codes sheet lacks get a row; blank descriptions are filled; a description
    you wrote is kept. A Code Type column (CARC/RARC) is optional.

    Example:

        denialdesk codes import tracker.xlsx carc-official.csv
    """
    from addin.actions.code_list import import_code_list

    report = update_tracker(workbook, password, lambda book: import_code_list(book, file))
    click.echo(report.summary())
