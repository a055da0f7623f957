"""The Claims and Denials tables prepared for KPIs, and the measures every KPI table is made of.

Pure pandas. Denials arrive as `addin.denials.typed_frame` makes them (the records' fields,
column-wise: codes normalised, the effective category, Decimal money, dates). Money is summed
as whole cents (int64: exact and fast); frames that leave through `finish` carry Decimal again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from addin import codes
from addin.codebook import CodeBook
from addin.denials import typed_frame
from addin.posting import NEW_STATUS, WON_STATUS
from addin.remit.models import ClaimStatus, status_label
from addin.workbook.layout import CLOSED_STATUSES, SENT_STATUSES, SUGGESTED_MARK, Col, S

LOST_STATUS = "Lost"
APPEAL_SENT_STATUS = "Appeal Sent"
WRITTEN_OFF_STATUS = "Written Off"
# Resolution values written by posting.Ledger when a later remit settles a denial.
PAID_RESOLUTIONS = frozenset({"Paid", "Partially paid"})
UNPAID_RESOLUTIONS = frozenset({"Dropped, not paid", "Denied again"})
DENIED_STATUS = status_label(ClaimStatus.DENIED)  # First Status of a CLP02 = 4 adjudication
DUPLICATE_CARC = "18"  # HFMA: duplicate-claim denials are left out of the denial rate
NOT_ADJUDICATIONS = frozenset(
    status_label(code) for code in (ClaimStatus.REVERSAL, ClaimStatus.PREDETERMINATION)
)
UNCLASSIFIED = "unclassified"
UNASSIGNED = "Unassigned"
OTHER = "All other"
TOTAL = "Total"
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 days", 0, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("90+ days", 91, None),
)


class K:
    """Column names of the KPI tables (report headers, not tracker columns)."""

    MONTH = "Month"
    QUARTER = "Quarter"
    CLAIMS = "Claims adjudicated"
    INITIALLY_DENIED = "Claims initially denied"
    RATE = "Denial rate (claims)"
    BILLED = "Billed $"
    INITIAL_DENIED = "Billed $ initially denied"
    RATE_DOLLARS = "Denial rate ($)"
    TARGET = "Target"
    DENIALS = "Denials"
    DENIED = "Denied $"
    SHARE = "% of denials"
    CUMULATIVE = "Cumulative %"
    CUMULATIVE_DOLLARS = "Cumulative % of $"
    SHARE_DOLLARS = "% of denied $"
    SHARE_AT_RISK = "% of at risk $"
    DECIDED = "Decided"
    WON = "Won"
    OVERTURN = "Overturn rate"
    RECOVERED = "Recovered $"
    WRITTEN_OFF = "Written off $"
    OPEN = "Open"
    AT_RISK = "At risk $"
    DAYS_TO_APPEAL = "Avg days to appeal"
    DAYS_TO_RESOLVE = "Avg days to resolve"
    STAFF_COST = "Staff cost $"
    MEASURE = "Measure"
    COUNTED = "Denials counted"
    AVERAGE = "Average days"
    MEDIAN = "Median days"
    SHORTEST = "Shortest"
    LONGEST = "Longest"
    BUCKET = "Days since remit"
    MINUTES = "Minutes each"
    HOURS = "Staff hours"
    NET = "Recovered − cost $"
    TYPE = "Denial type"
    APPEALED_DECIDED = "Appeals decided"
    APPEALS_WON = "Appeals won"
    PAID_WITHOUT_APPEAL = "Paid without appeal"
    LAPSED = "Lapsed unworked"
    RECOVERY = "Recovery rate"
    NET_REVENUE = "Net revenue $"
    WRITE_OFF_RATE = "Write-offs % of net revenue"
    REASON = "Reason"  # group + CARC with its meaning in a few words: "CO-16 Claim lacks info"
    MEANING = "Meaning"  # the CARC's meaning in DenialDesk's words (addin/data/carc.csv)


@dataclass(frozen=True, slots=True)
class KpiSettings:
    """The Settings values the KPIs use."""

    denial_rate_target: float = 0.10
    due_soon_days: int = 14
    default_appeal_window_days: int = 60
    hourly_cost: float = 30.0
    minutes_soft: float = 20.0
    minutes_hard: float = 50.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> KpiSettings:
        def number(name: str, default: float) -> float:
            value = settings.get(name, default)
            return float(value) if isinstance(value, int | float) else default

        return cls(
            denial_rate_target=number(S.DENIAL_RATE_TARGET, cls.denial_rate_target),
            due_soon_days=int(number(S.DUE_SOON_DAYS, cls.due_soon_days)),
            default_appeal_window_days=int(
                number(S.DEFAULT_APPEAL_WINDOW_DAYS, cls.default_appeal_window_days)
            ),
            hourly_cost=number(S.STAFF_HOURLY_COST, cls.hourly_cost),
            minutes_soft=number(S.MINUTES_PER_SOFT_DENIAL, cls.minutes_soft),
            minutes_hard=number(S.MINUTES_PER_HARD_DENIAL, cls.minutes_hard),
        )


# -- preparing the tables --------------------------------------------------------------------


def _cents(series: pd.Series) -> np.ndarray:
    """Money (Decimal, number or blank) as whole cents. Exact: a cent amount survives the
    trip through float for any sum below $90 trillion, and numpy converts in C."""
    values = series.to_numpy(dtype=object)
    blank = pd.isna(values)
    dollars = np.zeros(len(values))
    dollars[~blank] = values[~blank].astype(float)
    return np.rint(dollars * 100).astype(np.int64)


def money(cents: object) -> Decimal | None:
    """Whole cents back to Decimal dollars (None stays None)."""
    if cents is None or cents != cents:
        return None
    return Decimal(int(cents)).scaleb(-2)


def _text(series: pd.Series) -> pd.Series:
    """Text without surrounding spaces, blanks as "" (each distinct value cleaned once)."""
    filled = series.fillna("")
    cleaned = filled.map({value: str(value).strip() for value in filled.unique()})
    return cleaned.astype(str)  # also when empty (a map gives float64 then)


BUILT_IN_CODES = CodeBook()  # DenialDesk's own code knowledge, no practice overrides

# The Denial fields the KPIs read (`typed_frame(frame, DENIAL_FIELDS)`).
DENIAL_FIELDS = (
    "denial_id", "claim_key", "payer", "group", "carc", "description", "is_denial", "type",
    "status",
    "owner", "suggested_owner", "resolution", "denied_amount", "recovered_amount",
    "remit_date", "resolved_on", "appeal_sent_on", "letter_generated_on", "closed_on",
    "appeal_deadline",
)  # fmt: skip


def denial_table(denials: pd.DataFrame) -> pd.DataFrame:
    """The Denials table (as Book.read_table gives it) typed as the KPIs read it."""
    return typed_frame(denials, DENIAL_FIELDS)


def _keys(series: pd.Series) -> pd.Series:
    """Key columns as DenialDesk wrote them (no cleaning: 100,000 distinct values)."""
    return series.fillna("")


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce")


def _first_date(frame: pd.DataFrame, *columns: str) -> pd.Series:
    """Per row, the date in the first of `columns` that has one (absent columns are blank)."""
    found = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for column in reversed(columns):
        if column in frame:
            dates = _dates(frame[column])
            found = dates.where(dates.notna(), found)
    return found


def prepare_claims(claims: pd.DataFrame, denials: pd.DataFrame) -> pd.DataFrame:
    """One row per claim with what the denial rate needs; `counted` marks its denominator.
    `denials` is the `denial_table`."""
    frame = pd.DataFrame(
        {
            "key": _keys(claims[Col.CLAIM_KEY]),
            "payer": _text(claims[Col.PAYER]),
            "first_remit": _dates(claims[Col.FIRST_REMIT_DATE]),
            "billed": _cents(claims[Col.BILLED]),
            "denied": _text(claims[Col.INITIALLY_DENIED]).str.lower().eq("yes"),
            "first_status": _text(claims[Col.FIRST_STATUS]),
        }
    )
    frame = frame[frame["key"] != ""].drop_duplicates("key")  # each claim once
    initial = _initial_denials(frame, denials)
    duplicates_only = _only(initial, initial["carc"] == DUPLICATE_CARC)
    frame["counted"] = (
        frame["first_remit"].notna()
        & ~frame["first_status"].isin(NOT_ADJUDICATIONS)
        & ~frame["key"].isin(duplicates_only)
    )
    # Classify (or the Codes sheet) says none was a denial
    not_denials = initial["is_denial"].eq(False)
    frame["denied"] &= ~frame["key"].isin(_only(initial, not_denials))
    # HFMA's claim-level rule: CLP02 = 4 on the first adjudication is an initial denial, even
    # when its only codes are the patient's share (also for claims posted before that rule).
    frame["denied"] |= frame["first_status"].eq(DENIED_STATUS)
    paid = claims.reindex(frame.index)[Col.LATEST_PAID] if Col.LATEST_PAID in claims else None
    frame["paid"] = _cents(paid) if paid is not None else 0
    # HFMA 1b: the gross charges of the claims initially denied (the whole claim counts).
    frame["denied_cents"] = np.where(frame["denied"], frame["billed"], 0)
    return _with_periods(frame, "first_remit")


def _initial_denials(claims: pd.DataFrame, denials: pd.DataFrame) -> pd.DataFrame:
    """The Denials rows of each claim's first adjudication (remitted on its first remit date)."""
    if denials.empty or claims.empty:
        return denials.iloc[0:0]
    first = claims.set_index("key")["first_remit"]
    keys = denials["claim_key"]
    remit = _dates(denials["remit_date"])
    return denials[remit.eq(keys.map(first)).to_numpy()]


