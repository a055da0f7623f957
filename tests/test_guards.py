"""Hostile sizes and shapes: table ranges far past the data, inputs beyond the set limits,
merged cells, renamed or removed columns, practice templates that ask for too much. Each gets
one line saying what to do, never a traceback, and the workbook is left as it was."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from openpyxl.utils import get_column_letter

from addin import actions
from addin.actions import import_remits
from addin.actions.new_tracker import tracker_bytes
from addin.cli import cli
from addin.demo import synth
from addin.errors import AddinError
from addin.workbook import files, limits
from addin.workbook.layout import ADDED_LATER, CLAIMS, DENIALS, REMITS, TABLES, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.conftest import REMITS as REMIT_DATA
from tests.letter_support import denial_row, write_denials

DENIED = REMIT_DATA / "2026-03-co50-denied.835"
PAID = REMIT_DATA / "2026-04-co50-paid-on-appeal.835"
ROOT = Path(__file__).resolve().parents[1]


def _import(runner, tracker, *inputs):
    return runner.invoke(cli, ["import", str(tracker), *map(str, inputs)])


def _one_line_refusal(result, tracker, before: bytes, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for text in expected:
        assert text in result.output, result.output
    assert tracker.read_bytes() == before


def _edit(tracker: Path, change) -> None:
    workbook = openpyxl.load_workbook(tracker)
    change(workbook)
    workbook.save(tracker)


# -- table ranges and sizes ----------------------------------------------------------------------


def _claim_a_million_rows(workbook) -> None:
    for sheet_name, table_name in (("Denials", "tblDenials"), ("Claims", "tblClaims")):
        sheet = workbook[sheet_name]
        table = sheet.tables[table_name]
        last = table.ref.split(":")[1].rstrip("0123456789")
        table.ref = f"A1:{last}1048576"


def test_a_table_range_claiming_a_million_rows_is_read_by_its_data(tracker):
    """Before: 200 s and 7.7 GB, or a MemoryError traceback. The import runs in a child
    process allowed 2.5 GB of address space, which the old cell-by-cell read far exceeds."""
    _import_in_process(tracker, DENIED)
    _edit(tracker, _claim_a_million_rows)
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2_500_000_000, 2_500_000_000))\n"
        "from addin.cli import cli\n"
        "cli(['import', sys.argv[1], sys.argv[2]])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tracker), str(PAID)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "1 resolved" in result.stdout
    book = OpenpyxlBook.open(tracker)
    denials = book.read_table(DENIALS)
    assert len(denials) == 1 and denials.iloc[0][Col.RESOLUTION] == "Paid"
    _, table = book.locate(DENIALS)
    assert table.ref.endswith("2")  # written back at the data's real extent


def _import_in_process(tracker, *paths):
    with open_for_update(tracker) as book:
        return actions.import_remittances(book, list(paths))


def test_a_table_past_the_row_limit_is_refused(runner, tracker, monkeypatch):
    _import_in_process(tracker, DENIED)
    before = tracker.read_bytes()
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", 1)
    result = _import(runner, tracker, PAID)
    _one_line_refusal(
        result, tracker, before, "table tblClaims on sheet 'Claims' has 2 rows, more than the 1"
    )


def test_a_tracker_past_the_size_limit_is_refused(runner, tracker, monkeypatch):
    before = tracker.read_bytes()
    monkeypatch.setattr(limits, "MAX_TRACKER_BYTES", 10_000)
    result = _import(runner, tracker, DENIED)
    _one_line_refusal(result, tracker, before, "tracker.xlsx is", "more than the 10 KB")


def test_a_remit_past_the_claim_or_size_limit_fails_alone(runner, tracker, monkeypatch):
    big = tracker.parent / "big.835"
    big.write_text(synth.synth_835(3, seed=1))
    monkeypatch.setattr(limits, "MAX_CLAIMS_PER_REMIT", 2)
    result = _import(runner, tracker, big, DENIED)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "big.835: the file has more than the 2 claims one 835 remit may carry" in result.output
    assert "1 file(s) imported" in result.output  # the other file still imports
    monkeypatch.setattr(limits, "MAX_REMIT_BYTES", 100)
    result = _import(runner, tracker, big)
    assert "more than the 0 KB an 835 remit may be" in result.output


def test_a_big_transaction_spooled_to_disk_posts_exactly_as_in_memory(tmp_path, monkeypatch):
    remit = tmp_path / "many.835"
    remit.write_text(synth.synth_835(40, seed=5))
    results = []
    for chunk in (1_000_000, 3):
        monkeypatch.setattr(import_remits, "SPOOL_CHUNK", chunk)
        tracker = tmp_path / f"t{chunk}.xlsx"
        tracker.write_bytes(tracker_bytes())
        report = _import_in_process(tracker, remit)
        book = OpenpyxlBook.open(tracker)
        tables = [
            book.read_table(spec).drop(columns=Col.IMPORTED_AT, errors="ignore")
            for spec in (CLAIMS, DENIALS, REMITS)
        ]
        results.append((report.summary(), [t.to_dict("records") for t in tables]))
    assert results[0] == results[1]
    assert "40 claims (40 new)" in results[0][0]


# -- merged cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sheet", ["Denials", "Claims"])
def test_merged_cells_in_a_table_get_one_line(runner, tracker, sheet):
    _import_in_process(tracker, DENIED)
    _edit(tracker, lambda workbook: workbook[sheet].merge_cells("B2:D2"))
    before = tracker.read_bytes()
    result = _import(runner, tracker, PAID)
    _one_line_refusal(
        result, tracker, before, f"sheet '{sheet}' has merged cells (B2:D2) inside table", "Unmerge"
    )
    doctor = runner.invoke(cli, ["doctor", str(tracker)])
    assert doctor.exit_code == 1 and "merged cells (B2:D2)" in doctor.output


# -- renamed and removed columns -------------------------------------------------------------


def _rename(sheet_name: str, old: str, new: str | None):
    def change(workbook):
        sheet = workbook[sheet_name]
        for cell in sheet[1]:
            if cell.value == old:
                cell.value = new
        for table in sheet.tables.values():
            table.tableColumns = []  # rebuilt from the header on save

    return change


def test_a_renamed_column_is_refused_by_every_writer_and_named_by_doctor(runner, tracker):
    """Before: a new blank 'Denied Amount' was added and the amounts were lost silently."""
    _import_in_process(tracker, DENIED)
    _edit(tracker, _rename("Denials", Col.DENIED_AMOUNT, "Denied Amt"))
    before = tracker.read_bytes()
    fix = "rename column 'Denied Amt' back to 'Denied Amount' on sheet 'Denials'"
    _one_line_refusal(_import(runner, tracker, PAID), tracker, before, fix)
    for command in (["classify"], ["letters"], ["kpis"], ["doctor", "--fix"]):
        result = runner.invoke(cli, [command[0], str(tracker), *command[1:]])
        assert result.exit_code == 1 and fix in result.output, (command, result.output)
        assert "Traceback" not in result.output
        assert tracker.read_bytes() == before, command
    doctor = runner.invoke(cli, ["doctor", str(tracker)])
    assert fix in doctor.output and "adds them (empty)" not in doctor.output


def test_a_removed_column_is_refused(runner, tracker):
    _import_in_process(tracker, DENIED)

    def remove(workbook):
        sheet = workbook["Claims"]
        header = [c.value for c in sheet[1]]
        sheet.delete_cols(header.index(Col.BILLED) + 1)
        table = sheet.tables["tblClaims"]
        table.ref = f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"
        table.tableColumns = []

    _edit(tracker, remove)
    before = tracker.read_bytes()
    result = _import(runner, tracker, PAID)
    _one_line_refusal(
        result, tracker, before, "column 'Billed' is missing from table tblClaims on sheet"
    )


def test_a_cleared_header_is_a_rename_too(runner, tracker):
    _import_in_process(tracker, DENIED)
    _edit(tracker, _rename("Denials", Col.CARC, "Column16"))  # what Excel makes of a blank
    before = tracker.read_bytes()
    result = _import(runner, tracker, PAID)
    _one_line_refusal(result, tracker, before, "rename column (blank) back to 'CARC'")


def test_an_older_tracker_gains_the_new_columns_and_people_columns_stay(runner, tracker):
    """The five Denials columns main added (Plan Type … Deadline Rule) are a known upgrade,
    not a rename, even beside a column a person added at the right."""
    _import_in_process(tracker, DENIED)
    new = [Col.PLAN_TYPE, Col.REMEDY, Col.APPEALABLE, Col.CORRECTED_CLAIM_DEADLINE]
    new.append(Col.DEADLINE_RULE)

    def older(workbook):
        sheet = workbook["Denials"]
        for name in new:
            header = [c.value for c in sheet[1]]
            sheet.delete_cols(header.index(name) + 1)
        sheet.cell(1, sheet.max_column + 1, "Our Ref")
        sheet.cell(2, sheet.max_column, "kept")
        table = sheet.tables["tblDenials"]
        table.ref = f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"
        table.tableColumns = []

    _edit(tracker, older)
    assert runner.invoke(cli, ["doctor", str(tracker)]).output.count("lacks columns") == 1
    result = _import(runner, tracker, PAID)
    assert result.exit_code == 0, result.output
    frame = OpenpyxlBook.open(tracker).read_table(DENIALS)
    assert set(new) <= set(frame.columns) and frame.iloc[0]["Our Ref"] == "kept"
    assert frame.iloc[0][Col.DENIED_AMOUNT] is not None


def test_a_tracker_with_only_the_first_release_columns_is_upgraded(runner, tracker):
    """Every column added since the first release (ADDED_LATER, computed from layout) may be
    missing: such a tracker imports, classifies and gains them all. Before this was computed,
    a hand-kept list missed the Letter Status column the appeals work added."""

    def first_release(workbook):
        for spec in TABLES:
            sheet = workbook[spec.sheet]
            header = [c.value for c in sheet[1]]
            for name in sorted(ADDED_LATER[spec.name], key=header.index, reverse=True):
                sheet.delete_cols(header.index(name) + 1)
            table = sheet.tables[spec.name]
            table.ref = f"A1:{get_column_letter(sheet.max_column)}{max(sheet.max_row, 2)}"
            table.tableColumns = []

    _edit(tracker, first_release)
    for args in (["import", str(tracker), str(DENIED)], ["classify", str(tracker)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    book = OpenpyxlBook.open(tracker)
    for spec in TABLES:
        assert set(spec.column_names) <= set(book.read_table(spec).columns), spec.name
    assert book.read_table(DENIALS).iloc[0][Col.DENIED_AMOUNT] is not None


# -- practice templates ------------------------------------------------------------------------


def _template(tracker: Path, text: str) -> None:
    document = Document()
    document.add_paragraph(text)
    folder = tracker.parent / "Letter Templates"
    folder.mkdir(exist_ok=True)
    document.save(str(folder / "appeal_authorization.docx"))


HOSTILE_TEMPLATES = {
    "include": ("{% include 'other.xml' %}", "{% include %}"),
    "import": ("{% import 'other.xml' as x %}", "{% import %}"),
    "extends": ("{% extends 'other.xml' %}", "{% extends %}"),
    "huge range": ("{% for i in range(10**9) %}x{% endfor %}", "more than 10,000"),
    "huge text": ("{{ 'x' * 10**9 }}", "past 1,000,000 characters"),
    "huge list": ("{{ [0] * 10**9 }}", "past 1,000,000 characters"),
    "doubling": (
        "{% set ns = namespace(s='xy') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "longer than 1,000,000 characters",
    ),
    "wide filter": ("{{ 'x'|center(10**9) }}", "a filter was given"),
    "wide format": ("{{ '%0999999999d'|format(1) }}", "millions of characters wide"),
    "long letter": (
        "{% for i in range(9999) %}{% for j in range(9999) %}xxxxxxxxxx{% endfor %}{% endfor %}",
        "longer than 5,000,000 characters",
    ),
    "recursion": ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "RecursionError"),
    "division": ("{{ 1 / 0 }}", "ZeroDivisionError"),
}


@pytest.mark.parametrize("case", HOSTILE_TEMPLATES, ids=list(HOSTILE_TEMPLATES))
def test_a_hostile_practice_template_stops_the_batch_before_anything_is_written(tracker, case):
    text, expected = HOSTILE_TEMPLATES[case]
    rows = [denial_row(**{Col.DENIAL_ID: "D-MN"}), denial_row(**{Col.DENIAL_ID: "D-AUTH"})]
    rows[1].update({Col.CARC: "197", Col.CATEGORY: "authorization"})
    write_denials(tracker, rows)
    _template(tracker, text)
    before, backups = tracker.read_bytes(), files.list_backups(tracker)
    with pytest.raises(AddinError) as raised, open_for_update(tracker) as book:
        actions.generate_letters(book, today=date(2026, 4, 1))
    message = str(raised.value)
    assert expected in message and "\n" not in message, message
    assert "(letter for D-AUTH)" in message and "No letter was written or linked" in message
    assert tracker.read_bytes() == before and files.list_backups(tracker) == backups
    assert not list((tracker.parent / "letters").glob("*.docx"))  # D-MN was not written


def test_a_template_past_the_time_budget_stops(tracker, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RENDER_SECONDS", 0.3)
    loops = "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}"
    write_denials(tracker, [denial_row(**{Col.CARC: "197", Col.CATEGORY: "authorization"})])
    _template(tracker, loops)
    with pytest.raises(AddinError) as raised, open_for_update(tracker) as book:
        actions.generate_letters(book, today=date(2026, 4, 1))
    assert "took longer than 0.3 seconds" in str(raised.value)


def test_a_template_past_the_size_limit_is_refused(tracker, monkeypatch):
    monkeypatch.setattr(limits, "MAX_TEMPLATE_BYTES", 1_000)
    write_denials(tracker, [denial_row(**{Col.CARC: "197", Col.CATEGORY: "authorization"})])
    _template(tracker, "Dear {{ payer_name }}")
    with pytest.raises(AddinError) as raised, open_for_update(tracker) as book:
        actions.generate_letters(book, today=date(2026, 4, 1))
    assert "more than the 1 KB a letter template may be" in str(raised.value)
