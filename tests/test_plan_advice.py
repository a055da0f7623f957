"""Issue 11, case by case: plan-aware remedies and deadlines, through `denialdesk explain --json`
and through Classify on a tracker. Each case names the rule or guide it rests on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from addin import actions
from addin.cli import cli
from addin.workbook.layout import DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update

PRODUCED, PAID, SERVICE = date(2026, 6, 6), date(2026, 6, 8), date(2026, 5, 20)
AS_OF = date(2026, 6, 20)
NOVITAS = ("NOVITAS SOLUTIONS", "12502")
MEDICARE_B = ("MEDICARE PART B", "")
NORIDIAN = ("NORIDIAN HEALTHCARE SOLUTIONS", "01182")
AARP = ("AARP MEDICARE ADVANTAGE", "87726")
UHC_COMMUNITY = ("UNITEDHEALTHCARE COMMUNITY PLAN", "87726")
HUMANA_MA = ("HUMANA MEDICARE", "61101")
CIGNA = ("CIGNA", "62308")


@dataclass(frozen=True)
class Case:
    """One case of the issue: the code combination, the payer, and what must come out."""

    id: str
    source: str  # the rule or guide the expected answer rests on
    code: str
    payer: tuple[str, str]
    remedy: str
    plan: str | None
    appealable: bool = True
    rarcs: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # in the action
    never: tuple[str, ...] = ()  # never in the action
    deadline: date | None = None  # the deadline in use
    appeal: date | None = None
    corrected: date | None = None
    rule: tuple[str, ...] = ()  # in the Deadline Rule
    is_denial: bool = True
    category: str | None = None
    extra: dict = field(default_factory=dict)


MEDICARE_REDETERMINATION = date(2026, 10, 9)  # 2026-06-06 + 5 days' receipt + 120 days
MEDICARE_REOPENING = date(2027, 6, 4)  # 1 year: Sun 2027-06-06 moves back to Fri
CASES = [
    Case("original medicare bundling: reopening", "42 CFR 405.980(c)(1); 405.942(a)", "97",
         NOVITAS, "reopening", "original_medicare", rarcs=("M15",), words=("reopening",),
         never=("send a corrected claim",), deadline=MEDICARE_REOPENING,
         appeal=MEDICARE_REDETERMINATION, corrected=MEDICARE_REOPENING,
         rule=("Medicare redetermination: 120 days from receipt (remit production date "
               "2026-06-06 + 5 days)", "Medicare reopening")),
    Case("original medicare coding: reopening", "42 CFR 405.980; Pub 100-04 ch.34", "16",
         MEDICARE_B, "reopening", "original_medicare", rarcs=("M51",), words=("reopening",),
         never=("send a corrected claim",), appeal=MEDICARE_REDETERMINATION),
    Case("MAC id alone", "42 CFR 405.942(a): redetermination, 120 days from receipt", "50",
         ("", "01182"), "appeal", "original_medicare", words=("redetermination",),
         deadline=MEDICARE_REDETERMINATION),
    Case("UHC community plan", "42 CFR 438.402(c)(2)(ii): 60 days from the notice", "50",
         UHC_COMMUNITY, "appeal", "medicaid_managed_care", deadline=date(2026, 8, 5),
         rule=("Medicaid managed care appeal: 60 days from remit production date 2026-06-06",)),
    Case("AARP Medicare Advantage", "42 CFR 422.582(a): 65 days from the notice", "50", AARP,
         "appeal", "medicare_advantage", deadline=date(2026, 8, 10),
         rule=("Medicare Advantage reconsideration: 65 days from remit production date "
               "2026-06-06",)),
    Case("Humana Medicare", "42 CFR 422.582(a)", "50", HUMANA_MA, "appeal", "medicare_advantage",
         deadline=date(2026, 8, 10)),
    Case("soft denial shows both dates", "Cigna when-to-file and appeals pages (90 / 180 days)",
         "16", CIGNA, "corrected_claim", "commercial", rarcs=("N290",),
         deadline=date(2026, 8, 18), corrected=date(2026, 8, 18), appeal=date(2026, 12, 3)),
    Case("B15 original medicare", "CARC B15; 42 CFR 405.980", "B15", NOVITAS, "reopening",
         "original_medicare", words=("qualifying", "reopen"), never=("send a corrected claim",)),
    Case("B15 commercial", "CARC B15", "B15", CIGNA, "corrected_claim", "commercial",
         words=("qualifying (primary) service first",)),
    Case("4 + N823: coding, not bundling", "CARC 4 + RARC N823", "4", CIGNA, "corrected_claim",
         "commercial", rarcs=("N823",), words=("coding error, not bundling",),
         category="coding"),
    Case("4 + N823 original medicare", "CARC 4 + N823; Pub 100-04 ch.34 §10.6.2", "4", NOVITAS,
         "reopening", "original_medicare", rarcs=("N823",), never=("send a corrected claim",),
         category="coding"),
    Case("182 modifier invalid on the date", "CARC 182", "182", CIGNA, "corrected_claim",
         "commercial", words=("modifier",), category="coding"),
    Case("B9 hospice, original medicare", "CARC B9; Pub 100-04 ch.11 (GV/GW)", "B9", NOVITAS,
         "reopening", "original_medicare", words=("GW", "GV", "bill the hospice")),
    Case("B9 hospice, Medicare Advantage", "CARC B9; Pub 100-04 ch.11", "B9", AARP,
         "bill_other_payer", "medicare_advantage", words=("GW", "hospice")),
    Case("116 defective ABN", "CARC 116; Pub 100-04 ch.30 §40, §50", "116", NOVITAS,
         "write_off", "original_medicare", words=("do not bill the patient",)),
    Case("58 place of service", "CARC 58", "58", CIGNA, "corrected_claim", "commercial",
         words=("keyed wrong", "Not both")),
    Case("285 appeal channel", "CARC 285", "285", CIGNA, "appeal", "commercial",
         words=("about the appeal, not the claim",)),
    Case("286 appeal late", "CARC 286; 42 CFR 405.942(b), 422.582(c)", "286", AARP, "appeal",
         "medicare_advantage", words=("came in late", "good cause")),
    Case("167 diagnosis first", "CARC 167", "167", CIGNA, "appeal", "commercial",
         words=("Check the diagnosis coding first",)),
    Case("170 provider type", "CARC 170", "170", CIGNA, "write_off", "commercial",
         words=("eligible provider", "write it off")),
    Case("171 provider type in facility", "CARC 171", "171", CIGNA, "write_off", "commercial",
         words=("eligible provider",)),
    Case("40 prudent layperson", "42 CFR 422.113(b); 45 CFR 147.138(b)", "40", AARP, "appeal",
         "medicare_advantage", words=("prudent-layperson",)),
    Case("198 authorization extension", "CARC 198", "198", CIGNA, "corrected_claim",
         "commercial", words=("extend the authorization",)),
    Case("147 rate not loaded", "CARC 147", "147", CIGNA, "appeal", "commercial",
         words=("payer contracting",)),
    Case("OA-209 next payer", "CARC 209; secondary filing from the primary's remit", "OA-209",
         CIGNA, "bill_other_payer", "commercial", appealable=False, is_denial=False,
         words=("Do not bill the patient",), deadline=date(2026, 9, 4),
         rule=("from the primary payer's remit 2026-06-06",)),
    Case("PR-242 No Surprises Act", "45 CFR 149.410, 149.420", "PR-242", CIGNA,
         "bill_patient", "commercial", appealable=False, is_denial=False,
         words=("No Surprises Act",)),
    Case("CO-24 from original medicare", "CARC 24; Pub 100-04 ch.1 §90", "24", NORIDIAN,
         "bill_other_payer", "original_medicare", appealable=False,
         words=("Medicare Advantage plan",), category="coordination_of_benefits"),
    Case("CO-16 + MA04 back to the same payer", "CARC 16 + MA04; Cigna and UHC guides", "16",
         CIGNA, "corrected_claim", "commercial", rarcs=("MA04",),
         words=("same payer", "primary payer's"),
         rule=("primary payer's remit date not known",)),
    Case("CO-29 original medicare", "42 CFR 424.44(b); 42 CFR 405.926", "29", NORIDIAN,
         "write_off", "original_medicare", appealable=False,
         words=("Not appealable", "exception"), rule=("No appeal window", "424.44(b)")),
    Case("CO-29 commercial keeps its appeal", "payer guides: proof of timely filing", "29",
         CIGNA, "appeal", "commercial", words=("proof",)),
]  # fmt: skip


# -- through `denialdesk explain --json` --------------------------------------------------


def explained(runner, case: Case, as_of: date = AS_OF) -> dict:
    name, payer_id = case.payer
    args = ["explain", case.code, "--json", "--payer", name, "--payer-id", payer_id,
            "--remit-date", str(PRODUCED), "--service-date", str(SERVICE),
            "--as-of", str(as_of)]  # fmt: skip
    for rarc in case.rarcs:
        args += ["--rarc", rarc]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_case_through_explain(runner, case):
    data = explained(runner, case)
    assert data["plan_type"] == case.plan, case.source
    assert data["remedy"] == case.remedy, case.source
    assert data["appealable"] is case.appealable, case.source
    assert data["is_denial"] is case.is_denial
    _check_words(data["action"], case)
    if case.category:
        assert data["category"] == case.category
    if case.deadline:
        assert data["deadline"] == case.deadline.isoformat(), data["deadline_rule"]
    if case.appeal:
        assert data["appeal_deadline"] == case.appeal.isoformat()
    if case.corrected:
        assert data["corrected_claim_deadline"] == case.corrected.isoformat()
    for words in case.rule:
        assert words in data["deadline_rule"], data["deadline_rule"]
    if data["deadline"]:
        assert data["deadline_start"] in (str(PRODUCED), str(SERVICE))


def _check_words(action: str, case: Case) -> None:
    for words in case.words:
        assert words.lower() in action.lower(), f"{case.source}: {action}"
    for words in case.never:
        assert words.lower() not in action.lower(), f"{case.source}: {action}"


def test_explain_takes_the_group_in_the_code_and_prints_the_plan(runner):
    result = runner.invoke(cli, ["explain", "PR-1"])
    assert result.exit_code == 0 and "PR-1:" in result.output
    result = runner.invoke(cli, ["explain", "CO-97", "--rarc", "M15", "--payer-id", "12502"])
    assert "Plan: Original Medicare" in result.output and "Remedy: Reopening" in result.output


# Source: 42 CFR 405.942(b) (late redetermination for good cause); 42 CFR 422.582(c);
# a commercial plan's rules give no late window.
@pytest.mark.parametrize(
    "payer, code, remedy, words",
    [
        (("", "12502"), "50", "appeal", "good cause (42 CFR 405.942(b))"),
        (AARP, "50", "appeal", "good cause (42 CFR 422.582(c))"),
        (CIGNA, "50", "write_off", "write it off"),
    ],
    ids=["medicare", "medicare advantage", "commercial"],
)
def test_past_the_last_date_the_decision_that_remains(runner, payer, code, remedy, words):
    late = Case("late", "", code, payer, remedy, None)
    data = explained(runner, late, as_of=date(2027, 1, 15))
    assert data["overdue"] is True and data["remedy"] == remedy
    assert data["action"].startswith("Past the deadline") and words in data["action"]


def test_a_corrected_claim_past_its_filing_limit_turns_to_the_appeal_that_remains(runner):
    case = Case("soft", "", "16", CIGNA, "appeal", "commercial", rarcs=("N290",))
    data = explained(runner, case, as_of=date(2026, 9, 1))  # filing limit 2026-08-18 passed
    assert data["remedy"] == "appeal" and not data["overdue"]
    assert data["deadline"] == "2026-12-03" and "deadline passed on 2026-08-18" in data["action"]


def test_a_brand_only_name_on_a_shared_id_is_flagged_with_the_earliest_deadline(runner):
    # 87726 serves UHC commercial (365 days), Medicare Advantage (65) and Community Plan (60).
    case = Case("uhc", "42 CFR 438.402(c)(2)(ii)", "50", ("UNITEDHEALTHCARE", "87726"),
                "appeal", "commercial")  # fmt: skip
    data = explained(runner, case)
    assert data["plan_type"] == "commercial" and "Plan unclear" in data["deadline_rule"]
    assert data["deadline"] == "2026-08-05"  # the Community Plan's 60 days, the earliest


# -- through Classify on a tracker --------------------------------------------------------


def _row(number: int, case: Case) -> dict:
    group, _, carc = case.code.rpartition("-")
    name, payer_id = case.payer
    return {
        Col.DENIAL_ID: f"D-{number:03d}",
        Col.CLAIM_KEY: f"C-{number:03d}",
        Col.CLAIM_ID: f"CLM{number:03d}",
        Col.PAYER: name or None,
        Col.PAYER_ID: payer_id or None,
        Col.PATIENT: "TESTPATIENT, ALPHA",
        Col.SERVICE_DATE: SERVICE,
        Col.LEVEL: "line",
        Col.PAID: Decimal("0.00"),
        Col.DENIED_AMOUNT: Decimal("150.00"),
        Col.GROUP: group or "CO",
        Col.CARC: carc,
        Col.RARC: ", ".join(case.rarcs) or None,
        Col.CLAIM_STATUS: "Denied",
        Col.REMIT_DATE: PAID,  # BPR16: two days after the notice was produced (DTM*405)
        Col.PRODUCTION_DATE: PRODUCED,
        Col.LAST_DENIED_ON: PAID,
        Col.TIMES_DENIED: 1,
        Col.STATUS: "New",
    }


PLAN_LABELS = {
    "original_medicare": "Original Medicare",
    "medicare_advantage": "Medicare Advantage",
    "medicaid_managed_care": "Medicaid managed care",
    "commercial": "Commercial",
}


@pytest.fixture(scope="module")
def classified(tmp_path_factory) -> pd.DataFrame:
    from addin.actions.new_tracker import create_tracker

    tracker = create_tracker(tmp_path_factory.mktemp("plans") / "t.xlsx")
    with open_for_update(tracker) as book:
        frame = book.read_table(DENIALS)
        rows = [_row(n, c) for n, c in enumerate(CASES, start=1)]
        data = pd.DataFrame([{k: r.get(k) for k in frame.columns} for r in rows])
        book.write_table(DENIALS, data.astype(object))
        actions.classify_and_prioritize(book, today=AS_OF)
    return OpenpyxlBook.open(tracker).read_table(DENIALS).set_index(Col.DENIAL_ID)


@pytest.mark.parametrize("number, case", list(enumerate(CASES, start=1)), ids=[c.id for c in CASES])
def test_each_case_through_classify(classified, number, case):
    row = classified.loc[f"D-{number:03d}"]
    assert row[Col.PLAN_TYPE] == PLAN_LABELS[case.plan], case.source
    labels = {"reopening": "Reopening", "appeal": "Appeal", "corrected_claim": "Corrected claim",
              "write_off": "Write off", "bill_other_payer": "Bill another payer",
              "bill_patient": "Bill the patient"}  # fmt: skip
    assert row[Col.REMEDY] == labels[case.remedy], case.source
    assert row[Col.APPEALABLE] == ("Yes" if case.appealable else "No"), case.source
    assert row[Col.IS_DENIAL] == ("Yes" if case.is_denial else "No")
    _check_words(row[Col.ACTION], case)
    if case.category:
        assert row[Col.CATEGORY] == case.category
    if case.appeal:
        assert row[Col.APPEAL_DEADLINE] == case.appeal
    if case.corrected:
        assert row[Col.CORRECTED_CLAIM_DEADLINE] == case.corrected
    if case.deadline and case.is_denial:
        assert row[Col.DAYS_LEFT] == (case.deadline - AS_OF).days
    for words in case.rule:
        assert words in row[Col.DEADLINE_RULE], row[Col.DEADLINE_RULE]


def test_a_row_without_a_production_date_counts_from_the_remit_date(tracker: Path):
    case = Case("ma", "42 CFR 422.582(a)", "50", AARP, "appeal", "medicare_advantage")
    with open_for_update(tracker) as book:
        frame = book.read_table(DENIALS)
        row = _row(1, case) | {Col.PRODUCTION_DATE: None}
        book.write_table(DENIALS, pd.DataFrame([{k: row.get(k) for k in frame.columns}]))
        actions.classify_and_prioritize(book, today=AS_OF)
    denial = OpenpyxlBook.open(tracker).read_table(DENIALS).iloc[0]
    assert denial[Col.APPEAL_DEADLINE] == date(2026, 8, 12)  # 2026-06-08 + 65 days
    assert "65 days from remit date 2026-06-08 (no production date" in denial[Col.DEADLINE_RULE]
