"""Opening the tracker for an action: the write lock, the engine that reads and writes it (the
file engine, or openpyxl on request) and the fenced retry. Every writing command starts here."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from addin.errors import WorkbookChangedError, WorkbookLayoutError
from addin.workbook import crypto, files, hints
from addin.workbook.file_book import FileBook
from addin.workbook.openpyxl_book import OpenpyxlBook

T = TypeVar("T")


@contextlib.contextmanager
def open_for_update(
    path: Path | str,
    password: str | None = None,
    notify: Callable[[str], None] = lambda message: None,
) -> Iterator:
    """Open a tracker for writing: refuse while it is open elsewhere or read-only, hold the
    write lock (`notify` hears when another run holds it and this one waits), clear temp
    files that a crashed run left behind, and encrypt an encrypted tracker's plain-text
    backups. The book's save is fenced: it replaces nothing if the file changed meanwhile."""
    path = Path(path)
    hints.refuse_other_file_types(path)
    if not path.is_file():
        raise WorkbookLayoutError(
            f"no workbook at {path}. Create one with `{hints.command('new', path)}`."
        )
    files.refuse_if_open(path)
    files.refuse_if_read_only(path)
    with files.write_lock(path, notify=notify) as lock:
        files.remove_stale_temp_files(path)
        book = open_book(path, password)
        book.lock = lock
        if book.password is not None:
            protected = crypto.protect_backups(path, book.password)
            if protected:
                notify(
                    f"{len(protected)} older backup(s) of {path.name} were in plain text; they "
                    "are now encrypted with the tracker's password."
                )
        yield book


FENCE_ATTEMPTS = 5


def update(
    path: Path | str,
    action: Callable[[FileBook | OpenpyxlBook], T],
    password: str | None = None,
    notify: Callable[[str], None] = lambda message: None,
    attempts: int | None = None,
) -> T:
    """Run `action` on the tracker opened for update; when the save finds the workbook was
    changed under it (the fence), nothing was replaced: say so and run `action` again on
    the new workbook, up to `attempts` times. Returns what the last run returned."""
    attempts = attempts or FENCE_ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            with open_for_update(path, password, notify) as book:
                return action(book)
        except WorkbookChangedError as error:
            if attempt == attempts:
                raise WorkbookChangedError(
                    f"{error} It changed under this run {attempts} times in a row; run it "
                    "again when the others have finished."
                ) from None
            notify(f"{error} Running again on the new version ({attempt + 1} of {attempts})…")
    raise AssertionError("unreachable")


ENGINE_ENV = "DENIALDESK_ENGINE"


def open_book(path: Path | str, password: str | None = None):
    """The tracker as a Book: the file engine (FileBook: reads only the tables asked for,
    writes back only what changed), or the whole-workbook openpyxl Book when
    DENIALDESK_ENGINE=openpyxl (a comparison, and a way back should the file engine fail)."""
    if os.environ.get(ENGINE_ENV, "").strip().lower() == "openpyxl":
        return OpenpyxlBook.open(path, password)
    return FileBook.open(path, password)
