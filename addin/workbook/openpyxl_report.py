"""Writes a Report into an openpyxl workbook: values only, Excel tables, native charts, notes.

openpyxl never recalculates, so every figure is written as a value. The sheet is deleted and
made again at the same place, so a refresh leaves nothing of the previous one behind.
"""

from __future__ import annotations

import functools
import math
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RichTextProperties,
)
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.workbook.layout import (
    DATE_FORMAT,
    PERCENT_FORMAT,
    SHEET_ORDER,
    SheetSetup,
    sheet_setup,
)
from addin.workbook.openpyxl_tables import apply_print_setup
from addin.workbook.report import (
    NO_DATA,
    ChartKind,
    ChartSpec,
    Fmt,
    Page,
    Report,
    ReportTable,
    Tile,
    lay_out,
)
from addin.workbook.values import needs_text_guard, safe_text

CURRENCY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'  # report money reads as money at a glance
NUMBER_FORMATS = {
    Fmt.INT: "#,##0",
    Fmt.NUMBER: "0.0",
    Fmt.MONEY: CURRENCY_FORMAT,
    Fmt.PERCENT: PERCENT_FORMAT,
    Fmt.DATE: DATE_FORMAT,
}
SIGNED_FORMATS = {  # a change shows its sign
    Fmt.INT: "+#,##0;-#,##0;0",
    Fmt.NUMBER: "+0.0;-0.0;0.0",
    Fmt.MONEY: "+#,##0.00;[Red]-#,##0.00;0.00",
    Fmt.PERCENT: "+0.0%;-0.0%;0.0%",
}
AXIS_FORMATS = {Fmt.PERCENT: "0%", Fmt.MONEY: "#,##0", Fmt.INT: "0", Fmt.NUMBER: "0"}
TILE_HEADERS = ("KPI", "Value", "Target", "Previous (same span)", "Change", "Trend", "Counted over")
TILE_NUMBERS = frozenset(TILE_HEADERS[1:5])
DEFINITION_HEADER = "Definition (in full below)"
TABLE_STYLE = "TableStyleMedium2"
FONT = "Calibri"  # named: a font without a name is drawn in a serif fallback by LibreOffice
TITLE = Font(name=FONT, bold=True, size=16)
HEADING = Font(name=FONT, bold=True, size=12)
NOTE = Font(name=FONT, italic=True, color="595959")
HEADER = Font(name=FONT, bold=True, color="FFFFFF")
BOLD = Font(name=FONT, bold=True)
PLAIN = Font(name=FONT)
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
TREND_FONTS = {
    "improving": Font(name=FONT, bold=True, color="006100"),
    "worsening": Font(name=FONT, bold=True, color="9C0006"),
}
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_WRAP = Alignment(wrap_text=True, vertical="bottom")
HEADER_WRAP_RIGHT = Alignment(wrap_text=True, vertical="bottom", horizontal="right")
CHART_WIDTH_CM, CHART_HEIGHT_CM = 16.0, 8.0
CM_PER_WIDTH_UNIT = 0.2  # one unit of Excel column width is about 7 px ≈ 0.19 cm
FIRST_COLUMN_WIDTH, MIN_WIDTH, MAX_WIDTH = 36, 8, 40
# The headline block's columns (KPI, value, target, previous, change, trend, counted over,
# source): 1,167 px together at 100 % zoom, so one 1366×768 screen shows all of them (a sheet
# gets about 1,300 px of it beside the row numbers and the scroll bar). Tables below use the
# same columns: their headers and long text wrap instead of widening them.
TILE_WIDTHS = (40, 13, 9, 12, 10, 11, 32, 34)
SCREEN_PX = 1300  # notes and definitions wrap within this width, never past the screen's edge
CHARS_PER_WIDTH_UNIT = 1.05  # wrapped text: characters per unit of column width (estimate)
LINE_HEIGHT = 15.0  # points per wrapped line
BOLD_WIDTH = 1.15  # bold header text is wider than the digits column widths are measured in
HEADER_LINES = 3  # a table's header names wrap over at most so many lines


