"""Which claim adjustments are denials, and (later) why: an ordered, readable rule table."""

from __future__ import annotations

from decimal import Decimal

from addin import codes

_WORKABLE_PATIENT_CATEGORIES = frozenset({"eligibility", "coordination_of_benefits"})


def is_denial(
    group: str, carc: str, amount: Decimal | None, *, claim_status: str, service_paid_zero: bool
) -> bool:
    """True when an adjustment is money the practice can still win back, not a normal write-off.

    Patient cost share (PR-1/2/3) and contractual allowances (CO-45) are not denials. A code
    whose meaning depends on context (e.g. CO-97 bundling) is a denial when the service it
    adjusts was paid nothing. Unknown codes under CO/PI/OA count, so a person looks at them.
    """
    if amount is None or amount <= 0 or group == "CR" or claim_status == "22":
        return False
    info = codes.carc_table().get(codes.normalise_code(carc))
    if info is None:
        return group in ("CO", "PI", "OA")
    if info.is_denial == "N":
        return False
    if group == "PR":
        return info.category in _WORKABLE_PATIENT_CATEGORIES
    if info.is_denial == "depends":
        return service_paid_zero or claim_status == "4"
    return True
