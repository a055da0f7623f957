"""Segments → 835 records: a streaming reader that yields claims and transaction ends.

The envelope and header segments go through one small handler each; claim loops, which are
most of any remit, are read by `claims.ClaimLoop` in one pass.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from addin.errors import RemitParseError
from addin.remit.balance import transaction_findings
from addin.remit.claims import PAD, ClaimLoop
from addin.remit.models import (
    Claim,
    Party,
    Payment,
    ProviderAdjustment,
    TransactionEnd,
    TransactionHeader,
)
from addin.remit.segments import (
    UNREADABLE_ID,
    DecodeStats,
    Delimiters,
    Source,
    read_segments,
    segment_id,
)
from addin.remit.values import code_shown, to_date, to_decimal

_X12_NAMES = {
    "837": "837 (claim)",
    "270": "270 (eligibility inquiry)",
    "271": "271 (eligibility)",
    "276": "276 (claim status inquiry)",
    "277": "277 (claim status)",
    "278": "278 (authorization)",
    "999": "999 (acknowledgment)",
    "997": "997 (acknowledgment)",
    "834": "834 (enrollment)",
    "820": "820 (premium payment)",
}
_KNOWN_IGNORED = ("GE", "IEA", "LX", "TS3", "TS2", "QTY", "RDM", "CUR", "PER", "TA1")
_CLAIM_ONLY = ("CAS", "SVC", "NM1", "AMT", "LQ", "MOA", "MIA")
_ZERO = Decimal(0)


def _unknown_finding(unknown: Counter) -> str:
    """E.g. "3 unknown segment(s) ignored (K3, ZZZ, 1 with an unreadable id)"."""
    names = sorted(name for name in unknown if name != UNREADABLE_ID)
    if UNREADABLE_ID in unknown:
        names.append(f"{unknown[UNREADABLE_ID]} with an {UNREADABLE_ID}")
    return f"{sum(unknown.values())} unknown segment(s) ignored ({', '.join(names)})"


class _Transaction:
    """An 835 transaction (ST…SE) being read."""

    def __init__(self, file_index: int, control_number: str, version: str, sender: str):
        self.file_index, self.control_number = file_index, control_number
        self.version, self.sender = version, sender
        self.payment = Payment()
        self.payer: dict = {}
        self.payee: dict = {}
        self.production_date: date | None = None
        self.party: dict | None = None  # the N1 loop that N3/N4/REF attach to
        self.header: TransactionHeader | None = None
        self.segments = 1
        self.unknown: Counter = Counter()
        self.findings: list[str] = []
        self.provider_adjustments: list[ProviderAdjustment] = []
        self.claims = self.lines = self.adjustments = 0
        self.paid_total = _ZERO
        self.digest = hashlib.sha256()
        self.pending: list[str] = []
        self.ending: list[str] | None = None  # the segment that ended a run of claims

    def remember(self, elements: list[str]) -> None:
        """Feed a payment-defining segment (BPR, TRN, N1, CLP, PLB) into the fingerprint.

        Those segments say who paid what to whom under which trace number, for which claims:
        the same payment resent under another file name or control number is recognised.
        """
        pending = self.pending
        pending += elements
        pending.append("\x1e")
        if len(pending) >= 16384:  # hashing in batches keeps this cheap per claim
            self.flush_digest()

    def flush_digest(self) -> None:
        self.digest.update("\x1f".join(self.pending).encode())
        self.pending.clear()


class RemitReader:
    """Reads one 835 file; iterate it for `Claim` and `TransactionEnd` records, in file order.

    Damaged content becomes findings on the records; only a file that is not an 835 at all,
    or that ends inside a transaction, raises `RemitParseError`.
    """

    def __init__(self, source: Source):
        self.stats = DecodeStats()
        self.delimiters: Delimiters | None = None
        self._source = source
        self.interchanges = 0
        self.transactions = 0
        self.other_transactions: Counter = Counter()
        self.file_findings: list[str] = []
        self._functional_version = ""
        self._sender = ""
        self._tx: _Transaction | None = None
        self._ready: list[Claim | TransactionEnd] = []
        self._segments: Iterator[list[str]] = iter(())
        self._claims: ClaimLoop | None = None

    def __iter__(self) -> Iterator[Claim | TransactionEnd]:
        self.delimiters, self._segments = read_segments(self._source, self.stats)
        self._claims = ClaimLoop(self._segments, self.delimiters.component)
        handlers = self._handlers()
        ready = self._ready
        unknown = self._unknown
        for elements in self._segments:
            while elements is not None:  # a run of claims hands back the segment that ended it
                name = elements[0]
                if name != "CLP" and name not in handlers:  # rare: padded or lower-case id
                    name = elements[0] = name.strip(" \t").upper()
                    if not name:  # only spaces between two terminators: not a segment
                        break
                tx = self._tx
                if tx is not None:
                    tx.segments += 1
                    if name == "CLP":
                        tx.party = None
                        header = tx.header or self._header()
                        yield from self._claims.run(elements, header, tx.claims + 1, tx)
                        elements = tx.ending
                        continue
                handlers.get(name, unknown)(elements)
                elements = None
                if ready:
                    yield from ready
                    ready.clear()
        self._finish_file()

    def _handlers(self):
        ignore = self._ignore
        outside = self._outside_claim
        return {
            "ISA": self._isa,
            "GS": self._gs,
            "ST": self._st,
            "SE": self._se,
            "BPR": self._bpr,
            "TRN": self._trn,
            "N1": self._n1,
            "N3": self._n3,
            "N4": self._n4,
            "REF": self._ref,
            "DTM": self._dtm,
            "PLB": self._plb,
            **dict.fromkeys(_KNOWN_IGNORED, ignore),
            **dict.fromkeys(_CLAIM_ONLY, outside),
        }

    def _ignore(self, elements):
        return None

    def _outside_claim(self, elements):
        where = self._tx.findings if self._tx is not None else self.file_findings
        where.append(f"{elements[0]} segment outside a claim ignored")

    def _unknown(self, elements):
        name = elements[0]
        if name.startswith("ISA"):
            raise RemitParseError(
                f"interchange {self.interchanges + 1} uses different delimiters from the first "
                "one, which DenialDesk cannot read as one file. Ask your clearinghouse to send "
                "each payment as its own file."
            )
        name = segment_id(name)
        if self._tx is not None:
            self._tx.unknown[name] += 1
        elif name == "CLP":
            self.file_findings.append("CLP segment outside any transaction ignored")
        elif name == UNREADABLE_ID:
            self.file_findings.append("a segment with an unreadable id outside any transaction")
        else:
            self.file_findings.append(f"unknown segment {name!r} outside any transaction")

    # -- envelope -----------------------------------------------------------------------

    def _isa(self, elements):
        self.interchanges += 1
        self._sender = (elements + PAD)[6].strip()
        self._close_open_transaction("a new interchange (ISA)")

    def _gs(self, elements):
        self._functional_version = (elements + PAD)[8].strip()

    def _st(self, elements):
        self._close_open_transaction("a new transaction (ST)")
        e = elements + PAD
        kind = e[1].strip()
        if kind != "835":
            self.other_transactions[kind or "?"] += 1
            self._skip_transaction()
            return
        self.transactions += 1
        self._tx = _Transaction(
            self.transactions, e[2].strip(), e[3].strip() or self._functional_version, self._sender
        )

    def _skip_transaction(self) -> None:
        """Pass over a non-835 transaction: read on, in the shared stream, to its SE."""
        for elements in self._segments:
            if elements[0].strip().upper() == "SE":
                return

    def _close_open_transaction(self, what: str):
        if self._tx is not None:
            self._tx.findings.append(
                f"transaction {self._tx.control_number} has no SE before {what}"
            )
            self._end_transaction(declared=None)

    def _finish_file(self) -> None:
        self.file_findings[:0] = self.stats.notes
        if self._tx is not None:
            raise RemitParseError(
                f"the file ends inside transaction {self._tx.control_number or '?'} (no SE "
                "segment): it looks truncated. Ask the clearinghouse to send the file again."
            )
        if self.transactions == 0:
            raise RemitParseError(self._no_835_message())
        if self.stats.replaced_characters:
            self.file_findings.append(
                f"{self.stats.replaced_characters} byte(s) were not valid UTF-8 and were replaced"
            )

    def _no_835_message(self) -> str:
        if self.other_transactions:
            kinds = ", ".join(_X12_NAMES.get(k, k) for k in sorted(self.other_transactions))
            return (
                f"not an 835 remittance: it holds X12 {kinds} transactions. Import only "
                "835 (ERA) files here."
            )
        return "no 835 transaction (ST*835) found in the file"

    def _se(self, elements):
        if self._tx is None:
            self.file_findings.append("SE segment outside any transaction ignored")
            return
        declared = to_decimal((elements + PAD)[1])
        self._end_transaction(int(declared) if declared is not None else None)

    def _end_transaction(self, declared: int | None) -> None:
        tx = self._tx
        header = self._header()
        tx.flush_digest()
        if declared is not None and declared != tx.segments:
            tx.findings.append(f"SE says {declared} segments but the transaction has {tx.segments}")
        if tx.unknown:
            tx.findings.append(_unknown_finding(tx.unknown))
        if header.payment.amount is None and not tx.claims:
            tx.findings.append("no BPR payment segment: the transaction carries no payment")
        findings = tx.findings + transaction_findings(
            header.payment.amount, tx.paid_total, tx.provider_adjustments
        )
        self._tx = None
        self._ready.append(
            TransactionEnd(
                header,
                tx.claims,
                tx.lines,
                tx.adjustments,
                tx.paid_total,
                tuple(tx.provider_adjustments),
                declared,
                tx.segments,
                sum(tx.unknown.values()),
                tuple(findings),
                tx.digest.hexdigest(),
            )
        )

    # -- header: payment and parties ------------------------------------------------------

    def _bpr(self, elements):
        tx = self._require_tx(elements)
        if tx is None:
            return
        tx.remember(elements)
        e = elements + PAD
        payment_date = to_date(e[16])
        if payment_date is None:
            payment_date = self._bpr_date_fallback(e, tx)
        amount = to_decimal(e[2])
        if amount is None:
            tx.findings.append("BPR02 is not an amount")
        old = tx.payment
        tx.payment = Payment(
            e[1].strip(),
            amount,
            e[3].strip(),
            e[4].strip(),
            payment_date,
            old.trace_number,
            old.originator_id,
        )

    @staticmethod
    def _bpr_date_fallback(e, tx):
        raw = e[16].strip()
        shifted = to_date(e[15]) if not raw else None
        if shifted is not None:
            tx.findings.append("payment date found in BPR15 instead of BPR16 (one element short)")
            return shifted
        tx.findings.append(
            "payment date BPR16 is not a valid date; using the production date"
            if raw
            else "payment date BPR16 is missing; using the production date"
        )
        return None

    def _trn(self, elements):
        tx = self._require_tx(elements)
        if tx is not None:
            tx.remember(elements)
            e = elements + PAD
            tx.payment = tx.payment._replace(trace_number=e[2].strip(), originator_id=e[3].strip())

    def _n1(self, elements):
        tx = self._require_tx(elements)
        if tx is None:
            return
        tx.remember(elements)
        e = elements + PAD
        role = e[1].strip()
        if tx.header is not None:
            if role in ("PR", "PE"):
                tx.findings.append(
                    f"N1*{role} after the claims began was ignored (segment {tx.segments})"
                )
            tx.party = None
            return
        party = {
            "name": e[2].strip(),
            "id_qualifier": e[3].strip(),
            "id": e[4].strip(),
            "address": [],
            "references": [],
        }
        tx.party = party
        if role == "PR":
            tx.payer = party
        elif role == "PE":
            tx.payee = party

    def _n3(self, elements):
        if self._tx is not None and self._tx.party is not None:
            self._tx.party["address"].extend(e.strip() for e in elements[1:3] if e.strip())

    def _n4(self, elements):
        if self._tx is not None and self._tx.party is not None:
            e = elements + PAD
            party = self._tx.party
            party["city"], party["state"], party["postal_code"] = (
                e[1].strip(),
                e[2].strip(),
                e[3].strip(),
            )

    def _ref(self, elements):
        tx = self._tx
        if tx is not None and tx.party is not None and len(elements) > 2:
            tx.party["references"].append((elements[1].strip(), elements[2].strip()))

    def _dtm(self, elements):
        tx = self._tx
        if tx is None or len(elements) < 3:
            return
        qualifier, raw = elements[1].strip(), elements[2].strip()
        value = to_date(raw)
        if value is None and raw:
            tx.findings.append(f"DTM*{code_shown(qualifier)} date is not a valid date")
        if qualifier == "405" and tx.header is None:
            tx.production_date = value

    def _header(self) -> TransactionHeader:
        tx = self._tx
        if tx.header is None:
            payment = tx.payment
            if payment.date is None and tx.production_date is not None:
                payment = payment._replace(date=tx.production_date)
            tx.header = TransactionHeader(
                tx.file_index,
                tx.control_number,
                tx.version,
                tx.sender,
                payment,
                _party(tx.payer),
                _party(tx.payee),
                tx.production_date,
            )
        return tx.header

    # -- claims and provider adjustments --------------------------------------------------

    def _plb(self, elements):
        tx = self._require_tx(elements)
        if tx is None:
            return
        self._header()
        tx.remember(elements)
        e = elements + PAD
        provider, fiscal = e[1].strip(), to_date(e[2])
        component = self.delimiters.component
        for index in (3, 5, 7, 9, 11, 13):
            composite = e[index].strip()
            if composite:
                reason, _, reference = composite.partition(component)
                amount = to_decimal(e[index + 1])
                if amount is None:
                    problem = "is not an amount" if e[index + 1].strip() else "is missing"
                    tx.findings.append(f"PLB {code_shown(reason)} amount {problem}")
                tx.provider_adjustments.append(
                    ProviderAdjustment(provider, fiscal, reason, reference, amount)
                )

    def _require_tx(self, elements) -> _Transaction | None:
        if self._tx is None:
            self.file_findings.append(f"{elements[0]} segment outside any transaction ignored")
        return self._tx


def _party(fields: dict) -> Party:
    if not fields:
        return Party()
    return Party(
        fields["name"],
        fields["id_qualifier"],
        fields["id"],
        tuple(fields["address"]),
        fields.get("city", ""),
        fields.get("state", ""),
        fields.get("postal_code", ""),
        tuple(fields["references"]),
    )


def read_remit(source: Source) -> Iterator[Claim | TransactionEnd]:
    """Stream the claims and transaction ends of one 835 file (text, bytes or file object)."""
    return iter(RemitReader(source))
