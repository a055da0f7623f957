"""A big import streams through the file engine: the rows past a table's end are rendered a
chunk at a time into the worksheet's own temporary file, a written worksheet is never joined
whole again, and yet every table holds what the openpyxl path writes, a read later in the same
run sees the rows written, and the save reads back only the rows it rewrote. The chunk sizes
are made tiny here so that a few hundred claims cross every chunk boundary."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from addin import actions
from addin.actions.new_tracker import create_tracker
from addin.demo.synth import synth_835
from addin.errors import WorkbookWriteError
from addin.workbook import file_book, xlsx_package, xlsx_writes
from addin.workbook.file_book import FileBook
from addin.workbook.layout import CLAIMS, DENIALS, REMITS
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import ENGINE_ENV, open_for_update
from addin.workbook.xlsx_package import Package, StreamedPart, check_xml_stream
from addin.workbook.xlsx_sheet import RowSet, only_rows_stream


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Appended rows taken 7 at a time, parts streamed 512 bytes at a time, and no more than
    10 appended rows remembered (so a later read must read the written sheet back)."""
    monkeypatch.setattr(xlsx_writes, "APPEND_CHUNK", 7)
    monkeypatch.setattr(xlsx_writes, "REMEMBERED_ROWS", 10)
    monkeypatch.setattr(xlsx_package, "CHUNK", 512)
    monkeypatch.setattr(file_book, "CHUNK", 512)


@pytest.fixture
def never_whole(monkeypatch):
    """Fail any whole read of a worksheet this run streamed."""
    read = Package.read

    def guarded(self, name):
        assert not isinstance(self._changed.get(name), StreamedPart), f"{name} read whole"
        return read(self, name)

    monkeypatch.setattr(Package, "read", guarded)


def _remit(folder: Path, claims: int, seed: int) -> Path:
    path = folder / f"remit-{seed}.835"
    path.write_text(synth_835(claims, seed), encoding="ascii")
    return path


def _tables(path: Path) -> dict[str, list[tuple]]:
    book = OpenpyxlBook.open(path)
    return {
        spec.name: [tuple(_mask(v) for v in row) for row in book.read_table(spec).itertuples()]
        for spec in (CLAIMS, DENIALS, REMITS)
    }


def _mask(value: object) -> object:
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return "<time>"
    return value


def test_a_streamed_import_writes_what_the_openpyxl_path_writes(
    tmp_path, tiny_chunks, never_whole, monkeypatch
):
    first, second = _remit(tmp_path, 300, 1), _remit(tmp_path, 120, 2)
    ours = create_tracker(tmp_path / "ours" / "tracker.xlsx")
    twin = create_tracker(tmp_path / "twin" / "tracker.xlsx")
    for remit in (first, second):  # the second appends to rows the first streamed
        with open_for_update(ours) as book:
            report = actions.import_remittances(book, [remit])
        assert report.saved and isinstance(book, FileBook)
    monkeypatch.setenv(ENGINE_ENV, "openpyxl")
    for remit in (first, second):
        with open_for_update(twin) as book:
            actions.import_remittances(book, [remit])
    mine, theirs = _tables(ours), _tables(twin)
    assert len(mine[CLAIMS.name]) == 420
    for name, rows in theirs.items():
        assert mine[name] == rows, f"{name} differs"
    sheet = openpyxl.load_workbook(ours)["Claims"]
    ref = sheet.tables["tblClaims"].ref
    assert ref.endswith("421") and sheet.max_row == 421
    with zipfile.ZipFile(ours) as archive:
        part = dict(FileBook(ours, ours.read_bytes()).package.sheets())["Claims"]
        data = archive.read(part)
    assert re.search(rb'<dimension ref="A1:[A-Z]+421"', data)
    assert data.count(b"<row ") == 421


def test_a_read_after_a_big_write_sees_the_rows_written(tmp_path, tiny_chunks):
    tracker = create_tracker(tmp_path / "tracker.xlsx")
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [_remit(tmp_path, 40, 3)])
    book = FileBook.open(tracker)
    claims = book.read_table(CLAIMS)
    more = claims.copy()
    more[CLAIMS.key] = [f"{key}-copy" for key in more[CLAIMS.key]]
    bigger = pd.concat([claims, more], ignore_index=True)
    book.write_table(CLAIMS, bigger)  # 40 rows appended: more than are remembered
    again = book.read_table(CLAIMS)
    assert again[CLAIMS.key].tolist() == bigger[CLAIMS.key].tolist()
    assert again["Billed"].tolist() == bigger["Billed"].tolist()
    book.write_table(CLAIMS, again.iloc[:50])  # and a write after that read shrinks it
    book.save()
    read_back = OpenpyxlBook.open(tracker).read_table(CLAIMS)
    assert read_back[CLAIMS.key].tolist() == bigger[CLAIMS.key].tolist()[:50]


SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:B4"/><sheetData><row r="1"><c r="A1"/></row>'
    b'<row r="2" spans="1:2"><c r="A2"/></row><row r="3"/>\n'
    b'<row r="4"><c r="A4">broken<</c></row></sheetData><pageMargins/></worksheet>'
)


@pytest.mark.parametrize("size", [1, 3, 7, 64, 4096])
def test_the_save_reads_back_only_the_rows_it_rewrote(size):
    chunks = [SHEET[i : i + size] for i in range(0, len(SHEET), size)]
    kept = b"".join(only_rows_stream(chunks, RowSet({1}, [range(3, 4)])))
    assert kept == (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:B4"/><sheetData><row r="1"><c r="A1"/></row><row r="3"/>\n'
        b"</sheetData><pageMargins/></worksheet>"
    )
    check_xml_stream(kept[i : i + size] for i in range(0, len(kept), size))
    with pytest.raises(SyntaxError):  # the row it did not rewrite is broken
        check_xml_stream(iter(chunks))


def test_a_streamed_worksheet_is_a_sound_zip_entry(tmp_path):
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("a.xml", b"<a/>")
        archive.writestr("b.xml", b"<b/>")
    package = Package(plain.getvalue())
    rows = (tmp_path / "rows").open("w+b")
    rows.write(b"<row r='1'/>" * 50_000)
    package.write("a.xml", StreamedPart(b"<a><sheetData>", rows, b"</sheetData></a>"))
    out = io.BytesIO()
    package.save(out)
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        assert archive.read("a.xml") == b"<a><sheetData>" + b"<row r='1'/>" * 50_000 + (
            b"</sheetData></a>"
        )
        assert archive.read("b.xml") == b"<b/>"


def test_a_part_past_the_zip_limit_is_one_line_and_the_tracker_unchanged(
    tmp_path, tiny_chunks, monkeypatch
):
    """A worksheet too big for a zip without Zip64 (4 GB; here the limit made tiny) stops the
    save with one line, before anything is replaced."""
    tracker = create_tracker(tmp_path / "tracker.xlsx")
    before = tracker.read_bytes()
    monkeypatch.setattr(xlsx_package, "_ZIP32_LIMIT", 2_000)
    with pytest.raises(WorkbookWriteError, match=r"over 4 GB.*unchanged"):
        with open_for_update(tracker) as book:
            actions.import_remittances(book, [_remit(tmp_path, 40, 3)])
    assert tracker.read_bytes() == before
