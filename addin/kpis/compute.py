"""Denial KPIs from the tracker's Claims and Denials tables, by HFMA's definitions (pure pandas).

`compute(claims, denials, settings, today)` returns every KPI table and the headline figures;
DEFINITIONS says how each figure is counted (see also ../shared/domain/kpis.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pandas as pd

from addin.kpis import ledger, tables
from addin.kpis.measures import (
    MONEY_COLUMNS,
    K,
    KpiSettings,
    denial_table,
    money,
    period_label,
    prepare_claims,
    prepare_denials,
    summary,
)
from addin.workbook.layout import Col

TOP_N = 10  # rows of the Pareto and top-payer tables on the KPIs sheet
DUE_SOON = "due soon"  # DEFINITIONS keys of figures that are not a KPI column
ANNUAL_COST = "annual cost"

__all__ = ["DEFINITIONS", "Headline", "K", "KpiSettings", "Kpis", "compute"]

# The definition shown beside each KPI, so a manager can trust the number.
DEFINITIONS: dict[str, str] = {
    K.RATE: (
        "Claims whose first adjudication was denied (CLP02 = 4, even with only patient-share "
        "codes) or carried a denial code ÷ claims adjudicated, each claim counted once in the "
        "month of its first remit (HFMA Claim Integrity Task Force, initial denial rate, by "
        "volume). "
        "A claim paid later on appeal still counts as initially denied. Left out: claims whose "
        "only initial denial is a duplicate (CARC 18), reversals and predeterminations; a "
        "claim whose initial denials Classify marks Is Denial = No counts as not denied."
    ),
    K.RATE_DOLLARS: (
        "Billed charges of the claims whose first adjudication carried a denial ÷ billed "
        "charges of all claims adjudicated (HFMA initial denial rate, by dollars: gross "
        "charges, so a claim with one denied line counts whole), with the same exclusions."
    ),
    K.OVERTURN: (
        "Appealed denials won ÷ appealed denials decided (HFMA Claim Integrity Task Force, "
        "% of initial denials overturned, by the appealed-denials denominator). Appealed: "
        "Appeal Sent On filled in, or Status Appeal Sent. Won: Status Won, or a later remit "
        "paid it. Decided: won, Lost, dropped or denied again by a remit, or lapsed. Corrected "
        "claims and payer reprocessing (paid without an appeal) are counted apart."
    ),
    K.RECOVERY: (
        "Recovered Amount ÷ Denied Amount of the denials first remitted in the quarter (net "
        "recovery yield, domain/kpis.md §3, after HFMA's overturn-by-charges variant)."
    ),
    K.WRITE_OFF_RATE: (
        "Denial write-offs ÷ net revenue (HFMA MAP Key AR-6, denial write-offs as % of net "
        "patient service revenue). Net revenue here: the payments the tracker knows of (Latest "
        "Paid of the claims remitted in the quarter), as the tracker has no ledger of revenue."
    ),
    K.DAYS_TO_APPEAL: (
        "Days from the denial's remit date to Appeal Sent On (HFMA Claim Integrity Task Force, "
        "time from initial denial to appeal), never the date a draft was made; denials not "
        "sent are left out."
    ),
    K.DAYS_TO_RESOLVE: (
        "Days from the denial's remit date to Resolved On (the remit that paid or settled it), "
        "else, for a denial a person closed (Won, Lost, Written Off), to Closed On; open "
        "denials are left out (HFMA Claim Integrity Task Force, time from initial denial to "
        "resolution)."
    ),
    K.DENIED: "Sum of Denied Amount of the denials first remitted in the period.",
    K.RECOVERED: "Recovered Amount: what later remits paid on those denials.",
    K.WRITTEN_OFF: (
        "Denied − recovered on final denials: Status Lost or Written Off, and denials that "
        "lapsed unworked — open, nothing sent, past their appeal deadline (HFMA: a denial the "
        "provider does not pursue is final)."
    ),
    K.AT_RISK: (
        "Denied − recovered on open denials: Status not Won, Lost or Written Off, and not "
        "settled by a later remit (no Resolved On). Rows Classify found are not denials are "
        "left out of every KPI."
    ),
    DUE_SOON: (
        "Open denials whose appeal deadline falls between today and the Due Soon Days setting. "
        "Deadline: the Appeal Deadline column, else remit date + Default Appeal Window Days."
    ),
    K.STAFF_COST: (
        "Denials × minutes per denial (Settings: soft, hard; unclassified counted as hard) "
        "× Staff Hourly Cost ÷ 60: the staff time denials cost to work."
    ),
    ANNUAL_COST: (
        "(Staff cost + written-off dollars) of the last 12 months of denials, per month of "
        "data × 12: what denials cost a year at the current rate."
    ),
}


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline KPI: its latest-quarter value against the same span of the quarter before
    (like for like), or a snapshot; `n` says what a rate is counted over."""

    key: str  # the K column (or DEFINITIONS key) the figure comes from
    label: str
    value: object  # float rate or days, Decimal dollars; None when there is no data
    period: str
    better: str = ""  # "lower" | "higher"; "" for a snapshot without a direction
    previous: object = None
    target: object = None
    definition: str = ""
    n: str = ""  # e.g. "4 of 4 appeals decided"
    compared_with: str = ""  # e.g. "2026 Q3, Jul 1 – Aug 23"

    @property
    def change(self) -> object:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend(self) -> str:
        if self.value is None:
            return "no data"
        if not self.better:
            return ""
        if self.previous is None:
            return "no previous quarter"
        if self.change == 0:
            return "no change"
        went_down = self.change < 0
        return "improving" if went_down == (self.better == "lower") else "worsening"


