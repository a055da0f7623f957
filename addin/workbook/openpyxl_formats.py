"""Row highlights of a table as conditional formatting (openpyxl): Excel and LibreOffice both
render them, and they stay with the rows when people sort or filter the table."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import WorkbookLayoutError
from addin.workbook.base import OUR_HIGHLIGHT, SPARE_ROWS, Highlight


def apply_highlights(worksheet: Worksheet, table: Table, highlights: Sequence[Highlight]) -> None:
    """Replace the highlights DenialDesk set on `table`'s rows with `highlights`.

    Each highlight colours a whole row when its `column` holds a number within
    [minimum, maximum]; blank cells never match (a closed denial has no Days Left).
    """
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    header = {
        str(worksheet.cell(min_row, c).value or "").strip(): c for c in range(min_col, max_col + 1)
    }
    first, last = min_row + 1, max(max_row, min_row + 1 + SPARE_ROWS)
    area = f"{get_column_letter(min_col)}{first}:{get_column_letter(max_col)}{last}"
    _remove_ours(worksheet)
    for highlight in highlights:
        if highlight.column not in header:
            raise WorkbookLayoutError(
                f"table {table.displayName} on sheet '{worksheet.title}' has no "
                f"'{highlight.column}' column to highlight by; put the column back."
            )
        cell = f"${get_column_letter(header[highlight.column])}{first}"
        worksheet.conditional_formatting.add(area, _rule(cell, highlight))


def _rule(cell: str, highlight: Highlight) -> Rule:
    style = DifferentialStyle(
        fill=PatternFill(fill_type="solid", bgColor=highlight.fill, fgColor=highlight.fill),
        font=Font(color=highlight.font),
    )
    rule = Rule(type="expression", dxf=style, stopIfTrue=True)
    rule.formula = [highlight.condition(cell)]
    return rule


def _remove_ours(worksheet: Worksheet) -> None:
    """Drop the rules an earlier run added; anything a person added stays."""
    kept = ConditionalFormattingList()
    for formatting in worksheet.conditional_formatting:
        for rule in formatting.rules:
            if not any(OUR_HIGHLIGHT.match(f) for f in rule.formula or ()):
                rule.priority = 0  # renumbered in order, so ours never collide with theirs
                kept.add(str(formatting.sqref), rule)
    worksheet.conditional_formatting = kept
