"""The Book contract: tables, people's columns, text, formats, links, lists, highlights,
report sheets. The saved file is checked with openpyxl."""

from __future__ import annotations

import contextlib
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from addin.workbook.base import Highlight
from addin.workbook.layout import (
    AUDIT,
    DENIALS,
    LISTS,
    NUMBER_FORMATS,
    TABLES,
    Col,
    Kind,
    Owner,
    S,
)
from addin.workbook.openpyxl_report import CURRENCY_FORMAT
from addin.workbook.report import ChartKind, ChartSpec, Fmt, Report, ReportTable, Tile

SAMPLES = {
    Kind.MONEY: lambda i: Decimal("1234.50") + i,
    Kind.DATE: lambda i: date(2026, 3, 2 + i),
    Kind.DATETIME: lambda i: datetime(2026, 3, 2, 14, 30 + i),
    Kind.INT: lambda i: 7 + i,
    Kind.NUMBER: lambda i: 12.5 + i,
    Kind.PERCENT: lambda i: 0.25,
    Kind.LINK: lambda i: f"letters/D-{i:04d}.docx",
}
LOOKS_LIKE_FORMULAS = {
    Col.PAYER: '=HYPERLINK("http://example.invalid","click")',
    Col.PATIENT: "+SUM(1,2)",
    Col.PROCEDURE: "-99214",
    Col.CLAIM_ID: "@A1",
    Col.RARC: "'N115",
    Col.PAYER_ID: "00123",
    Col.DESCRIPTION: "TRUE",
}


@contextlib.contextmanager
def opened(adapter, path, save=True):
    book = adapter.open(path)
    try:
        yield book
        if save:
            book.save()
    finally:
        adapter.close(book)


def sample(column, i: int):
    if column.choices:
        values = LISTS[column.choices]
        return values[i % len(values)]
    if column.kind in SAMPLES:
        return SAMPLES[column.kind](i)
    return f"{column.name} {i}"


def sample_frame(spec, rows: int) -> pd.DataFrame:
    data = [{c.name: sample(c, i) for c in spec.columns} for i in range(rows)]
    return pd.DataFrame(data, columns=list(spec.column_names), dtype=object)


def same(kind, got, expected) -> bool:
    if kind is Kind.DATETIME and got is not None:
        return abs((got - expected).total_seconds()) < 1
    if kind in (Kind.NUMBER, Kind.PERCENT):
        return got == pytest.approx(expected)
    return got == expected


def sheet_of(path, spec):
    workbook = openpyxl.load_workbook(path)
    for worksheet in workbook.worksheets:
        if spec.name in worksheet.tables:
            return worksheet, worksheet.tables[spec.name]
    raise AssertionError(f"no table {spec.name} in the saved file")


def cells_of(path, spec, name):
    """The saved cells of one column's data rows."""
    worksheet, table = sheet_of(path, spec)
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    header = [worksheet.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    col = min_col + header.index(name)
    return [worksheet.cell(r, col) for r in range(min_row + 1, max_row + 1)]


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_every_table_reads_with_its_layout_columns(adapter, tracker, spec):
    with opened(adapter, tracker, save=False) as book:
        frame = book.read_table(spec)
    assert list(frame.columns)[: len(spec.columns)] == list(spec.column_names)


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_rows_written_read_back_typed(adapter, tracker, spec):
    frame = sample_frame(spec, 3)
    with opened(adapter, tracker) as book:
        book.write_table(spec, frame)
    with opened(adapter, tracker, save=False) as book:
        back = book.read_table(spec)
    assert len(back) == 3
    for column in spec.columns:
        for got, expected in zip(back[column.name], frame[column.name], strict=True):
            assert same(column.kind, got, expected), (column.name, got, expected)


def test_upsert_then_fewer_rows_leaves_nothing_behind(adapter, tracker):
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, sample_frame(DENIALS, 4))
    with opened(adapter, tracker) as book:
        frame = book.read_table(DENIALS)
        frame.loc[0, Col.PAYER] = "Changed Payer"
        book.write_table(DENIALS, frame.iloc[:2].copy())
    with opened(adapter, tracker, save=False) as book:
        back = book.read_table(DENIALS)
    assert back[Col.PAYER].tolist() == ["Changed Payer", "Payer 1"]
    worksheet, table = sheet_of(tracker, DENIALS)
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    assert max_row == min_row + 2
    assert all(worksheet.cell(max_row + 1, c).value is None for c in range(min_col, max_col + 1))


