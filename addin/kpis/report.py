"""The KPI and pivot sheets as Reports: which figures, tables, charts and notes each sheet shows."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from addin.kpis import ledger
from addin.kpis.compute import ANNUAL_COST, DEFINITIONS, DUE_SOON, Headline, Kpis
from addin.kpis.measures import MONEY_COLUMNS, K
from addin.workbook.layout import (
    BY_CARC_SHEET,
    BY_CATEGORY_SHEET,
    BY_MONTH_SHEET,
    BY_PAYER_SHEET,
    KPIS_SHEET,
    Col,
)
from addin.workbook.report import ChartKind, ChartSpec, Fmt, Report, ReportTable, Tile

_PERCENT = {K.RATE, K.RATE_DOLLARS, K.TARGET, K.OVERTURN, K.SHARE, K.CUMULATIVE}
_PERCENT |= {K.RECOVERY, K.WRITE_OFF_RATE}
_PERCENT |= {K.CUMULATIVE_DOLLARS}
_PERCENT |= {K.SHARE_DOLLARS, K.SHARE_AT_RISK}
_INT = {K.CLAIMS, K.INITIALLY_DENIED, K.DENIALS, K.DECIDED, K.WON, K.OPEN, K.COUNTED}
_INT |= {K.APPEALED_DECIDED, K.APPEALS_WON, K.PAID_WITHOUT_APPEAL, K.LAPSED}
_NUMBER = {K.DAYS_TO_APPEAL, K.DAYS_TO_RESOLVE, K.AVERAGE, K.MEDIAN, K.SHORTEST, K.LONGEST}
_NUMBER |= {K.MINUTES, K.HOURS}
MEANING_SOURCE = (
    "Meaning: DenialDesk's own short wording of each CARC, not X12's official text "
    "(addin/data/carc.csv, see CODES.md); the reason's few words come from its research "
    "subcategory, else the meaning cut short."
)
INDUSTRY_RANGE = "industry range 10–15%; AAFP: 5–10% typical for practices, under 5% desirable"


def column_format(column: str) -> Fmt:
    if column in ledger.RATES:
        return Fmt.PERCENT
    if column in ledger.COUNTS:
        return Fmt.INT
    if column in MONEY_COLUMNS or column in ledger.MONEY or column in (DUE_SOON, ANNUAL_COST):
        return Fmt.MONEY
    if column in _PERCENT:
        return Fmt.PERCENT
    if column in _NUMBER:
        return Fmt.NUMBER
    return Fmt.INT if column in _INT else Fmt.TEXT


def _table(
    name: str, title: str, frame: pd.DataFrame, note: str = "", totals: bool = False, fmt=None
) -> ReportTable:
    """A ReportTable whose formats follow the KPI columns (`fmt` for every value column)."""
    formats = {c: fmt if fmt and i else column_format(c) for i, c in enumerate(frame.columns)}
    for column, kind in formats.items():  # e.g. one count column per status
        if kind is Fmt.TEXT and pd.api.types.is_integer_dtype(frame[column]):
            formats[column] = Fmt.INT
    return ReportTable(name, title, frame, formats, totals=totals and not frame.empty, note=note)


def tile(headline: Headline) -> Tile:
    return Tile(
        label=headline.label,
        value=headline.value,
        fmt=column_format(headline.key),
        period=headline.period,
        target=headline.target,
        previous=headline.previous,
        change=headline.change,
        trend=headline.trend,
        note=headline.definition,
        n=headline.n,
        compared_with=headline.compared_with,
        source=source_of(headline.definition),
    )


def source_of(definition: str) -> str:
    """The source a definition names, short: "HFMA CITF", "HFMA MAP AR-6", "DenialDesk"."""
    if "MAP Key AR-6" in definition:
        return "HFMA MAP Key AR-6"
    if "MAP Key CL-1" in definition and "Claim Integrity Task Force" not in definition:
        return "HFMA MAP Key CL-1"
    if "Claim Integrity Task Force" in definition or "HFMA" in definition:
        return "HFMA Claim Integrity Task Force"
    if "kpis.md" in definition:
        return "Net recovery yield (domain/kpis.md §3)"
    return "DenialDesk (see Definitions below)"


def header_lines(kpis: Kpis, now: datetime) -> tuple[str, ...]:
    """The data's date range and when the sheet was refreshed."""
    if kpis.first_date is None:
        data = "Data: no remits imported yet — no data to report."
    else:
        data = (
            f"Data: remits from {kpis.first_date.isoformat()} to {kpis.last_date.isoformat()}; "
            f"{kpis.claims_counted:,} claims in the denial rate, {kpis.denials_counted:,} denials."
        )
    refreshed = (
        f"Refreshed at {now:%Y-%m-%d %H:%M} (values, not formulas: run Refresh KPIs again "
        "after importing or editing)."
    )
    return data, refreshed