def _only(initial: pd.DataFrame, matches: pd.Series) -> pd.Index:
    """Claims all of whose initial denial rows match (e.g. only duplicates, CARC 18)."""
    if initial.empty:
        return pd.Index([])
    other = (~matches).groupby(initial["claim_key"]).any()
    return other.index[~other.to_numpy()]


def prepare_denials(denials: pd.DataFrame, settings: KpiSettings, today: date) -> pd.DataFrame:
    """One row per denial (from the `denial_table`) with its outcome, amounts in cents, ages
    and staff cost.

    Rows Classify found are not denials (Is Denial = No: a Codes-sheet or Category Override
    made them the patient's share or a write-off) are left out of every KPI.
    """
    denials = denials[denials["is_denial"].ne(False)]
    frame = pd.DataFrame(
        {
            "id": denials["denial_id"].astype(str),
            "payer": denials["payer"].astype(str),
            "category": _words(denials["category"]),
            "type": _words(denials["type"]),
            "status": denials["status"].astype(str).replace("", NEW_STATUS),
            "owner": _owners(denials),
            "denied": _cents(denials["denied_amount"]),
            "recovered": _cents(denials["recovered_amount"]),
            "remit": _dates(denials["remit_date"]),
            "resolved": _dates(denials["resolved_on"]),
            "appealed": _dates(denials["appeal_sent_on"]),  # sent, never the draft's date
            "closed": _dates(denials["closed_on"]),
            "deadline": _dates(denials["appeal_deadline"]),
        }
    )
    _add_reasons(frame, denials)
    frame["deadline"] = frame["deadline"].fillna(
        frame["remit"] + pd.Timedelta(days=settings.default_appeal_window_days)
    )
    _add_outcomes(frame, denials["resolution"].astype(str), today)
    _add_ages(frame, settings, today)
    minutes = np.where(frame["type"].eq("soft"), settings.minutes_soft, settings.minutes_hard)
    frame["minutes"] = minutes
    frame["staff_cost"] = np.round(minutes * settings.hourly_cost * 100 / 60).astype(np.int64)
    return _with_periods(frame, "remit")