@dataclass(frozen=True, eq=False)
class Kpis:
    """Every KPI table of one refresh; empty frames where the tracker has no data."""

    today: date
    settings: KpiSettings
    first_date: date | None
    last_date: date | None
    claims_counted: int
    denials_counted: int
    headlines: tuple[Headline, ...]
    monthly: pd.DataFrame
    quarterly: pd.DataFrame
    turnaround: pd.DataFrame
    top_reasons: pd.DataFrame
    top_reasons_dollars: pd.DataFrame
    top_categories: pd.DataFrame
    top_payers: pd.DataFrame
    aging: pd.DataFrame
    workload: pd.DataFrame
    cost: pd.DataFrame
    by_payer: pd.DataFrame
    by_category: pd.DataFrame
    by_carc: pd.DataFrame
    by_month: pd.DataFrame
    crosstabs: dict[str, pd.DataFrame] = field(default_factory=dict)

    def headline(self, key: str) -> Headline:
        """The headline figure of a K column (or DUE_SOON / ANNUAL_COST)."""
        return next(h for h in self.headlines if h.key == key)


# -- headline --------------------------------------------------------------------------------

# (KPI column, label, which way is better, compared with the denial-rate target)
QUARTER_HEADLINES: tuple[tuple[str, str, str, bool], ...] = (
    (K.RATE, "Initial denial rate (claims)", "lower", True),
    (K.RATE_DOLLARS, "Initial denial rate (dollars)", "lower", True),
    (K.OVERTURN, "Appeal overturn rate", "higher", False),
    (K.RECOVERY, "Recovery rate (recovered ÷ denied)", "higher", False),
    (K.WRITE_OFF_RATE, "Denial write-offs % of net revenue", "lower", False),
    (K.DAYS_TO_APPEAL, "Average days, remit → appeal sent", "lower", False),
    (K.DAYS_TO_RESOLVE, "Average days, remit → resolution", "lower", False),
    (K.DENIED, "Dollars denied", "lower", False),
    (K.RECOVERED, "Dollars recovered", "higher", False),
    (K.WRITTEN_OFF, "Dollars written off", "lower", False),
    (K.STAFF_COST, "Cost to recover (staff time)", "lower", False),
)


def _span(day: pd.Timestamp) -> str:
    return f"{day:%b} {day.day}"


