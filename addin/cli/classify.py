"""Commands for Classify & Prioritize: classify, explain, codes import."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from addin.cli._shared import (
    as_of_option,
    cli,
    echo,
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
    echo(report.summary())


@cli.command()
@click.argument("carc")
@click.option("--group", default="CO", show_default=True, help="Group code: CO, PR, OA, PI, CR.")
@click.option("--rarc", "rarcs", multiple=True, help="A remark code (repeat for several).")
@click.option("--payer", default="", help="The payer's name as the remit gives it (N1*PR).")
@click.option("--payer-id", default="", help="The payer's id as the remit gives it.")
@click.option(
    "--remit-date", type=click.DateTime(["%Y-%m-%d"]), help="The remit's date (YYYY-MM-DD)."
)
@click.option(
    "--service-date", type=click.DateTime(["%Y-%m-%d"]), help="The date of service (YYYY-MM-DD)."
)
@as_of_option("Judge deadlines as of this date instead of today (YYYY-MM-DD).")
@click.option(
    "--workbook",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Apply this tracker's Codes and Payers sheets.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as one JSON object.")
@friendly_errors
def explain(carc, group, rarcs, payer, payer_id, remit_date, service_date, as_of, workbook,
            as_json):  # fmt: skip
    """Explain how DenialDesk classifies a CARC for a payer's plan: the remedy, its deadlines,
    and the rules that decided them. CARC may carry its group (CO-16, PR-1).

    Example:

        denialdesk explain CO-97 --rarc M15 --payer "NOVITAS SOLUTIONS" --remit-date 2026-06-06
    """
    from addin.actions.code_list import explain_with_plan
    from addin.workbook.openpyxl_book import OpenpyxlBook

    book = OpenpyxlBook.open(workbook) if workbook else None
    found = explain_with_plan(
        carc, group=group, rarcs=rarcs, payer=payer, payer_id=payer_id,
        remit_date=remit_date.date() if remit_date else None,
        service_date=service_date.date() if service_date else None,
        as_of=as_of or date.today(), book=book,
    )  # fmt: skip
    decision, advice = found.decision, found.advice
    if as_json:
        echo(json.dumps(decision.as_dict() | advice.as_dict(), indent=2))
        return
    denial = "a denial" if decision.is_denial else "not a denial"
    traits = ", ".join(str(t) for t in (decision.type, decision.stage, decision.nature) if t)
    echo(decision.description)
    echo(f"Category: {decision.category} ({denial}{'; ' + traits if traits else ''})")
    plan = advice.plan.value if advice.plan else "unknown (no Payers row matched)"
    row = f" — {found.match.profile.name}" if found.match.profile else ""
    echo(f"Plan: {plan}{row}")
    appealable = "appealable" if advice.appealable else "not appealable"
    echo(f"Remedy: {advice.remedy.label} ({appealable})")
    echo(f"Action: {advice.action}")
    for item in advice.checklist:
        echo(f"  [ ] {item}")
    if advice.rule:
        echo(f"Deadline: {advice.rule}")
    echo(f"Rule: {decision.rule} — {decision.why}")
    if advice.source:
        echo(f"Source: {advice.source}")


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
    echo(report.summary())
