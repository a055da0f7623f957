"""The Audit sheet: one appended row per action that changed the workbook (who, when, what)."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from addin import __version__
from addin.workbook.base import Book
from addin.workbook.layout import AUDIT, Col


def os_user() -> str:
    """The operating-system account running the action (never a patient identifier)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user database entry (containers, some services)
        return "unknown"


def record(
    book: Book, action: str, changes: str, files: Iterable[str] = (), now: datetime | None = None
) -> None:
    """Append one row to the Audit table; rows already there are never changed."""
    book.ensure_table(AUDIT)
    frame = book.read_table(AUDIT)
    row = dict.fromkeys(frame.columns) | {
        Col.WHEN: (now or datetime.now()).replace(microsecond=0),
        Col.USER: os_user(),
        Col.ACTION_NAME: action,
        Col.CHANGES: changes,
        Col.FILES: "; ".join(files) or None,
        Col.VERSION: __version__,
    }
    added = pd.DataFrame([row], columns=frame.columns, dtype=object)
    book.write_table(AUDIT, pd.concat([frame, added], ignore_index=True) if len(frame) else added)