def _words(series: pd.Series) -> pd.Series:
    """An enum column (category, type) as its words; blank is unclassified."""
    return series.map(lambda value: value.value if value is not None else UNCLASSIFIED).astype(str)


def _owners(denials: pd.DataFrame) -> pd.Series:
    """Owner, else Classify's suggestion marked as such, else Unassigned."""
    owner = denials["owner"].astype(str)
    suggested = denials["suggested_owner"].astype(str)
    owner = owner.where(owner != "", (suggested + SUGGESTED_MARK).where(suggested != "", ""))
    return owner.replace("", UNASSIGNED)


def _add_reasons(frame: pd.DataFrame, denials: pd.DataFrame) -> None:
    """Each denial's reason as billers say it (`reason`: group + CARC, "CO-16"), the CARC's
    `meaning` and the chart `label` ("CO-16 Claim lacks info"), each pair worked out once."""
    pairs = pd.Series(list(zip(denials["group"], denials["carc"], strict=True)), index=frame.index)
    written = dict(zip(pairs, denials["description"], strict=True))
    found = {pair: _reason(*pair, written[pair]) for pair in pairs.unique()}
    for position, name in enumerate(("reason", "meaning", "label")):
        frame[name] = pairs.map({pair: shown[position] for pair, shown in found.items()})


def _reason(group: object, carc: object, written: object) -> tuple[str, str, str]:
    """("CO-16", its meaning, "CO-16 Claim lacks info"). The meaning is DenialDesk's own
    wording of the CARC (addin/data/carc.csv); a code it does not know keeps the CARC part of
    the Description Classify wrote (a practice's Codes-sheet wording)."""
    reason = codes.group_carc(group, carc)
    code = codes.normalise_code(carc)
    if code in codes.carc_table():
        meaning, short = BUILT_IN_CODES.carc_description(code), codes.carc_short(code)
    else:
        text = str(written or "").split(" — ")[0]
        meaning = text.split(": ", 1)[1] if text.startswith(f"{reason}: ") else ""
        short = codes.short_meaning(meaning)
    return reason, meaning, f"{reason} {short}".strip()


