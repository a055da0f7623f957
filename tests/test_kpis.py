"""KPI figures against hand-computed values (tests/kpi_fixture.py), edge cases and the demo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from addin import codes
from addin.kpis import compute as kpis
from addin.kpis.measures import K
from addin.workbook.layout import CLAIMS, DENIALS, STATUSES, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests import kpi_fixture
from tests.kpi_fixture import PAYER_A, PAYER_B, TODAY


def compute(tracker, today=TODAY, settings=None) -> kpis.Kpis:
    book = OpenpyxlBook.open(tracker)
    return kpis.compute(
        book.read_table(CLAIMS), book.read_table(DENIALS), settings or kpis.KpiSettings(), today
    )


@pytest.fixture(scope="module")
def demo_tracker(tmp_path_factory):
    return kpi_fixture.build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def figures(tracker) -> kpis.Kpis:
    return compute(kpi_fixture.fill(tracker))


def row(frame: pd.DataFrame, column: str, value) -> dict:
    found = frame[frame[column] == value]
    assert len(found) == 1, f"{len(found)} rows with {column} = {value!r}"
    return found.iloc[0].to_dict()


def headline(figures: kpis.Kpis, key: str) -> kpis.Headline:
    return figures.headline(key)


# Hand-computed (see kpi_fixture): Q1 = C1–C4, Q2 = C5–C8 (C9 duplicate-only, C10 reversal out).
QUARTER_FIGURES = [
    # key, Q2 value, Q1 value, trend
    (K.RATE, 2 / 4, 1 / 4, "worsening"),
    (K.RATE_DOLLARS, 400 / 600, 100 / 1000, "worsening"),  # billed of C5 + C7 over Q2
    # HFMA: appealed denials won ÷ appealed denials decided — Q2: D2 appealed and lost (D3
    # sent, undecided; D6 paid without an appeal, counted apart); Q1: D1 appealed and won.
    (K.OVERTURN, 0 / 1, 1 / 1, "worsening"),
    (K.DAYS_TO_APPEAL, 19.0, 10.0, "worsening"),  # to Appeal Sent On: D2 18, D3 20; D1 10
    (K.DAYS_TO_RESOLVE, 40.0, 30.0, "worsening"),
    (K.DENIED, Decimal("900.00"), Decimal("100.00"), "worsening"),
    (K.RECOVERED, Decimal("20.00"), Decimal("100.00"), "worsening"),
    (K.WRITTEN_OFF, Decimal("150.00"), Decimal("0.00"), "worsening"),
    (K.STAFF_COST, Decimal("80.00"), Decimal("25.00"), "worsening"),
]


@pytest.mark.parametrize(
    "key, latest, previous, trend", QUARTER_FIGURES, ids=[q[0] for q in QUARTER_FIGURES]
)
def test_headline_quarter_against_the_previous_quarter(figures, key, latest, previous, trend):
    found = headline(figures, key)
    # Q2 is in progress (data to Jun 20): compared with Q1's same span, Jan 1 – Mar 22
    assert found.period == "2026 Q2 to date (Apr 1 – Jun 20)"
    assert found.compared_with == "2026 Q1, same span (Jan 1 – Mar 22)"
    assert found.value == pytest.approx(latest) and found.previous == pytest.approx(previous)
    assert found.change == pytest.approx(latest - previous)
    assert found.trend == trend
    assert found.definition


def test_snapshot_figures_for_today(figures):
    assert headline(figures, K.AT_RISK).value == Decimal("700.00")  # D3 200 + D4 500 open
    # D3's deadline is in 10 days; D4 has none: remit + 60 days = 16 days away, not due soon.
    assert headline(figures, kpis.DUE_SOON).value == Decimal("200.00")
    # (staff 105 + written off 150) over Jan–Jun (6 months) × 12
    assert headline(figures, kpis.ANNUAL_COST).value == Decimal("510.00")
    assert [h.trend for h in figures.headlines[-3:]] == ["", "", ""]


def test_a_better_figure_is_improving():
    assert kpis.Headline("k", "x", 0.10, "Q2", "lower", previous=0.12).trend == "improving"
    assert kpis.Headline("k", "x", 0.60, "Q2", "higher", previous=0.50).trend == "improving"
    assert kpis.Headline("k", "x", 0.5, "Q2", "higher", previous=0.5).trend == "no change"


def test_each_claim_counts_once_by_its_first_adjudication(figures):
    by_month = figures.by_month
    total = row(by_month, K.MONTH, "Total")
    assert (total[K.CLAIMS], total[K.INITIALLY_DENIED]) == (8, 3)
    assert total[K.RATE] == pytest.approx(3 / 8)
    assert total[K.RATE_DOLLARS] == pytest.approx(500 / 1600)  # C1, C5, C7 billed, whole
    assert figures.claims_counted == 8 and figures.denials_counted == 6
    # C1 was paid later on appeal and still counts as initially denied in January;
    # C8 was denied only at a later remit and counts as not initially denied in May.
    assert row(by_month, K.MONTH, "Jan 2026")[K.RATE] == pytest.approx(0.5)
    assert row(by_month, K.MONTH, "May 2026")[K.RATE] == pytest.approx(0.5)


def test_a_month_without_counted_claims_has_no_rate_not_a_division_error(figures):
    june = row(figures.monthly, K.MONTH, "Jun 2026")
    assert june[K.CLAIMS] == 0 and pd.isna(june[K.RATE]) and pd.isna(june[K.RATE_DOLLARS])
    assert june[K.DENIALS] == 2  # D4 and D5 were remitted in June
    assert list(figures.monthly[K.MONTH]) == [
        "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026",
    ]  # fmt: skip


def test_overturn_rate_by_payer_and_by_category(figures):
    assert row(figures.by_payer, Col.PAYER, PAYER_A)[K.OVERTURN] == pytest.approx(0.5)
    # B: D3 appealed but undecided, D6 paid without an appeal (counted apart): no appeal decided
    assert pd.isna(row(figures.by_payer, Col.PAYER, PAYER_B)[K.OVERTURN])
    assert row(figures.by_payer, Col.PAYER, PAYER_B)[K.PAID_WITHOUT_APPEAL] == 1
    assert row(figures.by_payer, Col.PAYER, PAYER_A)[K.RATE] == pytest.approx(2 / 4)
    assert row(figures.by_payer, Col.PAYER, PAYER_B)[K.RATE] == pytest.approx(1 / 4)
    category = figures.by_category.set_index(Col.CATEGORY)
    assert category.loc["medical_necessity", K.OVERTURN] == 1.0
    assert category.loc["unclassified", K.OVERTURN] == 0.0  # D2: blank category, Lost
    assert pd.isna(category.loc["authorization", K.OVERTURN])  # nothing decided yet
    assert category.loc["non_covered", K.DENIALS] == 1  # Category Override wins over Category
    assert "other" not in category.index


def test_turnaround_average_and_median(figures):
    table = figures.turnaround.set_index(K.MEASURE)
    # to Appeal Sent On only: D1 10, D2 18, D3 20 days
    assert list(table.loc["Remit → appeal", [K.COUNTED, K.AVERAGE, K.MEDIAN]]) == [3, 16.0, 18.0]
    resolved = table.loc["Remit → resolved"]
    assert (resolved[K.COUNTED], resolved[K.AVERAGE], resolved[K.MEDIAN]) == (2, 35.0, 35.0)
    assert (resolved[K.SHORTEST], resolved[K.LONGEST]) == (30, 40)


def test_sent_and_closed_dates_drive_turnaround(tracker):
    dated = {
        "D2": {Col.CLOSED_ON: date(2026, 5, 2)},  # Lost, closed 30 days after its remit
        "D3": {Col.APPEAL_SENT_ON: date(2026, 5, 13)},  # sent 10 days in (letter: day 20)
    }
    rows = [row | dated.get(row[Col.DENIAL_ID], {}) for row in kpi_fixture.DENIAL_ROWS]
    table = compute(kpi_fixture.fill(tracker, denials=rows)).turnaround.set_index(K.MEASURE)
    appeal = table.loc["Remit → appeal"]  # D1 10, D2 18, D3 10 (sent, not the letter's day 20)
    assert (appeal[K.COUNTED], appeal[K.MEDIAN]) == (3, 10.0)
    assert appeal[K.AVERAGE] == pytest.approx(38 / 3)
    resolved = table.loc["Remit → resolved"]
    assert (resolved[K.COUNTED], resolved[K.MEDIAN]) == (3, 30.0)  # D1 30, D2 30, D6 40
    assert resolved[K.AVERAGE] == pytest.approx(100 / 3)


def test_pareto_of_reasons_by_count_with_cumulative_share(figures):
    reasons = figures.top_reasons
    assert list(reasons[Col.CARC]) == ["CO-16", "CO-18", "CO-197", "CO-50", "CO-96"]
    assert list(reasons[K.DENIALS]) == [2, 1, 1, 1, 1]
    assert list(reasons[K.CUMULATIVE]) == pytest.approx([2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0])
    assert reasons[K.DENIED].sum() == Decimal("1000.00")
    # the meaning is DenialDesk's own wording (addin/data/carc.csv); the axis label is short
    assert reasons[K.MEANING][0] == codes.carc_table()["16"].description
    assert list(reasons[K.REASON][:3]) == [
        "CO-16 Claim lacks info", "CO-18 Exact duplicate", "CO-197 Auth absent",
    ]  # fmt: skip


def test_by_carc_buckets_by_group_and_carc_whatever_the_remark_codes(tracker):
    """CO-16 with MA130 and CO-16 with N290 are one CO-16 row, meaning from the code list (not
    either row's remark); PR-16 is a row of its own."""
    more = {
        "D1": {Col.GROUP: "CO", Col.CARC: "16", Col.RARC: "MA130"},
        "D3": {Col.GROUP: "PR", Col.CARC: "16", Col.RARC: "N290"},
        "D4": {Col.CARC: "16", Col.RARC: "N290", Col.DESCRIPTION: "CO-16: ours — N290: a remark"},
    }
    rows = [row | more.get(row[Col.DENIAL_ID], {}) for row in kpi_fixture.DENIAL_ROWS]
    figures = compute(kpi_fixture.fill(tracker, denials=rows))
    by_carc = figures.by_carc.set_index(Col.CARC)
    assert list(by_carc.columns[:2]) == [K.MEANING, K.DENIALS] and K.REASON not in by_carc
    assert by_carc.loc["CO-16", K.DENIALS] == 4 and by_carc.loc["PR-16", K.DENIALS] == 1
    meaning = by_carc.loc["CO-16", K.MEANING]
    assert (
        meaning
        == "Claim is missing information or has billing errors; remark codes say what to fix"
    )
    assert "N290" not in meaning and "MA130" not in meaning
    crosstab = figures.crosstabs["carc_payer"]
    assert crosstab.columns[0] == K.REASON
    assert {"CO-16 Claim lacks info", "PR-16 Claim lacks info"} <= set(crosstab[K.REASON])


def test_reasons_by_dollars_put_a_costly_rare_reason_first(figures):
    by_dollars = figures.top_reasons_dollars
    assert list(by_dollars[Col.CARC]) == ["CO-18", "CO-197", "CO-16", "CO-50", "CO-96"]
    assert list(by_dollars[K.DENIED]) == [Decimal(v) for v in ("500", "200", "100", "100", "100")]
    assert list(by_dollars[K.CUMULATIVE_DOLLARS]) == pytest.approx([0.5, 0.7, 0.8, 0.9, 1.0])
    assert list(figures.top_reasons[Col.CARC])[0] == "CO-16"  # by count (2 denials) it leads


def test_aging_workload_and_cost(figures):
    aging = figures.aging.set_index(K.BUCKET)
    assert list(aging[K.DENIALS]) == [0, 1, 1, 0]  # D4 44 days, D3 73 days
    assert aging.loc["61–90 days", K.AT_RISK] == Decimal("200.00")
    workload = figures.workload.set_index(Col.OWNER)
    assert list(workload.index) == ["Unassigned", "Front Desk", "Billing", "Total"]
    assert list(workload.columns[:-2]) == [s for s in STATUSES if s in workload.columns]
    assert workload.loc["Billing", ["Won", "Lost", "Written Off", K.OPEN]].tolist() == [1, 1, 1, 0]
    assert workload.loc["Total", K.AT_RISK] == Decimal("700.00")
    cost = figures.cost.set_index(K.TYPE)
    assert cost.loc["soft", K.STAFF_COST] == Decimal("30.00")  # 3 × 20 min at $30/h
    assert cost.loc["hard", K.STAFF_COST] == Decimal("75.00")  # 3 × 50 min
    assert cost.loc["Total", K.NET] == Decimal("15.00")  # recovered 120 − cost 105


def test_not_denials_and_settled_rows_are_neither_counted_nor_at_risk(tracker):
    extra = [
        kpi_fixture._denial(  # Classify found a write-off here (Category Override: contractual)
            "D7", "C2", PAYER_A, date(2026, 6, 2), "300", "253", "New",
            **{Col.IS_DENIAL: "No", Col.CATEGORY_OVERRIDE: "contractual"},
        ),
        kpi_fixture._denial(  # a later remit dropped it unpaid; nobody closed the Status yet
            "D8", "C6", PAYER_A, date(2026, 6, 3), "40", "16", "New",
            **{Col.RESOLUTION: "Dropped, not paid", Col.RESOLVED_ON: date(2026, 7, 1)},
        ),
    ]  # fmt: skip
    rows = [  # D4 has no Owner: the workload shows Classify's suggestion
        r | ({Col.SUGGESTED_OWNER: "Billing"} if r[Col.DENIAL_ID] == "D4" else {})
        for r in kpi_fixture.DENIAL_ROWS
    ]
    figures = compute(kpi_fixture.fill(tracker, denials=rows + extra))
    assert headline(figures, K.AT_RISK).value == Decimal("700.00")  # as without D7 and D8
    reasons = figures.top_reasons.set_index(Col.CARC)
    assert "CO-253" not in reasons.index and reasons.loc["CO-16", K.DENIALS] == 3
    assert "contractual" not in set(figures.by_category[Col.CATEGORY])
    assert figures.aging[K.DENIALS].sum() == 2  # still only D3 and D4 are open
    workload = figures.workload.set_index(Col.OWNER)
    assert workload.loc["Billing (suggested)", K.OPEN] == 1


def test_a_claim_whose_only_initial_denial_is_not_one_is_not_initially_denied(tracker):
    rows = [
        r | ({Col.IS_DENIAL: "No"} if r[Col.DENIAL_ID] == "D2" else {})  # C5's only denial
        for r in kpi_fixture.DENIAL_ROWS
    ]
    figures = compute(kpi_fixture.fill(tracker, denials=rows))
    assert headline(figures, K.RATE).value == pytest.approx(1 / 4)  # Q2: only C7 now
    assert headline(figures, K.RATE_DOLLARS).value == pytest.approx(300 / 600)


def test_a_partial_quarter_is_compared_with_the_same_span_of_the_quarter_before(tracker):
    """Q2 to date (data to Jun 20) against Q1's Jan 1 – Mar 22: a claim remitted on Mar 25
    is in Q1 but after the span, so it is not compared (like for like, issue 14)."""
    late_q1 = kpi_fixture._claim("C11", PAYER_A, date(2026, 3, 25), "100", "100")
    figures = compute(kpi_fixture.fill(tracker, claims=[*kpi_fixture.CLAIM_ROWS, late_q1]))
    rate = headline(figures, K.RATE)
    assert rate.previous == pytest.approx(1 / 4)  # C1–C4, not C11 (2 of 5 for the whole Q1)
    assert figures.quarterly.set_index(K.QUARTER).loc["2026 Q1", K.RATE] == pytest.approx(2 / 5)
    assert rate.n == "2 of 4 claims"
    assert headline(figures, K.OVERTURN).n == "0 of 1 appeals decided; 1 paid without appeal"


def test_settings_change_the_target_and_the_cost(tracker):
    kpi_fixture.fill(tracker)
    settings = kpis.KpiSettings(denial_rate_target=0.05, hourly_cost=60.0, minutes_hard=30.0)
    figures = compute(tracker, settings=settings)
    assert headline(figures, K.RATE).target == 0.05
    assert set(figures.monthly[K.TARGET]) == {0.05}
    # Q2: soft 3 × 20 min + hard 2 × 30 min = 120 min at $60/h
    assert headline(figures, K.STAFF_COST).value == Decimal("120.00")


def test_an_empty_tracker_has_no_data_and_no_errors(tracker):
    figures = compute(tracker)
    assert figures.first_date is None and figures.claims_counted == 0
    assert all(h.value is None and h.trend == "no data" for h in figures.headlines)
    assert figures.monthly.empty and figures.by_payer.empty and figures.workload.empty
    assert figures.aging[K.DENIALS].sum() == 0


def test_one_month_has_no_previous_quarter(tracker):
    kpi_fixture.fill(tracker, kpi_fixture.CLAIM_ROWS[:2], kpi_fixture.DENIAL_ROWS[:1])
    figures = compute(tracker, today=date(2026, 1, 31))
    rate = headline(figures, K.RATE)
    assert (rate.value, rate.previous, rate.change) == (0.5, None, None)
    assert rate.trend == "no previous quarter"
    assert list(figures.quarterly[K.QUARTER]) == ["2026 Q1"]


def test_demo_figures_match_a_count_made_row_by_row(demo_tracker):
    book = OpenpyxlBook.open(demo_tracker)
    claims, denials = book.read_table(CLAIMS), book.read_table(DENIALS)
    figures = kpis.compute(claims, denials, kpis.KpiSettings(), date(2026, 11, 28))
    duplicate_only = set()
    for key, group in denials.groupby(Col.CLAIM_KEY):
        first = claims.loc[claims[Col.CLAIM_KEY] == key, Col.FIRST_REMIT_DATE].iloc[0]
        initial = group[group[Col.REMIT_DATE] == first]
        if len(initial) and set(initial[Col.CARC]) == {"18"}:
            duplicate_only.add(key)
    adjudicated = claims[Col.FIRST_REMIT_DATE].notna()  # not the demo's unanswered 837 claims
    counted = claims[~claims[Col.CLAIM_KEY].isin(duplicate_only) & adjudicated]
    denied = counted[counted[Col.INITIALLY_DENIED] == "Yes"]
    total = row(figures.by_month, K.MONTH, "Total")
    assert (total[K.CLAIMS], total[K.INITIALLY_DENIED]) == (len(counted), len(denied))
    assert total[K.INITIAL_DENIED] == sum(denied[Col.BILLED])  # HFMA: gross charges
    assert total[K.DENIED] == sum(denials[Col.DENIED_AMOUNT])
    assert total[K.RECOVERED] == sum(denials[Col.RECOVERED_AMOUNT].dropna())
    assert total[K.WON] == (denials[Col.STATUS] == "Won").sum() == 17
    assert len(figures.monthly) == 6 and (figures.first_date, figures.last_date) == (
        date(2026, 6, 8),
        date(2026, 11, 23),
    )