def like_for_like(claims: pd.DataFrame, denials: pd.DataFrame) -> tuple[pd.DataFrame, str, str]:
    """The quarter summary of the latest quarter and of the quarter before it — cut to the
    same days when the latest is in progress (quarter to date against the same span of the
    previous quarter, never a partial quarter against a whole one) — with both labels."""
    dates = pd.concat([claims["first_remit"], denials["remit"]]).dropna()
    if dates.empty:
        return summary(claims.iloc[0:0], denials.iloc[0:0], "quarter"), "", ""
    last = dates.max().normalize()
    latest = last.to_period("Q")
    start, end = latest.start_time, latest.end_time.normalize()
    before = start - pd.DateOffset(months=3)
    if last < end:  # in progress: the same number of days into the previous quarter
        cut = min(before + (last - start), start - pd.Timedelta(days=1))
        label = f"{period_label(latest)} to date ({_span(start)} – {_span(last)})"
        previous = f"{period_label(latest - 1)}, same span ({_span(before)} – {_span(cut)})"
    else:
        cut = start - pd.Timedelta(days=1)
        label, previous = period_label(latest), period_label(latest - 1)
    keep_c = claims["first_remit"].between(before, cut) | claims["quarter"].eq(latest)
    keep_d = denials["remit"].between(before, cut) | denials["quarter"].eq(latest)
    return summary(claims[keep_c], denials[keep_d], "quarter").sort_index(), label, previous


def headlines(
    claims: pd.DataFrame, denials: pd.DataFrame, settings: KpiSettings, today: date
) -> tuple[Headline, ...]:
    """The latest quarter with data against the same span of the quarter before, then
    today's snapshot."""
    quarterly, period, compared = like_for_like(claims, denials)
    latest = quarterly.index.max() if len(quarterly) else None
    found = [
        Headline(
            key,
            label,
            _cell(quarterly, latest, key),
            period,
            better,
            _cell(quarterly, latest - 1, key) if latest is not None else None,
            settings.denial_rate_target if targeted else None,
            DEFINITIONS[key],
            _counted_over(quarterly, latest, key),
            compared,
        )
        for key, label, better, targeted in QUARTER_HEADLINES
    ]
    return (*found, *_snapshot(denials, settings, today))


def _counted_over(frame: pd.DataFrame, period: pd.Period | None, key: str) -> str:
    """What a headline figure is counted over: "4 of 4 appeals decided"."""
    if period is None or period not in frame.index:
        return ""
    row = frame.loc[period]

    def dollars(column: str) -> str:
        return f"${money(row[column]):,.0f}"

    counts = {
        K.RATE: f"{row[K.INITIALLY_DENIED]:,.0f} of {row[K.CLAIMS]:,.0f} claims",
        K.RATE_DOLLARS: f"{dollars(K.INITIAL_DENIED)} of {dollars(K.BILLED)} billed",
        K.OVERTURN: (
            f"{row[K.APPEALS_WON]:,.0f} of {row[K.APPEALED_DECIDED]:,.0f} appeals decided; "
            f"{row[K.PAID_WITHOUT_APPEAL]:,.0f} paid without appeal"
        ),
        K.RECOVERY: f"{dollars(K.RECOVERED)} of {dollars(K.DENIED)} denied",
        K.WRITE_OFF_RATE: f"{dollars(K.WRITTEN_OFF)} of {dollars(K.NET_REVENUE)} paid",
    }
    return counts.get(key, f"{row[K.DENIALS]:,.0f} denials")


def _cell(frame: pd.DataFrame, period: pd.Period | None, column: str) -> object:
    if period is None or period not in frame.index:
        return None
    value = frame.at[period, column]
    if value is None or value != value:  # NaN: nothing to divide by
        return None
    return money(value) if column in MONEY_COLUMNS else float(value)


def _snapshot(denials: pd.DataFrame, settings: KpiSettings, today: date) -> list[Headline]:
    if denials.empty:
        at_risk = due_soon = yearly = None
    else:
        at_risk = money(denials["at_risk"].sum())
        due_soon = money(denials.loc[denials["due_soon"], "at_risk"].sum())
        yearly = annual_cost(denials)
    on_today = f"today, {today.isoformat()}"
    days = settings.due_soon_days
    return [
        Headline(
            K.AT_RISK,
            "Dollars still at risk (open)",
            at_risk,
            on_today,
            definition=DEFINITIONS[K.AT_RISK],
        ),
        Headline(
            DUE_SOON,
            f"At risk of missing the deadline in {days} days",
            due_soon,
            on_today,
            definition=DEFINITIONS[DUE_SOON],
        ),
        Headline(
            ANNUAL_COST,
            "Estimated annual cost of denials",
            yearly,
            "per year",
            definition=DEFINITIONS[ANNUAL_COST],
        ),
    ]


