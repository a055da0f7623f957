"""The one seam between DenialDesk and desktop Excel: the few xlwings calls a button makes.

Every button runs the same action the command line runs, on the workbook *file*; Excel is only
asked to hand over the clicked workbook (caller), save it, close it, open it again where the
person was (open, active sheet, select), say how it went (status bar, alert), and, for Explain,
read the selected row. `Excel` names those calls; `XlwingsExcel` makes them through xlwings and
is the only module of DenialDesk that touches xlwings' workbook objects. Tests use a double
(`tests/fake_excel.py`) that plays Excel's part on a real file; a real Excel is exercised only
by the tests marked `excel` (tests/excel/).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Place:
    """Where the person was: a sheet and the address of the selected cells ("$B$7")."""

    sheet: str
    address: str


class Excel(Protocol):
    """What a button asks of Excel about the workbook whose button was clicked."""

    def fullname(self) -> str:
        """The workbook's file as Excel names it: a path, a bare name (never saved) or a URL."""

    def is_read_only(self) -> bool:
        """True when Excel opened this copy read-only (someone else has the file open)."""

    def has_unsaved_changes(self) -> bool:
        """True when the workbook has changes not yet saved (True when Excel cannot say)."""

    def place(self) -> Place | None:
        """The active sheet and selection, or None when there is none."""

    def save(self) -> None:
        """Save the workbook where it is (File › Save)."""

    def close(self) -> None:
        """Close the workbook without saving (it was just saved)."""

    def reopen(self, path: Path, place: Place | None, password: str | None = None) -> None:
        """Open `path` in the same Excel and go back to `place` (if that sheet still exists)."""

    def status(self, text: str) -> None:
        """Show `text` in Excel's status bar."""

    def alert(self, text: str, title: str, critical: bool) -> None:
        """Show a message box (an information or a critical icon) and wait for OK."""

    def selected_row(self, tables: tuple[str, ...]) -> tuple[str, dict[str, object]] | None:
        """The Excel table (one of `tables`) holding the active cell, and that row's values by
        header, or None when the active cell is not in a data row of those tables."""

    def find_row(self, table: str, column: str, key: str) -> dict[str, object] | None:
        """The first data row of `table` whose `column` holds `key`, by header; None if none."""


# -- file names as Excel gives them ----------------------------------------------------------


def workbook_file(fullname: str, platform: str = sys.platform) -> Path | None:
    """The file behind Excel's FullName, or None for a book that was never saved or that lives
    only at a web address (OneDrive/SharePoint without a synced folder).

    Excel for Mac may give an HFS path ("Macintosh HD:Users:dana:Tracker.xlsx"); every volume,
    the start-up disk too, is reachable under /Volumes, so that is where it points.
    """
    text = str(fullname or "").strip()
    if not text or "://" in text:
        return None
    if platform == "darwin" and ":" in text and "/" not in text:
        volume, *parts = text.split(":")
        return Path(PurePosixPath("/Volumes", volume, *filter(None, parts)))
    path = Path(text)
    return path if path.is_absolute() else None


# -- the real thing ---------------------------------------------------------------------------


class XlwingsExcel:
    """Excel through xlwings (Windows: COM, macOS: AppleScript). Every xlwings call DenialDesk
    makes is in this class; `tests/excel/` runs it against a real Excel."""

    def __init__(self, book, app):
        self.book = book  # xlwings.Book, or None when no workbook called
        self.app = app  # xlwings.App
        self.windows = sys.platform.startswith("win")

    @classmethod
    def calling(cls) -> XlwingsExcel:
        """The workbook whose ribbon button ran this Python (xlwings' Book.caller())."""
        import xlwings as xw

        book = xw.Book.caller()
        return cls(book, book.app)

    @classmethod
    def active(cls) -> XlwingsExcel | None:
        """Only the active Excel (to show a message), or None when there is none."""
        try:
            import xlwings as xw

            app = xw.apps.active
        except Exception:  # no Excel, or xlwings missing: the message cannot be shown
            return None
        return cls(None, app) if app is not None else None

    def fullname(self) -> str:
        return str(self.book.fullname)

    def is_read_only(self) -> bool:
        api = self.book.api
        return bool(api.ReadOnly if self.windows else api.read_only.get())

    def has_unsaved_changes(self) -> bool:
        if self.windows:
            return not bool(self.book.api.Saved)
        return True  # Excel for Mac does not say reliably through AppleScript: always save

    def place(self) -> Place | None:
        selection = self.book.selection
        if selection is None:
            return None
        return Place(selection.sheet.name, selection.address)

    def save(self) -> None:
        self.book.save()

    def close(self) -> None:
        self.book.close()
        self.book = None

    def reopen(self, path: Path, place: Place | None, password: str | None = None) -> None:
        self.book = self.app.books.open(str(path), password=password)
        if place is None or place.sheet not in [sheet.name for sheet in self.book.sheets]:
            return
        sheet = self.book.sheets[place.sheet]
        sheet.activate()
        sheet.range(place.address).select()

    def status(self, text: str) -> None:
        self.app.status_bar = text[:250]

    def alert(self, text: str, title: str, critical: bool) -> None:
        self.app.alert(text, title=title, mode="critical" if critical else "info")

    def selected_row(self, tables: tuple[str, ...]) -> tuple[str, dict[str, object]] | None:
        cell = self.book.selection
        if cell is None:
            return None
        sheet = cell.sheet
        for table in sheet.tables:
            body = table.data_body_range
            if table.name.lower() not in {name.lower() for name in tables} or body is None:
                continue
            first, last = body.row, body.row + body.shape[0] - 1
            if first <= cell.row <= last:
                header = table.header_row_range.options(ndim=1).value
                row = sheet.range((cell.row, body.column), (cell.row, body.last_cell.column))
                return table.name, dict(zip(header, row.options(ndim=1).value, strict=False))
        return None

    def find_row(self, table: str, column: str, key: str) -> dict[str, object] | None:
        for sheet in self.book.sheets:
            for found in sheet.tables:
                if found.name.lower() != table.lower() or found.data_body_range is None:
                    continue
                header = found.header_row_range.options(ndim=1).value
                if column not in header:
                    return None
                body = found.data_body_range
                keys = body.columns[header.index(column)].options(ndim=1).value
                if key not in keys:
                    return None
                values = body.rows[keys.index(key)].options(ndim=1).value
                return dict(zip(header, values, strict=False))
        return None
