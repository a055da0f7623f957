"""Follow-up: the Follow-up sheet and its Work Queue rows, refreshed by Import and Classify."""

from __future__ import annotations

import functools
from datetime import date

import pandas as pd

from addin import followup, payers, plans, prioritize, submissions
from addin.classify import Route
from addin.workbook import frames
from addin.workbook.base import Book
from addin.workbook.layout import CLAIMS, FOLLOW_UP, PAYERS, Col, S

FOLLOW_UP_PREFIX = "FU-"  # a follow-up's Denial ID on the Work Queue: FU- + its claim key
FOLLOW_UP_CATEGORY = "follow-up"


def filing_limit_lookup(
    payer_rows: pd.DataFrame, settings: dict[str, object], *, name_profile: bool = True
):
    """(due, basis) of a claim's filing limit by (payer id, payer name, service date), from its
    payer's profile (Payers sheet over built-ins), worked out once per payer and day;
    `name_profile` adds the profile's name to the basis."""
    directory = plans.PayerDirectory.from_rows(frames.records(payer_rows))
    setting = functools.partial(prioritize.setting, settings)
    defaults = payers.Defaults(int(setting(S.DEFAULT_TIMELY_FILING_DAYS)))

    @functools.lru_cache(maxsize=1 << 14)
    def due(payer_id: str, payer: str, service_date: date | None) -> tuple[date | None, str]:
        profile = directory.find(payer_id, payer)
        found = payers.deadline(
            profile, Route.RESUBMIT, denied_on=None, service_date=service_date, defaults=defaults
        )
        if found is None:
            return None, ""
        named = profile and name_profile and "(default)" not in found.basis
        return found.due, found.basis + (f" ({profile.name})" if named else "")

    return due


def filing_limits(payer_rows: pd.DataFrame, settings: dict[str, object]) -> followup.FilingLimit:
    """The filing limit of a Claims row, from its payer's profile (Payers sheet over built-ins)."""
    due = filing_limit_lookup(payer_rows, settings)

    def limit(row: dict) -> tuple[date | None, str]:
        payer_id, payer = str(row.get(Col.PAYER_ID) or ""), str(row.get(Col.PAYER) or "")
        return due(payer_id, payer, row.get(Col.SERVICE_DATE))

    return limit


def any_submitted(claims: pd.DataFrame) -> bool:
    """Whether the Claims table holds a claim submitted through DenialDesk (an 837)."""
    return Col.SUBMISSION_LOG in claims and bool(claims[Col.SUBMISSION_LOG].notna().any())


# The Claims columns a follow-up is worked out from (besides the row's own identity and dates).
_FOLLOWED = (
    Col.SUBMISSION_LOG,
    Col.ACK_LOG,
    Col.FRONT_END_STATUS,
    Col.DAYS_WITHOUT_RESPONSE,
    Col.ORIGINAL_CLAIM_NUMBER,
)


# The Claims columns submissions.refresh_row works out again (as of a day).
_REFRESHED = (
    Col.SUBMITTED_ON,
    Col.RESUBMITTED_ON,
    Col.SUBMISSIONS,
    Col.FRONT_END_STATUS,
    Col.FRONT_END_REASON,
    Col.FIRST_RESPONSE_ON,
    Col.DAYS_WITHOUT_RESPONSE,
)


def followed(claims: pd.DataFrame) -> pd.Series:
    """Which Claims rows a follow-up can come from: a submission or answer logged, a front-end
    status, a wait counted, a replaced claim named."""
    present = [name for name in _FOLLOWED if name in claims]
    if not present or claims.empty:
        return pd.Series(False, index=claims.index)
    return claims[present].notna().any(axis=1)


def rows_to_follow(claims: pd.DataFrame) -> list[dict]:
    """Those rows as records: the claims of a big remit that were never submitted through
    DenialDesk never become dicts (issue 13's memory bound)."""
    return frames.records(claims[followed(claims)])


def with_rows(claims: pd.DataFrame, mask: pd.Series, rows: list[dict]) -> pd.DataFrame:
    """The Claims table with the refreshed front-end columns of `rows` (the `mask` rows, in
    order) written back; every other cell as it was."""
    positions = [i for i, kept in enumerate(mask.tolist()) if kept]
    frame = claims.copy(deep=False)
    for name in _REFRESHED:
        if name not in frame:
            continue
        values = frame[name].tolist()
        for position, row in zip(positions, rows, strict=True):
            values[position] = row.get(name)
        frame[name] = pd.Series(values, index=claims.index, dtype=object)
    return frame


def has_submissions(rows: list[dict]) -> bool:
    return any(row.get(Col.SUBMISSION_LOG) for row in rows)


