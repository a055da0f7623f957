"""The Work Queue table: open denials in rank order, with the columns a biller needs to act."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import pandas as pd

from addin.work_queue import shown
from addin.work_queue.edits import QUEUE_EDITABLE, as_queued, column_or_blank
from addin.workbook.layout import SUGGESTED_MARK, WORK_QUEUE, Col


def build_queue(
    denials: pd.DataFrame, queued: Sequence[bool], previous: pd.DataFrame | None
) -> pd.DataFrame:
    """The queue from the Denials table as Classify leaves it: the `queued` rows (open
    denials, ranked), a person's Owner else the suggestion, and columns people added to the
    previous queue kept by row."""
    queued = pd.Series(queued, index=denials.index, dtype=bool)
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
    edited = zip(*(queue[name].tolist() for name in QUEUE_EDITABLE), strict=True)
    queue[Col.AS_QUEUED] = [json.dumps(as_queued(cells)) for cells in edited]
    if previous is not None:  # columns people added to the queue keep their values by row
        extra = [c for c in previous.columns if c not in queue.columns]
        kept = previous.set_index(Col.DENIAL_ID)[extra] if extra else None
        for name in extra:
            queue[name] = queue[Col.DENIAL_ID].map(kept[name].to_dict()).astype(object)
    queue = queue.reset_index(drop=True).astype(object)
    return queue.where(queue.notna(), None)  # blanks as the sheet reads them back
