"""Restore and Doctor: put a tracker back from a backup, and check (and safely repair) it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from addin.actions import audit, keys
from addin.errors import AddinError, WorkbookLayoutError
from addin.letters.files import letter_file
from addin.workbook import crypto, files, hints
from addin.workbook.layout import (
    AUDIT,
    CLAIMS,
    CODES,
    DENIALS,
    PAYERS,
    REMITS,
    SCHEMA_VERSION,
    SETTINGS,
    TABLES,
    WORK_QUEUE,
    Col,
    S,
    TableSpec,
)
from addin.workbook.openpyxl_book import OpenpyxlBook, sheet_names, table_bounds, verify_tracker
from addin.workbook.tracker_file import update

# Tables DenialDesk can recreate empty without losing anything: they are rebuilt or optional.
REBUILDABLE = frozenset({WORK_QUEUE.name, AUDIT.name, PAYERS.name, CODES.name})
KEYED_DATA = (DENIALS, CLAIMS, REMITS)


@dataclass(slots=True)
class Finding:
    """One thing Doctor noticed; `repair` (when set) fixes it safely in the open workbook."""

    problem: str
    advice: str = ""
    repair: Callable[[OpenpyxlBook], None] | None = None
    repaired: bool = False


@dataclass(slots=True)
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    removed_files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"Removed leftover file {p.name}" for p in self.removed_files]
        for f in self.findings:
            mark = "fixed" if f.repaired else ("can fix with --fix" if f.repair else "to do")
            lines.append(f"[{mark}] {f.problem}" + (f" — {f.advice}" if f.advice else ""))
        return lines or ["No problems found."]

    @property
    def problems_left(self) -> int:
        return sum(not f.repaired for f in self.findings)


def doctor(
    path: Path,
    *,
    fix: bool = False,
    password: str | None = None,
    notify: Callable[[str], None] = lambda message: None,
) -> DoctorReport:
    """Check the tracker's sheets, tables, headers, keys, links and schema; repair with `fix`.

    `notify` hears when another DenialDesk run holds the workbook and this one waits.
    """
    if not fix:
        return DoctorReport(examine(OpenpyxlBook.open(path, password)))
    return update(path, lambda book: _repair(path, book), password, notify)


def _repair(path: Path, book: OpenpyxlBook) -> DoctorReport:
    report = DoctorReport()
    report.removed_files = files.remove_stale_temp_files(path)
    report.findings = examine(book)
    repairs = [f for f in report.findings if f.repair]
    for finding in repairs:
        finding.repair(book)
        finding.repaired = True
    if repairs:
        changes = "; ".join(f.problem for f in repairs)
        audit.record(book, "Doctor --fix", f"repaired: {changes}")
        book.save()
    return report


def examine(book: OpenpyxlBook) -> list[Finding]:
    findings: list[Finding] = []
    frames: dict[str, pd.DataFrame] = {}
    for spec in TABLES:
        finding, frame = _check_table(book, spec)
        if finding is not None:
            findings.append(finding)
        if frame is not None:
            frames[spec.name] = frame
    for spec in KEYED_DATA:
        if spec.name in frames:
            findings.extend(_duplicate_keys(spec, frames[spec.name]))
    if DENIALS.name in frames and CLAIMS.name in frames:
        findings.extend(_short_keys(frames[CLAIMS.name], frames[DENIALS.name]))
        findings.extend(_orphans(frames[DENIALS.name], frames[CLAIMS.name]))
        findings.extend(_broken_letter_links(frames[DENIALS.name], book.folder))
    if SETTINGS.name in frames:
        findings.extend(_schema_version(book))
    return findings


def _check_table(book: OpenpyxlBook, spec: TableSpec) -> tuple[Finding | None, pd.DataFrame | None]:
    try:
        book.locate(spec)
    except WorkbookLayoutError:
        if spec.name in REBUILDABLE:
            return Finding(
                f"table {spec.name} (sheet '{spec.sheet}') is missing",
                "DenialDesk can recreate it empty",
                _recreate(spec),
            ), None
        return Finding(
            f"table {spec.name} (sheet '{spec.sheet}') is missing",
            f"restore a backup: {hints.command('restore', book.name, '--list')}",
        ), None
    try:
        frame = book.read_table(spec)
    except WorkbookLayoutError as error:
        return Finding(str(error)), None
    missing = [c for c in spec.column_names if c not in _header(book, spec)]
    if missing:
        return Finding(
            f"table {spec.name} lacks columns {', '.join(missing)}",
            "DenialDesk adds them (empty) at the right of the table",
            _rewrite(spec),
        ), frame
    return None, frame


def _header(book: OpenpyxlBook, spec: TableSpec) -> list[str]:
    worksheet, table = book.locate(spec)
    min_col, min_row, max_col, _ = table_bounds(worksheet, table, spec)
    first = next(worksheet.iter_rows(min_row, min_row, min_col, max_col, values_only=True))
    return [str(value).strip() for value in first if value is not None]


def _recreate(spec: TableSpec) -> Callable[[OpenpyxlBook], None]:
    return lambda book: book.ensure_table(spec)


def _rewrite(spec: TableSpec) -> Callable[[OpenpyxlBook], None]:
    return lambda book: book.write_table(spec, book.read_table(spec))


def _duplicate_keys(spec: TableSpec, frame: pd.DataFrame) -> list[Finding]:
    keyed = frame[frame[spec.key].notna()]
    duplicated = keyed[keyed[spec.key].duplicated(keep=False)]
    if duplicated.empty:
        return []
    keys = sorted(set(duplicated[spec.key]))
    shown = ", ".join(keys[:5]) + (" …" if len(keys) > 5 else "")
    identical = len(duplicated.astype(str).drop_duplicates()) == len(keys)
    if identical:
        return [
            Finding(
                f"{spec.name}: {len(keys)} row(s) appear twice ({shown})",
                "the copies are identical; DenialDesk keeps one of each",
                _drop_exact_duplicates(spec),
            )
        ]
    return [
        Finding(
            f"{spec.name}: {len(keys)} {spec.key}(s) used by different rows ({shown})",
            "rows with the same key differ; decide which to keep and delete the other",
        )
    ]


def _drop_exact_duplicates(spec: TableSpec) -> Callable[[OpenpyxlBook], None]:
    def repair(book: OpenpyxlBook) -> None:
        frame = book.read_table(spec)
        book.write_table(spec, frame[~frame.astype(str).duplicated()].reset_index(drop=True))

    return repair


def _short_keys(claims: pd.DataFrame, denials: pd.DataFrame) -> list[Finding]:
    """Keys an older DenialDesk made (40 bits: two different claims could share one)."""
    upgrade = keys.rekey_frames(claims.copy(), denials.copy())
    count = len(upgrade.claims) + len(upgrade.denials)
    if not count:
        return []
    return [
        Finding(
            f"{count} claim key(s) and denial id(s) are in the older 40-bit form, which two "
            "different claims could share",
            "DenialDesk rewrites them to 64 bits (links and people's columns kept)",
            keys.rekey,
        )
    ]


def _orphans(denials: pd.DataFrame, claims: pd.DataFrame) -> list[Finding]:
    known = set(claims[Col.CLAIM_KEY].dropna())
    orphans = denials[denials[Col.CLAIM_KEY].notna() & ~denials[Col.CLAIM_KEY].isin(known)]
    if orphans.empty:
        return []
    ids = ", ".join(orphans[Col.DENIAL_ID].astype(str).head(5))
    return [
        Finding(
            f"{len(orphans)} denial(s) point to claims not on the Claims sheet ({ids})",
            "someone deleted Claims rows; restore a backup or re-import the remits",
        )
    ]


def _broken_letter_links(denials: pd.DataFrame, folder: Path) -> list[Finding]:
    letters = denials[denials[Col.LETTER].notna()] if Col.LETTER in denials else denials.iloc[0:0]
    broken = [
        row[Col.DENIAL_ID]
        for _, row in letters.iterrows()
        if not letter_file(folder, row[Col.LETTER]).exists()
    ]
    if not broken:
        return []
    return [
        Finding(
            f"{len(broken)} letter link(s) point to missing files "
            f"({', '.join(map(str, broken[:5]))})",
            "the letters were moved or deleted; generate them again or fix the link",
        )
    ]


def _schema_version(book: OpenpyxlBook) -> list[Finding]:
    found = book.read_settings().get(S.SCHEMA_VERSION)
    version = int(found) if isinstance(found, int | float) else 0
    if version > SCHEMA_VERSION:
        return [
            Finding(
                f"the tracker was made by a newer DenialDesk (schema {version})",
                "upgrade DenialDesk before writing to it",
            )
        ]
    if version < SCHEMA_VERSION:
        return [
            Finding(
                f"schema version {version} is older than {SCHEMA_VERSION}",
                "DenialDesk upgrades it",
                _set_schema_version,
            )
        ]
    return []


def _set_schema_version(book: OpenpyxlBook) -> None:
    frame = book.read_table(SETTINGS)
    rows = frame[Col.SETTING] == S.SCHEMA_VERSION
    if rows.any():
        frame.loc[rows, Col.VALUE] = SCHEMA_VERSION
    else:
        extra = {Col.SETTING: S.SCHEMA_VERSION, Col.VALUE: SCHEMA_VERSION}
        frame = pd.concat([frame, pd.DataFrame([extra], dtype=object)], ignore_index=True)
    book.write_table(SETTINGS, frame)


# -- unlock ----------------------------------------------------------------------------------


def describe_holder(held: files.LockInfo) -> str:
    """Who holds the lock, in full: user, computer, process, since when, last heartbeat."""
    if not held.host:
        return f"an unknown holder (the lock file says {held.text.strip()[:80]!r})"
    parts = [f"{held.user or 'unknown user'} on {held.host}", f"process {held.pid}"]
    if held.since:
        parts.append(f"since {held.since}")
    parts.append(f"last heartbeat {held.beat_at}" if held.beat_at else "no heartbeat recorded")
    return ", ".join(parts)


def release_lock(path: Path, held: files.LockInfo) -> bool:
    """Remove the lock shown to a person, only if it is still that very lock."""
    return files.release_confirmed(path, held)


# -- restore -------------------------------------------------------------------------------


def restore(
    path: Path,
    choice: str | None = None,
    notify: Callable[[str], None] = lambda message: None,
    password: str | None = None,
) -> tuple[Path, Path | None]:
    """Put back a backup (newest, or one chosen by number or file name) in place of the tracker.

    The current workbook is itself backed up first, so a restore can be undone. A tracker
    that is password-protected stays protected: a plain-text backup is encrypted with the
    tracker's password on the way back (refused without it). Returns the backup restored and
    the backup made of the file it replaced.
    """
    backup = pick_backup(path, choice)
    encrypted = crypto.is_encrypted(backup)  # a protected tracker's backups are protected too
    sheets = None if encrypted else _sheet_names(backup)
    files.refuse_if_open(path)
    files.refuse_if_read_only(path)
    protect = _restore_password(path, backup, encrypted, password)

    def write(temp: Path) -> None:
        if protect:
            crypto.encrypt(backup.read_bytes(), protect, temp)
        else:
            shutil.copyfile(backup, temp)

    def verify(temp: Path) -> None:
        if protect:
            verify_tracker(crypto.decrypt(temp, protect), sheets)
        elif encrypted:
            if not crypto.is_encrypted(temp):
                raise AddinError(f"the copy of {backup.name} could not be verified")
        else:
            verify_tracker(temp, sheets)

    with files.write_lock(path, notify=notify) as lock:
        keep = len(files.list_backups(path)) + 1
        saved = files.atomic_write(path, write, verify, keep, lock=lock)
    return backup, saved


def _restore_password(path: Path, backup: Path, encrypted: bool, password: str | None):
    """The password to encrypt a plain-text backup with, when the tracker it replaces is
    password-protected (checked against the tracker); None when no encryption is needed."""
    if encrypted or not path.is_file() or not crypto.is_encrypted(path):
        return None
    password = crypto.password_from_env(password)
    if not password:
        raise AddinError(
            f"{path.name} is password-protected but backup {backup.name} is not: give the "
            "tracker's password (--password or DENIALDESK_PASSWORD) to restore it encrypted; "
            "nothing was changed."
        )
    crypto.decrypt(path, password)  # a wrong password stops here, before anything is written
    return password


def pick_backup(path: Path, choice: str | None) -> Path:
    backups = files.list_backups(path)
    if not backups:
        raise AddinError(f"there are no backups of {path.name} in '{files.backup_folder(path)}'.")
    if choice is None:
        return backups[0]
    if choice.isdigit() and 1 <= int(choice) <= len(backups):
        return backups[int(choice) - 1]
    named = [b for b in backups if b.name == choice]
    if named:
        return named[0]
    raise AddinError(
        f"no backup {choice!r}: run `{hints.command('restore', path.name, '--list')}` to see "
        "the numbers and names."
    )


def _sheet_names(path: Path) -> list[str]:
    files.check_zip(path)
    return sheet_names(path, path.name)
