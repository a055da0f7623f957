"""The KPI tables the report sheets show: periods, Pareto of reasons, payers, aging, workload.

Each function takes the frames prepared by `addin.kpis.measures` and returns a frame ready to show:
the grouping as first column, money as Decimal, a Total row last where asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from addin.kpis.measures import (
    AGING_BUCKETS,
    OTHER,
    TOTAL,
    K,
    KpiSettings,
    as_one_group,
    denial_outcomes,
    finish,
    money,
    period_label,
    summary,
    with_total,
)
from addin.workbook.layout import STATUSES, Col


def by_period(
    claims: pd.DataFrame,
    denials: pd.DataFrame,
    settings: KpiSettings,
    period: str,
    label: str,
    totals: bool = False,
) -> pd.DataFrame:
    """Month or quarter rows: denial rate vs target, then what became of those denials."""
    frame = summary(claims, denials, period).sort_index()
    frame.index = frame.index.map(period_label)
    if totals:
        frame = with_total(frame, summary(as_one_group(claims), as_one_group(denials), "all"))
    frame.insert(frame.columns.get_loc(K.RATE_DOLLARS) + 1, K.TARGET, settings.denial_rate_target)
    return finish(frame, label)


def share(values: pd.Series) -> pd.Series:
    """Each value's share of the column total (NaN when the total is 0)."""
    total = values.sum()
    return values / total if total else values * np.nan


def pareto(
    denials: pd.DataFrame, by: str, top: int | None = None, dollars: bool = False
) -> pd.DataFrame:
    """Reasons largest first — by count, or by denied dollars — with shares and the cumulative
    share in that order; beyond `top`, one "All other" row."""
    outcomes = denial_outcomes(denials, by)
    order = [K.DENIED, K.DENIALS] if dollars else [K.DENIALS, K.DENIED]
    outcomes = outcomes.sort_values(order, ascending=False, kind="stable")
    if top is not None and len(outcomes) > top:
        rest = denials[~denials[by].isin(outcomes.index[:top])]
        outcomes = pd.concat([outcomes.iloc[:top], denial_outcomes(rest.assign(all=OTHER), "all")])
    counted, denied = share(outcomes[K.DENIALS]), share(outcomes[K.DENIED])
    shares = pd.DataFrame({K.DENIALS: outcomes[K.DENIALS], K.SHARE: counted})
    if not dollars:
        shares[K.CUMULATIVE] = counted.cumsum()
    shares[K.DENIED], shares[K.SHARE_DOLLARS] = outcomes[K.DENIED], denied
    if dollars:
        shares[K.CUMULATIVE_DOLLARS] = denied.cumsum()
    return shares.join(outcomes.drop(columns=[K.DENIALS, K.DENIED]))


def reasons(
    denials: pd.DataFrame,
    by: str,
    label: str,
    top: int | None = None,
    totals: bool = False,
    dollars: bool = False,
) -> pd.DataFrame:
    """A Pareto of reasons (a category, or group + CARC), largest first."""
    frame = pareto(denials, by, top, dollars)
    if totals and len(frame):
        frame = with_total(frame, pareto(as_one_group(denials), "all", dollars=dollars))
        cumulative = K.CUMULATIVE_DOLLARS if dollars else K.CUMULATIVE
        frame.loc[TOTAL, cumulative] = np.nan  # a cumulative share of the total says nothing
    return finish(frame, label)


def carc_reasons(
    denials: pd.DataFrame, top: int | None = None, totals: bool = False, dollars: bool = False
) -> pd.DataFrame:
    """The Pareto by group + CARC ("CO-16" and "OA-18" apart, whatever the remark codes):
    each row with the CARC's Meaning and, last, the Reason a chart axis shows ("CO-16 Claim
    lacks info"); "All other" and "Total" stand as they are."""
    frame = reasons(denials, "reason", Col.CARC, top, totals, dollars)
    known = denials.drop_duplicates("reason").set_index("reason")
    frame.insert(1, K.MEANING, frame[Col.CARC].map(known["meaning"]).fillna(""))
    frame[K.REASON] = frame[Col.CARC].map(known["label"]).fillna(frame[Col.CARC])
    return frame


def payers(
    claims: pd.DataFrame, denials: pd.DataFrame, top: int | None = None, totals: bool = False
) -> pd.DataFrame:
    """Payers by denied dollars: their denial rate, overturn rate and money at stake."""
    frame = summary(claims, denials, "payer")
    frame = frame.sort_values([K.DENIED, K.DENIALS], ascending=False, kind="stable")
    if top is not None:
        frame = frame.iloc[:top]
    if totals:
        frame = with_total(frame, summary(as_one_group(claims), as_one_group(denials), "all"))
    return finish(frame, Col.PAYER)


