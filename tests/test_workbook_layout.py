"""The committed template, the code that builds it and layout.py agree with each other."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest

from addin.actions.new_tracker import create_tracker, tracker_bytes
from addin.cli import cli
from addin.errors import AddinError
from addin.workbook.layout import LISTS, SHEET_ORDER, TABLES, freeze_cell, sheet_setup
from addin.workbook.template import TEMPLATE_NAME
from tests.conftest import ROOT

COMMITTED = ROOT / "workbook_templates" / TEMPLATE_NAME


def _canonical_parts(data: bytes) -> dict[str, str]:
    """Each part of an .xlsx as canonical XML (openpyxl writes it differently with lxml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: ElementTree.canonicalize(archive.read(name).decode(), strip_text=True)
            for name in archive.namelist()
        }


def test_committed_template_is_what_the_code_builds():
    assert _canonical_parts(COMMITTED.read_bytes()) == _canonical_parts(tracker_bytes()), (
        "run `python -m addin.actions.new_tracker` and commit the result"
    )


def test_every_table_and_header_of_the_layout_is_in_the_template():
    workbook = openpyxl.load_workbook(COMMITTED)
    assert workbook.sheetnames == list(SHEET_ORDER)
    for spec in TABLES:
        sheet = workbook[spec.sheet]
        assert spec.name in sheet.tables
        header = [c.value for c in sheet[1]][: len(spec.columns)]
        assert header == list(spec.column_names)
        setup = sheet_setup(spec.sheet)
        assert sheet.freeze_panes == (freeze_cell(spec, setup) if setup else "A2")


def test_the_sheets_people_print_are_set_up_to_print_and_scroll():
    """Work Queue and Denials: the header row and the identifying columns stay in view;
    landscape, one page wide, the header row on every printed page (issue 14)."""
    workbook = openpyxl.load_workbook(COMMITTED)
    for name in ("Work Queue", "Denials"):  # frozen: Rank…Patient; Denial ID…Claim ID
        sheet = workbook[name]
        assert sheet.freeze_panes == "D2"
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1"
    assert workbook["Work Queue"]["C1"].value == "Patient"
    assert workbook["Denials"]["C1"].value == "Claim ID"


def test_user_columns_have_drop_downs_from_the_lists_sheet():
    workbook = openpyxl.load_workbook(COMMITTED)
    assert set(workbook.defined_names) >= set(LISTS)
    for spec in TABLES:
        sheet = workbook[spec.sheet]
        formulas = {v.formula1: str(v.sqref) for v in sheet.data_validations.dataValidation}
        for index, column in enumerate(spec.columns, start=1):
            if column.choices:
                assert column.choices in LISTS
                letter = openpyxl.utils.get_column_letter(index)
                assert formulas[f"={column.choices}"] == f"{letter}2:{letter}502"


def test_new_creates_a_tracker_and_never_overwrites(runner, tmp_path):
    target = tmp_path / "Denials 2026.xlsx"
    result = runner.invoke(cli, ["new", str(target)])
    assert result.exit_code == 0 and target.read_bytes() == tracker_bytes()
    again = runner.invoke(cli, ["new", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output
    with pytest.raises(AddinError):
        create_tracker(target)
