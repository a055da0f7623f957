"""Element values → Python values (Decimal money, dates) without raising on bad input."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
_TOO_LARGE = Decimal("1e12")
_CACHE_LIMIT = 50_000
_MISSING = object()
_DECIMALS: dict[str, Decimal | None] = {}
_DATES: dict[str, date | None] = {}


def to_decimal(text: str) -> Decimal | None:
    """An X12 numeric (R/N) value as Decimal; None when empty or not a finite number."""
    value = _DECIMALS.get(text, _MISSING)
    if value is _MISSING:
        value = _parse_decimal(text)
        if len(_DECIMALS) < _CACHE_LIMIT:  # remits repeat the same few amounts endlessly
            _DECIMALS[text] = value
    return value


def _parse_decimal(text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and abs(value) < _TOO_LARGE else None


def to_date(text: str) -> date | None:
    """A CCYYMMDD (or YYMMDD) date; None when empty, not a real date, or outside 1900–2099."""
    value = _DATES.get(text, _MISSING)
    if value is _MISSING:
        value = _parse_date(text)
        if len(_DATES) < _CACHE_LIMIT:  # a remit repeats a few dozen dates thousands of times
            _DATES[text] = value
    return value


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not text.isdigit():
        return None
    try:
        if len(text) == 8:
            year = int(text[:4])
            return date(year, int(text[4:6]), int(text[6:])) if 1900 <= year <= 2099 else None
        if len(text) == 6:
            return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None
    return None


def money_text(value: Decimal | None) -> str | None:
    """Money as a string with two decimals (JSON output), None stays None."""
    return None if value is None else str(value.quantize(CENT))


_CODE = re.compile(r"[A-Za-z0-9]{1,5}")


def code_shown(text: str) -> str:
    """A code element (qualifier, group, reason) as a finding may name it: codes are short
    letters and digits; anything else is a damaged field whose content is never repeated."""
    text = text.strip()
    return text if _CODE.fullmatch(text) else "(unreadable code)"