def annual_cost(denials: pd.DataFrame) -> Decimal | None:
    """(Staff cost + written off) per month over the last 12 months of data, × 12."""
    months = denials["month"].dropna()
    if months.empty:
        return None
    last = months.max()
    recent = denials[denials["month"] > last - 12]
    span = last.ordinal - recent["month"].min().ordinal + 1
    cents = (recent["staff_cost"].sum() + recent["written_off"].sum()) * 12 / span
    return money(round(cents))


def ledger_headlines(claims: pd.DataFrame, today: date) -> tuple[Headline, ...]:
    """The claim-ledger figures, when 837s were imported (none otherwise)."""
    found = ledger.figures(claims, today)
    if found is None:
        return ()
    since = "claims submitted to date"
    now = f"today, {today.isoformat()}"
    return (
        *(
            Headline(
                key,
                key,
                found.rate(key),
                since,
                definition=ledger.DEFINITIONS[key],
                n=found.counted(key),
            )
            for key in (ledger.SUBMITTED_RATE, ledger.CLEAN_RATE, ledger.REJECTION_RATE)
        ),
        Headline(
            ledger.WAITING,
            ledger.WAITING,
            found.waiting,
            now,
            definition=ledger.DEFINITIONS[ledger.WAITING],
        ),
        Headline(
            ledger.WAITING_DOLLARS,
            ledger.WAITING_DOLLARS,
            found.waiting_billed,
            now,
            definition=ledger.DEFINITIONS[ledger.WAITING],
        ),
        Headline(
            ledger.OLDEST,
            ledger.OLDEST,
            found.oldest,
            now,
            definition=ledger.DEFINITIONS[ledger.WAITING],
        ),
    )


def _by_remits(found: tuple[Headline, ...]) -> tuple[Headline, ...]:
    """Without 837s the tracker knows claims only from their remits: say so on the rate."""
    return tuple(replace(h, label=ledger.BY_REMITS_LABEL) if h.key == K.RATE else h for h in found)


# -- everything ------------------------------------------------------------------------------


def compute(
    claims: pd.DataFrame, denials: pd.DataFrame, settings: KpiSettings, today: date
) -> Kpis:
    """All KPI tables from the tracker's Claims and Denials tables (as Book.read_table gives)."""
    typed = denial_table(denials)
    c = prepare_claims(claims, typed)
    d = prepare_denials(typed, settings, today)
    dates = pd.concat([c["first_remit"], d["remit"]]).dropna()
    found = headlines(c, d, settings, today) + ledger_headlines(claims, today)
    return Kpis(
        today=today,
        settings=settings,
        first_date=dates.min().date() if len(dates) else None,
        last_date=dates.max().date() if len(dates) else None,
        claims_counted=int(c["counted"].sum()),
        denials_counted=len(d),
        headlines=found if ledger.figures(claims, today) else _by_remits(found),
        monthly=tables.by_period(c, d, settings, "month", K.MONTH),
        quarterly=tables.by_period(c, d, settings, "quarter", K.QUARTER),
        turnaround=tables.turnaround(d),
        top_reasons=tables.carc_reasons(d, top=TOP_N),
        top_reasons_dollars=tables.carc_reasons(d, top=TOP_N, dollars=True),
        top_categories=tables.reasons(d, "category", Col.CATEGORY, top=TOP_N),
        top_payers=tables.payers(c, d, top=TOP_N),
        aging=tables.aging(d),
        workload=tables.workload(d),
        cost=tables.cost_to_recover(d),
        by_payer=tables.payers(c, d, totals=True),
        by_category=tables.reasons(d, "category", Col.CATEGORY, totals=True),
        by_carc=tables.carc_reasons(d, totals=True).drop(columns=K.REASON),
        by_month=tables.by_period(c, d, settings, "month", K.MONTH, totals=True),
        crosstabs={
            "payer_month": tables.crosstab(d, "payer", "month", Col.PAYER, dollars=True),
            "category_payer": tables.crosstab(d, "category", "payer", Col.CATEGORY),
            "carc_payer": tables.crosstab(d, "label", "payer", K.REASON),
            "month_category": tables.crosstab(d, "month", "category", K.MONTH),
        },
    )
