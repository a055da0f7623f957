"""Which denials get a letter now, in priority order, and why the others do not (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from addin.codes import normalise_code
from addin.denials import yes_no
from addin.letters.context import effective_category
from addin.letters.fields import clean_text
from addin.letters.kinds import LETTER_REMEDIES
from addin.payers import is_original_medicare
from addin.plans import PayerDirectory
from addin.remedies import Remedy
from addin.workbook.layout import CLOSED_STATUSES, STATUSES, Col

APPEAL_DRAFTED = "Appeal Drafted"


NOT_CLASSIFIED = "not classified yet: run Classify & Prioritize first"
SOFT_DENIAL = "soft denial: resubmit a corrected claim instead"
NOT_AN_APPEAL = "the recommended action is not an appeal"
HAS_LETTER = (
    "already has a letter (to draft a new one: delete or move its file and set Letter? to Yes, "
    "or use --rows)"
)
LETTER_FILE_MISSING = (
    "its letter file is missing (moved or deleted): set Letter? to Yes to draft it again"
)
MEDICARE_TIMELY_FILING = (
    "Medicare: a timely-filing denial cannot be appealed; ask for a reopening only if the late "
    "filing was Medicare's administrative error"
)
OPTED_OUT = "Letter? is No"
PAST_DEADLINE = (
    "past its deadline: set Letter? to Yes (or use --rows) to draft it with a good-cause "
    "paragraph to complete"
)
NOT_APPEALABLE = "Appealable is No: the remedy is not an appeal"
# The first phrase of the Action that speaks of an appeal decides: "Do not appeal: …" and
# "… — not an appeal" rule it out; "Appeal only with proof …; Medicare: not appealable" is an
# appeal (the exception comes later). Disputes and reprocessing requests are appeals too.
_APPEAL_WORDS = re.compile(
    r"(?P<no>\b(?:do not|don't|not|no|instead of)\s+(?:an?\s+)?appeal)"
    r"|(?P<yes>\b(?:appeal|dispute|reconsideration|redetermination|ask the payer to reprocess))"
)


@dataclass(frozen=True, slots=True)
class Skip:
    denial_id: str
    reason: str


@dataclass(slots=True)
class Selection:
    """The rows to write letters for, in priority order, and the rows passed over with why."""

    chosen: list[Mapping[str, object]] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def appeal_verdict(action: object, denial_type: object) -> str | None:
    """None when the recommended action is an appeal; otherwise why a letter is not the step."""
    first = _APPEAL_WORDS.search(str(action or "").lower())
    if first is not None:
        return None if first["yes"] else NOT_AN_APPEAL
    return SOFT_DENIAL if str(denial_type or "").strip().lower() == "soft" else NOT_AN_APPEAL


# The Action's first sentence or clause ("…; …", "… — …", "…. …"), without a "Do not appeal:"
# lead-in (the reason says that already).
_FIRST_CLAUSE = re.compile(
    r"^(?:(?:do not|don't)\s+appeal\s*[:;,]\s*)?(?P<clause>.+?)(?:;|\s—\s|\.\s|\.?$)",
    re.IGNORECASE | re.DOTALL,
)


def instead(action: object) -> str:
    """What to do instead of an appeal: the first sentence or clause of the Action."""
    found = _FIRST_CLAUSE.match(clean_text(action))
    return found["clause"].strip() if found else ""


def not_an_appeal(action: object) -> str:
    """`the recommended action is not an appeal; instead: <first clause of the Action>`."""
    step = instead(action)
    return f"{NOT_AN_APPEAL}; instead: {step}" if step else NOT_AN_APPEAL


def is_timely_filing(row: Mapping[str, object]) -> bool:
    """A timely-filing denial: CARC 29, or categorised (or overridden) as timely filing."""
    return effective_category(row) == "timely_filing" or normalise_code(row.get(Col.CARC)) == "29"


def skip_reason(
    row: Mapping[str, object],
    *,
    explicit: bool,
    plan_type: object = "",
    letter_file_exists: bool = True,
    today: date | None = None,
) -> str | None:
    """Why this row gets no letter now (None: it gets one). `explicit`: named with --rows;
    `plan_type`: the Plan Type of the payer's profile; `letter_file_exists`: whether the file
    the row's Letter links to is still there; `today`: past the Appeal Deadline, only a
    person's Letter? = Yes or --rows drafts a letter (with a good-cause paragraph).

    The Remedy column (Classify) decides whether a letter is the step: Appeal and Reopening
    are; without a Remedy (an older tracker), the Action's wording decides, as before.

    A row with a letter is passed over while that file exists (so a Letter? left on Yes never
    drafts again and again); once a person deletes or moves it, Letter? = Yes drafts anew.
    """
    status = clean_text(row.get(Col.STATUS))
    if status in CLOSED_STATUSES:
        return f"closed ({status})"
    if not effective_category(row):
        return NOT_CLASSIFIED
    if explicit:
        return None
    wanted = yes_no(row.get(Col.LETTER_WANTED))
    if wanted is False:
        return OPTED_OUT
    if clean_text(row.get(Col.LETTER)):
        if letter_file_exists:
            return HAS_LETTER
        return None if wanted else LETTER_FILE_MISSING
    if wanted:
        return None
    reason = _remedy_reason(row, plan_type)
    if reason is None and today is not None and is_late(row, today):
        return PAST_DEADLINE
    return reason


def _remedy_reason(row: Mapping[str, object], plan_type: object) -> str | None:
    """Why the row's remedy is not a letter (None: it is)."""
    action = row.get(Col.ACTION)
    remedy = Remedy.from_label(row.get(Col.REMEDY))
    if remedy is not None:
        if remedy not in LETTER_REMEDIES:
            step = instead(action)
            reason = f"the remedy is {remedy.label.lower()}, not a letter"
            return f"{reason}; instead: {step}" if step else reason
        if remedy is Remedy.APPEAL and yes_no(row.get(Col.APPEALABLE)) is False:
            return NOT_APPEALABLE
        return None
    if not clean_text(action):
        return NOT_CLASSIFIED
    if is_timely_filing(row) and is_original_medicare(plan_type):
        return MEDICARE_TIMELY_FILING
    verdict = appeal_verdict(action, row.get(Col.TYPE))
    return not_an_appeal(action) if verdict == NOT_AN_APPEAL else verdict


