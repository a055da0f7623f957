"""Python values as live Excel (xlwings) receives them: text stays text, never a formula."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from addin.workbook.values import needs_text_guard


def excel_value(value):
    """A Python value as Excel should receive it; text is always stored as the same text.

    Excel re-reads typed text as a formula, number, date or boolean, and strips a leading
    apostrophe; a leading apostrophe marks such text as literal (like openpyxl's quotePrefix).
    """
    value = plain_value(value)
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return _guarded(value)
    return value


def plain_value(value):
    """numpy and pandas scalars as plain Python values; NaN, NaT and NA as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes | Decimal):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _guarded(text: str) -> str:
    return "'" + text if _excel_would_convert(text) else text


def _excel_would_convert(text: str) -> bool:
    """Whether Excel would store this text as something else (formula, number, date, …)."""
    return (
        needs_text_guard(text)
        or text.startswith(("'", "#"))
        or any(ch.isdigit() for ch in text)
        or text.strip().upper() in ("TRUE", "FALSE")
    )
