"""Needs a running desktop Excel (Windows/macOS): `pytest -m excel`. Skipped everywhere else.

These run the real seam (addin/excel/seams.py, XlwingsExcel) — the only code that calls
xlwings — against Excel: a click's save → close → run → reopen → select, Explain's live read.
"""

from __future__ import annotations

import shutil
import sys
import zipfile

import pytest

from addin import excel
from addin.excel import build as addin_build
from addin.excel.seams import Place, XlwingsExcel
from addin.workbook.layout import DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests.conftest import REMITS
from tests.letter_support import denial_row, write_denials

pytestmark = pytest.mark.excel


@pytest.fixture
def alerts(monkeypatch) -> list[str]:
    """The modal alert would wait for a click: record it instead."""
    import xlwings as xw

    shown: list[str] = []
    monkeypatch.setattr(xw.App, "alert", lambda self, prompt, **kw: shown.append(prompt))
    return shown


def open_books(app) -> dict[str, object]:
    return {book.name: book for book in app.books}


def test_a_click_closes_runs_on_the_file_and_reopens_where_you_were(excel_app, tracker, alerts):
    inbox = tracker.parent / "Remits Inbox"
    inbox.mkdir()
    shutil.copy(REMITS / "2026-03-co50-denied.835", inbox)
    xlbook = excel_app.books.open(str(tracker))
    xlbook.sheets["Denials"].activate()
    xlbook.sheets["Denials"].range("C2").select()
    xlbook.set_mock_caller()
    excel.import_remittances()
    assert alerts and alerts[0].startswith("1 file(s) imported"), alerts
    reopened = open_books(excel_app)[tracker.name]
    assert reopened.sheets.active.name == "Denials"
    assert reopened.selection.address == "$C$2"
    assert reopened.sheets["Denials"].range("A2").value  # the new row shows in Excel
    reopened.close()
    assert len(OpenpyxlBook.open(tracker).read_table(DENIALS)) == 1


def test_the_seam_reports_place_unsaved_changes_and_read_only(excel_app, tracker):
    xlbook = excel_app.books.open(str(tracker))
    try:
        seam = XlwingsExcel(xlbook, excel_app)
        xlbook.sheets["Settings"].activate()
        xlbook.sheets["Settings"].range("B3").select()
        assert seam.place() == Place("Settings", "$B$3")
        assert not seam.is_read_only()
        xlbook.sheets["Settings"].range("D1").value = "typed"
        assert seam.has_unsaved_changes()
        seam.save()
        assert not seam.has_unsaved_changes() or sys.platform == "darwin"
    finally:
        xlbook.close()


def test_a_read_only_copy_is_refused_before_it_is_closed(excel_app, tracker, alerts):
    xlbook = excel_app.books.open(str(tracker), read_only=True)
    try:
        message = excel.run_button(
            "Refresh KPIs", excel._kpis, excel=lambda: XlwingsExcel(xlbook, excel_app)
        )
        assert tracker.name in open_books(excel_app)  # still open: nothing was closed
    finally:
        xlbook.close()
    assert "read-only" in message


def test_explain_reads_the_selected_row_live(excel_app, tracker, alerts):
    write_denials(tracker, [denial_row(**{Col.RULE: "carc-4", Col.CATEGORY: "coding"})])
    xlbook = excel_app.books.open(str(tracker))
    try:
        xlbook.sheets["Denials"].activate()
        xlbook.sheets["Denials"].range("B2").select()
        seam = XlwingsExcel(xlbook, excel_app)
        table, row = seam.selected_row((DENIALS.name,))
        assert table == DENIALS.name and row[Col.DENIAL_ID] == "D-0000000001"
        assert seam.find_row(DENIALS.name, Col.DENIAL_ID, "D-0000000001")[Col.RULE] == "carc-4"
        message = excel.run_button("Explain", excel._explain, writes=False, excel=lambda: seam)
    finally:
        xlbook.close()
    assert "Rule that fired: carc-4" in message


@pytest.mark.skipif(not sys.platform.startswith("win"), reason="the VBA import needs Windows")
def test_the_windows_build_imports_the_macros(tmp_path, excel_app):
    report = addin_build.build(tmp_path / "DenialDesk.xlam")
    assert report.complete and addin_build.is_complete(report.path)
    with zipfile.ZipFile(report.path) as archive:
        assert addin_build.RIBBON_PART in archive.namelist()
        assert b"DenialDeskRibbon" in archive.read("xl/vbaProject.bin")
