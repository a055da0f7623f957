"""Where a big 835 can be cut to be read on several cores: before a CLP, and the envelope and
header (ISA, GS, ST … first CLP) of the transaction a cut falls in, which the piece after the
cut is read with (RemitReader's `resume`). Byte searches only: whether a piece really
continues what the reader had open at its cut is checked when pieces are put together
(RemitReader.continues), and a piece that does not is read again in order."""

from __future__ import annotations

from addin.errors import RemitParseError
from addin.remit.segments import detect_delimiters

_BOM = b"\xef\xbb\xbf"


def cut_points(data, count: int) -> list[int]:
    """Up to count - 1 positions that split `data` (bytes or mmap) into pieces of about equal
    size, each at the start of a CLP segment; none for a file not worth cutting."""
    delimiters = file_delimiters(data)
    if delimiters is None:
        return []
    element, terminator = delimiters
    size, cuts = len(data), []
    for k in range(1, count):
        cut = _find(data, b"CLP" + element, size * k // count, size, terminator)
        if cut > (cuts[-1] if cuts else 0):
            cuts.append(cut)
    return cuts


def file_delimiters(data) -> tuple[bytes, bytes] | None:
    """(element separator, segment terminator) of a file that starts with an ISA whose
    segments end with a character of their own (newline-ended files are read in one go)."""
    head = bytes(data[:4096]).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    try:
        delimiters = detect_delimiters(head)
    except RemitParseError:
        return None
    element, terminator = delimiters.element, delimiters.segment
    if not head.startswith("ISA") or terminator == "\n" or not (element + terminator).isascii():
        return None
    return element.encode(), terminator.encode()


def head_context(data, cut: int) -> bytes | None:
    """ISA + GS + ST … (up to its first CLP) of the 835 transaction the cut falls in, or None
    when no such transaction is found before it."""
    delimiters = file_delimiters(data)
    if delimiters is None:
        return None
    element, terminator = delimiters
    st = _rfind(data, b"ST" + element, 0, cut, terminator)
    if st < 0 or data[st : st + 7] != b"ST" + element + b"835" + element:
        return None
    isa = _rfind(data, b"ISA" + element, 0, st, terminator)
    first_claim = _find(data, b"CLP" + element, st, cut + 1, terminator)
    if isa < 0 or first_claim < 0:
        return None
    head = _segment(data, isa, terminator)
    gs = _rfind(data, b"GS" + element, isa, st, terminator)
    if gs >= 0:
        head += _segment(data, gs, terminator)
    head += bytes(data[st:first_claim])
    return None if b"\x00" in head else head


def _segment(data, start: int, terminator: bytes) -> bytes:
    end = data.find(terminator, start)
    return bytes(data[start : end + 1]) if end >= 0 else b""


def _starts_segment(data, position: int, terminator: bytes) -> bool:
    """Whether a segment starts at `position`: a terminator (or the file's start) before it,
    with only line breaks and padding between."""
    index = position
    while index > 0 and data[index - 1 : index] in (b"\r", b"\n", b" ", b"\t"):
        index -= 1
    if index == 0 or (index == 3 and data[:3] == _BOM):
        return True
    return data[index - 1 : index] == terminator


def _find(data, tag: bytes, start: int, end: int, terminator: bytes) -> int:
    while True:
        position = data.find(tag, start, end)
        if position < 0 or _starts_segment(data, position, terminator):
            return position
        start = position + 1


def _rfind(data, tag: bytes, start: int, end: int, terminator: bytes) -> int:
    while True:
        position = data.rfind(tag, start, end)
        if position < 0 or _starts_segment(data, position, terminator):
            return position
        end = position + len(tag) - 1