def _add_outcomes(frame: pd.DataFrame, resolution: pd.Series, today: date) -> None:
    """Won, decided, appealed, lapsed, open; written-off and at-risk cents (kpis.DEFINITIONS).

    HFMA's overturn rate counts appealed denials (Appeal Sent On, or Status Appeal Sent):
    `appeal_won` ÷ `appeal_decided`. A denial a later remit paid without an appeal (a
    corrected claim, the payer reprocessing) is `paid_unappealed`, shown apart. An open
    denial whose deadline passed with nothing sent `lapsed`: lost, and written off.
    """
    status = frame["status"]
    paid = resolution.isin(PAID_RESOLUTIONS)
    frame["won"] = status.eq(WON_STATUS) | (paid & status.ne(LOST_STATUS))
    open_now = ~status.isin(CLOSED_STATUSES) & frame["resolved"].isna()  # as Classify
    sent = frame["appealed"].notna() | status.isin(SENT_STATUSES)
    frame["lapsed"] = open_now & ~sent & (frame["deadline"] < pd.Timestamp(today))
    lost = status.eq(LOST_STATUS) | resolution.isin(UNPAID_RESOLUTIONS) | frame["lapsed"]
    frame["decided"] = frame["won"] | lost
    appeal = frame["appealed"].notna() | status.eq(APPEAL_SENT_STATUS)
    frame["appeal_decided"] = appeal & frame["decided"]
    frame["appeal_won"] = appeal & frame["won"]
    frame["paid_unappealed"] = frame["won"] & ~appeal
    frame["open"] = open_now & ~frame["lapsed"]
    unrecovered = np.maximum(frame["denied"] - frame["recovered"], 0)
    final = status.isin({LOST_STATUS, WRITTEN_OFF_STATUS}) | frame["lapsed"]
    frame["written_off"] = np.where(final, unrecovered, 0)
    frame["at_risk"] = np.where(frame["open"], unrecovered, 0)


def _add_ages(frame: pd.DataFrame, settings: KpiSettings, today: date) -> None:
    """Days since remit, to appeal and to resolution; whether the deadline is due soon."""
    now = pd.Timestamp(today)
    window = pd.Timedelta(days=settings.default_appeal_window_days)
    deadline = frame["deadline"].fillna(frame["remit"] + window)
    days_left = (deadline - now).dt.days
    frame["due_soon"] = frame["open"] & days_left.between(0, settings.due_soon_days)
    frame["age"] = (now - frame["remit"]).dt.days
    frame["days_to_appeal"] = (frame["appealed"] - frame["remit"]).dt.days
    closed_by_person = frame["closed"].where(~frame["open"])
    settled = frame["resolved"].where(frame["resolved"].notna(), closed_by_person)
    frame["days_to_resolve"] = (settled - frame["remit"]).dt.days