def write_report(workbook: Workbook, report: Report) -> None:
    """Rewrite `report.sheet` completely: heading, tiles, charts, tables, definitions."""
    sheet = fresh_sheet(workbook, report.sheet)
    page = _Page(sheet, _widths(sheet, report))
    parts = Page(
        heading=functools.partial(_heading, page),
        tiles=functools.partial(_tiles, page),
        table=functools.partial(_table, page),
        notes=functools.partial(_notes, page),
    )
    for slot in lay_out(report, parts):
        column = page.column_after(CHART_WIDTH_CM + 0.5) if slot.right else 1
        header_row, body_rows = slot.placed
        drawing = _chart(slot.chart, report.table(slot.chart.table), sheet, header_row, body_rows)
        if slot.chart.wide:
            drawing.width = 2 * CHART_WIDTH_CM + 0.5  # the band's two charts and their gap
        sheet.add_chart(drawing, f"{get_column_letter(column)}{slot.row}")
    apply_print_setup(sheet, sheet_setup(report.sheet) or SheetSetup(title_rows=""))


class _Page:
    """A sheet with known column widths, for text that must wrap within the report's width."""

    def __init__(self, sheet: Worksheet, widths: dict[int, float]):
        self.sheet = sheet
        self.widths = widths
        self.span = on_screen(widths)  # paragraphs wrap within one screen's width

    def paragraph(self, row: int, text: str, first: int = 1, font: Font = NOTE) -> None:
        """`text` wrapped across columns first…span of `row`, the row as tall as it needs."""
        cell = _put(self.sheet, row, first, text)
        cell.font, cell.alignment = font, WRAP
        if self.span > first:
            self.sheet.merge_cells(
                start_row=row, start_column=first, end_row=row, end_column=self.span
            )
        width = sum(self.widths.get(c, MIN_WIDTH) for c in range(first, self.span + 1))
        self.sheet.row_dimensions[row].height = LINE_HEIGHT * _lines(text, width)

    def header_row(self, row: int, names, numbers) -> None:
        """A table's header: white on blue, names wrapped, numbers' names to the right."""
        lines = 1
        for col, name in enumerate(names, start=1):
            cell = _put(self.sheet, row, col, name)  # text, never a formula (payer names)
            cell.font, cell.fill = HEADER, HEADER_FILL
            cell.alignment = HEADER_WRAP_RIGHT if name in numbers else HEADER_WRAP
            lines = max(lines, _lines(name, self.widths.get(col, MIN_WIDTH) / BOLD_WIDTH))
        if lines > 1:
            self.sheet.row_dimensions[row].height = LINE_HEIGHT * lines

    def fit_row(self, row: int, texts) -> None:
        """Wrap the text cells of `row` that are wider than their column; the row grows."""
        lines = 1
        for col, text in enumerate(texts, start=1):
            if isinstance(text, str) and text:
                needed = _lines(text, self.widths.get(col, MIN_WIDTH))
                if needed > 1:
                    self.sheet.cell(row, col).alignment = WRAP
                    lines = max(lines, needed)
        if lines > 1:
            self.sheet.row_dimensions[row].height = LINE_HEIGHT * lines
            for col in range(1, len(texts) + 1):  # the row's figures beside its first line
                cell = self.sheet.cell(row, col)
                cell.alignment = Alignment(
                    horizontal=cell.alignment.horizontal,
                    vertical="top",
                    wrap_text=cell.alignment.wrap_text,
                )

    def column_after(self, centimetres: float) -> int:
        """The first column that starts at least `centimetres` from the sheet's left edge."""
        col, used = 1, 0.0
        while used < centimetres:
            used += self.widths.get(col, MIN_WIDTH) * CM_PER_WIDTH_UNIT
            col += 1
        return col


