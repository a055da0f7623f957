"""X12 text → segments: delimiters from the ISA (or a bare ST), streamed in chunks."""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from addin.errors import RemitParseError

CHUNK_SIZE = 1 << 16  # small chunks keep each batch of segment strings in the CPU cache
MAX_SEGMENT_LENGTH = 64 * 1024  # no real 835 segment comes near this; junk does
_HEAD_SIZE = 4096
_NEWLINES = "\r\n"
_PADDING = " \t"
# What a biller can do about a file that is not readable X12 at all.
RESEND = "The file is damaged or is not an 835 remittance: ask your clearinghouse to send it again."

Source = str | bytes | TextIO | BinaryIO | Iterable[str]
# What findings say for a segment whose "id" is not shaped like one: it may be a whole
# malformed segment (a patient's name and all), and remit content is never quoted.
UNREADABLE_ID = "unreadable id"
_X12_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_LATE_ISA = re.compile(r"(?<![A-Za-z0-9])ISA(?=[^A-Za-z0-9\s])")


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The separators an interchange declares; `segment` is "\\n" when lines end segments."""

    element: str
    component: str
    segment: str
    repetition: str = ""
    note: str = ""  # what reading the ISA had to assume (ISA16 missing), said for the log


@dataclass(slots=True)
class DecodeStats:
    """What decoding noticed about the raw bytes (shared with the parser for findings)."""

    replaced_characters: int = 0
    notes: list[str] = field(default_factory=list)  # what reading had to skip or assume


def detect_delimiters(head: str) -> Delimiters:
    """Read the delimiters from the start of an interchange (ISA) or of a bare transaction (ST)."""
    if head.startswith("ISA") and len(head) > 4:
        return _isa_delimiters(head)
    if head.startswith("ST") and len(head) > 3 and not head[2].isalnum():
        return _st_delimiters(head)
    raise RemitParseError(
        f"not an X12 file: it should start with an ISA (or ST) segment, but {_looks_like(head)}. "
        "Check that this is the 835 remittance file from your clearinghouse, not a report or a "
        "PDF."
    )


def segment_id(name: str) -> str:
    """A segment's id as a finding may name it, or UNREADABLE_ID when it is not an X12 id."""
    return name if _X12_ID.fullmatch(name) else UNREADABLE_ID


def _looks_like(head: str) -> str:
    """What a file that is not X12 seems to be, said without quoting it (it may name a patient)."""
    first = head.split("\n", 1)[0].strip()
    if first.startswith("<"):
        return "it looks like an XML or HTML page"
    if first.startswith(("{", "[")):
        return "it looks like JSON data"
    isa = _LATE_ISA.search(head)
    if isa:
        return f"{isa.start()} character(s) of other text come before its ISA segment"
    start = re.match(r"([A-Z0-9]+)[*|^~]", first)
    if start and _X12_ID.fullmatch(start.group(1)):
        return "it starts with a different X12 segment (its ISA envelope may be missing)"
    if first.count(",") >= 2 or first.count(";") >= 2 or "\t" in first:
        return "its first line looks like a CSV or spreadsheet row"
    return "it starts with other text"


def _isa_delimiters(head: str) -> Delimiters:
    element = head[3]
    if element.isalnum() or element in _NEWLINES or element == " ":
        raise RemitParseError(
            f"the ISA segment has no usable element separator ({element!r}). {RESEND}"
        )
    position = _nth_separator(head, element, 15)
    # ISA15 (usage indicator) is one character; the 16th separator follows it, then ISA16.
    if head[position + 1 : position + 2] == element:
        position += 1
    elif head[position + 2 : position + 3] == element:
        position += 2
    else:  # ISA16 missing: the ISA ends right after ISA15
        return _without_component(head, element, position + 2)
    component = head[position + 1 : position + 2]
    if not component:
        raise RemitParseError(
            f"the ISA segment is cut short: no component separator (ISA16). {RESEND}"
        )
    if component in _NEWLINES:  # "…*P*" then a line break: an empty ISA16
        return _without_component(head, element, position + 1)
    segment = _terminator_after(head, position + 2)
    fields = head[:position].split(element)
    repetition = fields[11] if len(fields) > 12 and fields[12] >= "00501" else ""
    if len(repetition) != 1 or repetition.isalnum():
        repetition = ""
    return Delimiters(element, component, segment, repetition)


def _nth_separator(head: str, element: str, count: int) -> int:
    position = 3  # the separator after "ISA" is the first
    for _ in range(count - 1):
        position = head.find(element, position + 1)
        if position < 0:
            raise RemitParseError(
                f"the ISA segment is cut short: it has fewer than 16 elements. {RESEND}"
            )
    return position


def _without_component(head: str, element: str, end: int) -> Delimiters:
    """An ISA with no component separator (ISA16): assume ':' and say so."""
    segment = _terminator_after(head, end)
    if segment == element or segment.isalnum():
        raise RemitParseError(
            f"the ISA segment is cut short: no component separator (ISA16). {RESEND}"
        )
    return Delimiters(
        element,
        ":",
        segment,
        "",
        "the ISA has no component separator (ISA16); ':' was assumed",
    )


def _st_delimiters(head: str) -> Delimiters:
    element = head[2]
    for index in range(3, len(head)):
        char = head[index]
        if not (char.isalnum() or char in (element, " ")):
            return Delimiters(element, ":", _terminator_after(head, index))
    raise RemitParseError(f"the file starts with ST but no segment terminator follows it. {RESEND}")


