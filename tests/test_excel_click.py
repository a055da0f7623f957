"""What a ribbon click does, end to end on a real tracker with FakeExcel (a test double) in
Excel's place: save → close → the command line's action on the file → reopen → select →
alert; and everything that stops a click before it closes the workbook."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path, PurePosixPath

import openpyxl
import pytest

from addin import excel
from addin.cli import cli
from addin.errors import AddinError
from addin.excel.seams import Place, workbook_file
from addin.workbook import crypto
from addin.workbook.layout import CLAIM_CHECK, DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.conftest import REMITS
from tests.fake_excel import OWNER, BrokenExcel, FakeExcel, fingerprint, owner_file
from tests.letter_support import denial_row, payer, write_denials

WRITES = ["save", "close", "open", "select", "alert"]
CLEAN = ["close", "open", "select", "alert"]


def click(fake: FakeExcel, label: str, work, **options) -> str:
    return excel.run_button(label, work, excel=lambda: fake, **options)


@pytest.fixture
def inbox(tracker) -> Path:
    folder = tracker.parent / "Remits Inbox"
    folder.mkdir()
    shutil.copy(REMITS / "2026-03-co50-denied.835", folder)
    return folder


def denials_of(path: Path):
    return OpenpyxlBook.open(path).read_table(DENIALS)


def cell(path: Path, sheet: str, address: str):
    return openpyxl.load_workbook(path)[sheet][address].value


# -- the click sequence ---------------------------------------------------------------------


def test_a_click_saves_closes_runs_on_the_file_reopens_where_you_were_and_says_so(tracker, inbox):
    fake = FakeExcel(tracker, edits={("Settings", "D1"): "typed before the click"})
    fake.remembered = Place("Denials", "$C$2")
    before = fingerprint(tracker)
    message = click(fake, "Import Remittances", excel._import)

    assert fake.calls == WRITES
    assert fake.fingerprints["close"] != before  # the person's edit was saved first …
    assert fake.fingerprints["open"] != fake.fingerprints["close"]  # … then the import ran
    assert cell(tracker, "Settings", "D1") == "typed before the click"  # and kept it
    denials = denials_of(tracker)
    assert len(denials) == 1 and denials[Col.CARC].iloc[0] == "50"
    assert fake.selected == Place("Denials", "$C$2") and owner_file(tracker).exists()
    assert message.startswith("1 file(s) imported") and "1 new denials" in message
    assert fake.alerts == [(message, "DenialDesk – Import Remittances", False)]
    assert any("is closed while it runs" in status for status in fake.statuses)
    assert any("Reading remit 1 of 1" in status for status in fake.statuses)


def test_a_saved_workbook_is_not_saved_again(tracker, inbox):
    fake = FakeExcel(tracker)
    click(fake, "Import Remittances", excel._import)
    again = click(fake, "Import Remittances", excel._import)
    assert fake.calls == CLEAN + CLEAN
    assert again.startswith("0 file(s) imported, 1 already imported")


def test_the_click_runs_what_the_command_line_runs(tracker, inbox, tmp_path, runner):
    twin = tmp_path / "twin" / "tracker.xlsx"
    twin.parent.mkdir()
    shutil.copy(tracker, twin)
    click(FakeExcel(tracker), "Import Remittances", excel._import)
    click(FakeExcel(tracker), "Classify & Prioritize", excel._classify)
    assert runner.invoke(cli, ["import", str(twin), str(inbox)]).exit_code == 0
    assert runner.invoke(cli, ["classify", str(twin)]).exit_code == 0
    ours, theirs = denials_of(tracker), denials_of(twin)
    for column in (Col.DENIAL_ID, Col.CATEGORY, Col.ACTION, Col.APPEAL_DEADLINE, Col.RULE):
        assert ours[column].tolist() == theirs[column].tolist(), column


def test_run_all_runs_each_step_on_the_file_and_reopens_once(tracker, inbox):
    fake = FakeExcel(tracker)
    message = click(fake, "Run All", excel._all)
    assert fake.calls == CLEAN
    parts = message.split("\n\n")
    assert [part.split(":")[0] for part in parts[:4]] == [
        "Import",
        "Classify & Prioritize",
        "Letters",
        "KPIs",
    ]
    denials = denials_of(tracker)
    assert denials[Col.CATEGORY].iloc[0]  # classified on the file
    assert "KPIs" in openpyxl.load_workbook(tracker, read_only=True).sheetnames


def test_the_place_is_skipped_when_its_sheet_is_gone(tracker, inbox):
    fake = FakeExcel(tracker)
    fake.remembered = Place("A sheet that is gone", "$A$1")
    click(fake, "Import Remittances", excel._import)
    assert fake.calls == ["close", "open", "alert"] and fake.selected is None


# -- a failure once the workbook is closed: reopened anyway, unchanged -----------------------


def test_a_problem_mid_action_reopens_the_workbook_unchanged(tracker):
    fake = FakeExcel(tracker)
    before = fingerprint(tracker)

    def work(file, notify):
        with file.open() as book:
            book.write_table(DENIALS, book.read_table(DENIALS).head(0))
            raise AddinError("the Payers table has no Payer column; put it back.")

    message = click(fake, "Classify & Prioritize", work)
    assert message == "the Payers table has no Payer column; put it back."
    assert fake.calls == CLEAN and fake.alerts[-1][2] is True
    assert fingerprint(tracker) == before and owner_file(tracker).exists()
    assert not (tracker.parent / excel.LOG_NAME).exists()


def test_a_bug_mid_action_is_logged_without_patient_data_and_the_book_comes_back(tracker):
    fake = FakeExcel(tracker)
    before = fingerprint(tracker)
    patient, member = "JOHN " + "SMITH", "W1234" + "56789"  # as a bug would meet them in data

    def work(file, notify):
        with file.open() as book:
            book.write_table(DENIALS, book.read_table(DENIALS))
            raise ValueError(f"could not parse {patient!r} member {member} in D-0A1B2C3D4E")

    message = click(fake, "Generate Appeal Letters", work)
    log = tracker.parent / excel.LOG_NAME
    assert message.startswith(f"Something went wrong; details were written to {log}")
    assert "as it was before the click" in message and "Traceback" not in message
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "in work" in text and "ValueError" in text
    assert "JOHN SMITH" not in text and "W123456789" not in text
    assert "D-0A1B2C3D4E" in text  # our own keys stay, to find the row
    assert fake.calls == CLEAN and fingerprint(tracker) == before


def test_someone_opening_the_file_while_it_is_closed_is_named_and_the_book_reopened(
    tracker, monkeypatch
):
    monkeypatch.setattr(excel, "OWNER_FILE_WAIT", 0.2)
    fake = FakeExcel(tracker)
    colleague = b"Dana Biller"
    fake.on_close = lambda: owner_file(tracker).write_bytes(
        bytes([len(colleague)]) + colleague + b" " * 40
    )
    before = fingerprint(tracker)
    message = click(fake, "Refresh KPIs", excel._kpis)
    assert "open by Dana Biller" in message and "nothing was changed" in message
    assert fake.calls == ["close", "open", "select", "alert"] and fingerprint(tracker) == before


def test_when_excel_cannot_reopen_the_result_stands_and_says_where_the_file_is(tracker, inbox):
    fake = FakeExcel(tracker)
    fake.reopen_error = OSError("Excel is busy")
    message = click(fake, "Import Remittances", excel._import)
    assert message.startswith("1 file(s) imported")
    assert "Excel could not open tracker.xlsx again (OSError)." in message
    assert message.endswith(f"Open it yourself from {tracker.parent}.")
    assert fake.alerts[-1][2] is True and len(denials_of(tracker)) == 1


# -- what stops a click before the workbook is closed ---------------------------------------


@pytest.mark.parametrize(
    ("fullname", "expected"),
    [
        ("Book1", "never been saved. Save it as an Excel Workbook (.xlsx)"),
        ("https://contoso.sharepoint.com/sites/billing/Tracker.xlsx", "web address"),
        ("/srv/share/Tracker.xlsm", "is not an Excel Workbook (.xlsx)"),
        ("/srv/share/Tracker.xls", "is not an Excel Workbook (.xlsx)"),
    ],
)
def test_a_workbook_without_an_xlsx_file_is_refused_before_anything_closes(
    tmp_path, fullname, expected
):
    fake = FakeExcel(None, fullname=fullname)
    message = click(fake, "Refresh KPIs", lambda file, notify: pytest.fail("must not run"))
    assert expected in message
    assert fake.calls == ["alert"] and fake.alerts[0][2] is True


def test_read_only_copy_is_refused_naming_who_has_it_open(tracker):
    fake = FakeExcel(tracker, read_only=True)
    message = click(fake, "Import Remittances", excel._import)
    assert "read-only" in message and OWNER in message and "close" in message
    assert fake.calls == ["alert"]


def test_read_only_copy_without_an_owner_file_still_says_whom_to_ask(tracker):
    fake = FakeExcel(tracker, read_only=True)
    owner_file(tracker).unlink()
    message = click(fake, "Refresh KPIs", lambda file, notify: pytest.fail("must not run"))
    assert "read-only" in message and "Someone else" in message and fake.calls == ["alert"]


def test_a_password_protected_tracker_needs_the_password_before_it_is_closed(tracker, monkeypatch):
    monkeypatch.delenv(crypto.PASSWORD_ENV, raising=False)
    crypto.encrypt(tracker.read_bytes(), "s3cret", tracker)
    fake = FakeExcel(tracker)
    message = click(fake, "Refresh KPIs", excel._kpis)
    assert "password-protected" in message and "DENIALDESK_PASSWORD" in message
    assert fake.calls == ["alert"]

    monkeypatch.setenv(crypto.PASSWORD_ENV, "s3cret")
    message = click(fake, "Refresh KPIs", excel._kpis)
    assert message.startswith("KPIs refreshed") and fake.calls[1:] == ["close", "open", "alert"]
    assert crypto.is_encrypted(tracker)


def test_import_without_the_inbox_folder_says_how_to_fix_it(tracker):
    fake = FakeExcel(tracker)
    message = click(fake, "Import Remittances", excel._import)
    assert str(tracker.parent / "Remits Inbox") in message and "Settings" in message
    assert fake.calls == CLEAN


def test_without_a_calling_workbook_the_active_excel_shows_the_message(monkeypatch, tmp_path):
    monkeypatch.setattr(excel.tempfile, "gettempdir", lambda: str(tmp_path))
    active = FakeExcel(None, fullname="")
    message = excel.run_button(
        "Generate Appeal Letters",
        lambda file, notify: pytest.fail("must not run"),
        excel=BrokenExcel(),
        fallback=lambda: active,
    )
    log = tmp_path / excel.LOG_NAME
    assert message.startswith("DenialDesk could not reach the workbook whose button was clicked")
    assert f"details were written to {log}." in message and "Traceback" not in message
    assert active.alerts == [(message, "DenialDesk – Generate Appeal Letters", True)]
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError: Book.caller() must not be called directly" in text


def test_without_any_excel_the_log_is_still_written(monkeypatch, tmp_path):
    monkeypatch.setattr(excel.tempfile, "gettempdir", lambda: str(tmp_path))
    message = excel.run_button("Run All", excel._all, excel=BrokenExcel(), fallback=lambda: None)
    assert str(tmp_path / excel.LOG_NAME) in message
    assert "RuntimeError" in (tmp_path / excel.LOG_NAME).read_text(encoding="utf-8")


# -- messages --------------------------------------------------------------------------------


def test_letters_show_each_failure_with_what_to_fill_in_and_why_others_were_skipped(tracker):
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-0000000001"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000002", Col.PAYER: "NORTHWIND", Col.PAYER_ID: "7"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000003", Col.PAYER: "NORTHWIND", Col.PAYER_ID: "7"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000004", Col.STATUS: "Won"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000005", Col.CARC: "18"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000006", Col.ACTION: "Write it off"}),
    ]
    write_denials(tracker, rows, payers=[payer("ACME HEALTH PLAN", **{Col.PAYER_IDS: "99101"})])
    fake = FakeExcel(tracker)
    message = click(fake, "Generate Appeal Letters", excel._letters)
    assert message.splitlines() == [
        f"1 letter(s) written in {tracker.parent / 'letters'}, 3 skipped, 2 failed.",
        "D-0000000002: letter not written: fill in Payers › Appeal Address for NORTHWIND.",
        "D-0000000003: letter not written: fill in Payers › Appeal Address for NORTHWIND.",
        "Skipped:",
        "  2 × the recommended action is not an appeal",
        "  1 × closed (Won)",
        "Letter Status: 0 Ready, 1 draft(s) need input (7 open field(s)). See the Letter Status "
        "column on Denials.",
    ]
    assert fake.alerts[-1] == (message, "DenialDesk – Generate Appeal Letters", True)
    assert "DOE" not in message and "SYN000111" not in message
    assert (tracker.parent / "letters").is_dir()


def test_a_long_list_of_problems_shows_the_first_ten():
    problems = [
        f"D-{n:010d}: letter not written: fill in Settings › Practice NPI." for n in range(13)
    ]
    shown = excel.with_problems("0 letter(s) written, 13 failed.", problems, ["Skipped:"])
    lines = shown.text.splitlines()
    assert lines[1:11] == problems[:10] and lines[11] == "… and 3 more." and shown.failed
    assert not excel.with_problems("All done.", []).failed


def test_run_all_is_a_critical_alert_when_a_step_had_failures(tracker, monkeypatch):
    steps = (
        ("Import", lambda f, n: "3 file(s) imported."),
        ("Letters", lambda f, n: excel.Message("0 letter(s) written, 1 failed.\nD-1: …", True)),
        ("KPIs", lambda f, n: "KPIs refreshed."),
    )
    monkeypatch.setattr(excel, "STEPS", steps)
    fake = FakeExcel(tracker)
    message = click(fake, "Run All", excel._all)
    assert message == (
        "Import: 3 file(s) imported.\n\nLetters: 0 letter(s) written, 1 failed.\nD-1: …\n\n"
        "KPIs: KPIs refreshed."
    )
    assert fake.alerts[-1][2] is True


def test_run_all_stops_at_the_first_step_that_cannot_finish(tracker, monkeypatch):
    def fails(file, notify):
        raise AddinError("no denials table")

    monkeypatch.setattr(excel, "STEPS", (("Import", lambda f, n: "ok"), ("Classify", fails)))
    fake = FakeExcel(tracker)
    assert click(fake, "Run All", excel._all) == "Import: ok\n\nClassify stopped: no denials table"
    assert fake.calls == CLEAN


# -- Explain: a live read, nothing closes ------------------------------------------------------


@pytest.fixture
def classified(tracker) -> Path:
    row = denial_row(
        **{
            Col.CATEGORY: "medical_necessity",
            Col.RULE: "carc-50",
            Col.ACTION: "Appeal with records",
            Col.APPEAL_DEADLINE: date(2026, 8, 1),
        }
    )
    write_denials(tracker, [row])
    return tracker


def test_explain_reads_the_selected_denial_without_closing_anything(classified):
    fake = FakeExcel(classified, selection=("Denials", 2), read_only=True)
    message = click(fake, "Explain", excel._explain, writes=False)
    assert message.startswith("Denial D-0000000001: CO-50")
    assert "Category: medical_necessity" in message and "Rule that fired: carc-50" in message
    assert "Action: Appeal with records" in message
    assert "Appeal deadline: 2026-08-01" in message  # a date, as Excel's datetime is typed
    assert fake.calls == ["alert"] and fake.alerts[0][2] is False


def test_explain_on_the_work_queue_finds_the_denial_row(classified):
    from addin.actions.classify_denials import classify_and_prioritize

    with open_for_update(classified) as book:
        classify_and_prioritize(book, today=date(2026, 3, 10))
    fake = FakeExcel(classified, selection=("Work Queue", 2))
    message = click(fake, "Explain", excel._explain, writes=False)
    assert message.startswith("Denial D-0000000001") and "Rule that fired:" in message


def test_explain_without_a_denial_row_selected_says_what_to_select(classified):
    fake = FakeExcel(classified, selection=("Settings", 2))
    message = click(fake, "Explain", excel._explain, writes=False)
    assert "Select a row of the Denials" in message and fake.calls == ["alert"]


# -- Excel's file names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fullname", "platform", "expected"),
    [
        ("/Users/dana/Billing/Tracker.xlsx", "darwin", Path("/Users/dana/Billing/Tracker.xlsx")),
        (
            "Macintosh HD:Users:dana:Billing:Tracker.xlsx",
            "darwin",
            Path(PurePosixPath("/Volumes/Macintosh HD/Users/dana/Billing/Tracker.xlsx")),
        ),
        ("Book1", "darwin", None),
        ("Book1", "win32", None),
        ("", "win32", None),
        ("https://d.docs.live.net/abc/Tracker.xlsx", "win32", None),
        ("/srv/share/Tracker.xlsx", "linux", Path("/srv/share/Tracker.xlsx")),
    ],
)
def test_workbook_file_from_excels_fullname(fullname, platform, expected):
    assert workbook_file(fullname, platform) == expected


# -- Check Claims -----------------------------------------------------------------------------


def test_check_claims_scores_the_outbox_and_writes_the_claim_check_sheet(tracker):
    from tests import ledger_support as ls

    outbox = tracker.parent / "Claims Outbox"
    outbox.mkdir()
    sent_on = date(2026, 3, 2)
    ls.write_837(outbox / "monday.837", ls.outgoing(ls.claims(6), sent_on), 9001, sent_on)
    fake = FakeExcel(tracker)
    message = click(fake, "Check Claims", excel._check)
    assert fake.calls == CLEAN
    assert message.startswith("Checked 6 outgoing claim(s)") and "Claim Check" in message
    rows = OpenpyxlBook.open(tracker).read_table(CLAIM_CHECK)
    assert len(rows) == 6 and set(rows[Col.FILE]) == {"monday.837"}


def test_check_claims_without_the_outbox_folder_says_how_to_fix_it(tracker):
    fake = FakeExcel(tracker)
    message = click(fake, "Check Claims", excel._check)
    assert (
        "The Claims Outbox folder" in message and "Claims Outbox on the Settings sheet" in message
    )
    assert fake.alerts[-1][2] is True