def _lines(text: str, width: float) -> int:
    """Lines `text` takes wrapped in `width` units (each paragraph of it on its own lines)."""
    room = max(width * CHARS_PER_WIDTH_UNIT, 1)
    return max(sum(math.ceil(max(len(part), 1) / room) for part in text.split("\n")), 1)


def column_px(width: float) -> int:
    """A column's width on screen at 100 % zoom: 7 px per unit (Calibri 11) plus 5 px."""
    return int(width * 7 + 5)


def on_screen(widths: dict[int, float]) -> int:
    """The last column that one 1366×768 screen shows whole (at least the first)."""
    used, last = 0, 1
    for col in range(1, max(widths) + 1):
        used += column_px(widths.get(col, MIN_WIDTH))
        if used > SCREEN_PX:
            break
        last = col
    return last


def fresh_sheet(workbook: Workbook, name: str) -> Worksheet:
    """An empty sheet called `name` where the old one was (or where SHEET_ORDER puts it)."""
    if name in workbook.sheetnames:
        old = workbook[name]
        index = workbook.sheetnames.index(name)
        active = workbook.active is old
        selected = bool(old.sheet_view.tabSelected)
        workbook.remove(old)
        sheet = workbook.create_sheet(name, index)
        sheet.sheet_view.tabSelected = selected
        if active:
            workbook.active = index
        return sheet
    return workbook.create_sheet(name, _place_for(workbook, name))


def _place_for(workbook: Workbook, name: str) -> int:
    if name not in SHEET_ORDER:
        return len(workbook.sheetnames)
    later = set(SHEET_ORDER[SHEET_ORDER.index(name) + 1 :])
    found = (i for i, sheet in enumerate(workbook.sheetnames) if sheet in later)
    return next(found, len(workbook.sheetnames))


# -- cells -----------------------------------------------------------------------------------


def _put(sheet: Worksheet, row: int, col: int, value: object, fmt: Fmt = Fmt.TEXT, signed=False):
    """Write one value; text is always text (never a formula), numbers get their format."""
    cell = sheet.cell(row, col)
    value = _plain(value)
    if isinstance(value, str):
        cell.value = safe_text(value)
        if needs_text_guard(value):
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell
    cell.value = value
    formats = SIGNED_FORMATS if signed else NUMBER_FORMATS
    if value is not None and fmt in formats:
        cell.number_format = formats[fmt]
    return cell


def _plain(value: object) -> object:
    """A value openpyxl stores as it is: no NaN, numpy scalars or Timestamps."""
    if value is None or isinstance(value, str | Decimal | date | datetime | bool):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value  # numpy scalar → Python


def _heading(page: _Page, report: Report) -> int:
    page.sheet.cell(1, 1, report.title).font = TITLE
    for offset, line in enumerate(report.lines, start=2):
        page.paragraph(offset, line)
    return len(report.lines) + 2


def _tiles(page: _Page, tiles: tuple[Tile, ...], row: int) -> int:
    """Headline figures, one short row each — value, target, previous (same span), change in
    points or dollars coloured by better/worse, what it is counted over, and the source of
    its definition (the full definitions follow the tables); returns the last row used."""
    sheet = page.sheet
    page.header_row(row, (*TILE_HEADERS, DEFINITION_HEADER), TILE_NUMBERS)
    for offset, tile in enumerate(tiles, start=1):
        at = row + offset
        label = sheet.cell(at, 1, tile.label)
        label.font, label.alignment = BOLD, WRAP
        if tile.value is None:
            _put(sheet, at, 2, NO_DATA).font = NOTE
        else:
            _put(sheet, at, 2, tile.value, tile.fmt).font = Font(name=FONT, bold=True, size=12)
        _put(sheet, at, 3, tile.target, tile.fmt)
        _put(sheet, at, 4, tile.previous, tile.fmt)
        change = _put(sheet, at, 5, tile.change_text or None)
        change.alignment = Alignment(horizontal="right")
        change.font = TREND_FONTS.get(tile.trend, PLAIN)
        trend = _put(sheet, at, 6, tile.trend)
        trend.font = TREND_FONTS.get(tile.trend, NOTE)
        _put(sheet, at, 7, tile.n or tile.period).font = NOTE
        _put(sheet, at, len(TILE_HEADERS) + 1, tile.source).font = NOTE
        texts = (tile.label, "", "", "", "", tile.trend, tile.n or tile.period, tile.source)
        page.fit_row(at, texts)
    return row + len(tiles)


