"""One X12 file → the kind it holds (835, 837P, 837I, 999, 277CA) and the records of the
non-835 kinds: submitted claims and acknowledgments, streamed, with the 835 reader's tolerance
(the same tokeniser: any delimiters, any line breaks, several interchanges, BOM, prose)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

from addin.errors import RemitParseError
from addin.remit.acks import ClaimAckTransaction, SetAckTransaction
from addin.remit.outgoing import ClaimTransaction, kind_of
from addin.remit.outgoing_models import Acknowledgment, SubmittedClaim
from addin.remit.segments import DecodeStats, Source, read_segments
from addin.remit.values import to_date

REMIT = "835"
ACK_999 = "999"
ACK_277CA = "277CA"
KINDS = (REMIT, "837P", "837I", ACK_999, ACK_277CA)
_HEAD_SEGMENTS = 40  # the first ST comes within a few segments of the ISA
PAD = [""] * 24


def sniff(source: Source) -> str:
    """The kind of the file's first transaction, told by its ST01 (and ST03/GS08 for an 837)."""
    _, segments = read_segments(source)
    group_guide = ""
    for count, elements in enumerate(segments):
        name = elements[0].strip().upper()
        e = elements + PAD
        if name == "GS":
            group_guide = e[8].strip()
        elif name == "ST":
            return _kind(e[1].strip(), e[3].strip(), group_guide)
        if count > _HEAD_SEGMENTS:
            break
    return ""


def _kind(st01: str, guide: str, group_guide: str) -> str:
    if st01 == "837":
        return kind_of(guide, group_guide) or "837P"
    if st01 == "277" and ("X214" in guide + group_guide or not (guide + group_guide)):
        return ACK_277CA
    return {"835": REMIT, "999": ACK_999, "997": ACK_999}.get(st01, st01 or "?")


class X12Reader:
    """Reads 837, 999 and 277CA transactions of one file; iterate it for their records.

    `kinds` counts the transactions read by kind; `notes` says what was skipped or assumed.
    """

    def __init__(self, source: Source):
        self.stats = DecodeStats()
        self._source = source
        self.kinds: Counter = Counter()
        self.other_transactions: Counter = Counter()
        self.notes: list[str] = []
        self.interchanges = 0

    def __iter__(self) -> Iterator[SubmittedClaim | Acknowledgment]:
        delimiters, segments = read_segments(self._source, self.stats)
        component = delimiters.component
        on: date | None = None
        group = group_guide = ""
        tx = None
        for elements in segments:
            name = elements[0].strip().upper()
            e = elements + PAD
            if name == "ISA":
                self.interchanges += 1
                on = to_date(e[9]) or on
            elif name == "GS":
                on, group, group_guide = to_date(e[4]) or on, e[6].strip(), e[8].strip()
            elif name == "ST":
                if tx is not None:
                    self.notes.append("a transaction has no SE before the next ST")
                    yield from tx.finish()
                tx = self._start(e, group, group_guide, on, component)
            elif name == "SE":
                if tx is not None:
                    yield from tx.finish()
                tx = None
            elif tx is not None:
                tx.feed([name, *elements[1:]])
        if tx is not None:
            self.notes.append("the file ends inside a transaction (no SE): it may be cut short")
            yield from tx.finish()
        self._finish()

    def _start(self, e, group: str, group_guide: str, on, component: str):
        kind = _kind(e[1].strip(), e[3].strip(), group_guide)
        guide = e[3].strip() or group_guide
        if kind in ("837P", "837I"):
            self.kinds[kind] += 1
            return ClaimTransaction(kind, guide, group, e[2].strip(), on, component)
        if kind == ACK_999:
            self.kinds[kind] += 1
            return SetAckTransaction(component, on)
        if kind == ACK_277CA:
            self.kinds[kind] += 1
            return ClaimAckTransaction(component, on)
        self.other_transactions[kind] += 1
        return None

    def _finish(self) -> None:
        self.notes[:0] = self.stats.notes
        if self.stats.replaced_characters:
            self.notes.append(
                f"{self.stats.replaced_characters} byte(s) were not valid UTF-8 and were replaced"
            )
        if not self.kinds:
            kinds = ", ".join(sorted(self.other_transactions)) or "none"
            raise RemitParseError(
                f"no 837, 999 or 277CA transaction found in the file (transactions: {kinds})"
            )


def read_x12(source: Source) -> Iterator[SubmittedClaim | Acknowledgment]:
    """Stream the submitted claims and acknowledgments of one file."""
    return iter(X12Reader(source))
