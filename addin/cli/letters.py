"""The `letters` command: draft appeal letters into the letters folder and link them to rows."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from addin.cli._shared import (
    cli,
    echo,
    friendly_errors,
    password_option,
    progress_bar,
    update_tracker,
)

SHOWN_IDS = 8  # Denial IDs listed per skip reason before "…"


@cli.command("letters")
@click.argument("workbook", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the letters (default: Settings › Letters Folder, beside the workbook).",
)
@click.option(
    "--rows",
    multiple=True,
    metavar="IDS",
    help="Only these Denial IDs (comma-separated or repeated), even if they have a letter.",
)
@click.option("--pdf", is_flag=True, help="Also write a PDF of each letter (needs LibreOffice).")
@click.option("--list-templates", is_flag=True, help="Show templates and the fields they use.")
@password_option
@friendly_errors
def letters_(workbook, out, rows, pdf, list_templates, password):
    """Draft an appeal letter (.docx) for each denial of WORKBOOK that needs one.

    Picks open, classified denials whose remedy is an appeal or a reopening, in time and
    without a letter yet, plus rows whose Letter? is Yes (a late one gets a good-cause
    paragraph), in priority order; says why it skipped the others. One letter covers a
    claim's denied lines to one payer with one remedy; each row links to it, its Status moves
    to Appeal Drafted and its Letter Status says Ready or Draft — needs input (with the
    [[fields]] left to complete, counted again on every run; a person marks it Ready).

    Exits with status 1 when a letter could not be written
    (e.g. a missing Settings or Payers field) or a warning needs you (e.g. an old PDF could
    not be deleted).

    Example:

    \b
        denialdesk letters tracker.xlsx --pdf
        denialdesk letters tracker.xlsx --rows D-1A2B3C4D5E,D-6F7A8B9C0D
        denialdesk letters --list-templates
    """
    from addin.actions.appeal_letters import describe_templates, generate_letters
    from addin.letters.status import is_ready

    if list_templates:
        from addin.workbook.openpyxl_book import OpenpyxlBook

        book = OpenpyxlBook.open(workbook, password) if workbook else None
        for line in describe_templates(book):
            echo(line)
        return
    if workbook is None:
        raise click.UsageError("give the WORKBOOK to draft letters for (or --list-templates).")
    ids = [part.strip() for item in rows for part in item.split(",") if part.strip()]
    report = update_tracker(
        workbook,
        password,
        lambda book: generate_letters(
            book, rows=ids or None, out_dir=out, pdf=pdf, progress=progress_bar("Letters")
        ),
    )
    for item in report.failed:
        echo(f"Error: {item.message}", err=True)
    for warning in report.warnings:
        echo(f"Warning: {warning}", err=True)
    for reason, skipped in report.skipped_by_reason().items():
        more = "…" if len(skipped) > SHOWN_IDS else ""
        echo(f"Skipped {len(skipped)} ({reason}): {', '.join(skipped[:SHOWN_IDS])}{more}")
    for state in report.drafts:
        more = "…" if len(state.denial_ids) > SHOWN_IDS else ""
        ids = ", ".join(state.denial_ids[:SHOWN_IDS]) + more
        if is_ready(state.status):
            echo(f"Not ready: {ids} is marked Ready but {state.open_fields} field(s) are open")
        else:
            echo(f"Needs input: {ids} ({state.status})")
    echo(report.summary())
    if report.states:
        echo(report.status_line())
    if report.failed or report.warnings:
        sys.exit(1)
