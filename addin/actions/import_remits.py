"""Import Remittances: 835 files into the tracker's Claims, Denials and Remits tables."""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from addin import classify, codebook, submissions
from addin.actions import audit, follow_up, queue_refresh
from addin.actions.keys import remap_work_queue
from addin.actions.parse_remit import file_notes
from addin.adjudication import Adjudication, adjudication
from addin.classify import DenialTest
from addin.errors import RemitParseError
from addin.posting import Ledger, PostingStats
from addin.remit import Claim, RemitReader, TransactionEnd
from addin.remit.outgoing_models import Acknowledgment, SubmittedClaim
from addin.remit.x12 import REMIT, X12Reader, sniff
from addin.workbook import limits
from addin.workbook.base import Book
from addin.workbook.layout import CLAIMS, CODES, DENIALS, REMITS, Col

SPOOL_CHUNK = 5_000  # a transaction's adjudications kept in memory before spooling to disk
REMIT_SUFFIXES = frozenset(
    {".835", ".txt", ".edi", ".era", ".x12", ".dat", ".rmt", ".837", ".999", ".277", ".277ca", ""}
)
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
    submitted: int = 0  # claim submissions (837) posted
    acknowledgments: int = 0  # 999/277CA answers posted
    rejected: int = 0  # of which rejections

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
        sent = ""
        if self.submitted or self.acknowledgments:
            sent = (
                f"; {self.submitted} claim submission(s), {self.acknowledgments} "
                f"acknowledgment(s) ({self.rejected} rejected)"
            )
        return (
            f"{', '.join(parts)}: {s.claims} claims ({s.new_claims} new), "
            f"{s.new_denials} new denials, {s.resolved_denials} resolved ({money} recovered), "
            f"{s.reversals} reversals, {s.findings} findings{sent}."
        )


@dataclass(slots=True)
class _ParsedOutgoing:
    """The submitted claims or acknowledgments of one 837, 999 or 277CA file."""

    path: Path
    sha256: str
    order: int
    kind: str
    records: list[SubmittedClaim | Acknowledgment]
    notes: list[str]


@dataclass(slots=True)
class _ParsedTransaction:
    path: Path
    sha256: str
    order: int
    end: TransactionEnd
    adjudications: _Spool


