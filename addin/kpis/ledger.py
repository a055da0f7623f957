"""KPIs of the claim ledger (837s imported): denial rate by claims submitted, clean-claim rate,
front-end rejection rate and claims without response — each with its definition and source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from addin import submissions
from addin.workbook import frames
from addin.workbook.layout import Col

SUBMITTED_RATE = "Denial rate (claims submitted)"
CLEAN_RATE = "Clean-claim rate"
REJECTION_RATE = "Front-end rejection rate"
WAITING = "Claims without response"
WAITING_DOLLARS = "Billed $ without response"
OLDEST = "Oldest without response (days)"
RATES = frozenset({SUBMITTED_RATE, CLEAN_RATE, REJECTION_RATE})
COUNTS = frozenset({WAITING, OLDEST})
MONEY = frozenset({WAITING_DOLLARS})
BY_REMITS_LABEL = "Initial denial rate (claims, by remits)"

DEFINITIONS: dict[str, str] = {
    SUBMITTED_RATE: (
        "Claims submitted through DenialDesk (an 837 imported) whose first adjudication carried "
        "a denial ÷ claims submitted (HFMA Claim Integrity Task Force, initial denial rate 1a: "
        "denominator = claims submitted). Each claim counts once however often it was sent; "
        "claims not answered yet are in the denominator, so the latest weeks read low (HFMA "
        "averages the 3 months before the reporting month for this reason)."
    ),
    CLEAN_RATE: (
        "Claims accepted and paid on their first submission — sent once, never rejected by the "
        "clearinghouse or payer front end (999/277CA), first remit without a denial — ÷ claims "
        "submitted that have an answer (a remit or a rejection) (HFMA MAP Key CL-1, clean claim "
        "rate; common target 95 %). Claims still waiting are left out."
    ),
    REJECTION_RATE: (
        "Claims submitted that a 999 or 277CA rejected at least once ÷ claims submitted "
        "(front-end rejections: the payer never received them; HFMA MAP Key CL-1 counts them "
        "against the clean-claim rate)."
    ),
    WAITING: (
        "Submitted claims with no payer answer (no remit, no rejection) since their latest "
        "submission, as of today: how many, their billed dollars, and the oldest in days "
        "(HFMA Claim Integrity Task Force: never let a claim go unworked; see the Follow-up "
        "sheet for those past Follow-up After Days)."
    ),
}


@dataclass(frozen=True, slots=True)
class LedgerFigures:
    submitted: int
    denied: int
    answered: int
    clean: int
    rejected: int
    waiting: int
    waiting_billed: Decimal
    oldest: int | None

    def rate(self, key: str) -> float | None:
        part, whole = {
            SUBMITTED_RATE: (self.denied, self.submitted),
            CLEAN_RATE: (self.clean, self.answered),
            REJECTION_RATE: (self.rejected, self.submitted),
        }[key]
        return part / whole if whole else None

    def counted(self, key: str) -> str:
        """What a rate is counted over, e.g. "45 of 359 claims submitted"."""
        part, whole, what = {
            SUBMITTED_RATE: (self.denied, self.submitted, "claims submitted"),
            CLEAN_RATE: (self.clean, self.answered, "answered claims"),
            REJECTION_RATE: (self.rejected, self.submitted, "claims submitted"),
        }[key]
        return f"{part:,} of {whole:,} {what}"


def figures(claims: pd.DataFrame, today: date) -> LedgerFigures | None:
    """The ledger figures, or None when no claim was submitted through DenialDesk."""
    if Col.SUBMISSION_LOG not in claims:
        return None
    submitted = [bool(log) for log in claims[Col.SUBMISSION_LOG].tolist()]
    rows = frames.records(claims[submitted]) if any(submitted) else []
    if not rows:
        return None
    denied = answered = clean = rejected = 0
    waiting: list[tuple[int, Decimal]] = []
    for row in rows:
        subs, acks = submissions.submissions_of(row), submissions.acks_of(row)
        first = row.get(Col.FIRST_REMIT_DATE)
        was_denied = str(row.get(Col.INITIALLY_DENIED) or "").lower() == "yes"
        was_rejected = any(a.status == submissions.REJECTED for a in acks)
        denied += bool(first) and was_denied
        rejected += was_rejected
        answered += bool(first) or was_rejected
        clean += bool(first) and not was_denied and not was_rejected and len(subs) == 1
        state = submissions.front_end(subs, acks, first, row.get(Col.LAST_REMIT_DATE))
        if state.waiting_since:
            days = max(0, (today - state.waiting_since).days)
            waiting.append((days, row.get(Col.BILLED) or Decimal(0)))
    return LedgerFigures(
        len(rows),
        denied,
        answered,
        clean,
        rejected,
        len(waiting),
        sum((b for _, b in waiting), Decimal(0)),
        max((d for d, _ in waiting), default=None),
    )