def _table(page: _Page, table: ReportTable, row: int) -> tuple[int, tuple[int, int]]:
    """Title, note and the Excel table; returns the next free row and (header row, body rows)."""
    sheet = page.sheet
    sheet.cell(row, 1, table.title).font = HEADING
    row += 1
    if table.note:
        page.paragraph(row, table.note)
        row += 1
    frame = table.frame
    if frame.empty:
        _put(sheet, row, 1, NO_DATA).font = NOTE
        return row + 1, (row, 0)
    header = row
    formats = [table.fmt(c) for c in frame.columns]
    names = header_names(frame.columns)
    numbers = {n for n, f in zip(names, formats, strict=True) if f is not Fmt.TEXT}
    page.header_row(header, names, numbers)
    for offset, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for col, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
            _put(sheet, header + offset, col, value, fmt)
        texts = [v if f is Fmt.TEXT else "" for v, f in zip(values, formats, strict=True)]
        page.fit_row(header + offset, texts)
    last = header + len(frame)
    if table.totals:
        for col in range(1, len(frame.columns) + 1):
            cell = sheet.cell(last, col)
            cell.font, cell.border = BOLD, TOTAL_BORDER
    sheet.add_table(_excel_table(table, header, last))
    return last + 1, (header, len(table.body))


def _excel_table(table: ReportTable, header: int, last: int) -> Table:
    frame = table.frame
    end = get_column_letter(len(frame.columns))
    names = header_names(frame.columns)
    columns = [TableColumn(id=i, name=name) for i, name in enumerate(names, start=1)]
    excel = Table(
        displayName=table.name,
        name=table.name,
        ref=f"A{header}:{end}{last}",
        tableColumns=columns,
        tableStyleInfo=TableStyleInfo(name=TABLE_STYLE, showRowStripes=True),
    )
    filtered_to = last
    if table.totals:
        # The totals row holds values computed by pandas (rates are not sums), not formulas.
        excel.totalsRowCount = 1
        columns[0].totalsRowLabel = str(frame.iloc[-1, 0])
        filtered_to = last - 1
    excel.autoFilter = AutoFilter(ref=f"A{header}:{end}{filtered_to}")
    return excel


def header_names(columns) -> list[str]:
    """Excel table headers: text, not blank, unique ignoring case (Excel repairs the file
    otherwise) — a cross-tab's headers are payer names and categories from the data."""
    names: list[str] = []
    seen: set[str] = set()
    for column in columns:
        base = safe_text(str(column)).strip() or "(blank)"
        name, copy = base, 1
        while name.casefold() in seen:
            copy += 1
            name = f"{base} ({copy})"
        seen.add(name.casefold())
        names.append(name)
    return names


def _notes(page: _Page, notes: tuple[str, ...], row: int) -> None:
    if not notes:
        return
    page.sheet.cell(row, 1, "Definitions and counting rules").font = HEADING
    for offset, note in enumerate(notes, start=1):
        page.paragraph(row + offset, note)


# -- layout ----------------------------------------------------------------------------------