def plan(
    claim_rows: list[dict],
    payer_rows: pd.DataFrame,
    settings: dict[str, object],
    as_of: date,
    previous: pd.DataFrame | None,
) -> tuple[pd.DataFrame, list[followup.FollowUp]]:
    """The Follow-up table as of `as_of` (claim rows get their Days Without Response again)."""
    submissions.refresh_all(claim_rows, as_of)
    setting = functools.partial(prioritize.setting, settings)
    items = followup.follow_ups(
        claim_rows, as_of, int(setting(S.FOLLOW_UP_AFTER_DAYS)), filing_limits(payer_rows, settings)
    )
    before = {}
    if previous is not None and len(previous):
        before = {str(r[Col.CLAIM_KEY]): r for r in frames.records(previous) if r[Col.CLAIM_KEY]}
    rows = followup.follow_up_rows(items, str(setting(S.FOLLOW_UP_OWNER) or ""), before)
    return frames.frame_of(rows, list(FOLLOW_UP.column_names)), items


def refresh(book: Book, claim_rows: list[dict], as_of: date) -> list[followup.FollowUp] | None:
    """Rewrite the Follow-up sheet from `claim_rows` (not saved); None when the tracker has no
    submitted claims (the sheet is then not made)."""
    if not has_submissions(claim_rows):
        return None
    book.ensure_table(FOLLOW_UP)
    frame, items = plan(
        claim_rows, book.read_table(PAYERS), book.read_settings(), as_of, book.read_table(FOLLOW_UP)
    )
    book.write_table(FOLLOW_UP, frame)
    return items


def on_queue(queue: pd.DataFrame, items: list[followup.FollowUp]) -> pd.DataFrame:
    """The Work Queue with the follow-ups after the denials (ranks go on from the last)."""
    kept = queue[~queue[Col.DENIAL_ID].astype(str).str.startswith(FOLLOW_UP_PREFIX)]
    if not items:
        return kept.reset_index(drop=True)
    ranks = pd.to_numeric(kept[Col.RANK], errors="coerce").dropna()
    start = int(ranks.max()) if len(ranks) else 0
    rows = []
    for n, item in enumerate(items, start=start + 1):
        row = item.row
        rows.append(
            {
                Col.RANK: n,
                Col.DENIAL_ID: FOLLOW_UP_PREFIX + str(row[Col.CLAIM_KEY]),
                Col.CLAIM_ID: row.get(Col.CLAIM_ID),
                Col.PAYER: row.get(Col.PAYER),
                Col.PATIENT: row.get(Col.PATIENT),
                Col.SERVICE_DATE: row.get(Col.SERVICE_DATE),
                Col.CATEGORY: FOLLOW_UP_CATEGORY,
                Col.ACTION: item.next_step,
                Col.APPEAL_DEADLINE: item.due,
                Col.DAYS_LEFT: item.days_left,
                Col.PRIORITY_REASON: followup.queue_reason(item),
            }
        )
    extra = frames.frame_of(rows, list(kept.columns))
    return pd.concat([kept, extra], ignore_index=True).astype(object)


def kept_on_queue(queue: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The rebuilt Work Queue with the follow-up rows `previous` showed, after the denials
    (ranks go on from the last)."""
    ids = previous[Col.DENIAL_ID].astype(str) if len(previous) else pd.Series([], dtype=str)
    carried = previous[ids.str.startswith(FOLLOW_UP_PREFIX)]
    if carried.empty:
        return queue
    ranks = pd.to_numeric(queue[Col.RANK], errors="coerce").dropna()
    start = int(ranks.max()) if len(ranks) else 0
    carried = carried.reindex(columns=queue.columns).copy()
    carried[Col.RANK] = range(start + 1, start + 1 + len(carried))
    merged = pd.concat([queue, carried], ignore_index=True).astype(object)
    return merged.where(merged.notna(), None)


def classify_refresh(
    book: Book, queue: pd.DataFrame, today: date, payer_rows: pd.DataFrame
) -> tuple[list, pd.DataFrame]:
    """For Classify: Claims rows and the Follow-up table as of `today` (with the Payers rows
    Classify is about to write), and the queue with the follow-ups. Returns the writes still
    to do [(spec, old, new)] and the new queue."""
    if book.column_is_blank(CLAIMS, Col.SUBMISSION_LOG):  # nothing submitted: Claims unread
        return [], on_queue(queue, [])
    claims = book.read_table(CLAIMS)
    mask = followed(claims)
    rows = frames.records(claims[mask])  # not all of Claims: only the rows followed
    if not has_submissions(rows):
        return [], on_queue(queue, [])
    book.ensure_table(FOLLOW_UP)
    previous = book.read_table(FOLLOW_UP)
    frame, items = plan(rows, payer_rows, book.read_settings(), today, previous)
    new_claims = with_rows(claims, mask, rows)
    writes = [(CLAIMS, claims, new_claims), (FOLLOW_UP, previous, frame)]
    return writes, on_queue(queue, items)
