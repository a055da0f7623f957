"""Never let a claim vanish: submitted claims no payer has answered and front-end rejections
not yet resubmitted, ranked by days left to the filing limit and dollars, with the next step."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from addin.submissions import REJECTED
from addin.workbook.layout import Col

# The next step for each reason a claim is followed up, and where that advice comes from.
RESUBMIT = (
    "Resubmit the corrected claim: fix what the rejection names, then send it again as a new "
    "claim (frequency 1) before the filing limit",
    "A front-end rejection means the payer never received the claim, so there is nothing to "
    "appeal: CMS Medicare Claims Processing Manual (Pub. 100-04) Ch. 1 §80.3.2 "
    "(unprocessable claims are returned, not denied); 277CA STC, X12 005010X214",
)
STATUS_CHECK = (
    "Check claim status with the payer (276/277 inquiry or its portal); if it has no record "
    "of the claim, resubmit it before the filing limit, keeping the proof of timely filing",
    "Claim status inquiry 276/277 is the HIPAA standard for this (45 CFR 162.1401-1403); "
    "timely filing proof: CMS Pub. 100-04 Ch. 1 §70 (42 CFR 424.44)",
)

# The filing limit of a claim row: (due date, how it was counted), from the payer's profile.
FilingLimit = Callable[[dict], tuple[date | None, str]]


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One claim to chase: why, by when, what to do."""

    row: dict
    rejected: bool
    due: date | None
    rule: str
    days_left: int | None
    next_step: str
    source: str

    @property
    def billed(self) -> Decimal:
        return self.row.get(Col.BILLED) or Decimal(0)


def _replaced_numbers(rows: Iterable[dict]) -> set[str]:
    """Payer claim numbers that a replacement claim (REF*F8) already names."""
    return {str(r[Col.ORIGINAL_CLAIM_NUMBER]) for r in rows if r.get(Col.ORIGINAL_CLAIM_NUMBER)}


def needs_follow_up(row: dict, after_days: int, replaced: set[str]) -> bool | None:
    """True: a rejection to resubmit; False: no answer for `after_days`; None: nothing to do."""
    if row.get(Col.FRONT_END_STATUS) == REJECTED:
        number = row.get(Col.PAYER_CLAIM_NUMBER)
        return None if number and str(number) in replaced else True
    waiting = row.get(Col.DAYS_WITHOUT_RESPONSE)
    if isinstance(waiting, int) and waiting >= after_days:
        return False
    return None


def follow_ups(
    rows: list[dict], as_of: date, after_days: int, filing: FilingLimit
) -> list[FollowUp]:
    """The claims to chase, fewest days to the filing limit first, then the largest billed."""
    replaced = _replaced_numbers(rows)
    found = []
    for row in rows:
        rejected = needs_follow_up(row, after_days, replaced)
        if rejected is None:
            continue
        due, rule = filing(row)
        step, source = RESUBMIT if rejected else STATUS_CHECK
        days_left = (due - as_of).days if due else None
        found.append(FollowUp(row, rejected, due, rule, days_left, step, source))
    found.sort(
        key=lambda f: (f.days_left is None, f.days_left or 0, -f.billed, str(f.row[Col.CLAIM_ID]))
    )
    return found


def follow_up_rows(items: list[FollowUp], owner: str, previous: dict[str, dict]) -> list[dict]:
    """The Follow-up table's rows; an Owner or Notes a person set on a claim's row stays."""
    out = []
    for rank, item in enumerate(items, start=1):
        row = item.row
        key = row[Col.CLAIM_KEY]
        before = previous.get(key, {})
        out.append(
            {
                Col.RANK: rank,
                Col.CLAIM_KEY: key,
                Col.CLAIM_ID: row.get(Col.CLAIM_ID),
                Col.PAYER: row.get(Col.PAYER),
                Col.PATIENT: row.get(Col.PATIENT),
                Col.SERVICE_DATE: row.get(Col.SERVICE_DATE),
                Col.BILLED: row.get(Col.BILLED),
                Col.SUBMITTED_ON: row.get(Col.RESUBMITTED_ON) or row.get(Col.SUBMITTED_ON),
                Col.FRONT_END_STATUS: row.get(Col.FRONT_END_STATUS),
                Col.FRONT_END_REASON: row.get(Col.FRONT_END_REASON),
                Col.DAYS_WITHOUT_RESPONSE: row.get(Col.DAYS_WITHOUT_RESPONSE),
                Col.FILING_DEADLINE: item.due,
                Col.DAYS_LEFT: item.days_left,
                Col.DEADLINE_RULE: item.rule or None,
                Col.NEXT_STEP: item.next_step,
                Col.SOURCE: item.source,
                Col.OWNER: before.get(Col.OWNER) or owner,
                Col.NOTES: before.get(Col.NOTES),
            }
        )
    return out


def queue_reason(item: FollowUp) -> str:
    """Why a follow-up is on the Work Queue, in one line."""
    row = item.row
    if item.rejected:
        why = f"Rejected before the payer saw it: {row.get(Col.FRONT_END_REASON) or 'no reason'}"
    else:
        why = f"No payer answer {row.get(Col.DAYS_WITHOUT_RESPONSE)} days after it was sent"
    if item.days_left is not None:
        why += f"; filing limit in {item.days_left} days"
    return why + f"; ${item.billed:,.2f} billed"