# -- the KPIs sheet --------------------------------------------------------------------------

_MONTHLY = [K.MONTH, K.CLAIMS, K.INITIALLY_DENIED, K.RATE, K.BILLED, K.INITIAL_DENIED]
_MONTHLY += [K.RATE_DOLLARS, K.TARGET]
_QUARTERLY = [K.QUARTER, K.CLAIMS, K.RATE, K.RATE_DOLLARS, K.DENIALS, K.DENIED]
_QUARTERLY += [K.APPEALED_DECIDED, K.APPEALS_WON, K.OVERTURN, K.PAID_WITHOUT_APPEAL, K.LAPSED]
_QUARTERLY += [K.RECOVERED, K.RECOVERY, K.WRITTEN_OFF, K.WRITE_OFF_RATE, K.DAYS_TO_RESOLVE]
_QUARTERLY += [K.STAFF_COST]
_REASONS = [K.DENIALS, K.SHARE, K.CUMULATIVE, K.DENIED, K.SHARE_DOLLARS, K.OVERTURN]
_REASONS_DOLLARS = [K.DENIED, K.SHARE_DOLLARS, K.CUMULATIVE_DOLLARS, K.DENIALS, K.SHARE, K.OVERTURN]
_PAYERS = [Col.PAYER, K.DENIALS, K.DENIED, K.RATE, K.OVERTURN, K.RECOVERED, K.AT_RISK]


def kpi_sheet(kpis: Kpis, lines: tuple[str, ...], practice: str = "") -> Report:
    """The manager's page: headline tiles, trend and breakdown tables, five native charts."""
    return Report(
        sheet=KPIS_SHEET,
        title=f"Denial KPIs — {practice}" if practice else "Denial KPIs",
        lines=(*lines, _tiles_line(kpis)),
        tiles=tuple(tile(h) for h in kpis.headlines),
        tables=(*_trend_tables(kpis), *_reason_tables(kpis), *_work_tables(kpis)),
        charts=_kpi_charts(),
        notes=_definitions(),
    )


def _trend_tables(kpis: Kpis) -> tuple[ReportTable, ...]:
    """The denial rate by month and quarter against its target, and the turnaround."""
    target = kpis.settings.denial_rate_target
    return (
        _table(
            "kpiMonthly",
            "Initial denial rate by month",
            kpis.monthly[_MONTHLY],
            f"Target {target:.1%} (Settings: Denial Rate Target; {INDUSTRY_RANGE}). "
            + DEFINITIONS[K.RATE],
        ),
        _table(
            "kpiQuarterly",
            "Quarter by quarter",
            kpis.quarterly[_QUARTERLY],
            "Denial figures (dollars, overturn, days, cost) belong to the quarter of the "
            "denial's remit date; the latest quarter may be partial.",
        ),
        _table("kpiTurnaround", "Turnaround (days)", kpis.turnaround, _turnaround_note()),
    )


