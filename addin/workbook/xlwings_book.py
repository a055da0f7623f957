"""The live-Excel Book: the calling workbook through xlwings' free core, whole ranges at a time."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from addin.errors import WorkbookLayoutError, WorkbookWriteError
from addin.workbook import files
from addin.workbook.base import (
    Highlight,
    check_columns,
    missing_table,
    settings_from_rows,
    table_frame,
)
from addin.workbook.excel_values import excel_value, plain_value
from addin.workbook.layout import (
    NUMBER_FORMATS,
    SETTINGS,
    SHEET_ORDER,
    Column,
    Kind,
    Owner,
    S,
    TableSpec,
)
from addin.workbook.values import (
    from_cell,
    is_persons_formula,
    to_cell,
    typed_column,
    written_value,
)

HEADROOM_ROWS = 500  # drop-downs and highlights reach this far below the last row, as on disk
CHUNK_ROWS = 5_000  # rows per range write: one call each, small enough for any Excel
TABLE_STYLE = "TableStyleMedium2"
# Our highlight rules are recognised by shape (as in openpyxl_formats), so re-running replaces
# them and keeps rules people added.
_OUR_RULE = re.compile(r"^AND\(ISNUMBER\(\$[A-Z]+\d+\)")
_XL_VALIDATE_LIST, _XL_ALERT_WARNING, _XL_BETWEEN = 3, 2, 1  # Excel's COM enumerations


class XlwingsBook:
    """A workbook open in desktop Excel (Windows or macOS), driven through an `xlwings.Book`.

    Reads and writes go through whole ranges, never cell by cell; `save()` saves in Excel.
    """

    def __init__(self, book, *, windows: bool | None = None):
        self.book = book
        # Data validation has richer options through COM; elsewhere xlwings' portable API.
        self.windows = sys.platform.startswith("win") if windows is None else windows

    @property
    def name(self) -> str:
        return self.book.name

    @property
    def path(self) -> Path | None:
        """The workbook's file, or None when it was never saved or lives at a web address."""
        fullname = str(self.book.fullname)
        if "://" in fullname or not Path(fullname).is_absolute():
            return None
        return Path(fullname)

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None

    @property
    def read_only(self) -> bool:
        """True when Excel opened this copy read-only (someone else has the file open)."""
        api = self.book.api
        return bool(api.ReadOnly if self.windows else api.read_only.get())

    # -- tables -------------------------------------------------------------------------

    def locate(self, spec: TableSpec):
        """The sheet and Excel table (ListObject) for a spec, wherever it was moved."""
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name.lower() == spec.name.lower():
                    return sheet, table
        raise missing_table(spec)

    def read_table(self, spec: TableSpec) -> pd.DataFrame:
        sheet, table = self.locate(spec)
        grid = table.range.options(ndim=2).value  # header and body in one read
        header = _header_names(grid[0])
        if spec.key not in header:
            raise WorkbookLayoutError(
                f"table {spec.name} on sheet '{sheet.name}' has no '{spec.key}' column. "
                "Put the column back (or restore a backup) before running DenialDesk again."
            )
        check_columns(spec, header, sheet.name)
        body = grid[1:]
        kept = [i for i, row in enumerate(body) if any(v is not None and v != "" for v in row)]
        columns = {}
        for index, name in enumerate(header):
            values = [body[i][index] for i in kept]
            if _keeps_formulas(spec, name) and kept:
                formulas = _column_formulas(table.range[1:, index])
                values = [_formula_or(formulas[i], v) for i, v in zip(kept, values, strict=True)]
            columns[name] = typed_column(spec, sheet.name, name, values)
        return table_frame(spec, columns, len(kept))

    def write_table(self, spec: TableSpec, frame: pd.DataFrame) -> None:
        sheet, table = self.locate(spec)
        top, left = table.range.row, table.range.column
        header = _header_names(table.header_row_range.options(ndim=1).value)
        old_last = top + table.range.shape[0] - 1
        names = self._extend_header(sheet, spec, top, left, header, frame)
        last = top + max(len(frame), 1)
        right = left + len(names) - 1
        links = [i for i, n in enumerate(names) if _kind(spec, n) is Kind.LINK]
        before = {i: self._column_values(sheet, top, left + i, old_last) for i in links}
        formulas = _people_formulas(spec, table, header)
        if old_last > last:
            self._clear_rows(sheet, last + 1, old_last, left, right, links)
        table.resize(sheet.range((top, left), (last, right)))
        self._set_formats(sheet, spec, names, top + 1, last, left)
        self._write_body(sheet, spec, names, frame, top + 1, left, formulas)
        if len(frame) == 0:
            sheet.range((top + 1, left), (top + 1, right)).clear_contents()
        self._relink(sheet, frame, names, links, before, top + 1, left)
        self._refresh_validations(sheet, spec, names, top + 1, last, left)

    def _extend_header(self, sheet, spec, top, left, header, frame) -> list[str]:
        dropped = [name for name in header if name not in frame.columns]
        if dropped:
            raise ValueError(f"write_table({spec.name}) would drop columns {dropped}")
        added = [name for name in frame.columns if name not in header]
        if added:
            start = left + len(header)
            sheet.range((top, start)).value = [added]
            for offset, name in enumerate(added):
                sheet.range((top, start + offset)).column_width = _width(spec.column(name))
        return [*header, *added]

    @staticmethod
    def _column_values(sheet, top, col, last) -> list:
        if last <= top:
            return []
        return sheet.range((top + 1, col), (last, col)).options(ndim=1).value

    @staticmethod
    def _clear_rows(sheet, first, last, left, right, links) -> None:
        sheet.range((first, left), (last, right)).clear_contents()
        for offset in links:  # clear() also drops the hyperlinks of rows leaving the table
            sheet.range((first, left + offset), (last, left + offset)).clear()

    @staticmethod
    def _set_formats(sheet, spec, names, first, last, left) -> None:
        for offset, name in enumerate(names):
            number_format = NUMBER_FORMATS.get(_kind(spec, name))
            if number_format:
                sheet.range(
                    (first, left + offset), (last, left + offset)
                ).number_format = number_format

    @staticmethod
    def _write_body(sheet, spec, names, frame, first, left, formulas) -> None:
        cells = [_writer(spec, name, formulas.get(name, frozenset())) for name in names]
        ordered = frame[names]
        rows = [
            [cell(value) for cell, value in zip(cells, row, strict=True)]
            for row in ordered.itertuples(index=False, name=None)
        ]
        for start in range(0, len(rows), CHUNK_ROWS):
            sheet.range((first + start, left)).value = rows[start : start + CHUNK_ROWS]

    @staticmethod
    def _relink(sheet, frame, names, links, before, first, left) -> None:
        """Hyperlinks only where a link changed: a cell call each, so only the few that did."""
        for offset in links:
            old = before[offset]
            for row, value in enumerate(frame[names[offset]].tolist()):
                text = to_cell(Kind.LINK, value)
                if text == (old[row] if row < len(old) else None):
                    continue
                cell = sheet.range((first + row, left + offset))
                if text:
                    cell.add_hyperlink(text, text_to_display=text)
                else:
                    cell.clear()

    def _refresh_validations(self, sheet, spec, names, first, last, left) -> None:
        for column in spec.columns:
            if column.choices and column.name in names:
                col = left + names.index(column.name)
                target = sheet.range((first, col), (max(last, first + HEADROOM_ROWS), col))
                self._list_validation(target, column.choices)

    def _list_validation(self, target, list_name: str) -> None:
        """A drop-down from a named list; warns (does not refuse) like the file adapter."""
        if not self.windows:  # macOS: xlwings' portable API (Excel's default stop alert)
            target.data_validation.delete()
            target.data_validation.set_list(self.book.names[list_name])
            return
        validation = target.api.Validation
        validation.Delete()
        validation.Add(_XL_VALIDATE_LIST, _XL_ALERT_WARNING, _XL_BETWEEN, f"={list_name}")
        validation.IgnoreBlank = True
        validation.ShowError = True
        validation.ErrorTitle = "Not in the list"
        validation.ErrorMessage = f"Pick a value from the {list_name} list (sheet Lists)."

    def ensure_table(self, spec: TableSpec) -> None:
        """Create the sheet and empty table of `spec` if this workbook lacks them."""
        try:
            self.locate(spec)
            return
        except WorkbookLayoutError:
            pass
        sheet = self.sheet(spec.sheet)
        names = list(spec.column_names)
        sheet.range((1, 1)).value = [names]
        source = sheet.range((1, 1), (2, len(names)))
        sheet.tables.add(source=source, name=spec.name, table_style_name=TABLE_STYLE)
        for index, column in enumerate(spec.columns, start=1):
            sheet.range((1, index)).column_width = _width(column)
        self._refresh_validations(sheet, spec, names, 2, 2, 1)

    def sheet(self, name: str):
        """The named sheet, added at its place in SHEET_ORDER (or last) when missing."""
        sheets = self.book.sheets
        existing = {s.name: s for s in sheets}
        if name in existing:
            return existing[name]
        order = list(SHEET_ORDER)
        later = order[order.index(name) + 1 :] if name in order else []
        before = next((existing[n] for n in later if n in existing), None)
        if before is not None:
            return sheets.add(name, before=before)
        return sheets.add(name, after=sheets[len(sheets) - 1])

    # -- highlights and reports --------------------------------------------------------

    def apply_highlights(self, spec: TableSpec, highlights: Sequence[Highlight]) -> None:
        """Replace DenialDesk's conditional formats on the table rows with `highlights`.

        Rules people added themselves are left alone (ours are recognised by their shape).
        """
        sheet, table = self.locate(spec)
        top, left = table.range.row, table.range.column
        header = _header_names(table.header_row_range.options(ndim=1).value)
        first, last = top + 1, top + table.range.shape[0] - 1
        target = sheet.range(
            (first, left), (max(last, first + HEADROOM_ROWS), left + len(header) - 1)
        )
        rules = []
        for highlight in highlights:
            if highlight.column not in header:
                raise WorkbookLayoutError(
                    f"table {spec.name} has no '{highlight.column}' column to highlight by."
                )
            letter = get_column_letter(left + header.index(highlight.column))
            rules.append((highlight_formula(letter, first, highlight), highlight))
        with self._anchored(sheet, sheet.range((first, left))):
            for rule in list(target.conditional_formats):
                if is_highlight_rule(rule.formula):
                    rule.delete()
            for formula, highlight in reversed(rules):  # each new rule goes on top
                target.conditional_formats.add_custom(
                    formula,
                    fill_color=f"#{highlight.fill}",
                    font_color=f"#{highlight.font}",
                    stop_if_true=True,
                )

    @contextlib.contextmanager
    def _anchored(self, sheet, cell):
        """Excel reads relative references in a new rule from the active cell: put it on the
        rule's first cell while adding, then give the person their selection back."""
        before_sheet, before = self.book.sheets.active, self.book.selection
        sheet.activate()
        cell.select()
        try:
            yield
        finally:
            before_sheet.activate()
            if before is not None:
                before.select()

    def write_report(self, report) -> None:
        from addin.workbook.xlwings_report import write_report

        write_report(self, report)

    # -- settings, selection, saving ----------------------------------------------------

    def read_settings(self) -> dict[str, object]:
        frame = self.read_table(SETTINGS)
        names, values = frame[SETTINGS.key].tolist(), frame["Value"].tolist()
        return settings_from_rows(list(zip(names, values, strict=True)))

    def selected_key(self, specs: Iterable[TableSpec]) -> tuple[TableSpec, str] | None:
        """The table and key of the row the person selected, if it is a data row of `specs`."""
        selection = self.book.selection
        if selection is None:
            return None
        for spec in specs:
            try:
                sheet, table = self.locate(spec)
            except WorkbookLayoutError:
                continue
            top, rows = table.range.row, table.range.shape[0]
            if selection.sheet.name != sheet.name or not top < selection.row < top + rows:
                continue
            header = _header_names(table.header_row_range.options(ndim=1).value)
            key = sheet.range((selection.row, table.range.column + header.index(spec.key))).value
            text = from_cell(Kind.TEXT, key)
            return (spec, text) if text else None
        return None

    def save(self) -> None:
        """Save in Excel, after copying the file as it was into 'DenialDesk Backups'."""
        path = self.path
        if path is None and "://" not in str(self.book.fullname):
            raise WorkbookWriteError(
                f"{self.name} has never been saved. Save it in its shared folder first "
                "(File > Save As), then run this again."
            )
        if path is not None and path.is_file():
            keep = int(self.read_settings().get(S.BACKUPS_TO_KEEP, 10))
            with contextlib.suppress(OSError):  # a backup must never stop the save itself
                files.make_backup(path, keep)
        self.book.save()