def test_people_columns_and_added_columns_survive_a_rewrite(adapter, tracker):
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, sample_frame(DENIALS, 2))
    worksheet, table = sheet_of(tracker, DENIALS)  # a person edits the file in Excel
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    notes = min_col + list(DENIALS.column_names).index(Col.NOTES)
    worksheet.cell(min_row + 1, notes, "=1+1")
    worksheet.cell(min_row + 2, notes, "00777 call back")
    worksheet.cell(min_row, max_col + 1, "My Column")
    worksheet.cell(min_row + 1, max_col + 1, "keep me")
    worksheet.cell(min_row + 2, max_col + 1, 42)
    table.ref = (
        f"{table.ref.split(':')[0]}:{openpyxl.utils.get_column_letter(max_col + 1)}{max_row}"
    )
    table.tableColumns = []
    worksheet.parent.save(tracker)
    with opened(adapter, tracker) as book:
        frame = book.read_table(DENIALS)
        frame[Col.PAYER] = "Rewritten"
        book.write_table(DENIALS, frame)
    with opened(adapter, tracker, save=False) as book:
        back = book.read_table(DENIALS)
    assert back[Col.PAYER].tolist() == ["Rewritten", "Rewritten"]
    assert back[Col.NOTES].tolist() == ["=1+1", "00777 call back"]
    assert back["My Column"].tolist() == ["keep me", 42]
    assert cells_of(tracker, DENIALS, Col.NOTES)[0].data_type == "f"  # still a formula


def test_text_that_looks_like_a_formula_stays_text(adapter, tracker):
    frame = sample_frame(DENIALS, 1)
    for name, text in LOOKS_LIKE_FORMULAS.items():
        frame.loc[0, name] = text
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, frame)
    with opened(adapter, tracker, save=False) as book:
        back = book.read_table(DENIALS)
    for name, text in LOOKS_LIKE_FORMULAS.items():
        assert back.loc[0, name] == text, name
        cell = cells_of(tracker, DENIALS, name)[0]
        assert cell.data_type == "s" and cell.value == text, (name, cell.value)


def test_formula_text_in_people_columns_from_data_stays_text(adapter, tracker):
    """A payer name from a remit or a description from a code list lands in columns people own
    (Payers, Codes, Notes): it is text there too, on the first write and on every later one."""
    payload = '=HYPERLINK("http://example.invalid","click")'
    frame = sample_frame(DENIALS, 2)
    frame[Col.NOTES] = [payload, "=1+1"]
    frame["My Column"] = ["=2+2", None]
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, frame)
    for _ in range(2):  # read back and written again: still text, never a formula
        with opened(adapter, tracker) as book:
            book.write_table(DENIALS, book.read_table(DENIALS))
    notes = cells_of(tracker, DENIALS, Col.NOTES)
    added = cells_of(tracker, DENIALS, "My Column")
    assert [(c.data_type, c.value) for c in notes] == [("s", payload), ("s", "=1+1")]
    assert (added[0].data_type, added[0].value) == ("s", "=2+2")


def test_money_dates_and_numbers_get_their_formats(adapter, tracker):
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, sample_frame(DENIALS, 2))
    for column in DENIALS.columns:
        if column.kind in NUMBER_FORMATS:
            formats = {c.number_format for c in cells_of(tracker, DENIALS, column.name)}
            assert formats == {NUMBER_FORMATS[column.kind]}, column.name


def test_letter_links_are_hyperlinks_and_follow_changes(adapter, tracker):
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, sample_frame(DENIALS, 2))
    with opened(adapter, tracker) as book:
        frame = book.read_table(DENIALS)
        frame.loc[1, Col.LETTER] = "letters/D-0001 v2.docx"
        book.write_table(DENIALS, frame)
    cells = cells_of(tracker, DENIALS, Col.LETTER)
    assert [c.value for c in cells] == ["letters/D-0000.docx", "letters/D-0001 v2.docx"]
    assert [c.hyperlink.target for c in cells] == [c.value for c in cells]


