"""The file Book: reads only the tables an action asks for (python-calamine) and writes back
only what changed — the changed cells and appended rows of a table's sheet, streamed — copying
every other part of the workbook byte for byte; a missing table whose sheet goes last (Claim
Check) is drawn in a scratch workbook and moved in. Rare operations (a missing table whose sheet
goes between others, a schema upgrade that adds columns, a table with a totals row, a sheet
this writer cannot edit) fall back to the whole-workbook openpyxl path, `OpenpyxlBook`."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from addin.bulk import collector_paused
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
from addin.workbook.layout import SETTINGS, S, TableSpec
from addin.workbook.reading import read_tracker
from addin.workbook.values import (
    typed_column,
)
from addin.workbook.xlsx_package import Package, TablePart, parse_xml, rels_name
from addin.workbook.xlsx_sheet import Unsupported, split_ref
from addin.workbook.xlsx_styles import Styles

SPARE_ROWS = 500  # drop-downs and highlights reach this far below the table (as openpyxl's)
_OURS = re.compile(r"^AND\(ISNUMBER\(\$[A-Z]+\d+\)")


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
        self._edited: dict[str, set[int]] = {}  # sheet part → rows re-rendered since the save
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
        data = self.package.read(grid.table.sheet_part)
        with collector_paused():  # every changed cell and row is built here
            data = write.apply(data)
        self._edited.setdefault(grid.table.sheet_part, set()).update(write.rows)
        self.package.write(grid.table.sheet_part, data)
        self._set_table_ref(grid.table, write.ref)

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
        data = self.package.read(grid.table.sheet_part)
        try:
            data = highlight_rules(self, grid, data, highlights)
        except Unsupported:
            return self.openpyxl().apply_highlights(spec, highlights)
        self.package.write(grid.table.sheet_part, data)

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
        return _Grid(table, min_col, min_row, header, rows[1:], formulas)

    def _sheet_rows(self, sheet: str) -> list:
        if sheet not in self._sheets:
            import python_calamine

            if self._calamine is None:
                self._calamine = python_calamine.CalamineWorkbook.from_filelike(
                    io.BytesIO(self._data)
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
        plain = self._current_bytes()
        changed, edited = self.package.changed, dict(self._edited)
        backup = files.atomic_write(
            self.path,
            lambda target: self._write(target, plain),
            lambda written: self._verify(written, sheets, changed, edited),
            keep,
            expected=self.read_as,
            lock=self.lock,
        )
        self.read_as = files.fingerprint(self.path)  # a second save in the same run is fenced too
        self._edited = {}
        self._data = plain
        self.package = Package(plain)
        if self._styles is not None:
            self._styles.changed = False
        return backup

    def _current_bytes(self) -> bytes:
        if self._edited or self.package.changed:
            self._drop_calc_chain()
        if self._styles is not None and self._styles.changed:
            self.package.write(self._styles_part() or "xl/styles.xml", self._styles.to_bytes())
        return self.package.to_bytes()

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
        types = self.package.read("[Content_Types].xml")
        for chain in chains:
            self.package.remove(chain)
            pattern = rf'<Override\b[^>]*PartName="/{re.escape(chain)}"[^>]*/>'.encode()
            types = re.sub(pattern, b"", types)
        self.package.write("[Content_Types].xml", types)

    def _write(self, target: Path, plain: bytes) -> None:
        if self.password is None:
            target.write_bytes(plain)
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
                if name.endswith((".xml", ".rels")):
                    data = archive.read(name)
                    parse_xml(sheet_xml.only_rows(data, edited[name]) if name in edited else data)

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
