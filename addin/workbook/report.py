"""The report model: what one report sheet shows, as plain data that any Book adapter renders.

A Report is tiles (headline figures with their definitions), titled tables (DataFrames with a
format per column and an optional totals row) and chart specs that point at those tables.
No openpyxl objects live here, so the workbook engine's writer and the PNG renderer draw the
same Report.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

NO_DATA = "no data"


class Fmt(enum.StrEnum):
    """How a value is shown: adapters map these to number formats."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # one decimal (days, hours)
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"


class ChartKind(enum.StrEnum):
    LINE = "line"
    BAR = "bar"  # horizontal bars
    COLUMN = "column"  # vertical bars


@dataclass(frozen=True, slots=True)
class Tile:
    """A headline figure: value against its target and the previous period, with its definition.

    `value`, `target`, `previous` and `change` are numbers (float, int or Decimal) or None
    (None value: show NO_DATA). `change` is value − previous in the value's own unit.
    """

    label: str
    value: object
    fmt: Fmt
    period: str = ""
    target: object = None
    previous: object = None
    change: object = None
    trend: str = ""  # improving | worsening | no change | no previous quarter | no data | ""
    note: str = ""  # the definition, shown below the headline block
    n: str = ""  # what the figure is counted over: "4 of 4 appeals decided"
    compared_with: str = ""  # the previous period's span, like for like
    source: str = ""  # the short name of the definition's source, beside the figure

    @property
    def change_text(self) -> str:
        """The change as a reader says it: "−1.5 pts" for a rate, "+$1,200" for money."""
        change = self.change
        if change is None:
            return ""
        sign = "+" if change > 0 else "−" if change < 0 else "±"
        size = abs(change)
        if self.fmt is Fmt.PERCENT:
            return f"{sign}{float(size) * 100:.1f} pts"
        if self.fmt is Fmt.MONEY:
            return f"{sign}${size:,.0f}"
        return f"{sign}{float(size):,.1f}"


@dataclass(frozen=True, eq=False)
class ReportTable:
    """A titled table. With `totals`, the frame's last row is its totals row."""

    name: str  # the Excel table name: unique in the workbook, letters/digits/underscores
    title: str
    frame: pd.DataFrame
    formats: Mapping[str, Fmt] = field(default_factory=dict)  # column → format; else TEXT
    totals: bool = False
    note: str = ""

    def fmt(self, column: str) -> Fmt:
        return self.formats.get(column, Fmt.TEXT)

    @property
    def body(self) -> pd.DataFrame:
        """The rows without the totals row (what charts plot)."""
        return self.frame.iloc[:-1] if self.totals else self.frame


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """A native chart drawn from a table's body: categories from one column, series from others.

    `line_series` are drawn as lines on a secondary axis over the bars (a Pareto's cumulative
    share). `name` is the chart's file stem for PNG output.
    """

    name: str
    kind: ChartKind
    title: str
    table: str  # ReportTable.name
    categories: str
    series: tuple[str, ...]
    fmt: Fmt = Fmt.NUMBER
    line_series: tuple[str, ...] = ()
    line_fmt: Fmt = Fmt.PERCENT
    y_title: str = ""
    wide: bool = False  # a band of its own, twice as wide: room for long category labels


@dataclass(frozen=True, eq=False)
class Report:
    """Everything one report sheet shows; `Book.write_report` rewrites the sheet from it."""

    sheet: str
    title: str
    lines: tuple[str, ...] = ()  # under the title: the data's date range, refreshed at …
    tiles: tuple[Tile, ...] = ()
    tables: tuple[ReportTable, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    notes: tuple[str, ...] = ()  # definitions and counting rules, at the end

    def table(self, name: str) -> ReportTable:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"report {self.sheet!r} has no table {name!r}")

    def drawable(self, chart: ChartSpec) -> bool:
        """Whether a chart has anything to plot (no chart is drawn over an empty table)."""
        body = self.table(chart.table).body
        if body.empty:
            return False
        values = body[list(chart.series)].apply(pd.to_numeric, errors="coerce")
        return bool(values.fillna(0).ne(0).any().any())


CHART_ROWS = 17  # sheet rows one chart takes (two charts side by side per band)
Placed = tuple[int, int]  # a table's header row and how many body rows it has


@dataclass(frozen=True, slots=True)
class Page:
    """How one adapter writes each part of a report sheet (rows are 1-based)."""

    heading: Callable[[Report], int]  # → the last row used
    tiles: Callable[[tuple[Tile, ...], int], int]  # (tiles, first row) → the last row used
    table: Callable[[ReportTable, int], tuple[int, Placed]]  # → (last row, where it went)
    notes: Callable[[tuple[str, ...], int], None]


@dataclass(frozen=True, slots=True)
class ChartSlot:
    """Where a chart goes: its top row, on the left or the right of its band."""

    chart: ChartSpec
    row: int
    right: bool
    placed: Placed  # the table it plots


def lay_out(report: Report, page: Page) -> Iterator[ChartSlot]:
    """Write a report sheet top to bottom as every adapter does — heading, tiles, room for
    the charts (two per band), tables, notes — then yield where each chart goes."""
    row = page.heading(report) + 1
    if report.tiles:
        row = page.tiles(report.tiles, row) + 1
    charts = [chart for chart in report.charts if report.drawable(chart)]
    spots = _bands(charts)
    chart_row = row
    row += CHART_ROWS * (max((band for band, _ in spots), default=-1) + 1)
    placed: dict[str, Placed] = {}
    for table in report.tables:
        row, placed[table.name] = page.table(table, row)
        row += 1
    page.notes(report.notes, row)
    for chart, (band, right) in zip(charts, spots, strict=True):
        yield ChartSlot(chart, chart_row + CHART_ROWS * band, right, placed[chart.table])


def _bands(charts: list[ChartSpec]) -> list[tuple[int, bool]]:
    """(band, on the right?) for each chart in turn: two to a band, a wide one alone."""
    spots, band, right = [], 0, False
    for chart in charts:
        if chart.wide and right:  # the band's right half stays empty
            band, right = band + 1, False
        spots.append((band, right))
        if chart.wide or right:
            band, right = band + 1, False
        else:
            right = True
    return spots