class _SpoolFile:
    """One temporary file for the whole import, holding pickled chunks of adjudications.

    Every file is read completely before anything is posted (a file that fails is skipped
    whole), so a 500,000-claim remit's facts would otherwise sit in memory (~0.4 GB) until
    posting. The file is anonymous (gone when closed, or when the process dies).
    """

    def __init__(self) -> None:
        self._file = None

    def put(self, items: list[Adjudication]) -> tuple[int, int]:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="denialdesk-")
        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(0, 2)
        offset = self._file.tell()
        self._file.write(data)
        return offset, len(data)

    def get(self, where: tuple[int, int]) -> list[Adjudication]:
        offset, length = where
        self._file.seek(offset)
        return pickle.loads(self._file.read(length))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class _Spool:
    """A transaction's adjudications in reading order: in memory while few, else in chunks of
    SPOOL_CHUNK on the import's spool file; iterated once, when the transaction is posted."""

    def __init__(self, store: _SpoolFile | None):
        self._store = store
        self._chunks: list[tuple[int, int]] = []
        self._pending: list[Adjudication] = []
        self.count = 0

    def append(self, item: Adjudication) -> None:
        self._pending.append(item)
        self.count += 1
        if self._store is not None and len(self._pending) >= SPOOL_CHUNK:
            self._chunks.append(self._store.put(self._pending))
            self._pending = []

    def __iter__(self) -> Iterator[Adjudication]:
        for where in self._chunks:
            yield from self._store.get(where)
        yield from self._pending

    def __len__(self) -> int:
        return self.count


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
    spool: _SpoolFile | None = None,
) -> list[_ParsedTransaction]:
    """Parse one file completely into postable transactions (raises RemitParseError);
    `on_bytes` hears how many bytes each read took (for a progress bar); big transactions'
    facts go to `spool` (a temporary file) until they are posted."""
    size = path.stat().st_size
    if size > limits.MAX_REMIT_BYTES:
        raise RemitParseError(
            f"the file is {limits.size_text(size)}, more than the "
            f"{limits.size_text(limits.MAX_REMIT_BYTES)} an 835 remit may be: check that it "
            "is the right file, or ask the payer to split it"
        )
    transactions: list[_ParsedTransaction] = []
    pending = _Spool(spool)
    claims = 0
    with path.open("rb") as handle:
        reader = RemitReader(_Counted(handle, on_bytes) if on_bytes else handle)
        for record in reader:
            if isinstance(record, Claim):
                claims += 1
                if claims > limits.MAX_CLAIMS_PER_REMIT:
                    raise RemitParseError(
                        f"the file has more than the {limits.MAX_CLAIMS_PER_REMIT:,} claims "
                        "one 835 remit may carry: check that it is the right file, or ask "
                        "the payer to split it"
                    )
                pending.append(adjudication(record, path.name, is_denial))
            else:
                transactions.append(_ParsedTransaction(path, sha256, order, record, pending))
                pending = _Spool(spool)
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
    is_denial = DenialTest(codebook.load(book.read_table(CODES)))  # the practice's Codes sheet
    poster = submissions.Submissions(ledger)
    outgoing: list[_ParsedOutgoing] = []
    stamp = (now or datetime.now()).replace(microsecond=0)
    with contextlib.closing(_SpoolFile()) as spool:
        parsed: list[_ParsedTransaction] = []
        for order, path in enumerate(progress(inputs)):
            for item in _read_one(path, order, ledger, report, is_denial, on_bytes, spool):
                (outgoing if isinstance(item, _ParsedOutgoing) else parsed).append(item)
        parsed.sort(key=lambda t: (t.end.header.payment.date or date.max, t.order))
        posted_from = _post_outgoing_all(poster, ledger, outgoing, stamp, report)
        posted_from |= _post_all(ledger, parsed, stamp)
    _mark_repeats(report, posted_from)
    report.stats = ledger.stats
    if ledger.stats.transactions or posted_from:
        submissions.refresh_all(ledger.claims, stamp.date())
        del poster  # it indexes rows: they must go as the frames take them
        claims, denials, remits = ledger.frames()
        rekeyed = ledger.rekeyed_denials
        del ledger  # its rows now live in the frames
        notify(f"Writing {len(claims):,} claims and {len(denials):,} denials to {book.name}…")
        remap_work_queue(book, rekeyed)
        follow_ups = None
        if follow_up.any_submitted(claims):
            follow_ups = follow_up.refresh(book, follow_up.rows_to_follow(claims), stamp.date())
        # settled rows leave the queue; the follow-ups just worked out join its end
        denials, _ = queue_refresh.refresh_queue(book, denials, follow_ups)
        for spec, frame in ((CLAIMS, claims), (DENIALS, denials), (REMITS, remits)):
            book.write_table(spec, frame)
        del claims, denials, remits, frame
        imported = [f.path.name for f in report.files if f.path in posted_from]
        audit.record(book, "Import remittances", report.summary(), imported, now=stamp)
        notify(f"Saving {book.name}…")
        book.save()
        report.saved = True
    return report


def _post_all(ledger: Ledger, parsed: list[_ParsedTransaction], stamp: datetime) -> set[Path]:
    """Post the transactions in order; the files any of them came from."""
    posted_from: set[Path] = set()
    for index, item in enumerate(parsed):
        if ledger.post_transaction(
            item.end,
            item.adjudications,
            file_name=item.path.name,
            file_sha256=item.sha256,
            imported_at=stamp,
        ):
            posted_from.add(item.path)
        parsed[index] = None  # its facts are posted: let them go
    return posted_from


def _post_outgoing_all(
    poster: submissions.Submissions,
    ledger: Ledger,
    outgoing: list[_ParsedOutgoing],
    stamp: datetime,
    report: ImportReport,
) -> set[Path]:
    """Post the 837s first, then the 999s and 277CAs (any order gives the same rows)."""
    posted_from: set[Path] = set()
    for batch in sorted(outgoing, key=lambda b: (b.kind not in ("837P", "837I"), b.order)):
        if _post_outgoing(poster, ledger, batch, stamp):
            posted_from.add(batch.path)
    report.submitted, report.rejected = poster.new_submissions, poster.rejected
    report.acknowledgments = poster.acknowledged
    return posted_from


