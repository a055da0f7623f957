"""`restore --list`: each backup with when it was taken and the action it was taken before
(the Audit row that action wrote), so a person can pick the version before a mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from addin.errors import AddinError
from addin.workbook import crypto, files
from addin.workbook.layout import AUDIT, Col
from addin.workbook.openpyxl_book import load_workbook

_STAMP = re.compile(r" (\d{4}-\d{2}-\d{2} \d{6}(?:-\d+)?)$")
# An action writes its Audit row just before it saves; a backup taken longer after that row
# was not taken for it (a restore, or a save outside DenialDesk).
SAVE_WITHIN = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class BackupEntry:
    number: int  # what `restore WORKBOOK N` takes
    path: Path
    taken: datetime
    before: str  # "Import remittances (…)", or why it is not known


def taken_at(backup: Path) -> datetime:
    """When the backup was taken: the stamp in its name (its file time is the older save's)."""
    found = _STAMP.search(backup.stem)
    if found:
        stamp = found.group(1)
        return datetime.strptime(
            stamp, "%Y-%m-%d %H%M%S-%f" if "-" in stamp[11:] else "%Y-%m-%d %H%M%S"
        )
    return datetime.fromtimestamp(backup.stat().st_mtime)


def audit_rows(path: Path, password: str | None) -> list[tuple[datetime, str, str]]:
    """(When, Did, Changes) of the tracker's Audit sheet, oldest first; [] when unreadable."""
    try:
        source = path
        if crypto.is_encrypted(path):
            source = crypto.decrypt(path, crypto.password_from_env(password))
        workbook = load_workbook(source, path.name, read_only=True)
    except (AddinError, OSError):
        return []
    try:
        if AUDIT.sheet not in workbook.sheetnames:
            return []
        rows = workbook[AUDIT.sheet].iter_rows(values_only=True)
        header = [str(v or "").strip() for v in next(rows, ())]
        if Col.WHEN not in header or Col.ACTION_NAME not in header:
            return []
        when, did = header.index(Col.WHEN), header.index(Col.ACTION_NAME)
        changes = header.index(Col.CHANGES) if Col.CHANGES in header else None
        found = [
            (row[when], str(row[did] or ""), str(row[changes] or "") if changes is not None else "")
            for row in rows
            if len(row) > max(when, did) and isinstance(row[when], datetime)
        ]
        return sorted(found, key=lambda r: r[0])
    finally:
        workbook.close()


def history(path: Path, password: str | None = None) -> list[BackupEntry]:
    """The backups of `path`, newest first, each with the action it was taken before.

    Oldest first, each backup takes the earliest Audit row not yet taken that was written
    before it (Audit times are whole seconds, so two quick actions share a second)."""
    backups = files.list_backups(path)
    audit = audit_rows(path, password) if path.is_file() else []
    entries, next_row = [], 0
    for number in range(len(backups), 0, -1):
        backup = backups[number - 1]
        taken = taken_at(backup)
        while next_row < len(audit) and taken - audit[next_row][0] > SAVE_WITHIN:
            next_row += 1  # too old to be this backup's action
        found = None
        if next_row < len(audit) and audit[next_row][0] <= taken + timedelta(seconds=1):
            found, next_row = audit[next_row], next_row + 1
        entries.append(BackupEntry(number, backup, taken, _before(found, audit)))
    return entries[::-1]


def _before(row: tuple[datetime, str, str] | None, audit: list) -> str:
    if row:
        _, did, changes = row
        summary = changes.split(";")[0].split(". ")[0].strip()
        return f"before {did}" + (f" ({_short(summary)})" if summary else "")
    if not audit:
        return "action not known (the tracker's Audit sheet could not be read)"
    return "action not in the Audit sheet (a restore, or a change undone by one)"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
