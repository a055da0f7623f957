"""Import Remittances end to end on real files: claims, denials, resolutions, safety."""

from __future__ import annotations

import shutil
import threading
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from addin import actions
from addin.cli import cli
from addin.workbook import files
from addin.workbook.layout import CLAIMS, DENIALS, REMITS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.conftest import REMITS as REMIT_DATA

DENIED = REMIT_DATA / "2026-03-co50-denied.835"
PAID_ON_APPEAL = REMIT_DATA / "2026-04-co50-paid-on-appeal.835"
REVERSAL = REMIT_DATA / "2026-05-reversal-and-duplicate.835"
INJECTION = REMIT_DATA / "formula-injection.835"


def run_import(tracker: Path, *inputs: Path) -> actions.ImportReport:
    with open_for_update(tracker) as book:
        return actions.import_remittances(book, inputs)


def tables(tracker: Path):
    book = OpenpyxlBook.open(tracker)
    return book.read_table(CLAIMS), book.read_table(DENIALS), book.read_table(REMITS)


def row(frame, column, value) -> dict:
    matches = frame[frame[column] == value]
    assert len(matches) == 1, f"{len(matches)} rows with {column} = {value!r}"
    return matches.iloc[0].to_dict()


def test_first_remit_records_claims_denials_and_the_payment(tracker):
    report = run_import(tracker, DENIED)
    claims, denials, remits = tables(tracker)
    assert (len(claims), len(denials), len(remits)) == (2, 1, 1)
    denial = denials.iloc[0].to_dict()
    assert (denial[Col.CLAIM_ID], denial[Col.GROUP], denial[Col.CARC], denial[Col.RARC]) == (
        "DD1001",
        "CO",
        "50",
        "N115",
    )
    assert denial[Col.DENIED_AMOUNT] == Decimal("250.00")
    assert denial[Col.PROCEDURE] == "99214" and denial[Col.SERVICE_DATE] == date(2026, 2, 10)
    assert denial[Col.STATUS] == "New" and denial[Col.CLAIM_STATUS] == "Denied"
    paid = row(claims, Col.CLAIM_ID, "DD1002")
    assert paid[Col.INITIALLY_DENIED] == "No" and paid[Col.PATIENT_RESPONSIBILITY] == Decimal(
        "20.00"
    )
    remit = remits.iloc[0].to_dict()
    assert (remit[Col.CHECK_NUMBER], remit[Col.PAYMENT_AMOUNT], remit[Col.PAYMENT_DATE]) == (
        "EFT0001",
        Decimal("80.00"),
        date(2026, 3, 2),
    )
    assert remit[Col.NEW_DENIALS] == 1 and remit[Col.CLAIMS] == 2
    assert report.stats.new_denials == 1 and not report.failed


def test_the_reader_reports_every_byte_it_reads_for_the_progress_bar(tracker):
    counts: list[int] = []
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [DENIED, PAID_ON_APPEAL], on_bytes=counts.append)
    assert sum(counts) == DENIED.stat().st_size + PAID_ON_APPEAL.stat().st_size
    assert all(c > 0 for c in counts)


def test_importing_twice_changes_nothing(tracker, tmp_path):
    run_import(tracker, DENIED)
    before = tracker.read_bytes()
    again = run_import(tracker, DENIED)
    renamed = tmp_path / "same-remit-other-name.835"
    renamed.write_bytes(DENIED.read_bytes().replace(b"~\n", b"~\r\n"))
    other_name = run_import(tracker, renamed)
    assert tracker.read_bytes() == before
    assert [f.outcome for f in again.files + other_name.files] == ["already imported"] * 2
    assert again.stats.new_denials == other_name.stats.new_denials == 0