def _reason_tables(kpis: Kpis) -> tuple[ReportTable, ...]:
    """The Pareto tables: reasons by count and by dollars, categories, payers."""
    return (
        _table(
            "kpiTopReasons",
            "Top denial reasons by CARC (Pareto)",
            kpis.top_reasons[[K.REASON, *_REASONS, K.MEANING]],
            "Group code + CARC, largest first by count; the cumulative share shows how few "
            f"reasons make most denials. All of the data's dates. {MEANING_SOURCE}",
        ),
        _table(
            "kpiTopReasonsDollars",
            "Top denial reasons by CARC, by dollars (Pareto)",
            kpis.top_reasons_dollars[[K.REASON, *_REASONS_DOLLARS, K.MEANING]],
            "Largest first by denied dollars: a costly reason can be rare. All of the data's "
            "dates.",
        ),
        _table(
            "kpiTopCategories",
            "Top denial reasons by category (Pareto)",
            kpis.top_categories[[Col.CATEGORY, *_REASONS]],
            "Category Override, else Category from Classify; blank counts as unclassified.",
        ),
        _table(
            "kpiTopPayers",
            "Top payers by denied dollars",
            kpis.top_payers[_PAYERS],
            DEFINITIONS[K.OVERTURN],
        ),
    )


def _work_tables(kpis: Kpis) -> tuple[ReportTable, ...]:
    """What is open and who works it: aging, workload, cost to recover."""
    return (
        _table(
            "kpiAging",
            "Open denials by age",
            kpis.aging,
            "Open denials (Status not Won, Lost or Written Off) by days since their remit.",
        ),
        _table(
            "kpiWorkload",
            "Workload by owner and status",
            kpis.workload,
            "Denials per Owner (blank: Classify's Suggested Owner, marked (suggested); else "
            "Unassigned) and Status; Open and At risk $ count open denials only.",
            totals=True,
        ),
        _table("kpiCost", "Cost to recover", kpis.cost, DEFINITIONS[K.STAFF_COST], totals=True),
    )


def _tiles_line(kpis: Kpis) -> str:
    first = kpis.headlines[0]
    if not first.period:
        return "Headline figures: no data yet."
    return (
        f"Headline figures: {first.period}, compared like for like with {first.compared_with}. "
        "Green is better, red is worse; rate changes are in percentage points."
    )


def _turnaround_note() -> str:
    return f"{DEFINITIONS[K.DAYS_TO_APPEAL]} {DEFINITIONS[K.DAYS_TO_RESOLVE]}"


def _kpi_charts() -> tuple[ChartSpec, ...]:
    """The rate against its target and the open denials' age side by side, then each Pareto
    across the page (its axis names each reason: "CO-16 Claim lacks info"), then payers."""
    return (
        ChartSpec(
            "denial-rate-by-month",
            ChartKind.LINE,
            "Initial denial rate by month vs target",
            "kpiMonthly",
            K.MONTH,
            (K.RATE, K.RATE_DOLLARS, K.TARGET),
            Fmt.PERCENT,
        ),
        ChartSpec(
            "open-denials-by-age",
            ChartKind.COLUMN,
            "Open denials by age: dollars at risk",
            "kpiAging",
            K.BUCKET,
            (K.AT_RISK,),
            Fmt.MONEY,
        ),
        ChartSpec(
            "top-reasons-pareto",
            ChartKind.COLUMN,
            "Top denial reasons by CARC (Pareto)",
            "kpiTopReasons",
            K.REASON,
            (K.DENIALS,),
            Fmt.INT,
            line_series=(K.CUMULATIVE,),
            y_title="Denials",
            wide=True,
        ),
        ChartSpec(
            "top-reasons-dollars-pareto",
            ChartKind.COLUMN,
            "Top denial reasons by CARC, by dollars (Pareto)",
            "kpiTopReasonsDollars",
            K.REASON,
            (K.DENIED,),
            Fmt.MONEY,
            line_series=(K.CUMULATIVE_DOLLARS,),
            y_title="Denied $",
            wide=True,
        ),
        ChartSpec(
            "denied-dollars-by-payer",
            ChartKind.BAR,
            "Denied dollars by payer",
            "kpiTopPayers",
            Col.PAYER,
            (K.DENIED, K.RECOVERED),
            Fmt.MONEY,
        ),
    )


