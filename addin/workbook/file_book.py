"""The file Book: reads only the tables an action asks for (python-calamine) and writes back
only what changed — the changed cells and appended rows of a table's sheet, streamed — copying
every other part of the workbook byte for byte; a missing table whose sheet goes last (Claim
Check) is drawn in a scratch workbook and moved in. Rare operations (a missing table whose sheet
goes between others, a schema upgrade that adds columns, a table with a totals row, a sheet
this writer cannot edit) fall back to the whole-workbook openpyxl path, `OpenpyxlBook`."""

from __future__ import annotations

import html
import io
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from addin.errors import WorkbookLayoutError
from addin.workbook import crypto, files, limits
from addin.workbook import xlsx_sheet as sheet_xml
from addin.workbook.base import (
    Highlight,
    check_columns,
    merged_cells_error,
    missing_table,
    overlaps,
    selected_frame,
    settings_from_rows,
    table_frame,
    too_many_rows_error,
)
from addin.workbook.bulk import collector_paused
from addin.workbook.layout import SETTINGS, S, TableSpec
from addin.workbook.reading import read_tracker
from addin.workbook.values import (
    typed_column,
)
from addin.workbook.xlsx_package import (
    CHUNK,
    Package,
    TablePart,
    check_xml_stream,
    drop_content_type,
    parse_xml,
    rels_name,
)
from addin.workbook.xlsx_sheet import RowSet, Unsupported, split_ref
from addin.workbook.xlsx_styles import Styles


@dataclass
class _Grid:
    """A table's cells as read: header, and raw values by position below it (blank rows too)."""

    table: TablePart
    min_col: int
    min_row: int
    header: list[str]
    rows: list[list]  # one list per sheet row below the header, one value per table column
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (offset, column index)
    # column → its values as read_table typed them, by position (blank rows None); cleared
    # by a write. Comparing a new frame with these finds the changed cells quickly.
    typed: dict[str, list] = field(default_factory=dict)
    filled: list[bool] | None = None  # which rows hold a value; cleared by a write too

    @property
    def positions(self) -> dict[str, int]:
        return {name: self.min_col + i for i, name in enumerate(self.header)}