def _with_periods(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """Month and quarter of `date_column`, the periods every trend table groups by."""
    stamp = frame[date_column]
    frame["month"] = stamp.dt.to_period("M")
    frame["quarter"] = stamp.dt.to_period("Q")
    return frame


# -- measures per group ----------------------------------------------------------------------


def claim_rates(claims: pd.DataFrame, by: str) -> pd.DataFrame:
    """Initial denial rate by count and by dollars for each value of `by`."""
    counted = claims[claims["counted"]]
    grouped = counted.groupby(by, observed=True).agg(
        claims=("key", "size"),
        denied=("denied", "sum"),
        billed=("billed", "sum"),
        denied_cents=("denied_cents", "sum"),
        paid=("paid", "sum"),
    )
    return pd.DataFrame(
        {
            K.CLAIMS: grouped["claims"],
            K.INITIALLY_DENIED: grouped["denied"],
            K.RATE: ratio(grouped["denied"], grouped["claims"]),
            K.BILLED: grouped["billed"],
            K.INITIAL_DENIED: grouped["denied_cents"],
            K.RATE_DOLLARS: ratio(grouped["denied_cents"], grouped["billed"]),
            K.NET_REVENUE: grouped["paid"],
        }
    )


def denial_outcomes(denials: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts, dollars, overturn rate, turnaround and staff cost for each value of `by`."""
    grouped = denials.groupby(by, observed=True).agg(
        denials=("id", "size"),
        denied=("denied", "sum"),
        decided=("decided", "sum"),
        won=("won", "sum"),
        recovered=("recovered", "sum"),
        written_off=("written_off", "sum"),
        open=("open", "sum"),
        at_risk=("at_risk", "sum"),
        appeal_decided=("appeal_decided", "sum"),
        appeal_won=("appeal_won", "sum"),
        paid_unappealed=("paid_unappealed", "sum"),
        lapsed=("lapsed", "sum"),
        days_to_appeal=("days_to_appeal", "mean"),
        days_to_resolve=("days_to_resolve", "mean"),
        staff_cost=("staff_cost", "sum"),
    )
    return pd.DataFrame(
        {
            K.DENIALS: grouped["denials"],
            K.DENIED: grouped["denied"],
            K.DECIDED: grouped["decided"],
            K.WON: grouped["won"],
            K.APPEALED_DECIDED: grouped["appeal_decided"],
            K.APPEALS_WON: grouped["appeal_won"],
            K.OVERTURN: ratio(grouped["appeal_won"], grouped["appeal_decided"]),
            K.PAID_WITHOUT_APPEAL: grouped["paid_unappealed"],
            K.LAPSED: grouped["lapsed"],
            K.RECOVERED: grouped["recovered"],
            K.RECOVERY: ratio(grouped["recovered"], grouped["denied"]),
            K.WRITTEN_OFF: grouped["written_off"],
            K.OPEN: grouped["open"],
            K.AT_RISK: grouped["at_risk"],
            K.DAYS_TO_APPEAL: grouped["days_to_appeal"],
            K.DAYS_TO_RESOLVE: grouped["days_to_resolve"],
            K.STAFF_COST: grouped["staff_cost"],
        }
    )


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator ÷ denominator, NaN (shown as no data) where the denominator is 0."""
    return numerator.astype(float).div(denominator.where(denominator != 0).astype(float))


MONEY_COLUMNS = frozenset(
    {
        K.BILLED,
        K.INITIAL_DENIED,
        K.DENIED,
        K.RECOVERED,
        K.WRITTEN_OFF,
        K.AT_RISK,
        K.STAFF_COST,
        K.NET,
        K.NET_REVENUE,
    }
)
COUNT_COLUMNS = frozenset(
    {K.CLAIMS, K.INITIALLY_DENIED, K.DENIALS, K.DECIDED, K.WON, K.OPEN, K.COUNTED}
    | {K.APPEALED_DECIDED, K.APPEALS_WON, K.PAID_WITHOUT_APPEAL, K.LAPSED}
)


def finish(frame: pd.DataFrame, index_name: str) -> pd.DataFrame:
    """A measures frame ready to show: the index as first column, cents as Decimal, ints."""
    frame = frame.copy()
    frame.index = frame.index.map(str)
    frame.index.name = index_name
    frame = frame.reset_index()
    for column in frame.columns:
        if column in MONEY_COLUMNS:
            frame[column] = frame[column].map(money).astype(object)
        elif column in COUNT_COLUMNS:
            frame[column] = frame[column].fillna(0).astype(np.int64)
    return frame


def with_total(frame: pd.DataFrame, total: pd.DataFrame) -> pd.DataFrame:
    """`frame` (indexed by group) with a last row computed over all rows, labelled Total."""
    if frame.empty:
        return frame
    total = total.copy()
    total.index = pd.Index([TOTAL])
    return pd.concat([frame, total])


def as_one_group(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with an `all` column putting every row in one group, for totals."""
    return frame.assign(all=TOTAL)


def summary(claims: pd.DataFrame, denials: pd.DataFrame, by: str) -> pd.DataFrame:
    """Denial-rate and outcome measures side by side for each value of `by`."""
    rates = claim_rates(claims, by)
    outcomes = denial_outcomes(denials, by)
    joined = rates.join(outcomes, how="outer")
    for column in rates.columns.union(outcomes.columns):
        if column in MONEY_COLUMNS or column in COUNT_COLUMNS:
            joined[column] = joined[column].fillna(0)
    # HFMA AR-6 (write-offs ÷ net patient service revenue): the payments the tracker knows of
    # (Latest Paid of the claims remitted in the period) stand in for net revenue.
    joined[K.WRITE_OFF_RATE] = ratio(joined[K.WRITTEN_OFF], joined[K.NET_REVENUE])
    return joined


def period_label(period: pd.Period) -> str:
    """'Jun 2026' for a month, '2026 Q3' for a quarter."""
    if period.freqstr.startswith("Q"):
        return f"{period.year} Q{period.quarter}"
    return period.strftime("%b %Y")
