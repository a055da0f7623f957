"""The Work Queue: open denials in rank order, the edits people make there, and the Status
changes it lets Classify date (Appeal Sent On, Closed On)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from addin.work_queue import shown
from addin.workbook import frames
from addin.workbook.layout import (
    CLOSED_STATUSES,
    SENT_STATUSES,
    SUGGESTED_MARK,
    WORK_QUEUE,
    Col,
)


@dataclass(slots=True)
class QueueEdits:
    """Cells people changed on the Work Queue: copied to Denials, or kept out (conflicts)."""

    copied: int = 0
    conflicts: int = 0


# What a person may change on the Work Queue; Classify copies such edits to the Denials row.
QUEUE_EDITABLE = (Col.OWNER, Col.STATUS, Col.FOLLOW_UP_DATE)


def _as_queued(row: dict) -> list[str]:
    """The editable queue cells as text, to tell later whether a person changed them."""
    texts = []
    for name in QUEUE_EDITABLE:
        value = row.get(name)
        if isinstance(value, datetime):
            value = value.date()
        texts.append(value.isoformat() if isinstance(value, date) else str(value or ""))
    return texts


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
            found[str(row[Col.DENIAL_ID])] = (written, _as_queued(row))
    return found


def with_queue_edits(denials: pd.DataFrame, snapshots: dict) -> tuple[pd.DataFrame, QueueEdits]:
    """The Denials rows with the Owner / Status / Follow-up Date a person changed on the
    queue. When the Denials cell changed too since the queue was written, the Denials sheet
    (the record) wins and the queue edit is counted as a conflict."""
    edits = QueueEdits()
    if not snapshots:
        return denials, edits
    records = frames.records(denials)
    changed = 0
    for row in records:
        snapshot = snapshots.get(str(row.get(Col.DENIAL_ID)))
        if snapshot is None:
            continue
        written, now = snapshot
        on_denials = _as_queued(row)
        for index, name in enumerate(QUEUE_EDITABLE):
            if now[index] == written[index]:
                continue  # not edited on the queue
            here = on_denials[index]
            moved = here != written[index] and (name != Col.OWNER or here != "")
            if moved:  # both changed: Denials is the record
                edits.conflicts += 1
            elif here != now[index]:
                row[name] = _queued_value(name, now[index])
                changed += 1
    edits.copied = changed
    if not changed:
        return denials, edits
    return frames.frame_of(records, list(denials.columns)), edits


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


def build_queue(denials: pd.DataFrame, out: dict, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Open denials in rank order, with the columns a biller needs to act."""
    queued = pd.Series([r is not None for r in out[Col.RANK]], index=denials.index, dtype=bool)
    ranked = denials.loc[queued].copy()
    ranked = ranked.sort_values(Col.RANK, key=lambda s: s.astype(int), kind="stable")
    ranked = shown.claim_lines_together(ranked)
    suggested = ranked[Col.SUGGESTED_OWNER].map(lambda o: f"{o}{SUGGESTED_MARK}" if o else None)
    owners = ranked[Col.OWNER].where(ranked[Col.OWNER].notna(), suggested)
    names = [n for n in WORK_QUEUE.column_names if n not in (Col.OWNER, Col.AS_QUEUED)]
    queue = pd.DataFrame({name: column_or_blank(ranked, name) for name in names})
    queue[Col.CODES] = [
        shown.code_text(*codes)
        for codes in zip(ranked[Col.GROUP], ranked[Col.CARC], ranked[Col.RARC], strict=True)
    ]
    queue[Col.CATEGORY] = shown.effective_category(ranked).map(shown.category_words)
    # A person's formula in Denials' Follow-up Date is theirs; the queue shows only dates.
    queue[Col.FOLLOW_UP_DATE] = queue[Col.FOLLOW_UP_DATE].map(
        lambda value: value if isinstance(value, date) else None
    )
    queue.insert(WORK_QUEUE.column_names.index(Col.OWNER), Col.OWNER, owners)
    queue[Col.AS_QUEUED] = [json.dumps(_as_queued(r)) for r in frames.records(queue)]
    if previous is not None:  # columns people added to the queue keep their values by row
        extra = [c for c in previous.columns if c not in queue.columns]
        kept = previous.set_index(Col.DENIAL_ID)[extra] if extra else None
        for name in extra:
            queue[name] = queue[Col.DENIAL_ID].map(kept[name].to_dict()).astype(object)
    queue = queue.reset_index(drop=True).astype(object)
    return queue.where(queue.notna(), None)  # blanks as the sheet reads them back


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
