"""FakeExcel: a test double for the Excel seam (addin/excel/seams.py) — not Excel.

It plays desktop Excel's part around a real tracker file, the way the buttons meet it: while
the workbook is "open" an owner file `~$NAME` sits beside it (as Excel writes one), so the
file engine refuses to touch it; `save()` writes the person's unsaved edits into the file with
openpyxl; `close()` removes the owner file; `reopen()` puts it back and selects the remembered
place. Reads for Explain come from the file, as Excel would show a saved workbook. Every call
is recorded in `calls`, with the file's fingerprint at that moment in `fingerprints`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from addin.excel.seams import Place

OWNER = "Fake Excel User"
START = Place("Denials", "$A$2")  # where the person is, unless a test says otherwise


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def owner_file(path: Path) -> Path:
    return path.with_name("~$" + path.name)


class FakeExcel:
    """Stands in for Excel holding one workbook; see the module docstring."""

    __test__ = False

    def __init__(
        self,
        path: Path | None,
        *,
        fullname: str | None = None,
        read_only: bool = False,
        edits: dict[tuple[str, str], object] | None = None,
        place: Place | None = START,
        selection: tuple[str, int] | None = None,
    ):
        self.path = path
        self.name = fullname if fullname is not None else str(path)
        self.read_only = read_only
        self.edits = dict(edits or {})  # (sheet, cell) → value the person typed, not saved
        self.remembered = place
        self.selection = selection  # (sheet, row number) of the active cell, for Explain
        self.calls: list[str] = []
        self.fingerprints: dict[str, str] = {}
        self.alerts: list[tuple[str, str, bool]] = []
        self.statuses: list[str] = []
        self.selected: Place | None = None
        self.reopen_error: Exception | None = None
        self.on_close = lambda: None  # what else happens when the book closes (tests)
        self.is_open = path is not None and path.is_file()
        if self.is_open:
            self._write_owner_file()

    # -- the seam ------------------------------------------------------------------------

    def fullname(self) -> str:
        return self.name

    def is_read_only(self) -> bool:
        return self.read_only

    def has_unsaved_changes(self) -> bool:
        return bool(self.edits)

    def place(self) -> Place | None:
        return self.remembered

    def save(self) -> None:
        self._record("save")
        workbook = openpyxl.load_workbook(self.path)
        for (sheet, cell), value in self.edits.items():
            workbook[sheet][cell] = value
        workbook.save(self.path)
        self.edits.clear()

    def close(self) -> None:
        self._record("close")
        assert self.is_open, "closed twice"
        self.is_open = False
        owner_file(self.path).unlink(missing_ok=True)
        self.on_close()

    def reopen(self, path: Path, place: Place | None, password: str | None = None) -> None:
        self._record("open")
        if self.reopen_error is not None:
            raise self.reopen_error
        assert not self.is_open and path == self.path
        self.is_open = True
        self._write_owner_file()
        if place is not None and place.sheet in _sheet_names(path, password):
            self._record("select")
            self.selected = place

    def status(self, text: str) -> None:
        self.statuses.append(text)

    def alert(self, text: str, title: str, critical: bool) -> None:
        self._record("alert")
        self.alerts.append((text, title, critical))

    def selected_row(self, tables: tuple[str, ...]) -> tuple[str, dict[str, object]] | None:
        if self.selection is None:
            return None
        sheet, row = self.selection
        workbook = openpyxl.load_workbook(self.path)
        for table in workbook[sheet].tables.values():
            low_col, top, high_col, bottom = range_boundaries(table.ref)
            if table.displayName.lower() in {t.lower() for t in tables} and top < row <= bottom:
                grid = workbook[sheet].iter_rows(
                    min_col=low_col, max_col=high_col, min_row=top, max_row=bottom
                )
                header = [cell.value for cell in next(grid)]
                values = [cell.value for cell in list(grid)[row - top - 1]]
                return table.displayName, dict(zip(header, values, strict=True))
        return None

    def find_row(self, table: str, column: str, key: str) -> dict[str, object] | None:
        workbook = openpyxl.load_workbook(self.path)
        for sheet in workbook.worksheets:
            for found in sheet.tables.values():
                if found.displayName.lower() != table.lower():
                    continue
                rows = list(sheet[found.ref])
                header = [cell.value for cell in rows[0]]
                for cells in rows[1:]:
                    values = [cell.value for cell in cells]
                    if values[header.index(column)] == key:
                        return dict(zip(header, values, strict=True))
        return None

    # -- helpers -------------------------------------------------------------------------

    def _record(self, call: str) -> None:
        self.calls.append(call)
        self.fingerprints[call] = fingerprint(self.path) if self.path else ""

    def _write_owner_file(self) -> None:
        name = OWNER.encode()
        owner_file(self.path).write_bytes(bytes([len(name)]) + name + b" " * 40)


def _sheet_names(path: Path, password: str | None) -> list[str]:
    if password:
        return []  # an encrypted file: the double does not decrypt it to select a sheet
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


class BrokenExcel:
    """A test double for an Excel whose calling workbook cannot be reached (no caller)."""

    __test__ = False

    def __call__(self):
        raise RuntimeError("Book.caller() must not be called directly")
