"""What the xlwings adapter asks of xlwings: whole-range reads and writes, guarded text, table
resizing. Checked on test doubles that record the calls; they are not Excel and say nothing
about what Excel does with them (tests/excel and `pytest -m excel` check that)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import pytest

from addin.workbook.layout import DENIALS, SETTING_DEFAULTS, SETTINGS, Col
from addin.workbook.xlwings_book import CHUNK_ROWS, XlwingsBook


class TestDoubleRange:
    """An xlwings.Range stand-in over a dict of cells; records every write it is asked for."""

    __test__ = False

    def __init__(self, sheet, first, last=None, ndim=None):
        self.sheet, (self.row, self.column) = sheet, first
        self.last = last or first
        self.ndim = ndim

    @property
    def shape(self):
        return self.last[0] - self.row + 1, self.last[1] - self.column + 1

    def options(self, ndim=None):
        return TestDoubleRange(self.sheet, (self.row, self.column), self.last, ndim)

    def _rows(self):
        return [
            [self.sheet.cells.get((r, c)) for c in range(self.column, self.last[1] + 1)]
            for r in range(self.row, self.last[0] + 1)
        ]

    @property
    def value(self):
        rows = self._rows()
        return [v for row in rows for v in row] if self.ndim == 1 else rows

    @value.setter
    def value(self, data):
        self.sheet.calls.append(("write", (self.row, self.column), data))
        for r, row in enumerate(data if isinstance(data, list) else [[data]]):
            for c, item in enumerate(row):
                self.sheet.put((self.row + r, self.column + c), item)

    @property
    def formula(self):
        return tuple(
            tuple(self.sheet.formulas.get((r, c), "" if v is None else str(v)) for c, v in cells)
            for r, cells in self._addressed_rows()
        )

    def _addressed_rows(self):
        for r in range(self.row, self.last[0] + 1):
            columns = range(self.column, self.last[1] + 1)
            yield r, [(c, self.sheet.cells.get((r, c))) for c in columns]

    def __getitem__(self, key):
        rows, col = key
        first = (self.row + rows.start, self.column + col)
        return TestDoubleRange(self.sheet, first, (self.last[0], self.column + col))

    def clear_contents(self):
        self.sheet.calls.append(("clear", (self.row, self.column), self.last))
        for r in range(self.row, self.last[0] + 1):
            for c in range(self.column, self.last[1] + 1):
                self.sheet.cells.pop((r, c), None)
                self.sheet.formulas.pop((r, c), None)

    clear = clear_contents

    @property
    def number_format(self):
        return None

    @number_format.setter
    def number_format(self, value):
        self.sheet.calls.append(("format", (self.row, self.column), self.last, value))

    @property
    def column_width(self):
        return None

    @column_width.setter
    def column_width(self, value):
        pass

    def add_hyperlink(self, address, text_to_display=None):
        self.sheet.calls.append(("link", (self.row, self.column), address))

    @property
    def api(self):
        validation = SimpleNamespace(
            Delete=lambda: None,
            Add=lambda *args: self.sheet.calls.append(("list", self.column, self.last, args)),
        )
        return SimpleNamespace(Validation=validation)


class TestDoubleTable:
    __test__ = False

    def __init__(self, sheet, name, last):
        self.sheet, self.name, self.last = sheet, name, last

    @property
    def range(self):
        return TestDoubleRange(self.sheet, (1, 1), self.last)

    @property
    def header_row_range(self):
        return TestDoubleRange(self.sheet, (1, 1), (1, self.last[1]))

    def resize(self, rng):
        self.sheet.calls.append(("resize", rng.last))
        self.last = rng.last


class TestDoubleSheet:
    __test__ = False

    def __init__(self, spec, rows):
        self.name, self.calls, self.cells, self.formulas = spec.sheet, [], {}, {}
        for c, name in enumerate(spec.column_names, start=1):
            self.cells[(1, c)] = name
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                self.cells[(r, c)] = value
        self.tables = [TestDoubleTable(self, spec.name, (max(len(rows), 1) + 1, len(spec.columns)))]

    def range(self, first, last=None):
        return TestDoubleRange(self, first, last)

    def put(self, address, item):
        """Like Excel, "=…" sent as a value becomes a formula (the cell shows its result)."""
        self.formulas.pop(address, None)
        if isinstance(item, str) and item.startswith("="):
            self.formulas[address], item = item, f"(result of {item})"
        self.cells[address] = item


def double_book(*sheets) -> XlwingsBook:
    xlbook = SimpleNamespace(sheets=list(sheets), name="tracker.xlsx", fullname="/x/tracker.xlsx")
    return XlwingsBook(xlbook, windows=True)


@pytest.fixture
def denials():
    sheet = TestDoubleSheet(DENIALS, [])
    return double_book(sheet), sheet


def frame_of(book, rows: int) -> pd.DataFrame:
    empty = book.read_table(DENIALS)
    data = [{Col.DENIAL_ID: f"D-{i:010X}", Col.PAYER: "Acme Health"} for i in range(rows)]
    return pd.DataFrame(data, columns=empty.columns, dtype=object)


def test_a_big_table_is_written_in_a_few_whole_range_calls(denials):
    book, sheet = denials
    frame = frame_of(book, 12_000)
    sheet.calls.clear()
    book.write_table(DENIALS, frame)
    writes = [call for call in sheet.calls if call[0] == "write"]
    assert len(writes) == -(-12_000 // CHUNK_ROWS)  # chunks of rows, never cell by cell
    assert sum(len(call[2]) for call in writes) == 12_000
    assert ("resize", (12_001, len(DENIALS.columns))) in sheet.calls
    assert len(sheet.calls) < 60


def test_values_are_sent_as_excel_keeps_them(denials):
    book, sheet = denials
    frame = frame_of(book, 1)
    frame.loc[0, Col.PAYER] = '=HYPERLINK("x")'
    frame.loc[0, Col.PAYER_ID] = "00123"
    frame.loc[0, Col.DENIED_AMOUNT] = Decimal("250.00")
    frame.loc[0, Col.SERVICE_DATE] = date(2026, 2, 10)
    frame.loc[0, Col.NOTES] = "=1+1"  # not a person's formula: it was never in the sheet
    book.write_table(DENIALS, frame)
    row = dict(zip(DENIALS.column_names, sheet.range((2, 1), (2, 60)).value[0], strict=False))
    assert row[Col.PAYER] == '\'=HYPERLINK("x")' and row[Col.PAYER_ID] == "'00123"
    assert row[Col.CLAIM_ID] is None and row[Col.NOTES] == "'=1+1"
    assert not sheet.formulas
    assert row[Col.DENIED_AMOUNT] == 250.0 and row[Col.SERVICE_DATE] == datetime(2026, 2, 10)
    assert row[Col.STATUS] is None


def test_only_formulas_people_typed_are_sent_as_formulas(denials):
    book, sheet = denials
    book.write_table(DENIALS, frame_of(book, 2))
    notes = 1 + list(DENIALS.column_names).index(Col.NOTES)
    sheet.formulas[(2, notes)], sheet.cells[(2, notes)] = "=1+1", 2  # a biller typed it
    sheet.cells[(3, notes)] = "=2+2"  # text that only looks like a formula (Excel shows it)
    frame = book.read_table(DENIALS)
    assert frame[Col.NOTES].tolist() == ["=1+1", "=2+2"]
    frame["My Column"] = ["=SUM(1,2)", None]  # a column people added, new to the sheet
    frame = frame.iloc[::-1].reset_index(drop=True)  # rows move: the formula moves with its row
    book.write_table(DENIALS, frame)
    width = len(DENIALS.columns) + 1
    assert sheet.formulas == {(3, notes): "=1+1"}
    assert sheet.cells[(2, notes)] == "'=2+2" and sheet.cells[(3, width)] == "'=SUM(1,2)"


def test_fewer_rows_shrink_the_table_and_clear_the_rest(denials):
    book, sheet = denials
    book.write_table(DENIALS, frame_of(book, 5))
    sheet.calls.clear()
    book.write_table(DENIALS, frame_of(book, 2))
    assert ("resize", (3, len(DENIALS.columns))) in sheet.calls
    assert ("clear", (4, 1), (6, len(DENIALS.columns))) in sheet.calls
    assert sheet.cells.get((4, 1)) is None


def test_added_columns_extend_the_header_and_money_gets_its_format(denials):
    book, sheet = denials
    frame = frame_of(book, 2)
    frame["My Column"] = ["a", "b"]
    book.write_table(DENIALS, frame)
    width = len(DENIALS.columns) + 1
    assert sheet.cells[(1, width)] == "My Column" and sheet.tables[0].last == (3, width)
    money = 1 + list(DENIALS.column_names).index(Col.DENIED_AMOUNT)
    assert ("format", (2, money), (3, money), "#,##0.00;[Red]-#,##0.00") in sheet.calls


def test_only_changed_letter_links_are_relinked(denials):
    book, sheet = denials
    frame = frame_of(book, 3)
    frame[Col.LETTER] = ["letters/a.docx", None, "letters/c.docx"]
    book.write_table(DENIALS, frame)
    frame.loc[2, Col.LETTER] = "letters/c2.docx"
    sheet.calls.clear()
    book.write_table(DENIALS, frame)
    column = 1 + list(DENIALS.column_names).index(Col.LETTER)
    assert [c for c in sheet.calls if c[0] == "link"] == [("link", (4, column), "letters/c2.docx")]


def test_drop_downs_are_refreshed_with_headroom(denials):
    book, sheet = denials
    book.write_table(DENIALS, frame_of(book, 2))
    lists = {call[3][3]: call[2][0] for call in sheet.calls if call[0] == "list"}
    assert lists == {
        "=Statuses": 502,
        "=Owners": 502,
        "=Categories": 502,
        "=YesNo": 502,
        "=LetterStatuses": 502,
    }


def test_settings_are_read_from_the_settings_table():
    rows = [[s.name, s.default, s.description] for s in SETTING_DEFAULTS]
    book = double_book(TestDoubleSheet(SETTINGS, rows))
    assert book.read_settings()["Backups To Keep"] == 10
