"""Named Excel tables and their drop-down validations on openpyxl sheets (template and Book)."""

from __future__ import annotations

import copy

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.table import Table, TableStyleInfo

from addin.workbook.layout import SHEET_ORDER, SheetSetup, TableSpec, freeze_cell, sheet_setup
from addin.workbook.values import LINE_POINTS, wrapped_lines

WRAPPED = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")  # beside wrapped text in the same row


def add_table(sheet, spec: TableSpec) -> None:
    for index, column in enumerate(spec.columns, start=1):
        sheet.cell(1, index, column.name)
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width, dimension.hidden = column.width, column.hidden
    last = get_column_letter(len(spec.columns))
    table = Table(displayName=spec.name, ref=f"A1:{last}2")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    apply_table_setup(sheet, spec, spec.column_names)
    for index, column in enumerate(spec.columns, start=1):
        if column.choices:
            set_list_validation(sheet, index, column.choices, 2, 2)


def apply_table_setup(sheet, spec: TableSpec, columns: tuple[str, ...]) -> None:
    """Freeze the header row (and the identifying columns layout.SHEET_SETUPS names) of a
    table whose header is row 1 and whose columns are `columns`, and set up its printing."""
    setup = sheet_setup(spec.sheet)
    sheet.freeze_panes = freeze_cell(spec, setup, columns) if setup else "A2"
    if setup is None:
        return
    apply_print_setup(sheet, setup, columns)
    if setup.header_lines > 1:  # narrow columns keep long names readable ("Days Left")
        widths = {c.name: c.width for c in spec.columns if not c.hidden}
        lines = max(wrapped_lines(n, widths[n]) for n in columns if n in widths)
        sheet.row_dimensions[1].height = LINE_POINTS * max(lines, setup.header_lines)
        for index in range(1, len(columns) + 1):
            sheet.cell(1, index).alignment = WRAPPED


# Excel's "Narrow" margins (inches): the printed columns get the page's width
NARROW = PageMargins(left=0.25, right=0.25, top=0.75, bottom=0.75, header=0.3, footer=0.3)


def apply_print_setup(sheet, setup: SheetSetup, columns: tuple[str, ...] = ()) -> None:
    """Landscape (or not), so many pages wide and any height, title rows on every page; with
    `print_through`, only the columns up to it, on narrow margins, with a footer."""
    sheet.page_setup.orientation = "landscape" if setup.landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = setup.fit_width
    sheet.page_setup.fitToHeight = 0
    if setup.title_rows:
        sheet.print_title_rows = setup.title_rows
    if setup.print_through in columns:
        last = get_column_letter(columns.index(setup.print_through) + 1)
        sheet.print_area = f"A1:{last}1048576"  # whole columns: every row the table gets
        sheet.page_margins = copy.copy(NARROW)
        sheet.oddFooter.left.text = "&A"  # the sheet's name
        sheet.oddFooter.center.text = "Page &P of &N"
        sheet.oddFooter.right.text = "Printed &D"


def add_table_sheet(workbook: Workbook, spec: TableSpec) -> None:
    """Add `spec`'s sheet (at its place in SHEET_ORDER, or last) with an empty table."""
    order = list(SHEET_ORDER)
    index = len(workbook.sheetnames)
    if spec.sheet in order:
        later = set(order[order.index(spec.sheet) + 1 :])
        index = next((i for i, name in enumerate(workbook.sheetnames) if name in later), index)
    sheet = (
        workbook[spec.sheet]
        if spec.sheet in workbook.sheetnames
        else workbook.create_sheet(spec.sheet, index)
    )
    add_table(sheet, spec)


def set_list_validation(
    worksheet, column: int, list_name: str, first_row: int, last_row: int
) -> None:
    """A drop-down from a named list on a table column, with room for rows added in Excel."""
    letter = get_column_letter(column)
    sqref = f"{letter}{first_row}:{letter}{max(last_row, first_row + 500)}"
    _validation_for(worksheet, list_name).sqref = MultiCellRange(sqref)


def _validation_for(worksheet, list_name: str) -> DataValidation:
    formula = f"={list_name}"
    for validation in worksheet.data_validations.dataValidation:
        if validation.formula1 in (formula, list_name):
            return validation
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not in the list",
        error=f"Pick a value from the {list_name} list (sheet Lists).",
    )
    worksheet.add_data_validation(validation)
    return validation
