"""`parse --json`: an 835's claims as JSON Lines. A big file is read on every core: it is cut
before claims (remit/pieces.py); this process reads the first piece straight to stdout while
worker processes read the others into temporary files; their tallies are then added in file
order, so the output and the notes are byte for byte those of one reader
(tests/test_parse_pieces.py)."""

from __future__ import annotations

import mmap
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple, TextIO

from addin.errors import RemitParseError
from addin.remit import Claim, RemitReader
from addin.remit.export import claim_json
from addin.remit.parser import PieceResult
from addin.remit.pieces import Piece, plan_pieces

# Below ~4 MB (~10,000 claims, well under a second) a second process costs more than it saves.
MIN_BYTES = 4 << 20
BATCH = 2000  # lines per write


def cores() -> int:
    """Cores this process may use; DENIALDESK_WORKERS=1 reads every file in one process."""
    chosen = os.environ.get("DENIALDESK_WORKERS", "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Windows, macOS
        return os.cpu_count() or 1


def write_json(
    path: Path,
    out: TextIO,
    note: Callable[[str], None],
    *,
    pieces: int | None = None,
    min_bytes: int | None = None,
) -> None:
    """Write the claims of the 835 at `path` to `out` as JSON Lines (notes to `note`), in
    `pieces` processes (default: one per core) when the file is big enough."""
    count = cores() if pieces is None else pieces
    if count > 1 and path.stat().st_size >= (MIN_BYTES if min_bytes is None else min_bytes):
        with path.open("rb") as handle, _mapped(handle) as data:
            plan = plan_pieces(data, count)
            if len(plan) > 1:
                _write_in_pieces(path, data, plan, out, note)
                return
    with path.open("rb") as handle:
        reader = RemitReader(handle)
        write_lines(json_lines(reader, path.name, note), out)
        for finding in file_notes(reader):
            note(f"{path.name}: {finding}")


def json_lines(reader: RemitReader, name: str, note: Callable[[str], None]) -> Iterator[str]:
    """Each claim's JSON line; what is found about a transaction goes to `note`."""
    is_claim = Claim.__instancecheck__
    for record in reader:
        if is_claim(record):
            yield claim_json(record, name)
        else:
            for finding in record.findings:
                note(f"{name} transaction {record.header.control_number}: {finding}")


def file_notes(reader: RemitReader) -> list[str]:
    """What the reader found about the file as a whole (after it has been read)."""
    notes = list(reader.file_findings)
    if reader.other_transactions:
        kinds = ", ".join(f"{n} × {k}" for k, n in sorted(reader.other_transactions.items()))
        notes.append(f"skipped transactions that are not 835s ({kinds})")
    return notes


def write_lines(lines: Iterator[str], out: TextIO) -> None:
    """Lines to `out`, BATCH at a time; those read before an error are written too."""
    batch: list[str] = []
    try:
        for line in lines:
            batch.append(line)
            if len(batch) == BATCH:
                out.write("\n".join(batch) + "\n")
                batch.clear()
    finally:
        if batch:
            out.write("\n".join(batch) + "\n")


class _Done(NamedTuple):
    """What a worker read: its tallies (None if it failed at once), notes, error."""

    piece: PieceResult | None
    notes: list[str]
    error: str


def _write_in_pieces(path: Path, data, plan: list[Piece], out: TextIO, note) -> None:
    spools = []
    try:
        for _ in plan[1:]:
            spool = tempfile.NamedTemporaryFile(prefix="denialdesk-", suffix=".jsonl", delete=False)
            spool.close()
            spools.append(spool.name)
        with ProcessPoolExecutor(len(plan) - 1, mp_context=_context()) as pool:
            futures = [
                pool.submit(read_piece, str(path), piece, spool)
                for piece, spool in zip(plan[1:], spools, strict=True)
            ]
            reader = RemitReader(_Window(data, 0, plan[0].end), finish=False)
            write_lines(json_lines(reader, path.name, note), out)
            for future, spool in zip(futures, spools, strict=True):
                done = future.result()
                _copy(spool, out)
                if done.piece is not None:
                    reader.add_piece(done.piece)
                    for end in reader.take_ready():
                        for finding in end.findings:
                            note(f"{path.name} transaction {end.header.control_number}: {finding}")
                for text in done.notes:
                    note(text)
                if done.error:
                    raise RemitParseError(done.error)
        reader.finish()
        for finding in file_notes(reader):
            note(f"{path.name}: {finding}")
    finally:
        for spool in spools:
            Path(spool).unlink(missing_ok=True)


def read_piece(path: str, piece: Piece, spool: str) -> _Done:
    """In a worker: the claims of one piece as JSON Lines into `spool`, and its tallies."""
    notes: list[str] = []
    name = Path(path).name
    with (
        open(path, "rb") as handle,
        _mapped(handle) as data,
        open(spool, "w", encoding="ascii", newline="") as out,
    ):
        window = _Window(data, piece.start, piece.end, piece.head)
        reader = RemitReader(window, finish=False, resume=True)
        try:
            write_lines(json_lines(reader, name, notes.append), out)
        except RemitParseError as error:
            return _Done(_result(reader, piece), notes, str(error))
        return _Done(_result(reader, piece), notes, "")


def _result(reader: RemitReader, piece: Piece) -> PieceResult | None:
    # bytes the head context had replaced were counted by the piece that holds them
    head_replaced = piece.head.decode("utf-8", "replace").count("\ufffd")
    reader.stats.replaced_characters -= head_replaced
    return reader.piece_result()


def _copy(spool: str, out: TextIO) -> None:
    with open(spool, "rb") as source:
        buffer = getattr(out, "buffer", None)
        if buffer is not None and os.linesep == "\n":
            out.flush()
            shutil.copyfileobj(source, buffer, 1 << 20)
            buffer.flush()
            return
        while chunk := source.read(1 << 20):  # through the text layer (Windows line ends)
            out.write(chunk.decode("ascii"))


class _Window:
    """A binary file's read() over data[start:end], `head` first."""

    def __init__(self, data, start: int, end: int, head: bytes = b""):
        self._data, self._position, self._end, self._head = data, start, end, head

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        stop = self._end if size < 0 else min(self._end, self._position + size)
        chunk = self._data[self._position : stop]
        self._position = stop
        return chunk


def _mapped(handle):
    return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _context():
    """fork where it is safe and quick (Linux: nothing to import again); spawn elsewhere."""
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
