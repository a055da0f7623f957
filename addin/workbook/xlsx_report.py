"""Report sheets (KPIs, By Payer …) rebuilt whole inside the package."""

from __future__ import annotations

from addin.workbook.xlsx_sheet import Unsupported


def write_report(book, report) -> None:
    raise Unsupported("report sheets go through openpyxl for now")