def _terminator_after(head: str, index: int) -> str:
    """The segment terminator: the character at `index`, or newline when lines end segments.

    Some payers write the terminator at the start of the next line (`…\\n~GS|…`): then the
    first character after the line break is the terminator, not the start of a segment.
    """
    char = head[index : index + 1]
    if not char:
        raise RemitParseError(f"the file ends right after its first segment. {RESEND}")
    if char not in _NEWLINES:
        return char
    rest = head[index:].lstrip(_NEWLINES + " ")
    if rest and not rest[0].isalnum():
        return rest[0]
    return "\n"


def iter_text(source: Source, stats: DecodeStats | None = None) -> Iterator[str]:
    """Yield the source as text chunks: str, bytes, text or binary file, or an iterable of str."""
    stats = stats if stats is not None else DecodeStats()
    if isinstance(source, str):
        yield from _slices(source)
    elif isinstance(source, bytes | bytearray):
        yield from _decode_chunks(_slices(bytes(source)), stats)
    elif hasattr(source, "read"):
        chunks = iter(lambda: source.read(CHUNK_SIZE), source.read(0))
        first = next(chunks, None)
        if first is None:
            return
        if isinstance(first, str):
            yield first
            yield from chunks
        else:
            yield from _decode_chunks(_prepend(first, chunks), stats)
    else:
        yield from source


def _slices(data):
    for start in range(0, len(data), CHUNK_SIZE):
        yield data[start : start + CHUNK_SIZE]


def _prepend(first, rest):
    yield first
    yield from rest


def _decode_chunks(chunks: Iterable[bytes], stats: DecodeStats) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    first = True
    for chunk in chunks:
        if first:
            _refuse_binary(chunk)
            first = False
        text = decoder.decode(chunk)
        stats.replaced_characters += text.count("\ufffd")
        yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        stats.replaced_characters += tail.count("\ufffd")
        yield tail


def _refuse_binary(chunk: bytes) -> None:
    sample = chunk[:_HEAD_SIZE]
    if b"\x00" in sample or sample.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        kind = (
            "a ZIP/Office document"
            if sample.startswith(b"PK")
            else ("a PDF" if sample.startswith(b"%PDF") else "binary data")
        )
        raise RemitParseError(
            f"not an 835 text file: it holds {kind}. Save the remittance as the plain X12 "
            "text your clearinghouse provides (often .835, .txt or .edi)."
        )


def read_segments(
    source: Source, stats: DecodeStats | None = None
) -> tuple[Delimiters, Iterator[list[str]]]:
    """Detect the delimiters, then stream each segment as its list of elements (id first).

    Splitting happens in C (`map(str.split, …)` over each chunk's segments): the readers'
    loops then receive ready element lists, which is measurably cheaper than splitting there.
    """
    stats = stats if stats is not None else DecodeStats()
    chunks = iter_text(source, stats)
    head = _read_head(chunks)
    if not head.strip():
        raise RemitParseError("the file is empty")
    head = _skip_prose(head, stats)
    delimiters = detect_delimiters(head)
    if delimiters.note:
        stats.notes.append(delimiters.note)
    batches = _segment_batches(head, chunks, delimiters.segment)
    separator = itertools.repeat(delimiters.element)
    split_batches = map(lambda batch: map(str.split, batch, separator), batches)
    return delimiters, itertools.chain.from_iterable(split_batches)


def _skip_prose(head: str, stats: DecodeStats) -> str:
    """Text before a well-formed ISA (a note someone typed above it) is skipped, with a note."""
    if head.startswith(("ISA", "ST")):
        return head
    found = _LATE_ISA.search(head)
    if found is None:
        return head
    try:
        detect_delimiters(head[found.start() :])
    except RemitParseError:
        return head  # not a well-formed ISA either: the caller's message says what it is
    stats.notes.append(f"{found.start()} character(s) of text before the ISA segment were skipped")
    return head[found.start() :]


def _segment_batches(buffer: str, chunks: Iterator[str], terminator: str) -> Iterator[list[str]]:
    """Split each chunk into its segments in one go (lists, so the caller iterates in C).

    Spaces some writers put around terminators are stripped, but only in chunks that have
    them (tabs and other oddities are left to the readers, which strip what they keep).
    """
    newline_mode = terminator == "\n"
    # Lines that end in a bare CR (old Mac style, no LF anywhere in the head) end segments too.
    cr_lines = newline_mode and "\n" not in buffer
    padding_after = terminator + " "  # spaces after a value are stripped where values are read
    while True:
        # Line breaks mean nothing in "~"-terminated files (some payers wrap at 80 columns).
        if "\r" in buffer:
            buffer = buffer.replace("\r", "\n" if cr_lines else "")
        if not newline_mode and "\n" in buffer:
            buffer = buffer.replace("\n", "")
        parts = buffer.split(terminator)
        if padding_after in buffer:  # one C search: spaces before an id would hide it
            parts = [p.strip(_PADDING) for p in parts]
        buffer = parts.pop()
        if "" in parts:
            parts = [p for p in parts if p]
        yield parts
        if len(buffer) > MAX_SEGMENT_LENGTH:
            raise RemitParseError(
                f"a segment is longer than {MAX_SEGMENT_LENGTH:,} characters. {RESEND}"
            )
        chunk = next(chunks, None)
        if chunk is None:
            break
        buffer += chunk
    buffer = buffer.strip(_PADDING + "\n")
    if buffer:
        yield [buffer]


def _read_head(chunks: Iterator[str]) -> str:
    buffer = ""
    while len(buffer) < _HEAD_SIZE:
        chunk = next(chunks, None)
        if chunk is None:
            break
        buffer += chunk
    return buffer.lstrip("\ufeff \t\r\n")