def _definitions() -> tuple[str, ...]:
    return (
        "Definitions follow HFMA's Claim Integrity Task Force (initial denial rate, overturn "
        "rate, days to appeal and to resolve, write-offs); each claim counts once, by its "
        "first adjudication.",
        "The tracker learns of a claim from its 835 remit, so 'adjudicated' stands in for "
        "'submitted': the denial rate is per remitted claim (close to HFMA MAP AR-5), labelled "
        "'by remits'. Once 837s are imported, the figures by claims submitted follow.",
        *(f"{name}: {text}" for name, text in _DEFINED.items()),
    )


_DEFINED = {
    "Initial denial rate (claims)": DEFINITIONS[K.RATE],
    **ledger.DEFINITIONS,
    "Initial denial rate (dollars)": DEFINITIONS[K.RATE_DOLLARS],
    "Appeal overturn rate": DEFINITIONS[K.OVERTURN],
    "Recovery rate": DEFINITIONS[K.RECOVERY],
    "Denial write-offs % of net revenue": DEFINITIONS[K.WRITE_OFF_RATE],
    "Days to appeal": DEFINITIONS[K.DAYS_TO_APPEAL],
    "Days to resolve": DEFINITIONS[K.DAYS_TO_RESOLVE],
    "Written off": DEFINITIONS[K.WRITTEN_OFF],
    "At risk": DEFINITIONS[K.AT_RISK],
    "Deadline soon": DEFINITIONS[DUE_SOON],
    "Cost to recover": DEFINITIONS[K.STAFF_COST],
    "Annual cost": DEFINITIONS[ANNUAL_COST],
}


# -- pivot sheets ----------------------------------------------------------------------------


def _pivot_sheet(sheet: str, title: str, lines, main: ReportTable, cross: ReportTable) -> Report:
    return Report(sheet, title, lines, tables=(main, cross), notes=_definitions())


# Each pivot sheet: (sheet, title, (table, title, Kpis field, note), (cross-tab, title, key, fmt)).
_PIVOTS = (
    (
        BY_PAYER_SHEET,
        "Denials by payer",
        ("pvtPayer", "By payer", "by_payer", DEFINITIONS[K.RATE]),
        ("pvtPayerMonth", "Denied dollars by payer and month of remit", "payer_month", Fmt.MONEY),
    ),
    (
        BY_CATEGORY_SHEET,
        "Denials by category",
        (
            "pvtCategory",
            "By category",
            "by_category",
            "Category Override, else Category; blank counts as unclassified.",
        ),
        ("pvtCategoryPayer", "Denials by category and payer", "category_payer", Fmt.INT),
    ),
    (
        BY_CARC_SHEET,
        "Denials by reason code (CARC)",
        (
            "pvtCarc",
            "By CARC",
            "by_carc",
            "Group code + CARC (CO-16 and OA-18 apart, whatever the remark codes). "
            + MEANING_SOURCE,
        ),
        ("pvtCarcPayer", "Denials by CARC and payer", "carc_payer", Fmt.INT),
    ),
    (
        BY_MONTH_SHEET,
        "Denials by month",
        ("pvtMonth", "By month", "by_month", DEFINITIONS[K.RATE]),
        ("pvtMonthCategory", "Denials by month of remit and category", "month_category", Fmt.INT),
    ),
)


def pivot_sheets(kpis: Kpis, lines: tuple[str, ...]) -> tuple[Report, ...]:
    """By Payer, By Category, By CARC, By Month: one pivot table each plus a cross-tab."""
    sheets = []
    for sheet, title, (name, heading, field, note), (cross, cross_title, key, fmt) in _PIVOTS:
        main = _table(name, heading, getattr(kpis, field), note, totals=True)
        crosstab = _table(cross, cross_title, kpis.crosstabs[key], totals=True, fmt=fmt)
        sheets.append(_pivot_sheet(sheet, title, lines, main, crosstab))
    return tuple(sheets)


def build_reports(kpis: Kpis, now: datetime, practice: str = "") -> tuple[Report, ...]:
    """Every report sheet of one refresh, KPIs first."""
    lines = header_lines(kpis, now)
    return (kpi_sheet(kpis, lines, practice), *pivot_sheets(kpis, lines))
