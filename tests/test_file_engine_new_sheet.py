"""A table sheet made on first use (Claim Check; Work Queue in a workbook that ends before it)
is added by the file engine, not by loading and saving the whole workbook with openpyxl: the
sheet, its table, widths, panes, print titles and drop-downs come out as openpyxl makes them,
every other part stays byte for byte, and LibreOffice opens the result."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl

from addin.workbook import layout
from addin.workbook.file_book import FileBook
from addin.workbook.frames import frame_of
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.openpyxl_tables import add_table_sheet
from tests.support import sheets_as_csv


def _made_by_both(path: Path, spec: layout.TableSpec, rows: list[dict]) -> tuple[Path, bool]:
    """`spec`'s table made and filled by the file engine in `path` and by openpyxl in a twin;
    returns the twin and whether the file engine had to fall back to openpyxl."""
    twin = path.with_name("twin.xlsx")
    shutil.copy(path, twin)
    frame = frame_of(rows, list(spec.column_names))
    book = FileBook.open(path)
    book.ensure_table(spec)
    fell_back = book._fallback is not None
    book.write_table(spec, frame)
    book.save()
    other = OpenpyxlBook.open(twin)
    other.ensure_table(spec)
    other.write_table(spec, frame)
    other.save()
    return twin, fell_back


def _sheet_facts(path: Path, sheet: str) -> dict:
    workbook = openpyxl.load_workbook(path)
    ws = workbook[sheet]
    (name, ref), *more = ws.tables.items()
    table = ws.tables[name]
    return {
        "sheets": workbook.sheetnames,
        "table": (name, ref, len(more), table.tableStyleInfo.name, table.headerRowCount),
        "widths": {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()},
        "panes": ws.freeze_panes,
        "print titles": ws.print_title_rows,
        "page": (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight),
        "validations": sorted(
            (str(v.sqref), v.formula1, v.type) for v in ws.data_validations.dataValidation
        ),
        "header height": ws.row_dimensions[1].height,
        "cells": [
            [(c.value, c.number_format, c.alignment.wrap_text, c.font.b) for c in row]
            for row in ws.iter_rows()
        ],
        "names": sorted(workbook.defined_names),
    }


def test_claim_check_is_added_without_openpyxl_as_openpyxl_adds_it(tracker, tmp_path, soffice):
    before = _parts(tracker)
    rows = [
        {
            layout.Col.CHECK_ROW: 1,
            layout.Col.RISK: 94,
            layout.Col.CLAIM_ID: "PL0000001",
            layout.Col.PAYER: "ACME HEALTH",
            layout.Col.SERVICE_DATE: date(2026, 6, 9),
            layout.Col.BILLED: Decimal("120.50"),
            layout.Col.FLAGS: "LEARNED_RATE",
            layout.Col.WHY: "[94] ACME denied 97110 without modifier GP on 12 of 13 claims",
            layout.Col.EVIDENCE: "line 1: 12/13 denied",
            layout.Col.FILE: "outbox.837",
            layout.Col.CHECKED_ON: date(2026, 7, 1),
        }
    ]
    twin, fell_back = _made_by_both(tracker, layout.CLAIM_CHECK, rows)
    assert not fell_back
    ours, theirs = _sheet_facts(tracker, "Claim Check"), _sheet_facts(twin, "Claim Check")
    assert ours == theirs
    assert ours["sheets"][-1] == "Claim Check" and ours["table"][:2] == ("tblClaimCheck", "A1:K2")
    assert ours["cells"][1][1][0] == 94 and ours["cells"][1][5][0] == 120.5
    after = _parts(tracker)
    kept = [n for n in before if n.startswith("xl/worksheets/") or n.startswith("xl/tables/")]
    assert kept and all(after[n] == before[n] for n in kept)  # the other sheets: byte for byte
    assert FileBook.open(tracker).read_table(layout.CLAIM_CHECK)[layout.Col.RISK].tolist() == [94]
    csv = sheets_as_csv(soffice, tracker, tmp_path / "lo")
    assert (
        csv["Claim Check"].startswith("Check Row,Risk,Claim ID")
        and "PL0000001" in csv["Claim Check"]
    )


def test_a_sheet_with_print_titles_and_drop_downs_comes_out_as_openpyxl_makes_it(tmp_path):
    """Work Queue in a workbook that has only an About sheet: it goes last, with a wrapped
    two-line header, frozen panes, print titles (a sheet-local name) and drop-downs."""
    path, twin = tmp_path / "small.xlsx", tmp_path / "twin.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = layout.ABOUT_SHEET
    workbook.save(path)
    book = FileBook.open(path)
    book.ensure_table(layout.WORK_QUEUE)
    assert book._fallback is None
    path.write_bytes(book._current_bytes())
    workbook = openpyxl.load_workbook(twin_of(path, twin))
    add_table_sheet(workbook, layout.WORK_QUEUE)
    workbook.save(twin)
    ours, theirs = _sheet_facts(path, "Work Queue"), _sheet_facts(twin, "Work Queue")
    assert ours == theirs
    assert ours["print titles"] == "$1:$1" and ours["validations"] and ours["header height"]
    names = zipfile.ZipFile(path).read("xl/workbook.xml")
    assert b'<definedName name="_xlnm.Print_Titles" localSheetId="1">' in names


def twin_of(path: Path, twin: Path) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.title = layout.ABOUT_SHEET
    workbook.save(twin)
    return twin


def test_a_sheet_that_goes_between_others_is_left_to_openpyxl(tracker):
    workbook = openpyxl.load_workbook(tracker)
    workbook.remove(workbook["Work Queue"])
    workbook.save(tracker)
    twin, fell_back = _made_by_both(tracker, layout.WORK_QUEUE, [])
    assert fell_back
    assert _sheet_facts(tracker, "Work Queue") == _sheet_facts(twin, "Work Queue")
    assert openpyxl.load_workbook(tracker).sheetnames[1] == "Work Queue"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
