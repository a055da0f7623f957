"""The edits people make on the Work Queue (Owner, Status, Follow-up Date), copied to the
Denials records, and the Status changes Classify dates (Appeal Sent On, Closed On)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from addin.denials import Denial
from addin.workbook import frames
from addin.workbook.layout import CLOSED_STATUSES, SENT_STATUSES, SUGGESTED_MARK, Col


@dataclass(slots=True)
class QueueEdits:
    """Cells people changed on the Work Queue: copied to Denials, or kept out (conflicts)."""

    copied: int = 0
    conflicts: int = 0


# What a person may change on the Work Queue; Classify copies such edits to the Denials row.
QUEUE_EDITABLE = (Col.OWNER, Col.STATUS, Col.FOLLOW_UP_DATE)


def as_queued(values: Iterable[object]) -> list[str]:
    """The editable queue cells (Owner, Status, Follow-up Date) as text, to tell later whether
    a person changed them."""
    texts = []
    for value in values:
        if isinstance(value, datetime):
            value = value.date()
        texts.append(value.isoformat() if isinstance(value, date) else str(value or ""))
    return texts


def _queue_row(row: Mapping[str, object]) -> list[str]:
    return as_queued(row.get(name) for name in QUEUE_EDITABLE)


def snapshots(queue: pd.DataFrame | None) -> dict[str, tuple[list[str], list[str]]]:
    """Denial ID → (the editable queue cells as Classify wrote them, as they are now), from
    the hidden As Queued column of the previous Work Queue."""
    if queue is None or queue.empty or Col.AS_QUEUED not in queue:
        return {}
    found = {}
    for row in frames.records(queue):
        try:
            written = json.loads(str(row.get(Col.AS_QUEUED) or ""))
        except ValueError:
            continue
        if row.get(Col.DENIAL_ID) and isinstance(written, list) and len(written) == 3:
            found[str(row[Col.DENIAL_ID])] = (written, _queue_row(row))
    return found


def with_queue_edits(
    records: Sequence[Denial], snapshots: dict
) -> tuple[list[Denial], dict[int, Denial], QueueEdits]:
    """The Denials records with the Owner / Status / Follow-up Date a person changed on the
    queue, and the changed ones by position. When the Denials cell changed too since the
    queue was written, the Denials sheet (the record) wins and the queue edit is counted as
    a conflict."""
    edits = QueueEdits()
    result, changed = list(records), {}
    for position, denial in enumerate(records if snapshots else ()):
        snapshot = snapshots.get(denial.denial_id)
        if snapshot is None:
            continue
        written, now = snapshot
        on_denials = as_queued((denial.owner, denial.status, denial.follow_up_date))
        updates = {}
        for index, name in enumerate(QUEUE_EDITABLE):
            if now[index] == written[index]:
                continue  # not edited on the queue
            here = on_denials[index]
            moved = here != written[index] and (name != Col.OWNER or here != "")
            if moved:  # both changed: Denials is the record
                edits.conflicts += 1
            elif here != now[index]:
                value = _queued_value(name, now[index])
                blank = "" if name != Col.FOLLOW_UP_DATE else None  # text fields are never None
                updates[_FIELDS[name]] = blank if value is None else value
        if updates:
            edits.copied += len(updates)
            result[position] = changed[position] = replace(denial, **updates)
    return result, changed, edits


_FIELDS = {Col.OWNER: "owner", Col.STATUS: "status", Col.FOLLOW_UP_DATE: "follow_up_date"}


def _queued_value(name: str, text: str) -> object:
    """A queue cell's text back as the Denials value (a date for Follow-up Date)."""
    if not text:
        return None
    if name == Col.FOLLOW_UP_DATE:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if name == Col.OWNER and text.endswith(SUGGESTED_MARK):
        return None  # the suggestion, left as it was shown
    return text


def date_status_changes(
    denials: pd.DataFrame, today: date, snapshots: dict, never_classified: pd.Series
) -> int:
    """Fill a blank Appeal Sent On / Closed On with today when the Status has just come to
    say so: it differs from the Status the last Work Queue showed, or the row was never
    classified. The two dates the turnaround KPIs need; a person can type the real date over
    it, a date that is there is never changed, and history is never back-filled (a tracker
    from before these columns gets no invented dates). Returns how many dates it filled.
    """
    status = column_or_blank(denials, Col.STATUS)
    ids = column_or_blank(denials, Col.DENIAL_ID).astype(str)
    queued_status = ids.map({key: written[1] for key, (written, _) in snapshots.items()})
    status_text = status.fillna("").astype(str)
    just_changed = (queued_status.notna() & (queued_status != status_text)) | never_classified
    settled_by_remit = column_or_blank(denials, Col.RESOLVED_ON).notna()  # it has its date already
    dated = 0
    for column, wanted in (
        (Col.APPEAL_SENT_ON, status.isin(SENT_STATUSES)),
        (Col.CLOSED_ON, status.isin(CLOSED_STATUSES) & ~settled_by_remit),
    ):
        current = column_or_blank(denials, column)
        blank = current.isna() & wanted & just_changed
        if blank.any():
            denials[column] = current.astype(object).where(~blank, today)
            dated += int(blank.sum())
    return dated


def column_or_blank(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of the frame, or blanks when the tracker does not have it (yet)."""
    if name in frame:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)