def test_a_later_payment_resolves_the_denial_and_updates_the_claim(tracker):
    run_import(tracker, DENIED)
    report = run_import(tracker, PAID_ON_APPEAL)
    claims, denials, _ = tables(tracker)
    denial = denials.iloc[0].to_dict()
    assert denial[Col.RESOLUTION] == "Paid" and denial[Col.STATUS] == "Won"
    assert denial[Col.RECOVERED_AMOUNT] == Decimal("200.00")
    assert denial[Col.RESOLVED_ON] == date(2026, 4, 6)
    claim = row(claims, Col.CLAIM_ID, "DD1001")
    assert claim[Col.FIRST_STATUS] == "Denied" and claim[Col.INITIALLY_DENIED] == "Yes"
    assert claim[Col.LATEST_PAID] == Decimal("200.00") and claim[Col.ADJUDICATIONS] == 2
    assert claim[Col.PAYER_CLAIM_NUMBER] == "PCN-A2"
    assert report.stats.resolved_denials == 1 and report.stats.recovered == Decimal("200")


def test_files_in_one_run_post_in_payment_date_order(tracker):
    run_import(tracker, PAID_ON_APPEAL, DENIED)
    _, denials, _ = tables(tracker)
    assert denials.iloc[0][Col.RESOLUTION] == "Paid"


def test_an_older_remit_imported_late_is_settled_by_the_newer_one(tracker):
    run_import(tracker, PAID_ON_APPEAL)
    report = run_import(tracker, DENIED)  # the March denial arrives after April's payment
    claims, denials, _ = tables(tracker)
    denial = row(denials, Col.CLAIM_ID, "DD1001")
    assert (denial[Col.RESOLUTION], denial[Col.STATUS]) == ("Paid", "Won")
    assert denial[Col.RECOVERED_AMOUNT] == Decimal("200.00")
    assert denial[Col.REMIT_DATE] == date(2026, 3, 2)
    assert denial[Col.RESOLVED_ON] == date(2026, 4, 6)
    claim = row(claims, Col.CLAIM_ID, "DD1001")
    assert (claim[Col.FIRST_STATUS], claim[Col.INITIALLY_DENIED]) == ("Denied", "Yes")
    assert claim[Col.FIRST_REMIT_DATE] == date(2026, 3, 2)
    assert (claim[Col.LATEST_PAID], claim[Col.LAST_REMIT_DATE]) == (
        Decimal("200.00"),
        date(2026, 4, 6),
    )
    assert report.stats.new_denials == report.stats.resolved_denials == 1


def test_a_reversal_is_recorded_against_the_claim_it_reverses(tracker):
    report = run_import(tracker, DENIED, PAID_ON_APPEAL, REVERSAL)
    claims, denials, _ = tables(tracker)
    reversed_claim = row(claims, Col.CLAIM_ID, "DD1002")
    assert reversed_claim[Col.REVERSED_ON] == date(2026, 5, 4)
    assert reversed_claim[Col.LATEST_PAID] == Decimal("90.00")
    assert reversed_claim[Col.FIRST_PAID] == Decimal("80.00")
    assert reversed_claim[Col.ADJUDICATIONS] == 3
    assert len(claims) == 3 and report.stats.reversals == 1
    duplicate = row(denials, Col.CLAIM_ID, "DD1003")
    assert (duplicate[Col.GROUP], duplicate[Col.CARC], duplicate[Col.DENIED_AMOUNT]) == (
        "OA",
        "18",
        Decimal("120.00"),
    )


def test_user_columns_and_closed_statuses_survive(tracker):
    run_import(tracker, DENIED)
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook["Denials"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index(Col.OWNER) + 1, "Billing")
    sheet.cell(2, header.index(Col.NOTES) + 1, "called payer 3/9")
    sheet.cell(2, header.index(Col.STATUS) + 1, "Lost")
    table = sheet.tables["tblDenials"]
    extra = len(header) + 1
    sheet.cell(1, extra, "My Follow-up")
    sheet.cell(2, extra, "ask Dr. Who")
    table.ref = f"A1:{openpyxl.utils.get_column_letter(extra)}2"
    table.tableColumns = []
    workbook.save(tracker)
    run_import(tracker, PAID_ON_APPEAL)
    _, denials, _ = tables(tracker)
    denial = denials.iloc[0].to_dict()
    assert (denial[Col.OWNER], denial[Col.NOTES], denial["My Follow-up"]) == (
        "Billing",
        "called payer 3/9",
        "ask Dr. Who",
    )
    assert denial[Col.STATUS] == "Lost" and denial[Col.RESOLUTION] == "Paid"