def highlight_formula(letter: str, row: int, highlight: Highlight) -> str:
    """The rule for one highlight, shaped like the file adapter's (`openpyxl_formats`), so
    either adapter recognises and replaces the other's: the row's value is a number in bounds."""
    return f"={highlight.condition(f'${letter}{row}')}"


def is_highlight_rule(formula: str | None) -> bool:
    return bool(formula) and _OUR_RULE.match(formula.lstrip("=")) is not None


# -- values in and out ----------------------------------------------------------------


def _header_names(cells) -> list[str]:
    names = []
    for index, value in enumerate(cells):
        name = str(value).strip() if value is not None else ""
        names.append(name or f"Column{index + 1}")
    return names


def _width(column: Column | None) -> float:
    """A column's width; 0 hides it (Excel's way, on Windows and macOS alike)."""
    if column is None:
        return 14
    return 0 if column.hidden else column.width


def _kind(spec: TableSpec, name: str) -> Kind | None:
    column = spec.column(name)
    return column.kind if column else None


def _keeps_formulas(spec: TableSpec, name: str) -> bool:
    """People's columns (and columns they added) may hold formulas: read those back as such."""
    column = spec.column(name)
    return column is None or column.owner is Owner.USER


def _column_formulas(column_range) -> list:
    formulas = column_range.formula
    if isinstance(formulas, str):
        return [formulas]
    return [row[0] if isinstance(row, tuple | list) else row for row in formulas]