def _widths(sheet: Worksheet, report: Report) -> dict[int, float]:
    """Column widths, set and returned. With a headline block its columns keep TILE_WIDTHS
    (wider only for a number that would not fit); other columns fit their longest value and
    their header over at most HEADER_LINES lines, within limits."""
    fixed = dict(enumerate(TILE_WIDTHS, start=1)) if report.tiles else {}
    widths: dict[int, float] = {1: fixed.get(1, FIRST_COLUMN_WIDTH)}
    for table in report.tables:
        for col, name in enumerate(table.frame.columns[1:], start=2):
            numbers, texts = _longest(table, name)
            if col in fixed:
                wanted = max(fixed[col], numbers + 2)
            else:
                header = max(len(str(name)) / HEADER_LINES, *map(len, str(name).split()))
                wanted = min(max(numbers, texts, math.ceil(header * BOLD_WIDTH)) + 2, MAX_WIDTH)
            widths[col] = max(widths.get(col, MIN_WIDTH), wanted)
    widths.update({c: w for c, w in fixed.items() if c not in widths})
    widths.update({c: widths.get(c, MIN_WIDTH) for c in range(2, max(widths) + 1)})
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    return widths


def _longest(table: ReportTable, name: str) -> tuple[int, int]:
    """The longest number and the longest text of a column, as shown."""
    fmt = table.fmt(name)
    shown = [_shown(v, fmt) for v in table.frame[name]]
    longest = max(map(len, shown), default=0)
    return (0, longest) if fmt is Fmt.TEXT else (longest, 0)


def _shown(value: object, fmt: Fmt = Fmt.TEXT) -> str:
    """A value about as its number format shows it ("$1,234.00", "12.5%")."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str) or isinstance(value, bool) or fmt is Fmt.TEXT:
        return str(value)
    if fmt is Fmt.MONEY:
        return f"${value:,.2f}"
    if fmt is Fmt.PERCENT:
        return f"{value * 100:.1f}%"
    if fmt is Fmt.DATE:
        return "2026-01-01"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


# -- charts ----------------------------------------------------------------------------------


def _chart(chart: ChartSpec, table: ReportTable, sheet: Worksheet, header: int, rows: int):
    """A native Excel chart over the table's body rows (Excel and LibreOffice draw it)."""
    columns = list(table.frame.columns)

    def data(names):
        return [
            Reference(sheet, min_col=columns.index(n) + 1, min_row=header, max_row=header + rows)
            for n in names
        ]

    categories = Reference(
        sheet,
        min_col=columns.index(chart.categories) + 1,
        min_row=header + 1,
        max_row=header + rows,
    )
    drawing = _plot(chart.kind)
    for reference in data(chart.series):
        drawing.add_data(reference, titles_from_data=True)
    drawing.set_categories(categories)
    _style(drawing, chart, chart.fmt)
    _straight(drawing)
    if chart.line_series:
        line = LineChart()
        for reference in data(chart.line_series):
            line.add_data(reference, titles_from_data=True)
        line.y_axis.axId = 200
        line.y_axis.number_format = AXIS_FORMATS.get(chart.line_fmt, "General")
        line.y_axis.majorGridlines = None
        line.y_axis.crosses = "max"
        line.y_axis.delete = False
        _straight(line)
        drawing += line
    return drawing


def _plot(kind: ChartKind):
    if kind is ChartKind.LINE:
        return LineChart()
    drawing = BarChart()
    drawing.type = "bar" if kind is ChartKind.BAR else "col"
    if kind is ChartKind.BAR:
        drawing.x_axis.scaling.orientation = "maxMin"  # the first row on top
    return drawing


def _style(drawing, chart: ChartSpec, fmt: Fmt) -> None:
    drawing.title = chart.title
    drawing.width, drawing.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    drawing.legend.position = "b"
    drawing.y_axis.number_format = AXIS_FORMATS.get(fmt, "General")
    drawing.y_axis.title = chart.y_title or None
    # openpyxl 3.1 marks axes deleted by default; Excel then draws no axis labels.
    drawing.x_axis.delete = False
    drawing.y_axis.delete = False
    if chart.wide:  # long labels read level, broken over lines (LibreOffice too), not slanted
        drawing.x_axis.txPr = RichText(
            bodyPr=RichTextProperties(rot=0, vert="horz"),
            p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(sz=900)))],
        )


def _straight(drawing) -> None:
    """Lines join points straight: a smoothed curve invents values between months."""
    if isinstance(drawing, LineChart):
        for series in drawing.series:
            series.smooth = False