def test_text_from_a_remit_never_becomes_a_formula(tracker):
    run_import(tracker, INJECTION)
    _, denials, remits = tables(tracker)
    denial = denials.iloc[0].to_dict()
    assert denial[Col.PAYER] == '=HYPERLINK("http://example.invalid","click")'
    assert denial[Col.CLAIM_ID] == "@SUM(1+1)" and denial[Col.PROCEDURE] == "=A1"
    assert denial[Col.PATIENT].startswith("+SUM(A1:A2), =cmd|")
    assert denial[Col.PAYER_CLAIM_NUMBER] == "-2+3" and denial[Col.RARC] == "=2+5"
    assert remits.iloc[0][Col.CHECK_NUMBER] == "=1+1"
    with zipfile.ZipFile(tracker) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    workbook = openpyxl.load_workbook(tracker)
    assert all(cell.data_type != "f" for sheet in workbook for r in sheet.iter_rows() for cell in r)


BAD_FILES = {
    "empty.835": (b"", "the file is empty"),
    "scan.pdf.835": (b"%PDF-1.7\n\x00\x01binary", "holds a PDF"),
    "zipped.835": (b"PK\x03\x04\x00\x00rest", "ZIP/Office document"),
    "notes.txt": (b"Remittance for March, see portal.\n", "not an X12 file"),
    "claims-837.txt": (
        b"ISA*00*          *00*          *ZZ*A              *ZZ*B              "
        b"*260101*1200*^*00501*000000001*0*T*:~GS*HC*A*B*20260101*1200*1*X*"
        b"005010X222A1~ST*837*0001~BHT*0019*00*1*20260101*1200*CH~SE*3*0001~"
        b"GE*1*1~IEA*1*000000001~",
        "X12 837 (claim)",
    ),
    "huge-junk.835": (b"ISA*" + b"x" * 3_000_000, "ISA segment is cut short"),
    "long-junk.835": (b"ST*835*1~" + b"A" * 200_000, "longer than"),
}


def test_bad_files_fail_alone_with_a_clear_message(tracker, tmp_path):
    for name, (content, _) in BAD_FILES.items():
        (tmp_path / name).write_bytes(content)
    truncated = tmp_path / "truncated.835"
    truncated.write_bytes(DENIED.read_bytes()[:600])
    inputs = [tmp_path / name for name in BAD_FILES] + [truncated, DENIED]
    report = run_import(tracker, *inputs)
    messages = {f.path.name: f.message for f in report.failed}
    for name, (_, expected) in BAD_FILES.items():
        assert expected in messages[name], (name, messages[name])
    assert "looks truncated" in messages["truncated.835"]
    assert all("\n" not in m for m in messages.values())
    claims, denials, _ = tables(tracker)
    assert len(claims) == 2 and len(denials) == 1


def test_cli_import_reports_failures_and_exits_1(runner, tracker, tmp_path):
    bad = tmp_path / "empty.835"
    bad.write_bytes(b"")
    result = runner.invoke(cli, ["import", str(tracker), str(bad), str(DENIED)])
    assert result.exit_code == 1
    assert "Error: empty.835: the file is empty" in result.output
    assert "1 file(s) imported, 1 failed: 2 claims (2 new), 1 new denials" in result.output


def test_refuses_while_the_workbook_is_open_in_excel(runner, tracker):
    before = tracker.read_bytes()
    owner = tracker.with_name("~$" + tracker.name)
    owner.write_bytes(bytes([5]) + b"alice" + b"\x00" * 50)
    result = runner.invoke(cli, ["import", str(tracker), str(DENIED)])
    assert result.exit_code == 1
    assert "tracker.xlsx is open by alice" in result.output
    assert "nothing was changed" in result.output
    assert tracker.read_bytes() == before


