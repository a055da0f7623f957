"""Import Remittances: 835 files into the tracker's Claims, Denials and Remits tables."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from addin import classify
from addin.actions import audit
from addin.actions.code_list import code_book
from addin.actions.parse_remit import file_notes
from addin.adjudication import Adjudication, adjudication
from addin.classify import DenialTest
from addin.errors import RemitParseError
from addin.posting import Ledger, PostingStats
from addin.remit import Claim, RemitReader, TransactionEnd
from addin.workbook.base import Book
from addin.workbook.layout import CLAIMS, CODES, DENIALS, REMITS

MAX_REMIT_BYTES = 1 << 30
REMIT_SUFFIXES = frozenset({".835", ".txt", ".edi", ".era", ".x12", ".dat", ".rmt", ""})
Progress = Callable[[Iterable], Iterable]


@dataclass(slots=True)
class FileReport:
    """What happened to one input file."""

    path: Path
    outcome: str  # imported | already imported | failed
    message: str = ""
    transactions: int = 0
    claims: int = 0


@dataclass(slots=True)
class ImportReport:
    """The result of one Import Remittances run."""

    files: list[FileReport] = field(default_factory=list)
    stats: PostingStats = field(default_factory=PostingStats)
    saved: bool = False

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.outcome == "failed"]

    def summary(self) -> str:
        counts = {
            o: sum(f.outcome == o for f in self.files) for o in ("imported", "already imported")
        }
        s = self.stats
        parts = [f"{counts['imported']} file(s) imported"]
        if counts["already imported"]:
            parts.append(f"{counts['already imported']} already imported")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        money = f"${s.recovered:,.2f}"
        return (
            f"{', '.join(parts)}: {s.claims} claims ({s.new_claims} new), "
            f"{s.new_denials} new denials, {s.resolved_denials} resolved ({money} recovered), "
            f"{s.reversals} reversals, {s.findings} findings."
        )


@dataclass(slots=True)
class _ParsedTransaction:
    path: Path
    sha256: str
    order: int
    end: TransactionEnd
    adjudications: list[Adjudication]


def remit_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files to import: named paths as given, and the remit-like entries inside folders.

    A named path that does not exist, and a link in a folder whose file is gone, are kept:
    reading them reports the file as failed while the others import.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if _looks_like_remit(p)))
        else:
            found.append(path)
    return found


def _looks_like_remit(path: Path) -> bool:
    return (
        (path.is_file() or _is_dangling_link(path))
        and not path.name.startswith((".", "~$"))
        and path.suffix.lower() in REMIT_SUFFIXES
    )


def _is_dangling_link(path: Path) -> bool:
    return path.is_symlink() and not path.exists()


def _unreadable_reason(path: Path) -> str:
    """Why a path cannot be read as a remit file ("" when it is a regular file)."""
    if path.is_file():
        return ""
    if _is_dangling_link(path):
        return "a link (shortcut) to a file that is not there: fix or remove the link"
    if not path.exists():
        return "not found: check the path"
    return "not a regular file: name an 835 file or a folder of them"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_remit_file(
    path: Path,
    order: int,
    sha256: str,
    is_denial: DenialTest = classify.is_denial,
    on_bytes: Callable[[int], None] | None = None,
) -> list[_ParsedTransaction]:
    """Parse one file completely into postable transactions (raises RemitParseError);
    `on_bytes` hears how many bytes each read took (for a progress bar)."""
    size = path.stat().st_size
    if size > MAX_REMIT_BYTES:
        raise RemitParseError(
            f"the file is {size / 1e9:.1f} GB, far larger than any 835 remit: check that "
            "it is the right file"
        )
    transactions: list[_ParsedTransaction] = []
    pending: list[Adjudication] = []
    with path.open("rb") as handle:
        reader = RemitReader(_Counted(handle, on_bytes) if on_bytes else handle)
        for record in reader:
            if isinstance(record, Claim):
                pending.append(adjudication(record, path.name, is_denial))
            else:
                transactions.append(_ParsedTransaction(path, sha256, order, record, pending))
                pending = []
    notes = file_notes(reader)
    if notes:  # file-level findings go on the import-log row of the file's first payment
        first = transactions[0]
        first.end = first.end._replace(findings=first.end.findings + tuple(notes))
    return transactions


class _Counted:
    """A binary file that reports the size of each read."""

    def __init__(self, handle: BinaryIO, on_bytes: Callable[[int], None]):
        self._handle, self._on_bytes = handle, on_bytes

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        if data:
            self._on_bytes(len(data))
        return data


def import_remittances(
    book: Book,
    paths: Iterable[Path | str],
    *,
    progress: Progress = iter,
    on_bytes: Callable[[int], None] | None = None,
    notify: Callable[[str], None] = lambda message: None,
    now: datetime | None = None,
) -> ImportReport:
    """Import 835 files into the tracker: new claims, new denials, payments that resolve them.

    Every file is read completely before anything is posted; a file that cannot be read is
    reported and skipped whole, and the workbook is saved once, only if something changed.
    `progress` wraps the list of files; `on_bytes` hears the bytes read as they are read.
    """
    report = ImportReport()
    inputs = remit_files(paths)
    ledger = Ledger.from_frames(
        book.read_table(CLAIMS), book.read_table(DENIALS), book.read_table(REMITS)
    )
    book.ensure_table(CODES)
    is_denial = DenialTest(code_book(book.read_table(CODES)))  # the practice's Codes sheet
    parsed: list[_ParsedTransaction] = []
    for order, path in enumerate(progress(inputs)):
        parsed.extend(_read_one(path, order, ledger, report, is_denial, on_bytes))
    parsed.sort(key=lambda t: (t.end.header.payment.date or date.max, t.order))
    stamp = (now or datetime.now()).replace(microsecond=0)
    posted_from: set[Path] = set()
    for item in parsed:
        if ledger.post_transaction(
            item.end,
            item.adjudications,
            file_name=item.path.name,
            file_sha256=item.sha256,
            imported_at=stamp,
        ):
            posted_from.add(item.path)
    _mark_repeats(report, posted_from)
    report.stats = ledger.stats
    if ledger.stats.transactions:
        claims, denials, remits = ledger.frames()
        notify(f"Writing {len(claims):,} claims and {len(denials):,} denials to {book.name}…")
        book.write_table(CLAIMS, claims)
        book.write_table(DENIALS, denials)
        book.write_table(REMITS, remits)
        imported = [f.path.name for f in report.files if f.path in posted_from]
        audit.record(book, "Import remittances", report.summary(), imported, now=stamp)
        notify(f"Saving {book.name}…")
        book.save()
        report.saved = True
    return report


def _mark_repeats(report: ImportReport, posted_from: set[Path]) -> None:
    """A file whose every transaction was imported before (under another name) changed nothing."""
    for item in report.files:
        if item.outcome == "imported" and item.path not in posted_from:
            item.outcome = "already imported"
            item.message = "its payments were imported before from another file"


def _read_one(
    path: Path,
    order: int,
    ledger: Ledger,
    report: ImportReport,
    is_denial: DenialTest,
    on_bytes: Callable[[int], None] | None,
) -> list[_ParsedTransaction]:
    reason = _unreadable_reason(path)
    if reason:
        report.files.append(FileReport(path, "failed", reason))
        return []
    try:
        sha = file_sha256(path)
        if sha in ledger.known_files:
            report.files.append(
                FileReport(path, "already imported", "same content imported before")
            )
            return []
        transactions = read_remit_file(path, order, sha, is_denial, on_bytes)
    except RemitParseError as error:
        report.files.append(FileReport(path, "failed", str(error)))
        return []
    except OSError as error:
        report.files.append(FileReport(path, "failed", f"cannot read the file ({error.strerror})"))
        return []
    ledger.known_files.add(sha)
    claims = sum(len(t.adjudications) for t in transactions)
    report.files.append(FileReport(path, "imported", "", len(transactions), claims))
    return transactions
