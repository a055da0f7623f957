"""Which kind of letter a denial needs: remedy × plan type × contract (pure).

| Remedy    | Plan type                              | Letter                       |
|-----------|----------------------------------------|------------------------------|
| Reopening | any                                    | reopening_request            |
| Appeal    | Original Medicare                      | medicare_redetermination     |
| Appeal    | Original Medicare, timely filing       | reopening_request (424.44(b))|
| Appeal    | Medicare Advantage, not contracted/unknown | ma_reconsideration (+ WoL) |
| Appeal    | anything else (commercial, Medicaid, MA contracted, TRICARE, FEP …) | payer_appeal |

Sources: 42 CFR 405.940–405.944 (redetermination), 405.980 and Pub 100-04 ch.34 §10.6
(reopening), 424.44(b) (timely-filing exceptions), 422.578(b)(3) and Medicare Managed Care
Manual ch.13 (non-contracted provider's reconsideration with a Waiver of Liability).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from addin.remedies import PlanType, Remedy

REDETERMINATION = "medicare_redetermination"
MA_RECONSIDERATION = "ma_reconsideration"
PAYER_APPEAL = "payer_appeal"
REOPENING = "reopening_request"
BUILT_IN_KINDS = (REDETERMINATION, MA_RECONSIDERATION, PAYER_APPEAL, REOPENING)
# What each built-in letter serves (for `denialdesk letters --list-templates`).
KIND_USE = {
    REDETERMINATION: "Original Medicare appeals (redetermination by the MAC)",
    MA_RECONSIDERATION: "Medicare Advantage appeals when not contracted (Waiver of Liability)",
    PAYER_APPEAL: "appeals to every other plan (commercial, Medicaid, contracted MA, TRICARE …)",
    REOPENING: "reopenings (clerical errors); Original Medicare timely filing (424.44(b))",
}
# Remedies a letter carries out; the others are done without one (a corrected claim, billing
# another payer or the patient, a write-off).
LETTER_REMEDIES = frozenset({Remedy.APPEAL, Remedy.REOPENING})


@dataclass(frozen=True, slots=True)
class LetterKind:
    """The built-in letter a group of denials gets, and how it names its request."""

    name: str
    title: str  # "Request for Redetermination"
    noun: str  # "redetermination"


def letter_kind(
    remedy: Remedy | None,
    plan: PlanType | None,
    *,
    category: str = "",
    contracted: bool | None = None,
    first_appeal: str = "",
) -> LetterKind:
    """The letter for a remedy under a plan (see the table above)."""
    if remedy is Remedy.REOPENING or (
        plan is PlanType.ORIGINAL_MEDICARE and category == "timely_filing"
    ):
        return LetterKind(REOPENING, "Request for Reopening", "reopening")
    if plan is PlanType.ORIGINAL_MEDICARE:
        return LetterKind(REDETERMINATION, "Request for Redetermination", "redetermination")
    if plan is PlanType.MEDICARE_ADVANTAGE and contracted is not True:
        return LetterKind(
            MA_RECONSIDERATION,
            "Request for Reconsideration (Medicare Advantage)",
            "reconsideration",
        )
    words = first_appeal.lower()
    if "appeal" in words and "reconsideration" not in words:
        return LetterKind(PAYER_APPEAL, "Request for Appeal", "appeal")
    return LetterKind(PAYER_APPEAL, "Request for Reconsideration", "reconsideration")


def contracted_with(value: object, profile_name: object = "") -> bool | None:
    """Payers › Contracted (Yes/No); blank: what the profile's name says ("… (non-contracted)"),
    else not known (None)."""
    text = str(value or "").strip().lower()
    if text in ("yes", "y", "true", "1", "x"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    name = str(profile_name or "").lower()
    if re.search(r"\bnon-?contracted\b|\bnot contracted\b|out of network", name):
        return False
    if re.search(r"\bcontracted\b", name):
        return True
    return None