def _mark_repeats(report: ImportReport, posted_from: set[Path]) -> None:
    """A file whose every transaction was imported before (under another name) changed nothing."""
    for item in report.files:
        if item.outcome == "imported" and item.path not in posted_from and not item.message:
            item.outcome = "already imported"
            item.message = "its payments were imported before from another file"


def _kind_of(path: Path) -> str:
    """What the file holds, by its first transaction's envelope ("" when none is found)."""
    with path.open("rb") as handle:
        return sniff(handle)


def read_outgoing_file(path: Path, order: int, sha256: str, kind: str) -> _ParsedOutgoing:
    """Read a whole 837, 999 or 277CA file (raises RemitParseError)."""
    size = path.stat().st_size
    if size > limits.MAX_REMIT_BYTES:
        raise RemitParseError(f"the file is {size / 1e9:.1f} GB: check that it is the right file")
    with path.open("rb") as handle:
        reader = X12Reader(handle)
        records = list(reader)
    if not records and kind.startswith("837"):
        raise RemitParseError(
            "this X12 837 (claim) file holds no claims to import: check that it is complete"
        )
    return _ParsedOutgoing(path, sha256, order, kind, records, reader.notes)


def _post_outgoing(
    poster: submissions.Submissions, ledger: Ledger, batch: _ParsedOutgoing, stamp: datetime
) -> bool:
    """Post one file's claims or acknowledgments, logging each transaction once on Remits."""
    posted = False
    for key, records, log in _transactions(batch):
        if key in ledger.known_remits:
            continue
        counted = 0
        for record in records:
            if isinstance(record, SubmittedClaim):
                counted += poster.post_claim(record)
            else:
                counted += poster.post_ack(record)
        notes = "; ".join(batch.notes) if not posted and batch.notes else ""
        findings = "; ".join(filter(None, [log.pop(Col.FINDINGS, ""), notes])) or None
        ledger.remits.append(
            submissions.log_row(
                ledger,
                key,
                **log,
                **{
                    Col.FILE: batch.path.name,
                    Col.FILE_SHA256: batch.sha256,
                    Col.CLAIMS: counted,
                    Col.FINDINGS: findings,
                    Col.IMPORTED_AT: stamp,
                },
            )
        )
        ledger.known_remits.add(key)
        posted = True
    return posted


def _transactions(batch: _ParsedOutgoing):
    """(import-log key, records, log columns) per 837 set, per 999 answer, per 277CA file."""
    groups: dict[tuple, list] = {}
    for record in batch.records:
        if isinstance(record, SubmittedClaim):
            where = (record.kind, record.group_control, record.transaction_control)
        elif record.source == "999":
            where = ("999", record.group_control, record.transaction_control, record.on)
        else:
            where = ("277CA",)
        groups.setdefault(where, []).append(record)
    for where, records in groups.items():
        first = records[0]
        parts = [repr(r) for r in records]
        log = {Col.METHOD: where[0], Col.PAYER: getattr(first, "payer_name", "") or None}
        if where[0] in ("837P", "837I"):
            log[Col.TRANSACTION] = f"{first.group_control}/{first.transaction_control}"
        elif where[0] == "999":
            log[Col.TRANSACTION] = f"{first.group_control}/{first.transaction_control}"
            log[Col.FINDINGS] = submissions.set_ack_finding(first)
            parts = [log[Col.TRANSACTION], log[Col.FINDINGS]]
        yield submissions.transaction_key(where[0], parts), records, log


def _read_one(
    path: Path,
    order: int,
    ledger: Ledger,
    report: ImportReport,
    is_denial: DenialTest,
    on_bytes: Callable[[int], None] | None,
    spool: _SpoolFile | None = None,
) -> list[_ParsedTransaction | _ParsedOutgoing]:
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
        kind = _kind_of(path)
        if kind not in ("", REMIT):
            outgoing = read_outgoing_file(path, order, sha, kind)
            ledger.known_files.add(sha)
            claims = sum(isinstance(r, SubmittedClaim) for r in outgoing.records)
            note = "" if outgoing.records else "it answers no claim one by one: nothing to apply"
            report.files.append(FileReport(path, "imported", note, 1, claims))
            return [outgoing] if outgoing.records else []
        transactions = read_remit_file(path, order, sha, is_denial, on_bytes, spool)
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
