"""A tracker people sorted, filtered and annotated gives the answers an untouched one gives."""

from __future__ import annotations

import csv
import io
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.filters import FilterColumn, Filters

from addin.actions.new_tracker import create_tracker
from addin.cli import cli
from addin.demo.tracker import write_demo_remits
from addin.workbook.layout import DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests.support import sheets_as_csv

AS_OF = "2026-11-28"
FILTERED_PAYER = "ACME HEALTH PLAN"


def _run(runner, *args):
    result = runner.invoke(cli, [*map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def _sort_filter_and_annotate(tracker) -> tuple[list[str], set[str]]:
    """What a biller does in Excel: sort by Denied Amount (largest first), write a note on every
    row, filter the table to one payer (Excel hides the other rows). Returns the sorted Denial
    IDs and the hidden ones."""
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook[DENIALS.sheet]
    table = sheet.tables[DENIALS.name]
    header = [c.value for c in sheet[1]]
    at = {name: header.index(name) for name in header if name}
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row)]
    rows = [r for r in rows if r[at[Col.DENIAL_ID]]]
    rows.sort(key=lambda r: (-float(r[at[Col.DENIED_AMOUNT]]), r[at[Col.DENIAL_ID]]))
    hidden = set()
    for number, values in enumerate(rows, start=2):
        values[at[Col.NOTES]] = f"note on {values[at[Col.DENIAL_ID]]}"
        for col, value in enumerate(values, start=1):
            sheet.cell(number, col).value = value
        if values[at[Col.PAYER]] != FILTERED_PAYER:
            sheet.row_dimensions[number].hidden = True
            hidden.add(values[at[Col.DENIAL_ID]])
    table.autoFilter.filterColumn = [
        FilterColumn(colId=at[Col.PAYER], filters=Filters(filter=[FILTERED_PAYER]))
    ]
    workbook.save(tracker)
    return [r[at[Col.DENIAL_ID]] for r in rows], hidden


def _denials(tracker):
    return OpenpyxlBook.open(tracker).read_table(DENIALS)


@pytest.fixture(scope="module")
def edited_and_untouched(tmp_path_factory):
    """Two trackers fed the same six months of remits; people sorted and filtered one of them
    after the first three months."""
    folder = tmp_path_factory.mktemp("edits")
    remits = write_demo_remits(folder / "inbox")
    early = [p for p in remits if p.name < "2026-09"]
    late = [p for p in remits if p.name >= "2026-09"]
    untouched = create_tracker(folder / "untouched.xlsx")
    edited = folder / "edited.xlsx"
    runner = CliRunner()
    _run(runner, "import", untouched, *early)
    shutil.copy(untouched, edited)
    sorted_ids, hidden = _sort_filter_and_annotate(edited)
    for tracker in (untouched, edited):
        _run(runner, "import", tracker, *late)
        _run(runner, "classify", tracker, "--as-of", AS_OF)
        _run(runner, "kpis", tracker, "--as-of", AS_OF)
    return untouched, edited, sorted_ids, hidden


def test_every_system_value_matches_the_untouched_tracker(edited_and_untouched):
    untouched, edited, sorted_ids, _ = edited_and_untouched
    expected = _denials(untouched).set_index(Col.DENIAL_ID).sort_index()
    found = _denials(edited).set_index(Col.DENIAL_ID).sort_index()
    assert len(found) == len(expected) > len(sorted_ids) > 10
    assert found.index.is_unique
    system = [
        name
        for name in DENIALS.column_names
        if name not in DENIALS.user_columns and name != Col.DENIAL_ID
    ]
    assert found[system].equals(expected[system])
    assert found[Col.RESOLUTION].notna().sum() > 0  # later remits resolved some early denials


def test_the_biller_s_order_notes_and_filter_are_kept(edited_and_untouched):
    _, edited, sorted_ids, hidden = edited_and_untouched
    frame = _denials(edited)
    ids = list(frame[Col.DENIAL_ID])
    assert ids[: len(sorted_ids)] == sorted_ids  # sorted rows stay put; new ones come after
    notes = dict(zip(frame[Col.DENIAL_ID], frame[Col.NOTES], strict=True))
    assert all(notes[i] == f"note on {i}" for i in sorted_ids)
    sheet = openpyxl.load_workbook(edited)[DENIALS.sheet]
    still_hidden = {ids[n - 2] for n in range(2, len(ids) + 2) if sheet.row_dimensions[n].hidden}
    assert still_hidden == hidden and hidden
    table = sheet.tables[DENIALS.name]
    assert table.autoFilter.ref == table.ref
    assert [f.filters.filter for f in table.autoFilter.filterColumn] == [[FILTERED_PAYER]]


def test_libreoffice_reads_every_row_of_the_filtered_table(edited_and_untouched, soffice, tmp_path):
    _, edited, _, _ = edited_and_untouched
    sheets = sheets_as_csv(soffice, edited, tmp_path)
    rows = list(csv.reader(io.StringIO(sheets[DENIALS.sheet])))
    frame = _denials(edited)
    assert rows[0][0] == Col.DENIAL_ID
    assert [r[0] for r in rows[1:] if r and r[0]] == list(frame[Col.DENIAL_ID])
