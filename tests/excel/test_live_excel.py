"""Needs a running desktop Excel (Windows/macOS): `pytest -m excel`. Skipped everywhere else."""

from __future__ import annotations

import shutil
import sys
import time
import zipfile

import pandas as pd
import pytest

from addin import excel
from addin.excel import build as addin_build
from addin.workbook.layout import DENIALS, Col
from addin.workbook.xlwings_book import XlwingsBook
from tests.conformance.conftest import excel_app  # noqa: F401  (the session's hidden Excel)
from tests.conftest import REMITS

pytestmark = pytest.mark.excel
ROWS = 20_000


@pytest.fixture
def live_book(excel_app, tracker):  # noqa: F811
    xlbook = excel_app.books.open(str(tracker))
    yield xlbook
    xlbook.close()


def big_frame(book: XlwingsBook) -> pd.DataFrame:
    empty = book.read_table(DENIALS)
    rows = [
        {Col.DENIAL_ID: f"D-{i:010X}", Col.PAYER: f"Payer {i % 40}", Col.DENIED_AMOUNT: 125.5}
        for i in range(ROWS)
    ]
    return pd.DataFrame(rows, columns=empty.columns, dtype=object)


def test_20000_denials_are_written_and_read_in_seconds_not_minutes(live_book):
    book = XlwingsBook(live_book)
    frame = big_frame(book)
    started = time.perf_counter()
    book.write_table(DENIALS, frame)
    written = time.perf_counter() - started
    back = book.read_table(DENIALS)
    read = time.perf_counter() - started - written
    assert len(back) == ROWS and back[Col.PAYER].iloc[-1] == f"Payer {(ROWS - 1) % 40}"
    assert written < 60 and read < 60, (written, read)


def test_a_button_runs_on_the_calling_workbook(live_book, tracker, monkeypatch):
    import xlwings as xw

    inbox = tracker.parent / "Remits Inbox"
    inbox.mkdir()
    shutil.copy(REMITS / "2026-03-co50-denied.835", inbox)
    alerts = []  # the modal alert would wait for a click; record it instead
    monkeypatch.setattr(xw.App, "alert", lambda self, prompt, **kw: alerts.append(prompt))
    live_book.set_mock_caller()
    excel.import_remittances()
    assert alerts and alerts[0].startswith("1 file(s) imported"), alerts
    assert len(XlwingsBook(live_book).read_table(DENIALS)) == 1


def test_a_read_only_copy_is_refused(excel_app, tracker, monkeypatch):  # noqa: F811
    import xlwings as xw

    xlbook = excel_app.books.open(str(tracker), read_only=True)
    try:
        monkeypatch.setattr(xw.App, "alert", lambda self, prompt, **kw: None)
        message = excel.run_button("Refresh KPIs", excel._kpis, caller=lambda: xlbook)
    finally:
        xlbook.close()
    assert "read-only" in message


def test_explain_reads_the_selected_row(live_book, monkeypatch):
    import xlwings as xw

    book = XlwingsBook(live_book)
    frame = big_frame(book).iloc[:3].copy()
    frame[Col.CATEGORY], frame[Col.RULE] = "coding", "carc-4"
    book.write_table(DENIALS, frame)
    sheet, table = book.locate(DENIALS)
    sheet.activate()
    sheet.range((table.range.row + 2, 1)).select()
    assert book.selected_key([DENIALS]) == (DENIALS, frame[Col.DENIAL_ID].iloc[1])
    monkeypatch.setattr(xw.App, "alert", lambda self, prompt, **kw: None)
    message = excel.run_button("Explain", excel._explain, writes=False, caller=lambda: live_book)
    assert "Rule that fired: carc-4" in message


@pytest.mark.skipif(not sys.platform.startswith("win"), reason="the VBA import needs Windows")
def test_the_windows_build_imports_the_macros(tmp_path, excel_app):  # noqa: F811
    report = addin_build.build(tmp_path / "DenialDesk.xlam")
    assert report.complete and addin_build.is_complete(report.path)
    with zipfile.ZipFile(report.path) as archive:
        assert addin_build.RIBBON_PART in archive.namelist()
        assert b"DenialDeskRibbon" in archive.read("xl/vbaProject.bin")
