"""Classify & Prioritize: explain every denial, give it a deadline and a score, rebuild the queue.

Read the tables → plan (`addin.scoring.plan_classification`, pure, so the benchmark times it
alone) → write back only the tables that changed, and save once (not at all when nothing did).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from addin import codebook, scoring
from addin.actions import audit, follow_up
from addin.scoring import ClassifyReport
from addin.workbook import frames
from addin.workbook.base import Book, Highlight
from addin.workbook.layout import (
    CODES,
    DENIALS,
    PAYERS,
    SETTING_DEFAULTS,
    SETTINGS,
    WORK_QUEUE,
    Col,
)

# Rows are coloured by the Appeal Deadline against TODAY(), so they stay right between runs.
OVERDUE = Highlight(
    "Overdue", Col.APPEAL_DEADLINE, maximum=-1, fill="FFC7CE", font="9C0006", days_from_today=True
)


def highlights(due_soon_days: int) -> list[Highlight]:
    """Overdue rows red; rows due within `due_soon_days` amber."""
    due_soon = Highlight(
        "Due soon",
        Col.APPEAL_DEADLINE,
        maximum=due_soon_days,
        minimum=0,
        fill="FFEB9C",
        font="9C5700",
        days_from_today=True,
    )
    return [OVERDUE, due_soon]


def classify_and_prioritize(
    book: Book, *, today: date | None = None, notify: Callable[[str], None] = lambda m: None
) -> ClassifyReport:
    """Classify every denial, set deadlines, chances, scores and ranks; rebuild the Work Queue.

    User columns (Status, Owner, Follow-up Date, Category Override, Notes …) are read, never
    overwritten by DenialDesk's own answers: they change only where a person changed Owner,
    Status or Follow-up Date on the Work Queue (copied to the row), and a blank Appeal Sent On
    / Closed On is filled in (see `_date_status_changes`). Running it again the same day
    changes nothing and does not save.
    """
    today = today or date.today()
    for spec in (WORK_QUEUE, PAYERS, CODES):
        book.ensure_table(spec)
    settings = book.read_settings()
    denials, payer_rows = book.read_table(DENIALS), book.read_table(PAYERS)
    queue, settings_rows = book.read_table(WORK_QUEUE), book.read_table(SETTINGS)
    notify(f"Classifying {len(denials):,} denials…")
    plan = scoring.plan_classification(
        denials, payer_rows, codebook.load(book.read_table(CODES)), settings, today, queue
    )
    report = plan.report
    new_settings = with_missing_settings(settings_rows)
    follow_ups, new_queue = follow_up.classify_refresh(book, plan.queue, today, plan.payers)
    report.follow_ups = len(new_queue) - len(plan.queue)
    writes = [
        (spec, new)
        for spec, old, new in (
            (DENIALS, denials, plan.denials),
            (PAYERS, payer_rows, plan.payers),
            (WORK_QUEUE, queue, new_queue),
            (SETTINGS, settings_rows, new_settings),
            *follow_ups,
        )
        if not same_frame(old, new)
    ]
    report.changed = bool(writes)
    if writes:
        notify(f"Writing to {book.name}…")
        for spec, frame in writes:
            book.write_table(spec, frame)
        for spec in (DENIALS, WORK_QUEUE):
            book.apply_highlights(spec, highlights(report.due_soon_days))
        audit.record(book, "Classify & prioritize", report.summary())
        notify(f"Saving {book.name}…")
        book.save()
        report.saved = True
    return report


def with_missing_settings(frame: pd.DataFrame) -> pd.DataFrame:
    """The Settings rows, plus any setting this version knows that the sheet lacks."""
    have = {str(name).strip() for name in frame[Col.SETTING] if name}
    missing = [s for s in SETTING_DEFAULTS if s.name not in have]
    if not missing:
        return frame
    rows = frames.records(frame) + [
        dict.fromkeys(frame.columns)
        | {
            Col.SETTING: s.name,
            Col.VALUE: None if s.default == "" else str(s.default),
            Col.DESCRIPTION: s.description,
        }
        for s in missing
    ]
    return frames.frame_of(rows, list(frame.columns))


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Equal columns and equal values cell by cell (None equals None)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    return all(a[name].tolist() == b[name].tolist() for name in a.columns)


__all__ = ["ClassifyReport", "classify_and_prioritize"]