def turnaround(denials: pd.DataFrame) -> pd.DataFrame:
    """Average and median days from remit to appeal and from remit to resolution."""
    rows = []
    for measure, column in (
        ("Remit → appeal", "days_to_appeal"),
        ("Remit → resolved", "days_to_resolve"),
    ):
        days = denials[column].dropna()
        found = len(days) > 0
        rows.append(
            {
                K.MEASURE: measure,
                K.COUNTED: len(days),
                K.AVERAGE: days.mean() if found else None,
                K.MEDIAN: days.median() if found else None,
                K.SHORTEST: days.min() if found else None,
                K.LONGEST: days.max() if found else None,
            }
        )
    return pd.DataFrame(rows)


def aging(denials: pd.DataFrame) -> pd.DataFrame:
    """Open denials by days since their remit: 0–30, 31–60, 61–90, 90+."""
    open_ = denials[denials["open"] & denials["age"].notna()]
    edges = [low - 0.5 for _, low, _ in AGING_BUCKETS] + [np.inf]
    bucket = pd.cut(open_["age"], edges, labels=[name for name, _, _ in AGING_BUCKETS])
    grouped = open_.groupby(bucket, observed=False).agg(
        denials=("id", "size"), at_risk=("at_risk", "sum")
    )
    frame = pd.DataFrame(
        {
            K.DENIALS: grouped["denials"],
            K.AT_RISK: grouped["at_risk"],
            K.SHARE_AT_RISK: share(grouped["at_risk"]),
        }
    )
    return finish(frame, K.BUCKET)


def workload(denials: pd.DataFrame) -> pd.DataFrame:
    """Denials per owner and status (in workflow order), open count and money at risk."""
    if denials.empty:
        return pd.DataFrame(columns=[Col.OWNER, K.OPEN, K.AT_RISK])
    table = pd.pivot_table(
        denials, index="owner", columns="status", values="id", aggfunc="count", fill_value=0
    )
    order = [s for s in STATUSES if s in table.columns]
    table = table[order + sorted(set(table.columns) - set(order))]
    table.columns = list(table.columns)
    open_ = denials.groupby("owner").agg(open=("open", "sum"), at_risk=("at_risk", "sum"))
    table[K.OPEN] = open_["open"]
    table[K.AT_RISK] = open_["at_risk"]
    table = table.sort_values([K.OPEN, K.AT_RISK], ascending=False, kind="stable")
    frame = finish(with_total(table, table.sum().to_frame().T), Col.OWNER)
    statuses = frame.columns[1:-2]
    frame[statuses] = frame[statuses].astype(np.int64)
    return frame


def cost_to_recover(denials: pd.DataFrame) -> pd.DataFrame:
    """Staff time and cost per denial type against the dollars recovered."""
    grouped = denials.groupby("type").agg(
        denials=("id", "size"),
        minutes=("minutes", "first"),
        staff_cost=("staff_cost", "sum"),
        recovered=("recovered", "sum"),
    )
    grouped["hours"] = grouped["denials"] * grouped["minutes"] / 60
    if len(grouped):
        total = grouped.sum().to_frame().T
        total["minutes"] = np.nan  # minutes differ by type
        grouped = with_total(grouped, total)
    frame = pd.DataFrame(
        {
            K.DENIALS: grouped["denials"],
            K.MINUTES: grouped["minutes"],
            K.HOURS: grouped["hours"],
            K.STAFF_COST: grouped["staff_cost"],
            K.RECOVERED: grouped["recovered"],
            K.NET: grouped["recovered"] - grouped["staff_cost"],
        }
    )
    return finish(frame, K.TYPE)


def crosstab(
    denials: pd.DataFrame, index: str, columns: str, label: str, dollars: bool = False
) -> pd.DataFrame:
    """A pandas pivot_table of denials (count, or denied dollars) with a Total row and column."""
    if denials.empty:
        return pd.DataFrame(columns=[label])
    data = denials.assign(row=_labels(denials[index]), col=_labels(denials[columns]))
    table = pd.pivot_table(
        data,
        index="row",
        columns="col",
        values="denied" if dollars else "id",
        aggfunc="sum" if dollars else "count",
        fill_value=0,
        margins=True,
        margins_name=TOTAL,
    )
    rows = [*_ordered(data, index, "row"), TOTAL]
    table = table.loc[rows, [*_ordered(data, columns, "col"), TOTAL]]
    table.columns = [str(c) for c in table.columns]
    table.index.name = label
    frame = table.reset_index()
    if dollars:
        for column in frame.columns[1:]:
            frame[column] = frame[column].map(money).astype(object)
    return frame


def _labels(values: pd.Series) -> pd.Series:
    """Each value as shown in a header, labelling each distinct value once (15,000 rows)."""
    return values.map({value: _shown(value) for value in values.unique()})


def _shown(value: object) -> str:
    if isinstance(value, pd.Period):
        return period_label(value)
    return "no date" if value is pd.NaT else str(value)


def _ordered(data: pd.DataFrame, source: str, shown: str) -> list[str]:
    """Periods in time order, other values most frequent first."""
    if isinstance(data[source].dtype, pd.PeriodDtype):
        return [_shown(p) for p in sorted(data[source].dropna().unique())]
    return list(data[shown].value_counts().index)
