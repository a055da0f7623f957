"""A shared tracker that never loses a denial: protected, read-only, full disks, hostile files,
people's edits, backups, Doctor and the Audit sheet."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from addin.actions import maintenance
from addin.actions.new_tracker import tracker_bytes
from addin.cli import cli
from addin.errors import WorkbookLayoutError
from addin.workbook import crypto, files
from addin.workbook.layout import AUDIT, CLAIMS, DENIALS, WORK_QUEUE, Col
from addin.workbook.layout import REMITS as REMITS_TABLE
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests.conftest import REMITS

DENIED = REMITS / "2026-03-co50-denied.835"
PAID = REMITS / "2026-04-co50-paid-on-appeal.835"


def _import(runner, tracker, *inputs, password=None):
    extra = ["--password", password] if password else []
    return runner.invoke(cli, ["import", str(tracker), *map(str, inputs), *extra])


def _encrypt(path, password):
    plain = path.read_bytes()
    with path.open("wb") as out:
        OOXMLFile(io.BytesIO(plain)).encrypt(password, out)  # as Excel does (Agile)


# -- privacy -----------------------------------------------------------------------------------


def test_password_protected_tracker_opens_and_stays_protected(runner, tracker):
    _encrypt(tracker, "s3cret!")
    assert crypto.is_encrypted(tracker)
    missing = _import(runner, tracker, DENIED)
    assert missing.exit_code == 1 and "is password-protected" in missing.output
    wrong = _import(runner, tracker, DENIED, password="nope")
    assert wrong.exit_code == 1 and "the password for tracker.xlsx is not right" in wrong.output
    right = _import(runner, tracker, DENIED, password="s3cret!")
    assert right.exit_code == 0, right.output
    assert crypto.is_encrypted(tracker)
    book = OpenpyxlBook.open(tracker, "s3cret!")
    assert len(book.read_table(DENIALS)) == 1


def test_password_from_the_environment(runner, tracker, monkeypatch):
    _encrypt(tracker, "from-env")
    monkeypatch.setenv("DENIALDESK_PASSWORD", "from-env")
    assert _import(runner, tracker, DENIED).exit_code == 0
    assert len(OpenpyxlBook.open(tracker).read_table(CLAIMS)) == 2


def test_messages_and_logs_never_name_a_patient(runner, tmp_path, caplog):
    caplog.set_level("DEBUG")
    out = tmp_path / "demo"
    outputs = [runner.invoke(cli, ["demo", "--out", str(out)]).output]
    tracker = out / "DenialDesk Tracker.xlsx"
    outputs.append(runner.invoke(cli, ["import", str(tracker), str(out / "Remits Inbox")]).output)
    outputs.append(
        runner.invoke(cli, ["parse", "--json", *map(str, (out / "Remits Inbox").iterdir())]).output
    )
    outputs.append(runner.invoke(cli, ["doctor", str(tracker)]).output)
    claims = OpenpyxlBook.open(tracker).read_table(CLAIMS)
    names = {part for patient in claims[Col.PATIENT].dropna() for part in patient.split(", ")}
    members = set(claims[Col.MEMBER_ID].dropna())
    assert len(names) > 20 and len(members) > 100
    said = "\n".join(outputs + [record.getMessage() for record in caplog.records])
    leaked = [n for n in names | members if re.search(rf"\b{re.escape(n)}\b", said)]
    assert not leaked


def _malformed_name_segments(text: str) -> str:
    """NM1s written with the wrong separator: each reads as one segment whose 'id' is the
    whole segment, synthetic patient name and all (before, in and after the transaction)."""
    text = text.replace("ST*835*0001~", "NM1|QC|1|ZULUPATIENT|YANKEE~ST*835*0001~")
    text = text.replace("DTM*405*20260301~", "DTM*405*20260301~NM1|QC|1|ZULUPATIENT|YANKEE~")
    return text.replace("DTM*050*20260215~", "DTM*050*20260215~NM1|QC|1|ZULUPATIENT|YANKEE~")


def test_a_foreign_file_or_a_malformed_segment_never_shows_its_content(runner, tracker, caplog):
    caplog.set_level("DEBUG")
    foreign = tracker.parent / "roster.835"
    foreign.write_text("ZULUPATIENT, YANKEE, DOB 1970-01-01, SYN9999\n" + DENIED.read_text())
    malformed = tracker.parent / "malformed.835"
    malformed.write_text(_malformed_name_segments(DENIED.read_text()), newline="")
    outputs = [_import(runner, tracker, malformed, foreign).output]  # the same payment twice
    for path in (foreign, malformed):
        outputs.append(runner.invoke(cli, ["parse", str(path)]).output)
        outputs.append(runner.invoke(cli, ["parse", "--json", str(path)]).output)
    said = "\n".join(outputs + [record.getMessage() for record in caplog.records])
    # Prose above a well-formed ISA is skipped (issue 16), said in a note that never quotes it.
    assert "45 character(s) of text before the ISA segment were skipped" in said
    assert "2 unknown segment(s) ignored (2 with an unreadable id)" in said
    with zipfile.ZipFile(tracker) as archive:  # every sheet, every shared string
        stored = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    findings = OpenpyxlBook.open(tracker).read_table(REMITS_TABLE)[Col.FINDINGS].str.cat()
    assert "2 with an unreadable id" in findings and "an unreadable id outside" in findings
    for secret in ("ZULUPATIENT", "YANKEE", "SYN9999", "1970-01-01"):
        assert secret not in said and secret.encode() not in stored, secret


def test_every_change_is_in_the_audit_sheet(tracker):
    from addin.actions import import_remittances
    from addin.workbook.tracker_file import open_for_update

    with open_for_update(tracker) as book:
        import_remittances(book, [DENIED])
    audit = OpenpyxlBook.open(tracker).read_table(AUDIT)
    row = audit.iloc[0].to_dict()
    assert row[Col.ACTION_NAME] == "Import remittances" and row[Col.FILES] == DENIED.name
    assert row[Col.USER] and "2 claims (2 new), 1 new denials" in row[Col.CHANGES]


def test_codes_import_takes_a_password_and_leaves_an_audit_row(runner, tracker, tmp_path):
    _encrypt(tracker, "c0des!")
    official = tmp_path / "official.csv"
    official.write_text("Code,Description\n50,Official fifty\nN290,Official remark\n")
    command = ["codes", "import", str(tracker), str(official)]
    refused = runner.invoke(cli, command)
    assert refused.exit_code == 1 and "is password-protected" in refused.output
    result = runner.invoke(cli, [*command, "--password", "c0des!"])
    assert result.exit_code == 0, result.output
    assert crypto.is_encrypted(tracker)
    audit = OpenpyxlBook.open(tracker, "c0des!").read_table(AUDIT)
    row = audit.iloc[-1].to_dict()
    assert (row[Col.ACTION_NAME], row[Col.FILES]) == ("Codes import", "official.csv")
    assert row[Col.CHANGES].startswith("2 codes read: 2 added to the Codes sheet")


# -- the file on the share ---------------------------------------------------------------------


def test_a_read_only_tracker_is_refused_unchanged(runner, tracker):
    before = tracker.read_bytes()
    tracker.chmod(0o444)
    try:
        result = _import(runner, tracker, DENIED)
    finally:
        tracker.chmod(0o644)
    assert result.exit_code == 1 and "tracker.xlsx is read-only" in result.output
    assert tracker.read_bytes() == before


def test_a_full_disk_leaves_the_old_workbook(tracker, tmp_path):
    before = tracker.read_bytes()
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before) // 2}, resource.RLIM_INFINITY))\n"
        "from addin.cli import cli\n"
        f"cli(['import', {str(tracker)!r}, {str(DENIED)!r}])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert "could not save tracker.xlsx" in result.stderr and "unchanged" in result.stderr
    assert tracker.read_bytes() == before
    assert not list(tmp_path.glob(".~tracker.*.tmp.xlsx"))


def test_a_workbook_opened_in_excel_during_the_save_is_not_replaced(tracker):
    before = tracker.read_bytes()

    def write_while_excel_opens_it(temp):
        shutil.copyfile(tracker, temp)
        tracker.with_name("~$" + tracker.name).write_bytes(bytes([3]) + b"bob" + b"\x00" * 50)

    with pytest.raises(files.WorkbookBusyError, match="tracker.xlsx is open by bob"):
        files.atomic_write(tracker, write_while_excel_opens_it, lambda temp: None, 5)
    assert tracker.read_bytes() == before
    assert not list(tracker.parent.glob(".~tracker.*.tmp.xlsx"))
    assert files.list_backups(tracker) == []


def test_the_new_workbook_is_on_disk_before_it_replaces_the_old(tracker, monkeypatch):
    opened, events = {}, []
    real_open, real_fsync, real_replace = os.open, os.fsync, os.replace

    def open_(path, *args, **kwargs):
        descriptor = real_open(path, *args, **kwargs)
        opened[descriptor] = os.fspath(path)
        return descriptor

    def fsync(descriptor):
        events.append(("fsync", opened.get(descriptor)))
        real_fsync(descriptor)

    def replace(source, target):
        events.append(("replace", os.fspath(source)))
        real_replace(source, target)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    files.atomic_write(tracker, lambda temp: shutil.copyfile(tracker, temp), lambda t: None, 5)
    temp = os.fspath(files.temp_path(tracker))
    assert events.index(("fsync", temp)) < events.index(("replace", temp))


def test_a_missing_folder_is_a_clear_error(runner, tmp_path):
    result = _import(runner, tmp_path / "nowhere" / "tracker.xlsx", DENIED)
    assert result.exit_code == 1 and "no workbook at" in result.output


def test_stale_lock_and_temp_files_from_a_crash_are_cleared(runner, tracker):
    dead = 2_000_000_000  # no such process
    files.lock_path(tracker).write_text(f"someone@{os.uname().nodename} pid {dead} since 10:00")
    files.temp_path(tracker, dead).write_bytes(b"half a workbook")
    assert _import(runner, tracker, DENIED).exit_code == 0
    assert not files.lock_path(tracker).exists() and not files.temp_path(tracker, dead).exists()


# -- hostile workbooks ---------------------------------------------------------------------------


def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 60_000_000)


def _with_part(path, part: str, data: bytes) -> None:
    """A fresh tracker at `path` whose zip member `part` is replaced by `data`."""
    with zipfile.ZipFile(io.BytesIO(tracker_bytes())) as source:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in source.infolist():
                archive.writestr(item, data if item.filename == part else source.read(item))


def _broken_sheet_xml(path):
    _with_part(path, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row r='1'>")


def _entity_bomb(path):
    """workbook.xml with a billion-laughs entity: expanded, it would need gigabytes."""
    with zipfile.ZipFile(io.BytesIO(tracker_bytes())) as source:
        body = source.read("xl/workbook.xml").split(b"?>", 1)[-1]
    entities = [b'<!ENTITY a0 "laugh">']
    entities += [b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10)]
    doctype = b"<!DOCTYPE workbook [" + b"".join(entities) + b"]>"
    body = body.replace(b"<sheets>", b"<sheets>&a9;", 1)
    _with_part(path, "xl/workbook.xml", b'<?xml version="1.0"?>' + doctype + body)


HOSTILE = {
    "corrupt zip": (
        lambda p: p.write_bytes(b"PK\x03\x04 this is not really a zip"),
        "is not a readable .xlsx workbook",
    ),
    "zip bomb": (_zip_bomb, "that is not a tracker DenialDesk can open safely"),
    "a spreadsheet without our tables": (
        lambda p: openpyxl.Workbook().save(p),
        "has no table named tblClaims",
    ),
    "broken sheet XML": (_broken_sheet_xml, "tracker.xlsx is damaged: part of it is not"),
    "XML entity bomb": (_entity_bomb, "tracker.xlsx is damaged: part of it is not"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_workbooks_are_refused_and_left_alone(runner, tmp_path, case):
    path = tmp_path / "tracker.xlsx"
    make, message = HOSTILE[case]
    make(path)
    before = path.read_bytes()
    result = _import(runner, path, DENIED)
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert path.read_bytes() == before and not files.list_backups(path)


def test_any_other_failure_to_read_a_workbook_is_a_clear_error(tracker, monkeypatch):
    def fail(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")  # deeply nested hostile XML

    monkeypatch.setattr(openpyxl, "load_workbook", fail)
    with pytest.raises(WorkbookLayoutError) as raised:
        OpenpyxlBook.open(tracker)
    assert str(raised.value) == (
        "tracker.xlsx is damaged: it could not be read as an Excel workbook (RecursionError). "
        "Restore a backup with `denialdesk restore tracker.xlsx --list`."
    )


def test_a_wrong_value_in_a_typed_cell_names_the_cell(runner, tracker):
    _import(runner, tracker, DENIED)
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook["Denials"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index(Col.DENIED_AMOUNT) + 1, "two hundred")
    workbook.save(tracker)
    before = tracker.read_bytes()
    result = _import(runner, tracker, PAID)
    assert result.exit_code == 1
    assert (
        "sheet 'Denials', column 'Denied Amount', data row 1: the cell is not an amount"
        in result.output
    )
    assert "two hundred" not in result.output  # a cell can hold a name: never quoted
    assert tracker.read_bytes() == before


@pytest.mark.parametrize("column", [Col.DENIED_AMOUNT, Col.SERVICE_DATE, Col.APPEAL_SENT_ON])
def test_a_patient_name_typed_in_a_typed_cell_is_never_quoted(runner, tracker, column):
    _import(runner, tracker, DENIED)
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook["Denials"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index(column) + 1, "ZULUPATIENT, SYNTHETIC SYN9999")
    workbook.save(tracker)
    result = _import(runner, tracker, PAID)
    assert result.exit_code == 1 and f"column '{column}', data row 1: the cell is not" in (
        result.output
    )
    assert "ZULUPATIENT" not in result.output and "SYN9999" not in result.output


# -- trackers edited by people ---------------------------------------------------------------------


def test_reordered_hidden_sorted_columns_and_extra_sheets_keep_working(runner, tracker):
    _import(runner, tracker, DENIED)
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook["Denials"]
    sheet.column_dimensions["B"].hidden = True
    workbook.create_sheet("My Notes")["A1"] = "call payer Tuesday"
    header = [c.value for c in sheet[1]]
    owner, notes = header.index(Col.OWNER) + 1, header.index(Col.NOTES) + 1
    sheet.cell(2, owner, "Billing")
    sheet.cell(1, owner, Col.NOTES)  # swap the Owner and Notes columns (header and values)
    sheet.cell(1, notes, Col.OWNER)
    sheet.cell(2, notes, "Billing")
    sheet.cell(2, owner, "second look")
    sheet.tables["tblDenials"].tableColumns = []
    workbook.save(tracker)
    assert _import(runner, tracker, PAID).exit_code == 0
    denial = OpenpyxlBook.open(tracker).read_table(DENIALS).iloc[0]
    assert (denial[Col.OWNER], denial[Col.NOTES], denial[Col.RESOLUTION]) == (
        "Billing",
        "second look",
        "Paid",
    )
    reopened = openpyxl.load_workbook(tracker)
    assert reopened["My Notes"]["A1"].value == "call payer Tuesday"
    assert reopened["Denials"].column_dimensions["B"].hidden


def test_an_older_tracker_without_new_columns_is_upgraded(runner, tracker):
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook["Denials"]
    table = sheet.tables["tblDenials"]
    sheet.delete_cols(19, 1)  # an old layout without Description
    table.ref = f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}2"
    table.tableColumns = []
    workbook.save(tracker)
    assert _import(runner, tracker, DENIED).exit_code == 0
    frame = OpenpyxlBook.open(tracker).read_table(DENIALS)
    assert Col.DESCRIPTION in frame.columns and len(frame) == 1


# -- backups, restore and doctor -------------------------------------------------------------------


def test_restore_lists_and_puts_a_backup_back_undoably(runner, tracker):
    _import(runner, tracker, DENIED)
    _import(runner, tracker, PAID)
    listed = runner.invoke(cli, ["restore", str(tracker), "--list"])
    lines = listed.output.splitlines()
    assert listed.exit_code == 0 and len(lines) == 4  # two backups, two lines each
    assert lines[0].startswith("  1  taken ") and "before Import remittances (" in lines[0]
    assert lines[1].strip().startswith("tracker ") and lines[1].endswith(" bytes)")
    result = runner.invoke(cli, ["restore", str(tracker), "1"])
    assert result.exit_code == 0 and "Restored tracker.xlsx from" in result.output
    denials = OpenpyxlBook.open(tracker).read_table(DENIALS)
    assert denials.iloc[0][Col.RESOLUTION] is None
    undo = runner.invoke(cli, ["restore", str(tracker), "1"])
    assert undo.exit_code == 0
    assert OpenpyxlBook.open(tracker).read_table(DENIALS).iloc[0][Col.RESOLUTION] == "Paid"


def test_doctor_finds_and_fixes_what_is_safe(runner, tracker):
    _import(runner, tracker, DENIED)
    assert runner.invoke(cli, ["doctor", str(tracker)]).output.strip() == "No problems found."
    workbook = openpyxl.load_workbook(tracker)
    del workbook[WORK_QUEUE.sheet]
    sheet = workbook["Claims"]
    sheet.append([c.value for c in sheet[2]])  # an exact duplicate row…
    sheet.tables["tblClaims"].ref = f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}4"
    workbook.save(tracker)
    found = runner.invoke(cli, ["doctor", str(tracker)])
    assert found.exit_code == 1
    assert "[can fix with --fix] table tblWorkQueue (sheet 'Work Queue') is missing" in found.output
    assert "tblClaims: 1 row(s) appear twice" in found.output
    fixed = runner.invoke(cli, ["doctor", str(tracker), "--fix"])
    assert fixed.exit_code == 0 and fixed.output.count("[fixed]") == 2
    book = OpenpyxlBook.open(tracker)
    assert len(book.read_table(CLAIMS)) == 2 and len(book.read_table(WORK_QUEUE)) == 0
    assert runner.invoke(cli, ["doctor", str(tracker)]).exit_code == 0


def test_doctor_reports_what_it_cannot_fix(tracker):
    workbook = openpyxl.load_workbook(tracker)
    del workbook["Denials"]
    workbook.save(tracker)
    report = maintenance.doctor(tracker, fix=True)
    assert report.problems_left == 1
    assert "restore a backup" in report.lines()[0]
    shutil.copy(tracker, tracker.with_name("copy.xlsx"))