def is_late(row: Mapping[str, object], today: date) -> bool:
    """Past the row's deadline: Appeal Deadline (a reopening: Corrected Claim Deadline first)."""
    deadline = row.get(Col.APPEAL_DEADLINE)
    if Remedy.from_label(row.get(Col.REMEDY)) is Remedy.REOPENING:
        deadline = row.get(Col.CORRECTED_CLAIM_DEADLINE) or deadline
    if isinstance(deadline, datetime):
        deadline = deadline.date()
    return isinstance(deadline, date) and deadline < today


def priority_key(row: Mapping[str, object]) -> tuple:
    """Rank first (when Classify & Prioritize ranked the row), then deadline, then amount."""
    rank = row.get(Col.RANK)
    deadline = row.get(Col.APPEAL_DEADLINE)
    amount = row.get(Col.DENIED_AMOUNT) or Decimal(0)
    return (
        rank is None,
        rank or 0,
        deadline is None,
        deadline or date.max,
        -amount,
        str(row.get(Col.DENIAL_ID)),
    )


def select_for_letters(
    rows: Iterable[Mapping[str, object]],
    *,
    wanted_ids: Sequence[str] | None = None,
    directory: PayerDirectory | None = None,
    letter_exists: Callable[[object], bool] = lambda link: True,
    today: date | None = None,
) -> Selection:
    """Default: open, classified denials whose action is an appeal and that have no letter yet
    (not Original Medicare's timely-filing denials), plus rows whose Letter? is Yes and whose
    letter file, if any, is gone. With `wanted_ids`, exactly those denials (even with a
    letter). `directory` finds each payer's profile, as Classify does; `letter_exists` tells
    whether a Letter link's file is there."""
    wanted = set(wanted_ids or ())
    selection = Selection()
    for row in sorted(rows, key=priority_key):
        denial_id = str(row.get(Col.DENIAL_ID))
        if wanted and denial_id not in wanted:
            continue
        link = row.get(Col.LETTER)
        reason = skip_reason(
            row,
            explicit=bool(wanted),
            plan_type=plan_type(row, directory),
            letter_file_exists=not clean_text(link) or letter_exists(link),
            today=today,
        )
        if reason is None:
            selection.chosen.append(row)
        else:
            selection.skipped.append(Skip(denial_id, reason))
    return selection


def status_after_letter(status: object) -> str:
    """Appeal Drafted, unless a person already moved the row further (or used their own word)."""
    current = clean_text(status)
    if not current:
        return APPEAL_DRAFTED
    if current not in STATUSES:
        return current
    return APPEAL_DRAFTED if STATUSES.index(current) < STATUSES.index(APPEAL_DRAFTED) else current


# -- where things are --------------------------------------------------------------------


def find_payer(
    directory: PayerDirectory, denial: Mapping[str, object]
) -> Mapping[str, object] | None:
    """The Payers row for a denial's payer, found as Classify finds its profile (payer id,
    then name or another name remits use; case and punctuation ignored)."""
    return directory.find_row(denial.get(Col.PAYER_ID), denial.get(Col.PAYER))[0]


def plan_type(denial: Mapping[str, object], directory: PayerDirectory | None) -> str:
    """The Plan Type of the profile that matches the denial's payer ("" when none does)."""
    if directory is None:
        return ""
    profile = directory.find_row(denial.get(Col.PAYER_ID), denial.get(Col.PAYER))[1]
    return profile.plan_type if profile else ""
