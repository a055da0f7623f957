"""Writes a Report into the live workbook through xlwings, laid out like `openpyxl_report`.

Values only (the figures are computed by pandas), one range write per block, Excel tables
and native charts; the sheet is emptied in place so references to it keep working.
"""

from __future__ import annotations

import functools
import sys

from addin.workbook.excel_values import excel_value
from addin.workbook.openpyxl_report import (
    AXIS_FORMATS,
    DEFINITION_HEADER,
    NUMBER_FORMATS,
    SIGNED_FORMATS,
    TABLE_STYLE,
    TILE_HEADERS,
)
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

CHART_WIDTH, CHART_HEIGHT = 454, 227  # points: the file adapter's 16 × 8 cm
CHART_TYPES = {ChartKind.LINE: "line", ChartKind.BAR: "bar_clustered"}
HEADER_COLOR, NOTE_COLOR = "#1F4E78", "#595959"


def write_report(book, report: Report) -> None:
    """Rewrite `report.sheet` completely: heading, tiles, charts, tables, definitions."""
    sheet = empty_sheet(book, report.sheet)
    parts = Page(
        heading=functools.partial(_heading, sheet),
        tiles=functools.partial(_tiles, sheet),
        table=functools.partial(_table, sheet),
        notes=functools.partial(_notes, sheet),
    )
    slots = list(lay_out(report, parts))  # every part written before the charts are placed
    sheet.range("A:A").column_width = 34
    for slot in slots:
        top = sheet.range((slot.row, 1)).top
        left = CHART_WIDTH + 12 if slot.right else 0
        table = report.table(slot.chart.table)
        _chart(sheet, slot.chart, table, slot.placed, top, left)


def empty_sheet(book, name: str):
    """The report sheet with its charts, tables and cells removed (added if missing)."""
    sheet = book.sheet(name)
    for chart in list(sheet.charts):
        chart.delete()
    for table in list(sheet.tables):
        # xlwings has no portable way to delete a table; Unlist keeps its cells, cleared below.
        if sys.platform.startswith("win"):
            table.api.Unlist()
        else:
            table.api.unlist()
    sheet.clear()
    return sheet


def _put_row(sheet, row: int, col: int, values, fmts=None, signed=False):
    """One row of values in one write, then the number format of each formatted cell."""
    rng = sheet.range((row, col)).resize(1, len(values))
    rng.value = [[excel_value(v) for v in values]]
    formats = SIGNED_FORMATS if signed else NUMBER_FORMATS
    for offset, fmt in enumerate(fmts or ()):
        if fmt in formats and values[offset] is not None:
            sheet.range((row, col + offset)).number_format = formats[fmt]
    return rng


def _heading(sheet, report: Report) -> int:
    title = sheet.range((1, 1))
    title.value = excel_value(report.title)
    title.font.bold, title.font.size = True, 16
    for offset, line in enumerate(report.lines, start=2):
        _put_row(sheet, offset, 1, [line]).font.color = NOTE_COLOR
    return len(report.lines) + 2


def _tiles(sheet, tiles: tuple[Tile, ...], row: int) -> int:
    _header(_put_row(sheet, row, 1, [*TILE_HEADERS, DEFINITION_HEADER]))
    for offset, tile in enumerate(tiles, start=1):
        at = row + offset
        value = NO_DATA if tile.value is None else tile.value
        fmts = (Fmt.TEXT, tile.fmt, Fmt.TEXT, tile.fmt, tile.fmt)
        _put_row(sheet, at, 1, [tile.label, value, tile.period, tile.target, tile.previous], fmts)
        _put_row(sheet, at, 6, [tile.change], (tile.fmt,), signed=True)
        _put_row(sheet, at, 7, [tile.trend, tile.note])
        sheet.range((at, 1), (at, 2)).font.bold = True
    return row + len(tiles) + 1


def _header(rng) -> None:
    rng.font.bold, rng.font.color, rng.color = True, "#FFFFFF", HEADER_COLOR


def _table(sheet, table: ReportTable, row: int) -> tuple[int, tuple[int, int]]:
    """Title, note and the Excel table; returns the next free row and (header row, body rows)."""
    title = sheet.range((row, 1))
    title.value = excel_value(table.title)
    title.font.bold, title.font.size = True, 12
    row += 1
    if table.note:
        _put_row(sheet, row, 1, [table.note]).font.color = NOTE_COLOR
        row += 1
    frame = table.frame
    if frame.empty:
        _put_row(sheet, row, 1, [NO_DATA]).font.color = NOTE_COLOR
        return row + 1, (row, 0)
    header, last, width = row, row + len(frame), len(frame.columns)
    rows = [[str(name) for name in frame.columns]]
    rows += [list(values) for values in frame.itertuples(index=False, name=None)]
    sheet.range((header, 1)).value = [[excel_value(v) for v in r] for r in rows]
    for col, name in enumerate(frame.columns, start=1):
        fmt = NUMBER_FORMATS.get(table.fmt(name))
        if fmt:
            sheet.range((header + 1, col), (last, col)).number_format = fmt
    source = sheet.range((header, 1), (last, width))
    sheet.tables.add(source=source, name=table.name, table_style_name=TABLE_STYLE)
    if table.totals:
        sheet.range((last, 1), (last, width)).font.bold = True
    return last + 1, (header, len(table.body))


def _notes(sheet, notes: tuple[str, ...], row: int) -> None:
    if not notes:
        return
    sheet.range((row, 1)).value = "Definitions and counting rules"
    sheet.range((row, 1)).font.bold = True
    sheet.range((row + 1, 1)).value = [[excel_value(note)] for note in notes]


def _chart(sheet, chart: ChartSpec, table: ReportTable, placed, top, left) -> None:
    """A native chart over the table's body; a Pareto's share as a line on a second axis."""
    header, rows = placed
    columns = list(table.frame.columns)
    wanted = [chart.categories, *chart.series, *chart.line_series]
    address = ",".join(
        sheet.range((header, columns.index(n) + 1), (header + rows, columns.index(n) + 1)).address
        for n in wanted
    )
    drawing = sheet.charts.add(
        left=left,
        top=top,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        chart_type=CHART_TYPES.get(chart.kind, "column_clustered"),
        source=sheet.range(address),
        plot_by="columns",
        name=chart.name,
    )
    drawing.title = chart.title
    drawing.value_axis.number_format = AXIS_FORMATS.get(chart.fmt, "General")
    for series in drawing.series:
        if series.name in chart.line_series:
            series.set(chart_type="line_markers", axis_group="secondary")
    if chart.line_series:
        drawing.secondary_value_axis.number_format = AXIS_FORMATS.get(chart.line_fmt, "General")
