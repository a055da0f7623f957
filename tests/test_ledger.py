"""The claim ledger: 837s, 999s and 277CAs imported beside 835s, idempotent and in any order."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from addin import actions, submissions
from addin.actions.new_tracker import create_tracker
from addin.workbook.layout import CLAIMS, REMITS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests import ledger_support as ls

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
SENT_ON, PAID_ON = date(2026, 2, 2), date(2026, 3, 2)
NOW = datetime(2026, 3, 20, 9, 0)


def _import(path: Path, files, now: datetime = NOW):
    with open_for_update(path) as book:
        return actions.import_remittances(book, files, now=now)


def _claims(path: Path) -> dict[str, dict]:
    frame = OpenpyxlBook.open(path).read_table(CLAIMS)
    return {row[Col.CLAIM_ID]: row for row in frame.to_dict("records")}


@pytest.fixture
def pair(tmp_path):
    claims = ls.claims(12)
    sent = ls.write_837(tmp_path / "sent.837", ls.outgoing(claims, SENT_ON), 7001, SENT_ON)
    paid = ls.write_835(tmp_path / "paid.835", claims[:8], PAID_ON)
    return claims, sent, paid


def test_an_837_fills_the_claims_row_with_what_was_submitted(tracker, pair):
    claims, sent, _ = pair
    report = _import(tracker, [sent])
    assert report.submitted == 12 and report.failed == []
    rows = _claims(tracker)
    first = claims[0]
    row = rows[first.account]
    assert row[Col.SUBMITTED_ON] == SENT_ON and row[Col.SUBMISSIONS] == 1
    assert row[Col.BILLED] == first.charge
    assert row[Col.CLAIM_TYPE] == "837P" and row[Col.BILLING_NPI] == ls.synth.PRACTICE_NPI
    assert row[Col.RENDERING_NPI] == first.rendering.identifier
    lines = submissions.decode_lines(row[Col.SUBMITTED_LINES])
    assert [line.procedure for line in lines] == [line.procedure.cpt for line in first.lines]
    assert [line.charge for line in lines] == [line.charge for line in first.lines]
    assert all(line.diagnosis_pointers for line in lines)
    assert row[Col.FRONT_END_STATUS] == "Sent" and row[Col.FIRST_STATUS] is None
    # no answer for 46 days (2 Feb → 20 Mar): it waits, and says how long
    assert row[Col.DAYS_WITHOUT_RESPONSE] == 46 and row[Col.FIRST_RESPONSE_ON] is None
    log = OpenpyxlBook.open(tracker).read_table(REMITS)
    assert list(log[Col.METHOD]) == ["837P"] and list(log[Col.CLAIMS]) == [12]


def test_837_and_835_in_either_order_give_the_same_rows(tmp_path, pair):
    _, sent, paid = pair
    one, two = create_tracker(tmp_path / "a.xlsx"), create_tracker(tmp_path / "b.xlsx")
    _import(one, [sent])
    _import(one, [paid])
    _import(two, [paid])
    _import(two, [sent])
    a, b = _claims(one), _claims(two)
    assert a == b
    answered = [r for r in a.values() if r[Col.FIRST_REMIT_DATE]]
    assert len(answered) == 8 and len(a) == 12
    assert all(r[Col.FRONT_END_STATUS] == "Accepted" for r in answered)
    assert all(r[Col.FIRST_RESPONSE_ON] == PAID_ON for r in answered)
    assert all(r[Col.DAYS_WITHOUT_RESPONSE] is None for r in answered)
    waiting = [r for r in a.values() if not r[Col.FIRST_REMIT_DATE]]
    assert {r[Col.DAYS_WITHOUT_RESPONSE] for r in waiting} == {46}


def test_importing_the_same_files_again_changes_nothing(tmp_path, tracker, pair):
    _, sent, paid = pair
    _import(tracker, [sent, paid])
    before = _claims(tracker)
    copy = tmp_path / "copy-of-sent.837"
    shutil.copyfile(sent, copy)
    again = _import(tracker, [sent, paid, copy])
    assert again.submitted == 0 and not again.saved
    assert {f.outcome for f in again.files} == {"already imported"}
    assert _claims(tracker) == before


def test_a_remit_for_a_claim_never_submitted_still_works_as_before(tracker, pair):
    _, _, paid = pair
    report = _import(tracker, [paid])
    assert report.stats.new_claims == 8
    row = next(iter(_claims(tracker).values()))
    assert row[Col.FIRST_STATUS] and row[Col.BILLED] is not None
    assert row[Col.SUBMITTED_ON] is None and row[Col.FRONT_END_STATUS] is None
    assert row[Col.DAYS_WITHOUT_RESPONSE] is None


@pytest.mark.parametrize("ack_first", [False, True])
def test_a_999_rejection_applies_to_every_claim_of_its_837_set(tmp_path, tracker, pair, ack_first):
    claims, sent, _ = pair
    ack = tmp_path / "set.999"
    ack.write_text(ls.ack_999("7001", "0001", ls.days(SENT_ON, 1)))
    _import(tracker, [ack] if ack_first else [sent])
    _import(tracker, [sent] if ack_first else [ack])
    rows = _claims(tracker).values()
    assert len(rows) == 12
    assert {r[Col.FRONT_END_STATUS] for r in rows} == {"Rejected"}
    reason = next(iter(rows))[Col.FRONT_END_REASON]
    assert reason.startswith("Rejected: ") and "NM1 segment" in reason
    # a rejection is the claim's first response: it waits no longer, it needs resubmitting
    assert {r[Col.FIRST_RESPONSE_ON] for r in rows} == {ls.days(SENT_ON, 1)}
    assert {r[Col.DAYS_WITHOUT_RESPONSE] for r in rows} == {None}


def test_a_277ca_rejection_then_a_resubmission_then_an_acceptance(tmp_path, tracker, pair):
    claims, sent, _ = pair
    first = claims[0]
    rejected = tmp_path / "rej.277"
    rejected.write_text(ls.ack_277ca(first, ls.days(SENT_ON, 2), accepted=False))
    _import(tracker, [sent, rejected])
    row = _claims(tracker)[first.account]
    assert row[Col.FRONT_END_STATUS] == "Rejected"
    assert row[Col.FRONT_END_REASON] == (
        "Rejected for invalid information: entity's National Provider Identifier (NPI) "
        "(the billing provider)"
    )
    others = _claims(tracker)[claims[1].account]
    assert others[Col.FRONT_END_STATUS] == "Sent"

    again_on = ls.days(SENT_ON, 9)
    again = ls.write_837(tmp_path / "again.837", ls.outgoing([first], again_on), 7002, again_on)
    _import(tracker, [again])
    row = _claims(tracker)[first.account]
    assert row[Col.FRONT_END_STATUS] == "Resubmitted" and row[Col.SUBMISSIONS] == 2
    assert (row[Col.SUBMITTED_ON], row[Col.RESUBMITTED_ON]) == (SENT_ON, again_on)
    assert row[Col.DAYS_WITHOUT_RESPONSE] == (NOW.date() - again_on).days

    accepted = tmp_path / "acc.277"
    accepted.write_text(ls.ack_277ca(first, ls.days(again_on, 1), accepted=True))
    _import(tracker, [accepted])
    row = _claims(tracker)[first.account]
    assert row[Col.FRONT_END_STATUS] == "Accepted" and row[Col.FRONT_END_REASON] is None


def test_a_replacement_claim_names_the_claim_it_replaces(tmp_path, tracker, pair):
    claims, sent, paid = pair
    _import(tracker, [sent, paid])
    original = _claims(tracker)[claims[0].account]
    number = original[Col.PAYER_CLAIM_NUMBER]
    on = ls.days(PAID_ON, 5)
    items = ls.outgoing([claims[0]], on, frequency="7", original_reference=number)
    _import(tracker, [ls.write_837(tmp_path / "fix.837", items, 7003, on)])
    row = _claims(tracker)[claims[0].account]
    assert row[Col.ORIGINAL_CLAIM_NUMBER] == number
    assert row[Col.FRONT_END_STATUS] == "Resubmitted" and row[Col.SUBMISSIONS] == 2
    assert row[Col.DAYS_WITHOUT_RESPONSE] == (NOW.date() - on).days


def test_front_end_status_is_worked_out_from_the_logs_whatever_their_order():
    subs = [
        submissions.Submission(date(2026, 1, 10), "1", "1", "1", "837P"),
        submissions.Submission(date(2026, 1, 20), "2", "1", "1", "837P"),
    ]
    rejected = submissions.AckEvent(date(2026, 1, 11), "277CA", "Rejected", "bad NPI")
    state = submissions.front_end(subs[::-1], [rejected], None, None)
    assert (state.status, state.first_response, state.waiting_since) == (
        "Resubmitted",
        date(2026, 1, 11),
        date(2026, 1, 20),
    )
    accepted = submissions.AckEvent(date(2026, 1, 11), "999", "Accepted", "Accepted")
    assert submissions.front_end(subs[:1], [rejected, accepted], None, None).status == "Rejected"


def test_lines_survive_the_cell_and_back():
    from decimal import Decimal

    from addin.remit.outgoing_models import SubmittedLine

    lines = (
        SubmittedLine(1, "97110", modifiers=("GP", "59"), charge=Decimal("120.00"),
                      units=Decimal("2"), diagnosis_pointers=(1, 2)),
        SubmittedLine(2, "", revenue_code="0450", charge=Decimal("900"), units=Decimal("1")),
    )  # fmt: skip
    text = submissions.encode_lines(lines)
    assert text == "1 97110-GP-59 x2 dx1,2 =120.00; 2 0450: x1 =900"
    back = submissions.decode_lines(text)
    assert [(b.procedure, b.modifiers, b.units, b.diagnosis_pointers, b.charge) for b in back] == [
        (a.procedure, a.modifiers, a.units, a.diagnosis_pointers, a.charge) for a in lines
    ]
    assert back[1].revenue_code == "0450"


def test_an_older_tracker_gets_the_ledger_columns_on_import(tmp_path, pair):
    import openpyxl

    _, sent, _ = pair
    path = create_tracker(tmp_path / "old.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[CLAIMS.sheet]
    table = sheet.tables[CLAIMS.name]
    keep = CLAIMS.column_names.index(Col.LINE_PAYMENTS) + 1
    sheet.delete_cols(keep + 1, len(CLAIMS.column_names) - keep)
    sheet.cell(1, keep + 1, Col.NOTES)
    table.ref = f"A1:{openpyxl.utils.get_column_letter(keep + 1)}2"
    table.tableColumns = table.tableColumns[:keep] + [table.tableColumns[-1]]
    table.autoFilter.ref = table.ref
    workbook.save(path)
    assert Col.SUBMITTED_ON not in [c.value for c in sheet[1]]
    _import(path, [sent])
    header = [c.value for c in openpyxl.load_workbook(path)[CLAIMS.sheet][1]]
    assert Col.SUBMITTED_ON in header and Col.FRONT_END_STATUS in header
    assert _claims(path)[ls.claims(1)[0].account][Col.SUBMISSIONS] == 1


def test_every_public_837_999_and_277ca_sample_imports(tracker):
    folders = [SAMPLES / kind for kind in ("837p", "837i", "999", "277ca")]
    if not all(f.is_dir() for f in folders):
        pytest.skip("../shared/samples is not present beside the project")
    report = _import(tracker, folders)
    assert report.failed == [], [(f.path.name, f.message) for f in report.failed]
    assert report.submitted >= 25 and report.acknowledgments >= 30 and report.rejected >= 5
    rows = _claims(tracker)
    assert sum(1 for r in rows.values() if r[Col.FRONT_END_STATUS] == "Rejected") >= 3
    assert all(r[Col.SUBMITTED_LINES] for r in rows.values() if r[Col.CLAIM_TYPE] == "837P")
