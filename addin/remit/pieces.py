"""Where a big 835 can be cut to be read on several cores: before a CLP, with the envelope and
header (ISA, GS, ST … first CLP) of the transaction the cut falls in (see RemitReader's
`resume`). Byte searches only; a cut that anything could make doubtful is not made."""

from __future__ import annotations

from typing import NamedTuple

from addin.errors import RemitParseError
from addin.remit.segments import detect_delimiters

_SPACE = b"\r\n \t"
_BOM = b"\xef\xbb\xbf"


class Piece(NamedTuple):
    """Bytes [start, end) of the file; `head` is the context a piece after the first needs."""

    start: int
    end: int
    head: bytes


def plan_pieces(data, count: int) -> list[Piece]:
    """Up to `count` pieces of about equal size covering `data` (bytes or mmap), cut before a
    CLP; one piece (the whole file) when no safe cut is found."""
    size = len(data)
    try:
        element, terminator = _delimiters(data)
    except RemitParseError:
        return [Piece(0, size, b"")]
    cuts: list[tuple[int, bytes]] = []
    for k in range(1, count):
        start = _find(data, b"CLP" + element, size * k // count, size, terminator)
        if start < 0 or (cuts and start <= cuts[-1][0]):
            continue
        head = _head(data, start, element, terminator)
        if head is not None:
            cuts.append((start, head))
    starts = [0, *(start for start, _ in cuts), size]
    heads = [b"", *(head for _, head in cuts)]
    return [Piece(starts[i], starts[i + 1], heads[i]) for i in range(len(heads))]


def _delimiters(data) -> tuple[bytes, bytes]:
    head = bytes(data[:4096]).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    delimiters = detect_delimiters(head)
    if not head.startswith("ISA") or delimiters.segment == "\n" or not delimiters.element.isascii():
        raise RemitParseError("no safe cut")  # newline-ended or bare-ST files: read in one go
    return delimiters.element.encode(), delimiters.segment.encode()


def _head(data, cut: int, element: bytes, terminator: bytes) -> bytes | None:
    """ISA + GS + ST … (up to the first CLP) of the 835 transaction open at `cut`, or None."""
    st = _rfind(data, b"ST" + element, 0, cut, terminator)
    if st < 0 or data[st : st + 7] != b"ST" + element + b"835" + element:
        return None
    isa = _rfind(data, b"ISA" + element, 0, st, terminator)
    if isa < 0 or _closes_between(data, st, cut, element, terminator):
        return None
    gs = _rfind(data, b"GS" + element, isa, st, terminator)
    first_claim = _find(data, b"CLP" + element, st, cut + 1, terminator)
    if first_claim < 0:
        return None
    head = _segment(data, isa, terminator)
    if gs >= 0:
        head += _segment(data, gs, terminator)
    head += bytes(data[st:first_claim])
    return None if b"\x00" in head else head


def _closes_between(data, st: int, cut: int, element: bytes, terminator: bytes) -> bool:
    """Whether anything between the ST and the cut could end or replace its transaction for
    the reader (which also reads lower-case and space-padded ids): an SE, ST or ISA."""
    region = bytes(data[st + 2 : cut]).upper()
    for name in (b"SE", b"ST", b"ISA"):
        for after in (element, b" ", b"\t"):
            if _rfind(region, name + after, 0, len(region), terminator) >= 0:
                return True
    return False


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
