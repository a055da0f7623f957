"""The headless Book: a tracker .xlsx on disk, read and written with openpyxl (CLI, CI, jobs)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import WorkbookLayoutError
from addin.workbook import crypto, files, hints, limits
from addin.workbook.base import (
    check_columns,
    merged_cells_error,
    missing_table,
    overlaps,
    selected_frame,
    settings_from_rows,
    table_frame,
    too_many_rows_error,
)
from addin.workbook.layout import NUMBER_FORMATS, SETTINGS, Kind, Owner, S, TableSpec
from addin.workbook.openpyxl_tables import (
    TOP,
    WRAPPED,
    add_table_sheet,
    apply_table_setup,
    set_list_validation,
)
from addin.workbook.reading import read_tracker
from addin.workbook.values import (
    LINE_POINTS,
    is_formula,
    is_persons_formula,
    needs_text_guard,
    typed_column,
    wrapped_lines,
    written_value,
)

T = TypeVar("T")


class OpenpyxlBook:
    """A tracker workbook file loaded with openpyxl; `save()` replaces it atomically."""

    def __init__(self, path: Path, workbook: Workbook, password: str | None = None):
        self.path = Path(path)
        self.workbook = workbook
        self.password = password
        self.read_as: files.Fingerprint | None = None  # the file as read: the save's fence
        self.lock: files.HeldLock | None = None  # set by open_for_update

    @classmethod
    def open(cls, path: Path | str, password: str | None = None) -> OpenpyxlBook:
        """Load a tracker, with a clear error for a missing, damaged or foreign file.

        A password-protected tracker needs `password` (or DENIALDESK_PASSWORD); it is saved
        encrypted with the same password.
        """
        path = Path(path)
        data, read_as, password = read_tracker(path, password)
        source = io.BytesIO(data)
        files.check_zip(source, path.name)
        book = cls(path, load_workbook(source, path.name), password)
        book.read_as = read_as
        return book

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def folder(self) -> Path:
        return self.path.parent

    # -- tables -------------------------------------------------------------------------

    def locate(self, spec: TableSpec) -> tuple[Worksheet, Table]:
        """The sheet and Excel table for a spec, found by table name wherever it was moved."""
        for worksheet in self.workbook.worksheets:
            for table in worksheet.tables.values():
                if table.displayName.lower() == spec.name.lower():
                    return worksheet, table
        raise missing_table(spec)

    def ensure_table(self, spec: TableSpec) -> None:
        """Create the sheet and empty table of `spec` if this workbook lacks them."""
        try:
            self.locate(spec)
        except WorkbookLayoutError:
            add_table_sheet(self.workbook, spec)

    # Book methods whose openpyxl rendering lives in its own module:
    def apply_highlights(self, spec: TableSpec, highlights) -> None:
        from addin.workbook.openpyxl_formats import apply_highlights

        worksheet, table = self.locate(spec)
        apply_highlights(worksheet, table, highlights)

    def write_report(self, report) -> None:
        from addin.workbook.openpyxl_report import write_report

        write_report(self.workbook, report)

    def column_is_blank(self, spec: TableSpec, column: str) -> bool:
        """False: this Book does not look before reading (see FileBook.column_is_blank)."""
        return False

    def read_table(self, spec: TableSpec, columns: Sequence[str] | None = None) -> pd.DataFrame:
        worksheet, table = self.locate(spec)
        min_col, min_row, max_col, max_row = table_bounds(worksheet, table, spec)
        rows = worksheet.iter_rows(
            min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True
        )
        header = _header_names(next(rows))
        if spec.key not in header:
            raise WorkbookLayoutError(
                f"table {spec.name} on sheet '{worksheet.title}' has no '{spec.key}' column. "
                "Put the column back (or restore a backup) before running DenialDesk again."
            )
        check_columns(spec, header, worksheet.title)
        data = [row for row in rows if any(v is not None and v != "" for v in row)]
        found = {name: [row[i] for row in data] for i, name in enumerate(header)}
        del data
        for name in found:
            found[name] = typed_column(spec, worksheet.title, name, found[name])
        rows = len(found[header[0]])
        if columns is not None:
            return selected_frame(found, columns, rows)
        return table_frame(spec, found, rows)

    def write_table(self, spec: TableSpec, frame: pd.DataFrame) -> None:
        worksheet, table = self.locate(spec)
        min_col, min_row, max_col, max_row = table_bounds(worksheet, table, spec)
        positions = self._positions(worksheet, min_row, min_col, max_col, frame, spec)
        formulas = _people_formulas(worksheet, spec, positions, min_row + 1, max_row)
        last_row = min_row + max(len(frame), 1)
        self._write_rows(worksheet, min_row + 1, frame, positions, spec, formulas)
        # an empty frame keeps one blank table row: clear it too
        self._clear_rows(worksheet, min_row + 1 + len(frame), max_row, positions.values())
        last_col = max(positions.values())
        ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(last_col)}{last_row}"
        table.ref = ref
        if table.autoFilter is not None:
            table.autoFilter.ref = ref
        table.tableColumns = []  # openpyxl rebuilds them from the header row on save
        self._refresh_validations(worksheet, spec, positions, min_row + 1, last_row)
        if min_row == 1 and min_col == 1:  # where DenialDesk put the table: its panes, printing
            apply_table_setup(worksheet, spec, tuple(sorted(positions, key=positions.get)))

    @staticmethod
    def _positions(worksheet, min_row, min_col, max_col, frame, spec) -> dict[str, int]:
        header = _header_names(
            worksheet.cell(min_row, c).value for c in range(min_col, max_col + 1)
        )
        positions = {name: min_col + i for i, name in enumerate(header)}
        dropped = [name for name in positions if name not in frame.columns]
        if dropped:
            raise ValueError(f"write_table({spec.name}) would drop columns {dropped}")
        next_col = max_col + 1
        for name in frame.columns:
            if name not in positions:
                worksheet.cell(min_row, next_col, name)
                column = spec.column(name)
                dimension = worksheet.column_dimensions[get_column_letter(next_col)]
                dimension.width = column.width if column else 14
                dimension.hidden = bool(column and column.hidden)
                positions[name] = next_col
                next_col += 1
        return positions

    @staticmethod
    def _write_rows(worksheet, first_row, frame, positions, spec, formulas) -> None:
        plan = []
        for name in frame.columns:
            column = spec.column(name)
            kind = column.kind if column else None
            col = positions[name]
            plan.append((col, kind, NUMBER_FORMATS.get(kind), formulas.get(col, frozenset())))
        wrapped = [
            (positions[c.name], c.width) for c in spec.columns if c.wrap and c.name in positions
        ]
        cell_at = worksheet.cell
        for offset, row in enumerate(frame.itertuples(index=False, name=None)):
            row_number = first_row + offset
            for value, (col, kind, number_format, kept) in zip(row, plan, strict=True):
                cell = cell_at(row_number, col)
                _store(cell, kind, value, number_format, kept)
            if wrapped:  # long text (the queue's Action) wraps; the row grows to show it
                _wrap_row(worksheet, row_number, wrapped, [col for col, *_ in plan])

    @staticmethod
    def _clear_rows(worksheet, first_row, last_row, columns) -> None:
        for row in range(first_row, last_row + 1):
            for col in columns:
                cell = worksheet.cell(row, col)
                cell.value = None
                cell.hyperlink = None

    @staticmethod
    def _refresh_validations(worksheet, spec, positions, first_row, last_row) -> None:
        for column in spec.columns:
            if not column.choices or column.name not in positions:
                continue
            set_list_validation(
                worksheet, positions[column.name], column.choices, first_row, last_row
            )

    # -- settings and saving -----------------------------------------------------------

    def read_settings(self) -> dict[str, object]:
        frame = self.read_table(SETTINGS)
        names, values = frame[SETTINGS.key].tolist(), frame["Value"].tolist()
        return settings_from_rows(list(zip(names, values, strict=True)))

    def save(self) -> Path | None:
        """Atomically replace the file (verified first); returns the backup that was made."""
        keep = int(self.read_settings().get(S.BACKUPS_TO_KEEP, 10))
        sheets = list(self.workbook.sheetnames)
        backup = files.atomic_write(
            self.path,
            self._write,
            lambda written: self._verify(written, sheets),
            keep,
            expected=self.read_as,
            lock=self.lock,
        )
        self.read_as = files.fingerprint(self.path)  # a second save in the same run is fenced too
        return backup

    def _write(self, target: Path) -> None:
        if self.password is None:
            self.workbook.save(target)
            return
        plain = io.BytesIO()
        self.workbook.save(plain)
        crypto.encrypt(plain.getvalue(), self.password, target)

    def _verify(self, written: Path, sheets: list[str]) -> None:
        source = crypto.decrypt_file(written, self.password) if self.password else written
        verify_tracker(source, sheets)


def _wrap_row(worksheet, row: int, columns: list[tuple[int, int]], every: list[int]) -> None:
    """Wrap the text of `columns` (column number, width) in `row` and make the row as tall
    as its longest text needs (LibreOffice keeps a file's row heights as they are); the
    row's other cells (`every` column) read from the top, beside the wrapped text."""
    for col in every:
        worksheet.cell(row, col).alignment = TOP
    lines = 1
    for col, width in columns:
        cell = worksheet.cell(row, col)
        cell.alignment = WRAPPED
        lines = max(lines, wrapped_lines(cell.value, width))
    worksheet.row_dimensions[row].height = LINE_POINTS * lines if lines > 1 else None


def table_bounds(worksheet: Worksheet, table: Table, spec: TableSpec) -> tuple[int, int, int, int]:
    """The table's range (min_col, min_row, max_col, max_row) as far as the sheet has data.

    A table ref may claim far more rows than the sheet holds (a damaged or hostile file says
    A1:BL1048576 over 300 rows): it is read by the real extent of its data, never cell by
    cell to row 1,048,576. Merged cells inside the table, and more than MAX_TABLE_ROWS rows
    of data, get a one-line message instead.
    """
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    _refuse_merged_cells(worksheet, spec, (min_col, min_row, max_col, max_row))
    max_col = max(min(max_col, worksheet.max_column), min_col)
    max_row = max(min(max_row, worksheet.max_row), min_row + 1)
    if max_row - min_row > limits.MAX_TABLE_ROWS:  # styled but empty cells may stretch max_row
        max_row = max(
            _last_row_with_data(worksheet, min_col, min_row, max_col, max_row), min_row + 1
        )
    if max_row - min_row > limits.MAX_TABLE_ROWS:
        raise too_many_rows_error(worksheet.title, spec, max_row - min_row)
    return min_col, min_row, max_col, max_row


def _last_row_with_data(worksheet: Worksheet, min_col, min_row, max_col, max_row) -> int:
    """The last row of the range with a value in it (openpyxl keeps cells in `_cells`)."""
    last = min_row
    for (row, col), cell in worksheet._cells.items():
        if row > last and row <= max_row and min_col <= col <= max_col:
            if cell.value is not None and cell.value != "":
                last = row
    return last


def _refuse_merged_cells(worksheet: Worksheet, spec: TableSpec, bounds) -> None:
    for merged in worksheet.merged_cells.ranges:
        if overlaps(bounds, merged.bounds):
            raise merged_cells_error(worksheet.title, spec, merged.coord)


def _header_names(cells) -> list[str]:
    names = []
    for index, value in enumerate(cells):
        name = str(value).strip() if value is not None else ""
        names.append(name or f"Column{index + 1}")
    return names


def _people_formulas(worksheet, spec, positions, first_row, last_row) -> dict[int, frozenset]:
    """The formulas already in each column people own or added, by column number: the only
    "=…" text that is written back as a formula."""
    found = {}
    for name, col in positions.items():
        column = spec.column(name)
        if column is not None and column.owner is Owner.SYSTEM:
            continue
        cells = worksheet.iter_rows(min_row=first_row, max_row=last_row, min_col=col, max_col=col)
        found[col] = frozenset(
            cell.value for (cell,) in cells if cell.data_type == "f" and is_formula(cell.value)
        )
    return found


def _store(cell, kind, value, number_format, formulas: frozenset) -> None:
    """One value into its cell; text is text (never a formula) unless it is a formula a person
    typed in this column (one of `formulas`)."""
    if is_persons_formula(value, formulas):
        cell.value = value
        return
    stored = written_value(kind, value)
    if kind is Kind.LINK and not isinstance(stored, str) and cell.hyperlink is not None:
        cell.hyperlink = None  # a stale link would bring its text back when the file is read
    cell.value = stored
    if isinstance(stored, str):
        if needs_text_guard(stored):
            cell.data_type = "s"  # never a formula, even if it starts with "="
            cell.quotePrefix = True
        if kind is Kind.LINK:
            cell.hyperlink = stored
            cell.style = "Hyperlink"
    elif number_format and stored is not None and cell.number_format != number_format:
        cell.number_format = number_format


def load_workbook(source, name: str, *, read_only: bool = False) -> Workbook:
    """openpyxl's load, with any failure on a damaged or hostile file (broken zip or XML, an
    XML entity bomb, a missing part) turned into one WorkbookLayoutError saying what to do.

    The message names the kind of damage, never the file's content. A file is read into memory
    first: openpyxl leaves the file open when it fails half-way.
    """
    if isinstance(source, str | Path):
        source = io.BytesIO(Path(source).read_bytes())
    try:
        return openpyxl.load_workbook(source, read_only=read_only, rich_text=False)
    except SyntaxError:  # xml.etree ParseError, lxml XMLSyntaxError (entity bombs too)
        why = "part of it is not readable (its XML is broken, by accident or on purpose)"
    except (InvalidFileException, zipfile.BadZipFile, KeyError) as error:
        why = f"a part every Excel workbook has is missing or unreadable ({type(error).__name__})"
    except Exception as error:  # noqa: BLE001 - a last resort: no traceback for a hostile file
        why = f"it could not be read as an Excel workbook ({type(error).__name__})"
    raise WorkbookLayoutError(
        f"{name} is damaged: {why}. Restore a backup with "
        f"`{hints.command('restore', name, '--list')}`."
    )


def verify_tracker(source, sheets: list[str]) -> None:
    """Check a freshly written file opens as a workbook with the sheets it should have."""
    files.check_zip(source)
    written = sheet_names(source, "the written workbook")
    if written != sheets:
        raise WorkbookLayoutError(f"the written workbook has sheets {written}, expected {sheets}")


def sheet_names(source, name: str = "the workbook") -> list[str]:
    """The sheet names of a workbook file, read without loading its cells."""
    workbook = load_workbook(source, name, read_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()
