"""Refresh KPIs: the manager's report sheets rebuilt from the Claims and Denials tables."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from addin.actions import audit
from addin.kpis import compute as kpis
from addin.kpis import report as kpi_report
from addin.workbook.base import Book
from addin.workbook.layout import CLAIMS, DENIALS, S
from addin.workbook.report import NO_DATA, Fmt, Report, Tile


@dataclass(slots=True)
class KpiReport:
    """What one refresh wrote, with the headline figures for a terminal or a message box."""

    workbook: str
    reports: tuple[Report, ...]
    kpis: kpis.Kpis
    saved: bool = False
    png_files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # where the time went, by step

    @property
    def sheets(self) -> tuple[str, ...]:
        return tuple(report.sheet for report in self.reports)

    @property
    def tiles(self) -> tuple[Tile, ...]:
        return self.reports[0].tiles

    def summary(self) -> str:
        """A few lines: what was refreshed, the data's range, then each headline figure."""
        k = self.kpis
        if k.first_date is None:
            scope = "no remits imported yet, so every figure shows 'no data'"
        else:
            scope = (
                f"data {k.first_date.isoformat()} to {k.last_date.isoformat()}, "
                f"{k.claims_counted:,} claims, {k.denials_counted:,} denials"
            )
        lines = [f"KPIs refreshed in {self.workbook} ({', '.join(self.sheets)}): {scope}."]
        lines += [f"  {tile.label}: {describe(tile)}" for tile in self.tiles]
        lines += [f"Chart image: {path}" for path in self.png_files]
        return "\n".join(lines)


def show(value: object, fmt: Fmt, signed: bool = False) -> str:
    """A figure as the terminal shows it: 12.3%, $1,234.00, 41.5 (days)."""
    sign = "+" if signed else ""
    if value is None:
        return NO_DATA
    if fmt is Fmt.PERCENT:
        return f"{value:{sign}.1%}" if not signed else f"{value * 100:+.1f} pts"
    if fmt is Fmt.MONEY:
        text = f"${abs(value):,.2f}"
        return ("-" if value < 0 else sign) + text
    return f"{value:{sign},.1f}" if fmt is Fmt.NUMBER else f"{value:{sign},}"


def describe(tile: Tile) -> str:
    """'9.3% in 2026 Q4 (target 10.0%; -1.5 pts vs previous quarter, improving)'."""
    text = show(tile.value, tile.fmt)
    if tile.value is None:
        return text
    if tile.period.startswith(("today", "per")):
        text += f" ({tile.period})"
    elif tile.period.startswith("claims") and tile.n:  # the ledger's rates, over all claims
        text += f" ({tile.n})"
    else:
        text += f" in {tile.period}"
    details = []
    if tile.target is not None:
        details.append(f"target {show(tile.target, tile.fmt)}")
    if tile.change is not None:
        details.append(f"{show(tile.change, tile.fmt, signed=True)} vs previous quarter")
    if tile.trend:
        details.append(tile.trend)
    return text + (f" ({'; '.join(details)})" if details else "")


def refresh_kpis(
    book: Book,
    *,
    today: date | None = None,
    now: datetime | None = None,
    png_dir: Path | None = None,
) -> KpiReport:
    """Rebuild the KPIs, By Payer, By Category, By CARC and By Month sheets, then save.

    Reads the Claims and Denials tables and the Settings; writes only the report sheets
    (completely, so a second refresh with the same data gives the same sheets). With
    `png_dir`, the charts are also drawn as PNG files there (needs matplotlib).
    """
    if png_dir is not None:
        from addin.workbook import png_report

        png_report.require_matplotlib()
    now = (now or datetime.now()).replace(microsecond=0)
    clock = _Clock()
    claims, denials = book.read_table(CLAIMS), book.read_table(DENIALS)
    settings = book.read_settings()
    clock.lap("read tables")
    figures = kpis.compute(
        claims, denials, kpis.KpiSettings.from_settings(settings), today or now.date()
    )
    practice = str(settings.get(S.PRACTICE_NAME) or "")
    reports = kpi_report.build_reports(figures, now, practice)
    clock.lap("compute KPIs")
    for report in reports:
        book.write_report(report)
    audit.record(book, "Refresh KPIs", _audit_line(figures, reports), now=now)
    clock.lap("write sheets")
    book.save()
    clock.lap("save")
    result = KpiReport(book.name, reports, figures, saved=True, seconds=clock.laps)
    if png_dir is not None:
        result.png_files = png_report.write_pngs(reports, png_dir)
        clock.lap("PNG charts")
    return result


def _audit_line(figures: kpis.Kpis, reports: tuple[Report, ...]) -> str:
    sheets = ", ".join(report.sheet for report in reports)
    counts = f"{figures.claims_counted:,} claims, {figures.denials_counted:,} denials"
    return f"rewrote {sheets} from {counts}"


class _Clock:
    """Seconds spent in each step, for the benchmark and for anyone asking why it is slow."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = now - self._last
        self._last = now