class FileBook:
    """A tracker workbook file held as its zip parts; `save()` replaces it atomically."""

    def __init__(self, path: Path, data: bytes, password: str | None = None):
        self.path = Path(path)
        self.password = password
        self.package = Package(data)
        self._data = data
        self._tables = {t.name.lower(): t for t in self.package.tables()}
        self._grids: dict[str, _Grid] = {}
        self._sheets: dict[str, list] = {}
        self._calamine = None
        self._styles: Styles | None = None
        self._date1904 = self.package.date1904()
        self._fallback = None
        self._stale: set[str] = set()  # sheets written too big to remember: read them back
        self._edited: dict[str, RowSet] = {}  # sheet part → rows re-rendered since the save
        self.read_as: files.Fingerprint | None = None  # the file as read: the save's fence
        self.lock: files.HeldLock | None = None  # set by open_for_update

    @classmethod
    def open(cls, path: Path | str, password: str | None = None) -> FileBook:
        """Open a tracker file (decrypting it with `password` or DENIALDESK_PASSWORD)."""
        path = Path(path)
        data, read_as, password = read_tracker(path, password)
        files.check_zip(io.BytesIO(data), path.name)
        try:
            book = cls(path, data, password)
            book.read_as = read_as
            return book
        except (zipfile.BadZipFile, KeyError, SyntaxError, ValueError) as error:
            raise _damaged(path.name, error) from None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def folder(self) -> Path:
        return self.path.parent

    # -- the openpyxl fallback ----------------------------------------------------------

    def openpyxl(self):
        """This workbook as an OpenpyxlBook (loaded once, on first need): from then on every
        operation, and the save, go through openpyxl."""
        if self._fallback is None:
            from addin.workbook.openpyxl_book import OpenpyxlBook, load_workbook

            workbook = load_workbook(io.BytesIO(self._current_bytes()), self.name)
            self._fallback = OpenpyxlBook(self.path, workbook, self.password)
            self._fallback.read_as, self._fallback.lock = self.read_as, self.lock
        return self._fallback

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_fallback",):
            raise AttributeError(name)
        return getattr(self.openpyxl(), name)  # workbook, locate …: openpyxl-only API

    # -- tables -------------------------------------------------------------------------

    def _table(self, spec: TableSpec) -> TablePart:
        table = self._tables.get(spec.name.lower())
        if table is None:
            raise missing_table(spec)
        return table

    def ensure_table(self, spec: TableSpec) -> None:
        if self._fallback is not None:
            return self._fallback.ensure_table(spec)
        if spec.name.lower() in self._tables:
            return
        from addin.workbook.xlsx_report import add_table_sheet

        try:
            add_table_sheet(self, spec)
        except Unsupported:
            return self.openpyxl().ensure_table(spec)
        self._sheets[spec.sheet] = [list(spec.column_names)]  # not in the file calamine read

    def read_table(self, spec: TableSpec, columns: Sequence[str] | None = None) -> pd.DataFrame:
        if self._fallback is not None:
            return self._fallback.read_table(spec, columns)
        grid = self._grid(self._table(spec), spec)
        if spec.key not in grid.header:
            raise WorkbookLayoutError(
                f"table {spec.name} on sheet '{grid.table.sheet}' has no '{spec.key}' column. "
                "Put the column back (or restore a backup) before running DenialDesk again."
            )
        check_columns(spec, grid.header, grid.table.sheet)
        if grid.filled is None:
            grid.filled = [any(v is not None and v != "" for v in row) for row in grid.rows]
        filled = grid.filled
        rows = sum(filled)
        wanted = grid.header if columns is None else [n for n in grid.header if n in columns]
        found = {name: self._typed(spec, grid, name, filled) for name in wanted}
        if columns is None:
            return table_frame(spec, found, rows)
        return selected_frame(found, columns, rows)

    def _typed(self, spec: TableSpec, grid: _Grid, name: str, filled: list[bool]) -> list:
        """One column's values, typed once per read of the sheet (a write clears them)."""
        known = grid.typed.get(name)
        if known is not None:
            return [v for v, keep in zip(known, filled, strict=True) if keep]
        index = max(i for i, header in enumerate(grid.header) if header == name)
        values = [row[index] for row, keep in zip(grid.rows, filled, strict=True) if keep]
        if spec.column(name) is None:  # a column people added: values as openpyxl reads
            values = [_as_openpyxl(v) for v in values]
        else:
            values = typed_column(spec, grid.table.sheet, name, values)
        grid.typed[name] = _by_position(list(values), filled)
        return values

    def column_is_blank(self, spec: TableSpec, column: str) -> bool:
        """True when no cell of the table's `column` below its header holds anything: a look
        at the sheet's XML for that column's cells, without reading the table. False when
        one may (or the table or column is not found: read the table to know)."""
        if self._fallback is not None:
            return self._fallback.column_is_blank(spec, column)
        table = self._tables.get(spec.name.lower())
        if table is None:
            return False
        names = [
            html.unescape(found.group(1).decode())
            for found in re.finditer(
                rb'<tableColumn\b[^>]*?\sname="([^"]*)"', self.package.read(table.part)
            )
        ]
        if column not in names:
            return False
        min_col, min_row, _, max_row = split_ref(table.ref)
        letters = sheet_xml.column_letters(min_col + names.index(column)).encode()
        data = self.package.read(table.sheet_part)
        for found in re.finditer(rb' r="' + letters + rb'(\d+)"', data):
            if not min_row < int(found.group(1)) <= max_row:
                continue
            start, end = data.rfind(b"<", 0, found.start()), data.find(b">", found.end())
            if not data.startswith(b"<c ", start) or data[end - 1 : end] != b"/":
                return False  # a cell with content (or not a plain cell: unsure)
        return True

    def write_table(self, spec: TableSpec, frame: pd.DataFrame) -> None:
        if self._fallback is not None:
            return self._fallback.write_table(spec, frame)
        table = self._table(spec)
        grid = self._grid(table, spec)
        dropped = [name for name in grid.header if name not in frame.columns]
        if dropped:
            raise ValueError(f"write_table({spec.name}) would drop columns {dropped}")
        if table.totals or any(name not in grid.header for name in frame.columns):
            return self.openpyxl().write_table(spec, frame)  # a schema upgrade: rare
        try:
            self._write_cells(spec, grid, frame)
        except Unsupported:
            self.openpyxl().write_table(spec, frame)

    def _write_cells(self, spec: TableSpec, grid: _Grid, frame: pd.DataFrame) -> None:
        from addin.workbook.xlsx_writes import TableWrite

        write = TableWrite(self, spec, grid, frame)
        try:
            with collector_paused():  # every changed cell and row is built here
                part = write.apply(self.package.stream(grid.table.sheet_part))
        except OSError as error:  # its rows' temporary file: a full disk
            where = f"its folder and the temporary folder ({tempfile.gettempdir()})"
            raise files.write_error(self.name, error, where) from None
        self._edited.setdefault(grid.table.sheet_part, RowSet()).update(write.rows)
        self.package.write(grid.table.sheet_part, part)
        self._set_table_ref(grid.table, write.ref)
        if not write.remembered:  # too many rows to keep: a later read reads the sheet back
            self._grids.pop(grid.table.part, None)
            self._stale.add(grid.table.sheet)

    def _set_table_ref(self, table: TablePart, ref: str) -> None:
        data = self.package.read(table.part)
        data = re.sub(
            rb'(<table\b[^>]*?\sref=")[^"]*(")', rb"\g<1>" + ref.encode() + rb"\g<2>", data, count=1
        )
        data = re.sub(
            rb'(<autoFilter\b[^>]*?\sref=")[^"]*(")',
            rb"\g<1>" + ref.encode() + rb"\g<2>",
            data,
            count=1,
        )
        self.package.write(table.part, data)
        updated = TablePart(
            table.name, ref, table.part, table.sheet, table.sheet_part, table.totals
        )
        self._tables[table.name.lower()] = updated
        if table.part in self._grids:
            self._grids[table.part].table = updated

    def apply_highlights(self, spec: TableSpec, highlights: Sequence[Highlight]) -> None:
        if self._fallback is not None:
            return self._fallback.apply_highlights(spec, highlights)
        from addin.workbook.xlsx_writes import highlight_rules

        grid = self._grid(self._table(spec), spec)
        try:
            self.package.edit_outside_rows(
                grid.table.sheet_part, lambda data: highlight_rules(self, grid, data, highlights)
            )
        except Unsupported:
            return self.openpyxl().apply_highlights(spec, highlights)

    def write_report(self, report) -> None:
        if self._fallback is None:
            from addin.workbook.xlsx_report import write_report

            try:
                write_report(self, report)
                return
            except Unsupported:
                pass
        self.openpyxl().write_report(report)

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = self._styles_part()
            self._styles = Styles(self.package.read(part) if part else None)
        return self._styles

    def _styles_part(self) -> str | None:
        book = self.package.workbook_part()
        for _, kind, target, _ in self.package.relationships(book):
            if kind.endswith("/styles"):
                return target
        return None

    # -- reading ------------------------------------------------------------------------

    def _grid(self, table: TablePart, spec: TableSpec) -> _Grid:
        """The table's cells. A ref that claims more rows than the sheet holds (A1:BL1048576
        over 300 rows) is read by the data's real extent; merged cells in the table and more
        than MAX_TABLE_ROWS rows get one line."""
        if table.part not in self._grids:
            with collector_paused():  # 50,000 rows of cells are built here
                self._grids[table.part] = self._read_grid(table, spec)
        return self._grids[table.part]

    def _read_grid(self, table: TablePart, spec: TableSpec) -> _Grid:
        bounds = split_ref(table.ref)
        sheet_part = self.package.read(table.sheet_part)
        for merged in sheet_xml.elements(sheet_part, "mergeCell"):
            found = re.search(rb'\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"', merged.group(0))
            if found is not None:
                ref = found.group(1).decode()
                ref = ref if ":" in ref else f"{ref}:{ref}"
                if overlaps(bounds, split_ref(ref)):
                    raise merged_cells_error(table.sheet, spec, ref)
        min_col, min_row, max_col, _ = bounds
        cells = self._sheet_rows(table.sheet)
        max_row = max(min(bounds[3], len(cells)), min_row + 1)
        if max_row - min_row > limits.MAX_TABLE_ROWS:
            raise too_many_rows_error(table.sheet, spec, max_row - min_row)
        width = max_col - min_col + 1
        rows = []
        for number in range(min_row, max_row + 1):
            row = cells[number - 1] if number - 1 < len(cells) else []
            values = [None if v == "" else v for v in row[min_col - 1 : max_col]]
            rows.append(values + [None] * (width - len(values)))
        formulas = set()
        found = sheet_xml.formula_cells(sheet_part)
        for (row, col), text in found.items():
            if min_row < row <= max_row and min_col <= col <= max_col:
                rows[row - min_row][col - min_col] = text
                formulas.add((row - min_row - 1, col - min_col))
        header = _header_names(rows[0])
        grid = _Grid(table, min_col, min_row, header, rows[1:], formulas)
        self._sheets.pop(table.sheet, None)  # the grid holds what a write needs of them
        return grid

    def _sheet_rows(self, sheet: str) -> list:
        if sheet not in self._sheets or sheet in self._stale:
            import python_calamine

            if sheet in self._stale:  # read what this run wrote (the workbook as it would be)
                self._sheets, self._stale = {}, set()
                source = io.BytesIO(self._current_bytes())
                self._calamine = python_calamine.CalamineWorkbook.from_filelike(source)
            if self._calamine is None:
                self._calamine = python_calamine.CalamineWorkbook.from_filelike(
                    _readable(self._data)
                )
            try:
                found = self._calamine.get_sheet_by_name(sheet)
                self._sheets[sheet] = found.to_python(skip_empty_area=False)
            except Exception as error:  # noqa: BLE001 - calamine's errors: a damaged sheet
                raise _damaged(self.name, error) from None
        return self._sheets[sheet]

    # -- settings and saving -----------------------------------------------------------

    def read_settings(self) -> dict[str, object]:
        if self._fallback is not None:
            return self._fallback.read_settings()
        frame = self.read_table(SETTINGS)
        names, values = frame[SETTINGS.key].tolist(), frame["Value"].tolist()
        return settings_from_rows(list(zip(names, values, strict=True)))

    def save(self) -> Path | None:
        """Atomically replace the file (verified first); returns the backup that was made."""
        if self._fallback is not None:
            return self._fallback.save()
        keep = int(self.read_settings().get(S.BACKUPS_TO_KEEP, 10))
        sheets = [name for name, _ in self.package.sheets()]
        self._finish_parts()
        changed, edited = self.package.changed, dict(self._edited)
        plain = tempfile.TemporaryFile(prefix="denialdesk-")  # the new workbook, unencrypted
        try:
            backup = files.atomic_write(
                self.path,
                lambda target: self._write(target, plain),
                lambda written: self._verify(written, sheets, changed, edited),
                keep,
                expected=self.read_as,
                lock=self.lock,
            )
        except BaseException:
            plain.close()
            raise
        self.read_as = files.fingerprint(self.path)  # a second save in the same run is fenced too
        self._edited = {}
        self._data, self._calamine, self._sheets = plain, None, {}
        self.package = Package(plain)
        weakref.finalize(self.package, plain.close)  # the file goes with the package
        if self._styles is not None:
            self._styles.changed = False
        return backup

    def _current_bytes(self) -> bytes:
        self._finish_parts()
        return self.package.to_bytes()

    def _finish_parts(self) -> None:
        if self._edited or self.package.changed:
            self._drop_calc_chain()
        if self._styles is not None and self._styles.changed:
            self.package.write(self._styles_part() or "xl/styles.xml", self._styles.to_bytes())

    def _drop_calc_chain(self) -> None:
        """Excel's calculation chain lists the formula cells; once cells changed it may name one
        that is no longer a formula (Excel would offer a repair), so it goes: Excel rebuilds it."""
        book = self.package.workbook_part()
        chains = [
            t for _, kind, t, _ in self.package.relationships(book) if kind.endswith("/calcChain")
        ]
        if not chains:
            return
        rels = rels_name(book)
        data = re.sub(rb"<Relationship\b[^>]*calcChain[^>]*/>", b"", self.package.read(rels))
        self.package.write(rels, data)
        for chain in chains:
            self.package.remove(chain)
            drop_content_type(self.package, chain)

    def _write(self, target: Path, plain) -> None:
        """Write the workbook to `plain` (an anonymous temporary file: a big import's
        worksheets stream through it rather than sit in memory), then to `target`."""
        plain.seek(0)
        plain.truncate()
        self.package.save(plain)
        plain.flush()
        plain.seek(0)
        if self.password is None:
            with target.open("wb") as out:
                shutil.copyfileobj(plain, out, CHUNK)
            return
        crypto.encrypt(plain, self.password, target)

    def _verify(self, written: Path, sheets: list[str], changed, edited) -> None:
        """Re-open the written file with other readers: openpyxl for the sheet list, and every
        part this run rewrote read back from the zip (its checksum checked) and parsed as XML —
        of a table's sheet, everything but the rows copied unchanged from the file as read."""
        from addin.workbook.openpyxl_book import verify_tracker

        source = crypto.decrypt(written, self.password) if self.password else written
        try:
            verify_tracker(source, sheets)
        except WorkbookLayoutError:
            self._blame_the_original(changed)
            raise
        with zipfile.ZipFile(source) as archive:
            for name in changed:
                if name in edited:  # a worksheet: streamed, its rewritten rows only
                    check_xml_stream(
                        sheet_xml.only_rows_stream(_chunks(archive, name), edited[name])
                    )
                elif name.endswith((".xml", ".rels")):
                    parse_xml(archive.read(name))

    def _blame_the_original(self, changed) -> None:
        """When the written file does not read back, say so of the workbook itself if one of
        the parts copied unchanged from it is already broken (the save then stops)."""
        original = Package(self._data)
        for name in original.names():
            if name in changed or not name.endswith((".xml", ".rels")):
                continue
            try:
                parse_xml(original.read(name))
            except SyntaxError as error:
                raise WorkbookLayoutError(
                    f"{self.name} is damaged: part of it is not readable (its XML is broken, by "
                    f"accident or on purpose). Restore a backup with `denialdesk restore "
                    f"{self.name} --list`."
                ) from error


def _chunks(archive: zipfile.ZipFile, name: str):
    """A part of a zip read a chunk at a time (its checksum checked at the end)."""
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _readable(data):
    """The workbook as read (bytes) or as last saved (a temporary file), as a file to read."""
    if isinstance(data, bytes):
        return io.BytesIO(data)
    data.seek(0)
    return data


def _by_position(values: list, filled: list[bool]) -> list:
    if all(filled):
        return values
    found = iter(values)
    return [next(found) if keep else None for keep in filled]


def _as_openpyxl(value: object) -> object:
    """A calamine value as openpyxl gives it: whole numbers int, dates datetime."""
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is date:
        return datetime(value.year, value.month, value.day)
    return value


def _header_names(cells) -> list[str]:
    names = []
    for index, value in enumerate(cells):
        name = str(value).strip() if value is not None else ""
        names.append(name or f"Column{index + 1}")
    return names


def _damaged(name: str, error: Exception) -> WorkbookLayoutError:
    return WorkbookLayoutError(
        f"{name} is damaged: part of it is not readable ({type(error).__name__}). Restore a "
        f"backup with `denialdesk restore {name} --list`."
    )
