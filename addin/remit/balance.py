"""The 835 balancing rules, reported as findings (an unbalanced remit still has to be tracked)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from addin.remit.models import ProviderAdjustment

ZERO = Decimal(0)


def _total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """Sum of amounts, or None when any of them could not be read."""
    total = ZERO
    for amount in amounts:
        if amount is None:
            return None
        total += amount
    return total


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def line_findings(number: int, charge, paid, adjusted: Decimal | None) -> list[str]:
    """Service line rule: SVC02 charge − SVC03 paid = Σ line adjustments (`adjusted`)."""
    if charge is None or paid is None or adjusted is None:
        return []  # the unreadable amount has its own finding
    gap = charge - paid - adjusted
    if not gap:
        return []
    return [
        f"line {number} does not balance: charge {_fmt(charge)} − paid {_fmt(paid)} ≠ "
        f"adjustments {_fmt(adjusted)} (off by {_fmt(gap)})"
    ]


def claim_findings(charge, paid, adjusted: Decimal | None) -> list[str]:
    """Claim rule: CLP03 charge − CLP04 paid = Σ claim- and line-level adjustments."""
    if charge is None or paid is None or adjusted is None:
        return []
    gap = charge - paid - adjusted
    if not gap:
        return []
    return [
        f"claim does not balance: charge {_fmt(charge)} − paid {_fmt(paid)} ≠ "
        f"adjustments {_fmt(adjusted)} (off by {_fmt(gap)})"
    ]


def transaction_findings(
    payment: Decimal | None,
    claims_paid: Decimal,
    provider_adjustments: Iterable[ProviderAdjustment],
) -> list[str]:
    """Transaction rule: BPR02 payment = Σ CLP04 claim payments − Σ PLB provider adjustments."""
    plb = _total(p.amount for p in provider_adjustments)
    if payment is None or plb is None:
        return []
    gap = payment - (claims_paid - plb)
    if gap == 0:
        return []
    return [
        f"payment {_fmt(payment)} ≠ claims paid {_fmt(claims_paid)} − provider adjustments "
        f"{_fmt(plb)} (off by {_fmt(gap)})"
    ]
