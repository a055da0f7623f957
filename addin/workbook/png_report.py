"""PNG images of a Report's charts, drawn with matplotlib (imported only when asked for)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from addin.errors import AddinError
from addin.workbook.report import ChartKind, ChartSpec, Fmt, Report, ReportTable

DPI = 150
SIZE_INCHES = (8.0, 4.5)


def require_matplotlib() -> None:
    """Raise a message saying how to install matplotlib when it is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise AddinError(
            "PNG charts need matplotlib, which is not installed. Install it with "
            '`pip install "denialdesk[charts]"`, or run without --png.'
        ) from None


def write_pngs(reports: Iterable[Report], folder: Path) -> list[Path]:
    """One PNG per chart that has data, named after the chart; returns the files written."""
    require_matplotlib()
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AddinError(
            f"cannot create the folder {folder} for chart images ({error.strerror}). "
            "Choose a folder you may write to."
        ) from None
    written = []
    for report in reports:
        for chart in report.charts:
            if report.drawable(chart):
                path = folder / f"{chart.name}.png"
                draw(chart, report.table(chart.table)).savefig(path, dpi=DPI)
                written.append(path)
    return written


def draw(chart: ChartSpec, table: ReportTable):
    """A matplotlib Figure of one chart (no pyplot, so no global state or display needed)."""
    from matplotlib.figure import Figure

    body = table.body
    labels = body[chart.categories].astype(str).tolist()
    figure = Figure(figsize=SIZE_INCHES, layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(labels))
    _plot(axes, chart.kind, positions, _numbers(body, chart.series))
    _label_axis(axes, chart.kind, positions, labels)
    _format_axis(axes.xaxis if chart.kind is ChartKind.BAR else axes.yaxis, chart.fmt)
    if chart.y_title:
        axes.set_ylabel(chart.y_title)
    handles, names = axes.get_legend_handles_labels()
    if chart.line_series:
        twin = axes.twinx()
        for column in chart.line_series:
            twin.plot(positions, _numbers(body, (column,))[column], color="C3", marker="o")
            handles.append(twin.lines[-1])
            names.append(column)
        _format_axis(twin.yaxis, chart.line_fmt)
        twin.set_ylim(bottom=0)
    axes.set_title(chart.title)
    axes.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=4)
    return figure


def _numbers(body: pd.DataFrame, columns) -> pd.DataFrame:
    return body[list(columns)].apply(pd.to_numeric, errors="coerce").astype(float)


def _plot(axes, kind: ChartKind, positions, values: pd.DataFrame) -> None:
    if kind is ChartKind.LINE:
        for column in values.columns:
            axes.plot(positions, values[column], marker="o", label=column)
        return
    width = 0.8 / len(values.columns)
    for index, column in enumerate(values.columns):
        offset = positions - 0.4 + width * (index + 0.5)
        if kind is ChartKind.BAR:
            axes.barh(offset, values[column], height=width, label=column)
        else:
            axes.bar(offset, values[column], width=width, label=column)


def _label_axis(axes, kind: ChartKind, positions, labels: list[str]) -> None:
    if kind is ChartKind.BAR:
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()  # the first row on top, as in the table
    else:
        axes.set_xticks(positions, labels, rotation=30 if len(labels) > 8 else 0)
    axes.grid(axis="x" if kind is ChartKind.BAR else "y", alpha=0.3)


def _format_axis(axis, fmt: Fmt) -> None:
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    if fmt is Fmt.PERCENT:
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif fmt is Fmt.MONEY:
        axis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:,.0f}"))