def test_a_second_writer_waits_then_refuses(tracker):
    heard: list[str] = []
    with files.write_lock(tracker):
        holder = files.read_lock(tracker).describe()  # who, where, since, last heartbeat
        with pytest.raises(files.WorkbookBusyError, match="another DenialDesk run"):
            with files.write_lock(tracker, wait_seconds=0.3, notify=heard.append):
                pass
    assert heard == [
        f"tracker.xlsx is being updated by another DenialDesk run ({holder}); waiting up to "
        "0.3 seconds for it to finish…"
    ]


def test_the_cli_says_it_waits_for_another_writer_then_imports(runner, tracker):
    held, release = threading.Event(), threading.Event()

    def other_run():
        with files.write_lock(tracker):
            held.set()
            release.wait(10)

    other = threading.Thread(target=other_run)
    other.start()
    held.wait(10)
    threading.Timer(1.0, release.set).start()
    result = runner.invoke(cli, ["import", str(tracker), str(DENIED)])
    other.join()
    assert result.exit_code == 0, result.output
    waiting = [line for line in result.stderr.splitlines() if "waiting up to 30 seconds" in line]
    assert len(waiting) == 1
    assert waiting[0].startswith("Note: tracker.xlsx is being updated by another DenialDesk run (")
    assert "1 file(s) imported" in result.stdout


def test_each_save_keeps_a_backup_and_never_touches_inputs(tracker, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DENIED, inbox)
    run_import(tracker, inbox)
    run_import(tracker, PAID_ON_APPEAL)
    backups = files.list_backups(tracker)
    assert len(backups) == 2
    assert [p.name for p in inbox.iterdir()] == [DENIED.name]
    _, denials, _ = tables(backups[0])
    assert denials.iloc[0][Col.RESOLUTION] is None


def test_libreoffice_opens_the_imported_tracker(tracker, tmp_path, soffice):
    from tests.support import convert_with_libreoffice, sheets_as_csv

    run_import(tracker, DENIED, PAID_ON_APPEAL, REVERSAL, INJECTION)
    pdf = convert_with_libreoffice(soffice, tracker, tmp_path, "pdf")
    assert pdf.stat().st_size > 1000
    sheets = sheets_as_csv(soffice, tracker, tmp_path / "csv")
    denials = sheets["Denials"]
    assert denials.startswith("Denial ID,Claim Key,Claim ID")
    assert "DD1001" in denials and ",250.00," in denials
    # LibreOffice shows the injected text as text: the formula was never evaluated.
    assert '"=HYPERLINK(""http://example.invalid"",""click"")"' in denials
    assert "TEST HEALTH PLAN" in sheets["Remits"] and "EFT0003" in sheets["Remits"]


def test_a_missing_input_fails_alone_and_the_others_import(runner, tracker, tmp_path):
    result = runner.invoke(cli, ["import", str(tracker), str(DENIED), str(tmp_path / "nosuch.835")])
    assert result.exit_code == 1
    assert "Error: nosuch.835: not found: check the path" in result.stderr
    assert "1 file(s) imported, 1 failed: 2 claims (2 new)" in result.stdout
    claims, denials, _ = tables(tracker)
    assert (len(claims), len(denials)) == (2, 1)


def test_a_dangling_link_in_the_inbox_is_reported_not_skipped(tracker, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DENIED, inbox)
    (inbox / "gone.835").symlink_to(tmp_path / "deleted.835")
    report = run_import(tracker, inbox)
    assert [(f.path.name, f.outcome) for f in report.files] == [
        (DENIED.name, "imported"),
        ("gone.835", "failed"),
    ]
    assert "link (shortcut) to a file that is not there" in report.failed[0].message
    assert report.saved
