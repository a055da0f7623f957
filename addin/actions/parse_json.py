"""`parse --json`: an 835's claims as JSON Lines. A big file is read on every core: it is cut
before claims (remit/pieces.py); this process reads the first piece straight to stdout while
worker processes read the others into temporary files; their tallies are then added in file
order, so the output and the notes are byte for byte those of one reader
(tests/test_parse_pieces.py)."""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, TextIO

from addin.errors import RemitParseError
from addin.remit import Claim, RemitReader, TransactionEnd
from addin.remit.export import claim_json
from addin.remit.parser import PieceResult
from addin.remit.pieces import cut_points, head_context

# Below ~4 MB (~10,000 claims, well under a second) a second process costs more than it saves;
# where a worker is a fresh interpreter (spawn: Windows, macOS), below ~16 MB.
MIN_BYTES = 4 << 20
MIN_BYTES_SPAWN = 16 << 20
BATCH = 1 << 15  # characters per write (see write_lines)
_JSON_ONLY = {"names": False, "fingerprint": False}  # what the JSON does not print: not read


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
    floor = MIN_BYTES if sys.platform == "linux" else MIN_BYTES_SPAWN
    floor = floor if min_bytes is None else min_bytes
    if count > 1 and path.stat().st_size >= floor:
        with path.open("rb") as handle, _mapped(handle) as data:
            cuts = cut_points(data, count) if data is not None else []
            if cuts:
                _write_in_pieces(path, data, [0, *cuts, len(data)], out, note)
                return
    with path.open("rb") as handle:
        reader = RemitReader(handle, **_JSON_ONLY)
        write_lines(json_lines(reader, path.name, note), out)
        for finding in file_notes(reader):
            note(f"{path.name}: {finding}")


def json_lines(
    records: Iterable[Claim | TransactionEnd], name: str, note: Callable[[str], None]
) -> Iterator[str]:
    """Each claim's JSON line; what is found about a transaction goes to `note`."""
    is_claim = Claim.__instancecheck__
    for record in records:
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
    """Lines to `out` about BATCH characters at a time; those read before an error too.

    Small writes: a text of a megabyte or more is a fresh block of memory from the system
    for each write (its pages faulted in, then handed back), which made writing 50,000
    claims cost 0.1 s more than the 32 KB writes here (bench/README.md).
    """
    batch: list[str] = []
    size = 0
    try:
        for line in lines:
            batch.append(line)
            size += len(line)
            if size >= BATCH:
                batch.append("")  # the last newline, without copying the batch's text again
                out.write("\n".join(batch))
                batch.clear()
                size = 0
    finally:
        if batch:
            batch.append("")
            out.write("\n".join(batch))


class _Done(NamedTuple):
    """What a worker read: its tallies (None if it could not read its piece), notes, error."""

    piece: PieceResult | None
    notes: list[str]
    error: str


def _write_in_pieces(path: Path, data, bounds: list[int], out: TextIO, note) -> None:
    """The first piece here, the others in workers; a piece that does not continue what was
    read before it (RemitReader.continues) or that failed is read here again, in order."""
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    pieces = list(itertools.pairwise(bounds))
    spools = []
    try:
        for _ in pieces[1:]:
            spool = tempfile.NamedTemporaryFile(prefix="denialdesk-", suffix=".jsonl", delete=False)
            spool.close()
            spools.append(spool.name)
        out.flush()  # a forked worker would otherwise write what is still buffered, again
        sys.stderr.flush()
        with ProcessPoolExecutor(len(spools), mp_context=_context()) as pool:
            futures = [
                pool.submit(read_piece, str(path), start, end, spool)
                for (start, end), spool in zip(pieces[1:], spools, strict=True)
            ]
            reader = RemitReader(_Window(data, *pieces[0]), **_JSON_ONLY, finish=False)
            write_lines(json_lines(reader, path.name, note), out)
            for (start, end), future, spool in zip(pieces[1:], futures, spools, strict=True):
                try:
                    done = future.result()
                except Exception:  # a worker that died (out of memory …): read its piece here
                    done = _Done(None, [], "failed")
                if done.piece is None or done.error or not reader.continues(done.piece):
                    again = reader.read_on(_Window(data, start, end))
                    write_lines(json_lines(again, path.name, note), out)
                    continue
                _copy(spool, out)
                reader.add_piece(done.piece)
                for text in _end_notes(reader.take_ready(), path.name) + done.notes:
                    note(text)
        reader.finish()
        for finding in file_notes(reader):
            note(f"{path.name}: {finding}")
    finally:
        for spool in spools:
            Path(spool).unlink(missing_ok=True)


def _end_notes(ends: list[TransactionEnd], name: str) -> list[str]:
    return [f"{name} transaction {e.header.control_number}: {f}" for e in ends for f in e.findings]


def read_piece(path: str, start: int, end: int, spool: str) -> _Done:
    """In a worker: the claims of bytes [start, end) as JSON Lines into `spool`, with what
    `add_piece` needs; read with the header context of the transaction the piece begins in."""
    notes: list[str] = []
    with open(path, "rb") as handle, _mapped(handle) as data:
        head = head_context(data, start) if data is not None else None
        if head is None:
            return _Done(None, notes, "")
        window = _Window(data, start, end, head)
        reader = RemitReader(window, **_JSON_ONLY, finish=False, resume=True)
        with open(spool, "w", encoding="ascii", newline="") as out:
            try:
                write_lines(json_lines(reader, Path(path).name, notes.append), out)
            except RemitParseError as error:
                return _Done(None, notes, str(error))
    # bytes the head context had replaced were counted by the piece that holds them
    reader.stats.replaced_characters -= head.decode("utf-8", "replace").count("\ufffd")
    return _Done(reader.piece_result(), notes, "")


def _copy(spool: str, out: TextIO) -> None:
    """A worker's JSON Lines to `out`: as bytes where lines end in a newline alone (by the
    system itself into a file or pipe), through the text layer elsewhere (Windows line ends)."""
    buffer = getattr(out, "buffer", None)
    binary = buffer is not None and os.linesep == "\n"
    if binary:
        out.flush()
    with open(spool, "rb", buffering=0) as source:
        offset = _sent(source, buffer) if binary else 0
        source.seek(offset)
        chunk = bytearray(1 << 16)  # one buffer, reused: see write_lines
        view = memoryview(chunk)
        while size := source.readinto(chunk):
            if binary:
                buffer.write(view[:size])
            else:
                out.write(str(view[:size], "ascii"))
    if binary:
        buffer.flush()


def _sent(source, buffer) -> int:
    """How much of `source` sendfile copied into `buffer` (0 where it is no real file)."""
    offset = 0
    try:
        target, size = buffer.fileno(), os.fstat(source.fileno()).st_size
        buffer.flush()
        while offset < size and (sent := os.sendfile(target, source.fileno(), offset, size)):
            offset += sent
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is an OSError
        pass
    return offset


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


@contextlib.contextmanager
def _mapped(handle):
    """The file's bytes, mapped (None where it cannot be: then it is read in one process)."""
    try:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        yield None
        return
    with data:
        yield data


def _context():
    """fork where it is safe and quick (Linux: nothing to import again); spawn elsewhere."""
    import multiprocessing

    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
