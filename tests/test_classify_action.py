"""Classify & Prioritize end to end: demo data, small trackers, user columns, highlights, CLI."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from addin import actions
from addin.actions.new_tracker import create_tracker
from addin.cli import cli
from addin.demo import tracker as demo
from addin.workbook.layout import (
    CODES,
    DENIALS,
    PAYERS,
    SETTINGS,
    WORK_QUEUE,
    Col,
    S,
)
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.support import convert_with_libreoffice

TODAY = date(2026, 11, 28)


def classify(tracker: Path, today: date = TODAY) -> actions.ClassifyReport:
    with open_for_update(tracker) as book:
        return actions.classify_and_prioritize(book, today=today)


def table(tracker: Path, spec) -> pd.DataFrame:
    return OpenpyxlBook.open(tracker).read_table(spec)


def one(frame: pd.DataFrame, column: str, value) -> dict:
    rows = frame[frame[column] == value]
    assert len(rows) == 1, f"{len(rows)} rows with {column} = {value!r}"
    return rows.iloc[0].to_dict()


# -- the demo data ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_tracker_once(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    inbox = folder / demo.INBOX
    demo.write_demo_remits(inbox)
    tracker = create_tracker(folder / "tracker.xlsx")
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [inbox])
    return tracker


@pytest.fixture
def demo_tracker(demo_tracker_once, tmp_path) -> Path:
    copy = tmp_path / "demo.xlsx"
    shutil.copy(demo_tracker_once, copy)
    return copy


def test_demo_every_denial_is_explained_and_the_open_ones_ranked(demo_tracker):
    report = classify(demo_tracker)
    denials, queue = table(demo_tracker, DENIALS), table(demo_tracker, WORK_QUEUE)
    assert len(denials) == 55 and report.denials == 55 and report.not_denials == 0
    closed = denials[Col.RESOLVED_ON].notna() | denials[Col.STATUS].isin(["Won", "Lost"])
    assert report.closed == int(closed.sum()) == 17
    # the demo's 837s add 10 claims to follow up at the end of the queue (issue 16)
    chase = queue[Col.DENIAL_ID].astype(str).str.startswith("FU-")
    assert report.follow_ups == int(chase.sum()) == 10 and not chase[:38].any()
    assert sorted(queue[Col.RANK]) == list(range(1, 49))
    assert list(queue.loc[chase, Col.RANK]) == list(range(39, 49))  # ranked after the denials
    queue = queue[~chase]
    assert report.queued == len(queue) == 38
    for column in (Col.DESCRIPTION, Col.CATEGORY, Col.ACTION, Col.RULE, Col.SUGGESTED_OWNER):
        assert denials[column].notna().all(), column
    assert sorted(queue[Col.RANK]) == list(range(1, 39))
    # a claim's lines together (issue 14), claims in the order of their best-ranked line
    firsts = queue.groupby(Col.CLAIM_ID, sort=False)[Col.RANK].min().tolist()
    assert firsts == sorted(firsts)
    # Live denials by score; overdue ones (a decision, not a race) after them, by score too.
    live = denials[denials[Col.RANK].notna()].sort_values(Col.RANK)
    overdue = live[Col.PRIORITY_REASON].str.startswith("Overdue")
    assert not overdue.iloc[: (~overdue).sum()].any()  # every live row ranks first
    for part in (live[~overdue], live[overdue]):
        scores = list(part[Col.PRIORITY_SCORE])
        assert scores == sorted(scores, reverse=True)
    assert denials.loc[closed, Col.RANK].isna().all()
    assert denials.loc[~closed, Col.DAYS_LEFT].notna().all()
    assert report.overdue == int((queue[Col.DAYS_LEFT] < 0).sum()) > 0
    open_amount = sum(denials.loc[~closed, Col.DENIED_AMOUNT], Decimal(0))
    assert 0 < report.expected < open_amount


@pytest.mark.parametrize(
    "carc, rarc, category, words",
    [
        ("16", "MA130", "claim_data", "not an appeal"),
        ("16", "N290", "claim_data", "rendering provider's NPI"),
        ("50", "N115", "medical_necessity", "letter of medical necessity"),
        ("29", None, "timely_filing", "proof"),
        ("197", None, "authorization", "retro-authorization"),
        ("22", "MA92", "coordination_of_benefits", "bill the right payer"),
        ("18", "N111", "duplicate", "Do not appeal"),
    ],
    ids=["16+MA130", "16+N290", "50", "29", "197", "22", "18"],
)
def test_demo_rows_get_the_category_and_action_of_their_codes(
    demo_tracker_once, tmp_path, carc, rarc, category, words
):
    tracker = tmp_path / "t.xlsx"
    shutil.copy(demo_tracker_once, tracker)
    classify(tracker)
    denials = table(tracker, DENIALS)
    rows = denials[(denials[Col.CARC] == carc) & (denials[Col.RARC].fillna("") == (rarc or ""))]
    assert len(rows) > 0
    assert set(rows[Col.CATEGORY]) == {category}
    live = rows[~rows[Col.PRIORITY_REASON].str.startswith("Overdue")]  # overdue: the decision
    assert all(words in action for action in live[Col.ACTION])
    overdue = rows[rows[Col.PRIORITY_REASON].str.startswith("Overdue")]
    assert all(action.startswith("Past the deadline") for action in overdue[Col.ACTION])


def test_demo_payers_without_a_profile_are_listed_with_the_default(demo_tracker):
    report = classify(demo_tracker)
    payers = table(demo_tracker, PAYERS)
    assert len(payers) == 26 + 5
    added = payers[payers[Col.PROFILE] == "Default — please complete"]
    assert sorted(added[Col.PAYER]) == sorted(report.payers_to_complete)
    assert sorted(added[Col.PAYER_IDS]) == ["99101", "99102", "99103", "99104", "99105"]
    assert added[Col.APPEAL_WINDOW_DAYS].isna().all()
    plan_words = added[added[Col.PLAN_TYPE].notna()].set_index(Col.PAYER)
    # A plan word in the name gives the row its plan type and, until the practice completes
    # it, that plan's built-in windows (42 CFR 422.582(a): 65 days for Medicare Advantage).
    assert plan_words[Col.PLAN_TYPE].to_dict() == {
        "SUNRISE MEDICARE ADVANTAGE": "Medicare Advantage",
        "MEDICAID OF EXAMPLESTATE": "Medicaid FFS",
    }
    assert "65 days to appeal" in plan_words.loc["SUNRISE MEDICARE ADVANTAGE", Col.NOTES]
    unknown = added[added[Col.PLAN_TYPE].isna()]
    assert all("Default Appeal Window Days" in note for note in unknown[Col.NOTES])
    denials = table(demo_tracker, DENIALS)
    rules = denials[denials[Col.PAYER] == "ACME HEALTH PLAN"][Col.DEADLINE_RULE].dropna()
    assert len(rules) and all("Settings default" in rule for rule in rules)
    sunrise = denials[
        (denials[Col.PAYER] == "SUNRISE MEDICARE ADVANTAGE") & denials[Col.RANK].notna()
    ]
    assert set(sunrise[Col.PLAN_TYPE]) == {"Medicare Advantage"}
    assert all("Medicare Advantage reconsideration: 65 days" in r for r in
               sunrise[Col.DEADLINE_RULE] if "appeal" in str(r).lower())  # fmt: skip


def test_running_twice_changes_nothing(demo_tracker):
    first = classify(demo_tracker)
    before = demo_tracker.read_bytes()
    second = classify(demo_tracker)
    assert first.changed and not second.changed and not second.saved
    assert demo_tracker.read_bytes() == before
    assert second.dated == 0  # blank sent/closed dates are filled only once
    assert second.summary() == dataclasses.replace(first, dated=0).summary() + " Nothing changed."


def test_a_new_day_moves_days_left_and_nothing_else(demo_tracker):
    classify(demo_tracker)
    before = table(demo_tracker, DENIALS)
    classify(demo_tracker, date(2026, 11, 29))
    after = table(demo_tracker, DENIALS)
    open_rows = before[Col.RANK].notna()
    assert (after.loc[open_rows, Col.DAYS_LEFT] == before.loc[open_rows, Col.DAYS_LEFT] - 1).all()
    for column in (Col.CATEGORY, Col.ACTION, Col.APPEAL_DEADLINE, Col.STATUS, Col.OWNER):
        assert after[column].tolist() == before[column].tolist()


# -- user columns and overrides on a small tracker --------------------------------------


def denial(number: int, **values) -> dict:
    base = {
        Col.DENIAL_ID: f"D-{number:03d}",
        Col.CLAIM_KEY: f"C-{number:03d}",
        Col.CLAIM_ID: f"CLM{number:03d}",
        Col.PAYER: "UNITEDHEALTHCARE INSURANCE COMPANY",  # the commercial line's own name
        Col.PAYER_ID: "87726",
        Col.PATIENT: "TESTPATIENT, ALPHA",
        Col.SERVICE_DATE: date(2026, 10, 1),
        Col.LEVEL: "line",
        Col.PAID: Decimal("0.00"),
        Col.DENIED_AMOUNT: Decimal("200.00"),
        Col.GROUP: "CO",
        Col.CARC: "50",
        Col.CLAIM_STATUS: "Denied",
        Col.REMIT_DATE: date(2026, 11, 2),
        Col.LAST_DENIED_ON: date(2026, 11, 2),
        Col.TIMES_DENIED: 1,
        Col.STATUS: "New",
    }
    return base | values


def write_rows(tracker: Path, spec, rows: list[dict], extra: tuple[str, ...] = ()) -> None:
    with open_for_update(tracker) as book:
        frame = book.read_table(spec)
        columns = list(frame.columns) + list(extra)
        data = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
        book.write_table(spec, data.astype(object))
        book.save()


def test_deadlines_and_days_left_follow_the_payer_profile(tracker):
    write_rows(
        tracker,
        DENIALS,
        [
            denial(1),  # UHC: appeal 365 days from the remit date
            denial(2, CARC="16", RARC="MA130"),  # UHC: corrected claim, 90 days from service
            denial(3, Payer="ACME HEALTH PLAN", **{Col.PAYER_ID: "99101"}),  # unknown: 60 days
            denial(4, Payer="Acme Health Plan Inc", **{Col.PAYER_ID: "99101"}),
        ],
    )
    report = classify(tracker)
    denials = table(tracker, DENIALS).set_index(Col.DENIAL_ID)
    expected = {
        "D-001": (date(2027, 11, 2), 339),
        "D-003": (date(2026, 12, 31), 33),  # Jan 1 is a holiday: the day before
    }
    for key, (due, days) in expected.items():
        assert (denials.loc[key, Col.APPEAL_DEADLINE], denials.loc[key, Col.DAYS_LEFT]) == (
            due,
            days,
        )
    # CO-16 + MA130: unprocessable, no appeal rights — only the filing limit runs.
    assert denials.loc["D-002", Col.APPEAL_DEADLINE] is None
    assert denials.loc["D-002", Col.APPEALABLE] == "No"
    assert denials.loc["D-002", Col.DAYS_LEFT] == 32
    assert denials.loc["D-002", Col.CORRECTED_CLAIM_DEADLINE] == date(2026, 12, 30)
    assert denials.loc["D-002", Col.REMEDY] == "Corrected claim"
    assert "filing limit: 90 days from service" in denials.loc["D-002", Col.PRIORITY_REASON]
    payers = table(tracker, PAYERS)
    acme = one(payers, Col.PAYER_IDS, "99101")  # one row per payer id, not per spelling
    assert acme[Col.PAYER] == "ACME HEALTH PLAN"
    assert report.payers_to_complete == ["ACME HEALTH PLAN"]


def test_the_payers_sheet_is_the_practice_s_and_built_ins_come_back_when_needed(tracker):
    with open_for_update(tracker) as book:
        payers = book.read_table(PAYERS)
        payers = payers[payers[Col.PAYER] != "UnitedHealthcare"].reset_index(drop=True)
        payers.loc[payers[Col.PAYER] == "Aetna", Col.APPEAL_WINDOW_DAYS] = 30
        book.write_table(PAYERS, payers)
        book.save()
    write_rows(tracker, DENIALS, [denial(1), denial(2, Payer="AETNA", **{Col.PAYER_ID: "60054"})])
    classify(tracker)
    payers = table(tracker, PAYERS)
    assert one(payers, Col.PAYER, "UnitedHealthcare")[Col.PROFILE] == "Built-in"
    assert one(payers, Col.PAYER, "Aetna")[Col.PROFILE] == "Built-in, edited"
    assert len(payers) == 26
    aetna = one(table(tracker, DENIALS), Col.DENIAL_ID, "D-002")
    assert aetna[Col.APPEAL_DEADLINE] == date(2026, 12, 2)  # 30 days from 2026-11-02


def test_people_s_columns_survive_and_their_choices_count(tracker):
    rows = [
        denial(1, Owner="Dana", Status="In Review", Notes="called payer 11/20",
               **{Col.FOLLOW_UP_DATE: date(2026, 12, 5), "My Column": "keep me"}),
        denial(2, CARC="97", RARC="M15", **{Col.CATEGORY_OVERRIDE: "coding"}),
        denial(3, Status="Lost"),
        denial(4, CARC="16", RARC="N290", **{Col.CATEGORY_OVERRIDE: "not a category"}),
        denial(5, CARC="59", **{Col.CATEGORY_OVERRIDE: "Contractual"}),
    ]  # fmt: skip
    write_rows(tracker, DENIALS, rows, extra=("My Column",))
    report = classify(tracker)
    denials = table(tracker, DENIALS).set_index(Col.DENIAL_ID)
    first = denials.loc["D-001"]
    assert (first[Col.OWNER], first[Col.STATUS], first[Col.NOTES]) == (
        "Dana",
        "In Review",
        "called payer 11/20",
    )
    assert first[Col.FOLLOW_UP_DATE] == date(2026, 12, 5) and first["My Column"] == "keep me"
    assert first[Col.SUGGESTED_OWNER] == "Clinical Reviewer"
    second = denials.loc["D-002"]
    assert second[Col.CATEGORY] == "coding" and second[Col.CATEGORY_OVERRIDE] == "coding"
    assert second[Col.RULE].startswith("category-override:")
    assert "DenialDesk said bundling" in second[Col.RULE]
    assert second[Col.SUGGESTED_OWNER] == "Coder"
    assert denials.loc["D-003", Col.RANK] is None
    assert denials.loc["D-003", Col.PRIORITY_REASON] == "Closed (Lost): not queued."
    assert denials.loc["D-004", Col.CATEGORY] == "claim_data" and report.bad_overrides == 1
    written_off = denials.loc["D-005"]  # a person says it is a write-off: not a denial
    assert written_off[Col.CATEGORY] == "contractual" and written_off[Col.RANK] is None
    assert written_off[Col.PRIORITY_REASON].startswith("Not a denial (category-override)")
    queue = table(tracker, WORK_QUEUE).set_index(Col.DENIAL_ID)
    assert list(queue.index) == list(denials[denials[Col.RANK].notna()].sort_values(Col.RANK).index)
    assert queue.loc["D-001", Col.OWNER] == "Dana"
    assert queue.loc["D-002", Col.OWNER] == "Coder (suggested)"
    assert queue.loc["D-001", Col.FOLLOW_UP_DATE] == date(2026, 12, 5)
    assert queue.loc["D-001", Col.STATUS] == "In Review"


def test_sent_and_closed_dates_are_filled_once_and_never_changed(tracker):
    typed = date(2026, 11, 2)
    rows = [
        denial(1, Status="Appeal Sent"),
        denial(2, Status="Lost"),
        denial(3, Status="Corrected & Resubmitted", **{Col.APPEAL_SENT_ON: typed}),
        denial(4, Status="In Review"),
    ]
    write_rows(tracker, DENIALS, rows)
    assert classify(tracker).dated == 2
    first = table(tracker, DENIALS).set_index(Col.DENIAL_ID)
    assert (
        first.loc["D-001", Col.APPEAL_SENT_ON] == TODAY
        and first.loc["D-001", Col.CLOSED_ON] is None
    )
    assert (
        first.loc["D-002", Col.CLOSED_ON] == TODAY
        and first.loc["D-002", Col.APPEAL_SENT_ON] is None
    )
    assert first.loc["D-003", Col.APPEAL_SENT_ON] == typed
    assert first.loc["D-004", [Col.APPEAL_SENT_ON, Col.CLOSED_ON]].isna().all()
    later = classify(tracker, TODAY.replace(day=30))
    assert later.dated == 0
    again = table(tracker, DENIALS).set_index(Col.DENIAL_ID)
    assert again.loc["D-001", Col.APPEAL_SENT_ON] == TODAY


def test_edits_made_on_the_work_queue_reach_the_denials_row(tracker):
    write_rows(tracker, DENIALS, [denial(1), denial(2, Owner="Dana"), denial(3), denial(4)])
    classify(tracker)
    queue = table(tracker, WORK_QUEUE).set_index(Col.DENIAL_ID)
    assert queue.loc["D-001", Col.OWNER].endswith("(suggested)")
    queue.loc["D-001", Col.STATUS] = "Appeal Sent"  # the biller works the queue…
    queue.loc["D-002", Col.OWNER] = "Lee"
    queue.loc["D-003", Col.FOLLOW_UP_DATE] = date(2026, 12, 9)
    queue.loc["D-004", Col.STATUS] = "Won"
    write_rows(tracker, WORK_QUEUE, queue.reset_index().to_dict("records"))
    denials = table(tracker, DENIALS)  # …while someone else notes D-003 on the Denials sheet
    denials.loc[denials[Col.DENIAL_ID] == "D-003", Col.NOTES] = "resubmitted via portal"
    write_rows(tracker, DENIALS, denials.to_dict("records"))
    report = classify(tracker)
    assert report.queue_edits == 4
    rows = table(tracker, DENIALS).set_index(Col.DENIAL_ID)
    assert rows.loc["D-001", Col.STATUS] == "Appeal Sent"
    assert rows.loc["D-001", Col.OWNER] is None  # the suggestion stays a suggestion
    assert rows.loc["D-001", Col.APPEAL_SENT_ON] == TODAY
    assert rows.loc["D-002", Col.OWNER] == "Lee"
    assert rows.loc["D-003", Col.FOLLOW_UP_DATE] == date(2026, 12, 9)
    assert rows.loc["D-003", Col.NOTES] == "resubmitted via portal"
    assert rows.loc["D-004", Col.STATUS] == "Won"
    after = table(tracker, WORK_QUEUE).set_index(Col.DENIAL_ID)
    assert "D-004" not in after.index and after.loc["D-002", Col.OWNER] == "Lee"
    assert classify(tracker).queue_edits == 0  # copied once; the queue now shows them


def test_a_later_change_on_denials_is_not_undone_by_the_older_queue(tracker):
    write_rows(tracker, DENIALS, [denial(1)])
    classify(tracker)
    write_rows(tracker, DENIALS, [denial(1, Status="In Review", Owner="Dana")])
    classify(tracker)
    row = table(tracker, DENIALS).iloc[0]
    assert (row[Col.STATUS], row[Col.OWNER]) == ("In Review", "Dana")
    queued = table(tracker, WORK_QUEUE).iloc[0]
    assert (queued[Col.STATUS], queued[Col.OWNER]) == ("In Review", "Dana")


def test_when_the_queue_and_denials_both_change_a_cell_denials_is_kept(tracker):
    write_rows(tracker, DENIALS, [denial(1)])
    classify(tracker)
    queue = table(tracker, WORK_QUEUE)
    queue.loc[0, Col.STATUS] = "Appeal Sent"  # on the (now out-of-date) queue…
    write_rows(tracker, WORK_QUEUE, queue.to_dict("records"))
    denials = table(tracker, DENIALS)
    denials.loc[0, Col.STATUS] = "Lost"  # …while the payer's final answer went on Denials
    write_rows(tracker, DENIALS, denials.to_dict("records"))
    report = classify(tracker)
    assert (report.queue_edits, report.queue_conflicts) == (0, 1)
    assert table(tracker, DENIALS).iloc[0][Col.STATUS] == "Lost"
    assert "Denials is kept" in report.summary()


def test_an_upgraded_tracker_gets_no_invented_dates(tracker):
    classified = {Col.RULE: "carc-50: classified by an older version"}
    rows = [denial(1, Status="Lost", **classified), denial(2, Status="Appeal Sent", **classified)]
    write_rows(tracker, DENIALS, rows)  # no As Queued snapshot, no dates: history is unknown
    assert classify(tracker).dated == 0
    denials = table(tracker, DENIALS)
    assert denials[[Col.APPEAL_SENT_ON, Col.CLOSED_ON]].isna().all().all()
    denials.loc[denials[Col.DENIAL_ID] == "D-002", Col.STATUS] = "Lost"  # a change seen now
    write_rows(tracker, DENIALS, denials.to_dict("records"))
    assert classify(tracker).dated == 1
    assert table(tracker, DENIALS).set_index(Col.DENIAL_ID).loc["D-002", Col.CLOSED_ON] == TODAY


def test_a_formula_in_follow_up_date_stays_on_denials_and_off_the_queue(tracker):
    write_rows(tracker, DENIALS, [denial(1)])
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook[DENIALS.sheet]
    column = [c.value for c in sheet[1]].index(Col.FOLLOW_UP_DATE) + 1
    sheet.cell(2, column).value = "=TODAY()+7"  # a person's own formula
    workbook.save(tracker)
    classify(tracker)
    classify(tracker, TODAY.replace(day=29))  # the queue it wrote reads back without errors
    assert table(tracker, WORK_QUEUE).iloc[0][Col.FOLLOW_UP_DATE] is None
    kept = openpyxl.load_workbook(tracker)[DENIALS.sheet].cell(2, column)
    assert (kept.data_type, kept.value) == ("f", "=TODAY()+7")


def test_columns_people_add_to_the_work_queue_follow_their_row(tracker):
    write_rows(tracker, DENIALS, [denial(1), denial(2, CARC="16", RARC="MA130")])
    classify(tracker)
    queue = table(tracker, WORK_QUEUE)
    queue["Called?"] = [f"yes {i}" for i in queue[Col.DENIAL_ID]]
    write_rows(tracker, WORK_QUEUE, queue.to_dict("records"), extra=("Called?",))
    write_rows(tracker, DENIALS, [denial(1, Status="Won"), denial(2, CARC="16", RARC="MA130")])
    classify(tracker)
    after = table(tracker, WORK_QUEUE)
    assert list(after[Col.DENIAL_ID]) == ["D-002"] and list(after["Called?"]) == ["yes D-002"]


def test_history_of_the_payer_and_category_sets_the_chance(tracker):
    history = [denial(10 + i, Status="Won") for i in range(6)]
    history += [denial(20 + i, Resolution="Dropped, not paid", **{Col.RESOLVED_ON: TODAY})
                for i in range(2)]  # fmt: skip
    other_payer = denial(30, Status="Lost", Payer="AETNA", **{Col.PAYER_ID: "60054"})
    write_rows(tracker, DENIALS, [denial(1), *history, other_payer])
    classify(tracker)
    row = one(table(tracker, DENIALS), Col.DENIAL_ID, "D-001")
    assert row[Col.CHANCE_OF_OVERTURN] == pytest.approx(round((6 + 10 * 0.45) / (8 + 10), 3))
    assert "6 of 8 won at this payer for medical_necessity" in row[Col.PRIORITY_REASON]


def test_codes_sheet_overrides_apply_and_can_take_a_row_out_of_the_queue(tracker):
    write_rows(tracker, DENIALS, [denial(1), denial(2, CARC="16", RARC="MA130")])
    write_rows(
        tracker,
        CODES,
        [
            {Col.CODE: "50", Col.IS_DENIAL: "No"},
            {Col.CODE: "16", Col.GROUP: "CO", Col.ACTION: "Ask Sam, then resubmit."},
        ],
    )
    report = classify(tracker)
    denials = table(tracker, DENIALS).set_index(Col.DENIAL_ID)
    assert denials.loc["D-001", Col.RANK] is None and report.not_denials == 1
    assert denials.loc["D-002", Col.ACTION] == "Ask Sam, then resubmit."
    assert denials.loc["D-002", Col.RULE].startswith("codes-sheet CARC CO-16")
    assert list(table(tracker, WORK_QUEUE)[Col.DENIAL_ID]) == ["D-002"]


def test_a_bad_codes_sheet_value_stops_the_run_and_changes_nothing(runner, tracker):
    write_rows(tracker, DENIALS, [denial(1)])
    write_rows(tracker, CODES, [{Col.CODE: "50", Col.CATEGORY: "billing"}])
    before = tracker.read_bytes()
    result = runner.invoke(cli, ["classify", str(tracker)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Codes sheet, data row 1: the Category cell holds")
    assert "billing" not in result.output  # a cell's content is never quoted
    assert tracker.read_bytes() == before


def test_an_old_tracker_gets_the_new_settings_rows(tracker):
    with open_for_update(tracker) as book:
        settings = book.read_table(SETTINGS)
        old = settings[~settings[Col.SETTING].str.startswith(("Overturn", "Owner For"))]
        book.write_table(SETTINGS, old.reset_index(drop=True))
        book.save()
    classify(tracker)
    settings = table(tracker, SETTINGS).set_index(Col.SETTING)
    assert settings.loc[S.overturn_prior("coding"), Col.VALUE] == "0.65"
    assert settings.loc[S.owner_for("coding"), Col.VALUE] == "Coder"


def test_an_empty_tracker_classifies_to_an_empty_queue(tracker):
    report = classify(tracker)
    assert (report.denials, report.queued) == (0, 0)
    assert report.summary().startswith("0 denials classified: 0 open in the Work Queue")


# -- highlights -------------------------------------------------------------------------


def highlighted_tracker(tracker: Path) -> Path:
    """Rows overdue and due soon by the real calendar: LibreOffice evaluates TODAY() itself."""
    today = date.today()
    overdue, soon = today - timedelta(days=100), today - timedelta(days=55)
    write_rows(
        tracker,
        DENIALS,
        [
            denial(1, Payer="ACME", **{Col.PAYER_ID: "1", Col.REMIT_DATE: overdue,
                                      Col.LAST_DENIED_ON: overdue}),
            denial(2, Payer="ACME", **{Col.PAYER_ID: "1", Col.REMIT_DATE: soon,
                                      Col.LAST_DENIED_ON: soon}),
            denial(3),  # UHC: a year away
            denial(4, Status="Won"),  # closed: no deadline, never highlighted
        ],
    )  # fmt: skip
    classify(tracker, today)
    days_left = table(tracker, DENIALS).set_index(Col.DENIAL_ID)[Col.DAYS_LEFT]
    assert days_left["D-001"] < 0 and 0 <= days_left["D-002"] <= 14  # what the test relies on
    return tracker


def test_highlight_rules_cover_the_tables_and_skip_blank_days(tracker):
    highlighted_tracker(tracker)
    workbook = openpyxl.load_workbook(tracker)
    for spec in (DENIALS, WORK_QUEUE):
        cell = f"${get_column_letter(spec.column_names.index(Col.APPEAL_DEADLINE) + 1)}2"
        rules = [
            (str(cf.sqref), rule.formula[0], rule.dxf.fill.bgColor.rgb)
            for cf in workbook[spec.sheet].conditional_formatting
            for rule in cf.rules
        ]
        assert [r[1] for r in rules] == [  # by the deadline against TODAY(): never stale
            f"AND(ISNUMBER({cell}),({cell}-TODAY())<=-1)",
            f"AND(ISNUMBER({cell}),({cell}-TODAY())<=14,({cell}-TODAY())>=0)",
        ]
        assert {r[2][-6:] for r in rules} == {"FFC7CE", "FFEB9C"}
    classify(tracker, date(2026, 11, 29))  # a rerun replaces its rules, never piles them up
    workbook = openpyxl.load_workbook(tracker)
    assert sum(len(cf.rules) for cf in workbook[DENIALS.sheet].conditional_formatting) == 2


def colour_pixels(pdf: Path, out: Path) -> Counter:
    image = pytest.importorskip("PIL.Image")
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(pdf), str(out / "page")], check=True)
    counts: Counter = Counter()
    for page in out.glob("page*.png"):
        for count, colour in image.open(page).convert("RGB").getcolors(1 << 24):
            counts[colour] += count
    return counts


@pytest.mark.libreoffice
def test_libreoffice_renders_overdue_and_due_soon_rows(soffice, tracker, tmp_path):
    """LibreOffice evaluates the rules itself: its PDF has red and amber row fills."""
    highlighted_tracker(tracker)
    pdf = convert_with_libreoffice(soffice, tracker, tmp_path / "pdf", "pdf")
    counts = colour_pixels(pdf, tmp_path / "pdf")
    red, amber = counts[(0xFF, 0xC7, 0xCE)], counts[(0xFF, 0xEB, 0x9C)]
    assert red > 0 and amber > 0
    calm = create_tracker(tmp_path / "calm" / "tracker.xlsx")
    write_rows(calm, DENIALS, [denial(3)])
    classify(calm)  # nothing overdue or due soon: no highlight colour anywhere
    calm_counts = colour_pixels(
        convert_with_libreoffice(soffice, calm, tmp_path / "calm-pdf", "pdf"),
        tmp_path / "calm-pdf",
    )
    assert calm_counts[(0xFF, 0xC7, 0xCE)] == calm_counts[(0xFF, 0xEB, 0x9C)] == 0


# -- the commands -----------------------------------------------------------------------


def test_classify_command_prints_the_summary(runner, tracker):
    write_rows(tracker, DENIALS, [denial(1)])
    result = runner.invoke(cli, ["classify", str(tracker), "--as-of", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 denials classified: 1 open in the Work Queue")
    assert "TESTPATIENT" not in result.output


def test_explain_prints_the_decision_and_the_rule(runner):
    result = runner.invoke(cli, ["explain", "16", "--rarc", "MA130", "--rarc", "N290"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("CO-16: ")
    assert lines[1] == "Category: claim_data (a denial; soft, back_end, administrative)"
    assert lines[-1].startswith("Rule: unprocessable-claim — Remark MA130")


def test_explain_json_has_the_documented_keys(runner):
    result = runner.invoke(cli, ["explain", "204", "--group", "pr", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"carc", "group", "description", "category", "is_denial", "type", "stage"} <= set(data)
    assert {"nature", "action", "checklist", "rule"} <= set(data)
    assert (data["carc"], data["group"], data["category"], data["is_denial"]) == (
        "204",
        "PR",
        "patient_responsibility",
        False,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["999"], "Error: CARC '999' is not a Claim Adjustment Reason Code DenialDesk knows."),
        (["16", "--rarc", "N99999"], "Error: RARC 'N99999' is not a Remittance Advice Remark"),
        (["16", "--group", "XX"], "Error: group code 'XX' is not a claim adjustment group code"),
    ],
    ids=["CARC", "RARC", "group"],
)
def test_explain_unknown_codes_get_a_clear_message(runner, args, message):
    result = runner.invoke(cli, ["explain", *args])
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert "Traceback" not in result.output


def test_explain_with_a_workbook_uses_its_codes_sheet(runner, tracker):
    write_rows(tracker, CODES, [{Col.CODE: "Z7", Col.CATEGORY: "pricing"}])
    result = runner.invoke(cli, ["explain", "Z7", "--workbook", str(tracker), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["category"] == "pricing"