def _formula_or(formula, value):
    """The formula text for a formula cell; a text cell holding "=…" reads back as itself."""
    return formula if _typed_formula(formula, value) else value


def _people_formulas(spec: TableSpec, table, header: list[str]) -> dict[str, frozenset]:
    """The formulas already in each column people own or added, by column name: the only
    "=…" text that is written back as a formula (two reads per such column, not the table)."""
    if table.range.shape[0] < 2:  # a header and no rows
        return {}
    found = {}
    for index, name in enumerate(header):
        if not _keeps_formulas(spec, name):
            continue
        column = table.range[1:, index]
        formulas = _column_formulas(column)
        values = column.options(ndim=1).value
        found[name] = frozenset(
            f for f, v in zip(formulas, values, strict=False) if _typed_formula(f, v)
        )
    return found


def _typed_formula(formula, value) -> bool:
    """True for a formula cell; a text cell holding "=…" has that same text as its formula."""
    return _is_formula(formula) and formula != value


def _writer(spec: TableSpec, name: str, formulas: frozenset = frozenset()):
    """How one column's values go to Excel (the same rules as the file adapter's `_store`):
    text is always text, except a formula a person typed in this column (one of `formulas`)."""
    kind = _kind(spec, name)
    return lambda value: (
        value
        if is_persons_formula(value, formulas)
        else excel_value(written_value(kind, plain_value(value)))
    )


def _is_formula(value) -> bool:
    return isinstance(value, str) and value.startswith("=")