def test_choice_columns_keep_their_drop_downs(adapter, tracker):
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, sample_frame(DENIALS, 3))
    worksheet, _ = sheet_of(tracker, DENIALS)
    for column in DENIALS.columns:
        if not column.choices:
            continue
        cells = cells_of(tracker, DENIALS, column.name)
        lists = [
            v
            for v in worksheet.data_validations.dataValidation
            if v.type == "list" and (v.formula1 or "").lstrip("=") == column.choices
        ]
        assert lists, column.name
        assert all(any(c.coordinate in v.sqref for v in lists) for c in cells), column.name


def test_highlights_are_replaced_not_piled_up(adapter, tracker):
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, sample_frame(DENIALS, 3))
        for days in (14, 7):
            book.apply_highlights(DENIALS, [Highlight("Due soon", Col.DAYS_LEFT, days)])
    worksheet, table = sheet_of(tracker, DENIALS)
    rules = [
        (str(cf.sqref), rule)
        for cf in worksheet.conditional_formatting
        for rule in cf.rules
        if "ISNUMBER" in "".join(rule.formula)
    ]
    assert len(rules) == 1
    area, rule = rules[0]
    assert "<=7" in rule.formula[0] and rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")
    assert area.startswith(table.ref.split(":")[0][:1])


def test_ensure_table_adds_a_missing_table(adapter, tracker):
    workbook = openpyxl.load_workbook(tracker)
    del workbook[AUDIT.sheet]
    workbook.save(tracker)
    with opened(adapter, tracker) as book:
        book.ensure_table(AUDIT)
        book.ensure_table(AUDIT)
        assert list(book.read_table(AUDIT).columns) == list(AUDIT.column_names)
    worksheet, _ = sheet_of(tracker, AUDIT)
    assert worksheet.title == AUDIT.sheet


def test_settings_are_typed_with_defaults(adapter, tracker):
    with opened(adapter, tracker, save=False) as book:
        settings = book.read_settings()
    assert settings[S.BACKUPS_TO_KEEP] == 10 and settings[S.REMITS_INBOX] == "Remits Inbox"


def sample_report() -> Report:
    frame = pd.DataFrame(
        {"Payer": ["=Acme Health", "Blue Plan", "Total"], "Denied $": [1200.5, 300.0, 1500.5]}
    )
    table = ReportTable(
        "tblConformancePayers", "Denied dollars by payer", frame, {"Denied $": Fmt.MONEY}, True
    )
    chart = ChartSpec(
        "payers", ChartKind.BAR, "Denied $ by payer", table.name, "Payer", ("Denied $",)
    )
    tile = Tile("Initial denial rate", 0.123, Fmt.PERCENT, "2026 Q1", target=0.1, note="Denied/all")
    return Report(
        "KPIs", "Denial KPIs", ("Data 2026-01-01 to 2026-03-31",), (tile,), (table,), (chart,)
    )


def test_report_sheet_is_written_whole(adapter, tracker):
    with opened(adapter, tracker) as book:
        book.write_report(sample_report())
        book.write_report(sample_report())  # a refresh replaces, never appends
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook["KPIs"]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert sheet["A1"].value == "Denial KPIs"
    assert values.count("Initial denial rate") == 1 and 0.123 in values
    assert "=Acme Health" in values  # payer text stays text
    assert list(sheet.tables) == ["tblConformancePayers"]
    money = [c for row in sheet.iter_rows() for c in row if c.value == 1200.5]
    assert money and money[0].number_format == CURRENCY_FORMAT  # report money shows its $
    with zipfile.ZipFile(tracker) as archive:
        assert len([n for n in archive.namelist() if n.startswith("xl/charts/chart")]) == 1


def test_user_owned_columns_are_never_typed_away(adapter, tracker):
    """A person's Follow-up Date stays a date; the Status drop-down values stay text."""
    frame = sample_frame(DENIALS, 1)
    with opened(adapter, tracker) as book:
        book.write_table(DENIALS, frame)
    with opened(adapter, tracker, save=False) as book:
        back = book.read_table(DENIALS)
    for column in DENIALS.columns:
        if column.owner is Owner.USER:
            assert same(column.kind, back.loc[0, column.name], frame.loc[0, column.name])
