"""Keep the Work Queue in step with Denials after any action that changes a queued row
(import, letters): the queue's edits copied to Denials first, then the queue rebuilt from the
ranks Classify gave, without the rows that closed since."""

from __future__ import annotations

import pandas as pd

from addin import denials as denial_records
from addin import followup, work_queue
from addin.actions import follow_up
from addin.actions.classify_denials import highlights
from addin.workbook.base import Book
from addin.workbook.layout import CLOSED_STATUSES, WORK_QUEUE, Col, S


def still_queued(denials: pd.DataFrame) -> list[bool]:
    """Rows Classify ranked that are still open: no closing Status, not settled by a remit."""
    ranks = work_queue.column_or_blank(denials, Col.RANK)
    status = work_queue.column_or_blank(denials, Col.STATUS).fillna("").astype(str).str.strip()
    resolved = work_queue.column_or_blank(denials, Col.RESOLVED_ON)
    ranked = ranks.map(lambda r: r is not None and r == r and str(r).strip() != "")
    return list(ranked & ~status.isin(CLOSED_STATUSES) & resolved.isna())


def _with_queue_edits(
    denials: pd.DataFrame, snapshots: dict
) -> tuple[pd.DataFrame, work_queue.QueueEdits]:
    """The Denials table with the Owner / Status / Follow-up Date people changed on the queue
    (Denials wins where both changed), as Classify copies them."""
    if not snapshots or denials.empty:
        return denials, work_queue.QueueEdits()
    records = denial_records.from_frame(denials)
    _, edited, edits = work_queue.with_queue_edits(records, snapshots)
    if not edited:
        return denials, edits
    frame = denials.copy(deep=False)
    rows = {position: denial.to_row() for position, denial in edited.items()}
    for name in work_queue.QUEUE_EDITABLE:
        values = frame[name].tolist()
        for position, row in rows.items():
            values[position] = row.get(name)
        frame[name] = pd.Series(values, index=denials.index, dtype=object)
    return frame, edits


def refresh_queue(
    book: Book, denials: pd.DataFrame, follow_ups: list[followup.FollowUp] | None = None
) -> tuple[pd.DataFrame, work_queue.QueueEdits]:
    """Rebuild the Work Queue from `denials` (the Denials table as the action leaves it, not yet
    written); returns the Denials table with the queue's edits in it, and what they were.
    The follow-up rows at the queue's end are `follow_ups` when the action worked them out
    again (import), else the ones the queue already shows (letters)."""
    book.ensure_table(WORK_QUEUE)
    previous = book.read_table(WORK_QUEUE)
    denials, edits = _with_queue_edits(denials, work_queue.snapshots(previous))
    if denials.empty or Col.RANK not in denials:
        queued = [False] * len(denials)
    else:
        queued = still_queued(denials)
    if len(queued) and not any(queued) and previous.empty:
        return denials, edits  # never classified: the queue stays as it is (empty)
    queue = work_queue.build_queue(denials, queued, previous)
    if follow_ups is None:
        queue = follow_up.kept_on_queue(queue, previous)
    else:
        queue = follow_up.on_queue(queue, follow_ups)
    book.write_table(WORK_QUEUE, queue)
    due_soon = book.read_settings().get(S.DUE_SOON_DAYS, 14)
    book.apply_highlights(
        WORK_QUEUE, highlights(int(due_soon) if isinstance(due_soon, int | float) else 14)
    )
    return denials, edits
