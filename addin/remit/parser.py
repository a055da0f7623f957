"""Segments → 835 records: a streaming state machine that yields claims and transaction ends."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from addin.errors import RemitParseError
from addin.remit.balance import claim_findings, line_findings, transaction_findings
from addin.remit.models import (
    Adjustment,
    Claim,
    Party,
    Payment,
    Person,
    Procedure,
    ProviderAdjustment,
    ServiceLine,
    TransactionEnd,
    TransactionHeader,
)
from addin.remit.segments import DecodeStats, Delimiters, Source, read_segments
from addin.remit.values import element, to_date, to_decimal

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
_KNOWN_IGNORED = frozenset({"GE", "IEA", "LX", "TS3", "TS2", "QTY", "RDM", "CUR", "PER", "TA1"})
_CAS_TRIPLETS = range(2, 20, 3)
_PLB_PAIRS = range(3, 15, 2)
_NM1_ROLES = {
    "QC": "patient",
    "IL": "insured",
    "74": "corrected_patient",
    "82": "rendering_provider",
    "TT": "crossover_payer",
}


@dataclass(slots=True)
class _LineDraft:
    number: int
    procedure: Procedure
    charge: Decimal | None
    paid: Decimal | None
    revenue_code: str
    units: Decimal | None
    original_procedure: Procedure | None
    original_units: Decimal | None
    service_date: date | None = None
    service_date_to: date | None = None
    control_number: str = ""
    allowed: Decimal | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def freeze(self) -> ServiceLine:
        return ServiceLine(
            self.number,
            self.procedure,
            self.charge,
            self.paid,
            self.revenue_code,
            self.units,
            self.original_procedure,
            self.original_units,
            self.service_date,
            self.service_date_to,
            self.control_number,
            self.allowed,
            tuple(self.adjustments),
            tuple(self.remarks),
        )


@dataclass(slots=True)
class _ClaimDraft:
    fields: dict
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    amounts: list[tuple[str, Decimal]] = field(default_factory=list)
    lines: list[_LineDraft] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Transaction:
    file_index: int
    control_number: str
    version: str
    sender: str
    payment: Payment = field(default_factory=Payment)
    payer: dict = field(default_factory=dict)
    payee: dict = field(default_factory=dict)
    production_date: date | None = None
    party: dict | None = None  # the N1 loop that N3/N4/REF attach to
    header: TransactionHeader | None = None
    claim: _ClaimDraft | None = None
    segments: int = 1
    unknown: Counter = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    claims: int = 0
    lines: int = 0
    adjustments: int = 0
    paid_total: Decimal = Decimal(0)
    digest: object = field(default_factory=hashlib.sha256)


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
        self._skipping: str | None = None
        self._ready: list[Claim | TransactionEnd] = []

    def __iter__(self) -> Iterator[Claim | TransactionEnd]:
        self.delimiters, segments = read_segments(self._source, self.stats)
        handlers = self._handlers()
        for elements in segments:
            handler = handlers.get(elements[0])
            if self._skipping is not None:
                if elements[0] == "SE":
                    self._skipping = None
                continue
            if self._tx is not None:
                self._tx.segments += 1
                self._tx.digest.update("\x1f".join(elements).encode())
                self._tx.digest.update(b"\x1e")
            if handler is None:
                self._unknown(elements)
                continue
            handler(elements)
            if self._ready:
                yield from self._ready
                self._ready.clear()
        self._finish_file()

    # -- envelope -----------------------------------------------------------------------

    def _handlers(self):
        ignore = self._ignore
        return {
            "ISA": self._isa,
            "GS": self._gs,
            "ST": self._st,
            "SE": self._se,
            "BPR": self._bpr,
            "TRN": self._trn,
            "DTM": self._dtm,
            "N1": self._n1,
            "N3": self._n3,
            "N4": self._n4,
            "REF": self._ref,
            "CLP": self._clp,
            "CAS": self._cas,
            "NM1": self._nm1,
            "MOA": self._moa,
            "MIA": self._mia,
            "AMT": self._amt,
            "SVC": self._svc,
            "LQ": self._lq,
            "PLB": self._plb,
            **dict.fromkeys(_KNOWN_IGNORED, ignore),
        }

    def _ignore(self, elements):
        return None

    def _unknown(self, elements):
        name = elements[0]
        if name.startswith("ISA"):
            raise RemitParseError(
                f"interchange {self.interchanges + 1} uses different delimiters from the first "
                "one; split the file into one interchange per file"
            )
        if self._tx is not None:
            self._tx.unknown[name[:20]] += 1
        else:
            self.file_findings.append(
                f"unknown segment {name[:20]!r} outside any transaction ignored"
            )

    def _isa(self, elements):
        self.interchanges += 1
        self._sender = element(elements, 6)
        self._close_open_transaction("a new interchange (ISA)")

    def _gs(self, elements):
        self._functional_version = element(elements, 8)

    def _st(self, elements):
        self._close_open_transaction("a new transaction (ST)")
        kind = element(elements, 1)
        if kind != "835":
            self.other_transactions[kind or "?"] += 1
            self._skipping = kind
            return
        self.transactions += 1
        self._tx = _Transaction(
            file_index=self.transactions,
            control_number=element(elements, 2),
            version=element(elements, 3) or self._functional_version,
            sender=self._sender,
        )
        self._tx.digest.update("\x1f".join(elements).encode())

    def _close_open_transaction(self, what: str):
        if self._tx is not None:
            self._tx.findings.append(
                f"transaction {self._tx.control_number} has no SE before {what}"
            )
            self._end_transaction(declared=None)

    def _finish_file(self) -> None:
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
                f"not an 835 remittance: it holds X12 {kinds} transactions. Import only 835 "
                "(ERA) files here."
            )
        return "no 835 transaction (ST*835) found in the file"

    def _se(self, elements):
        if self._tx is None:
            self.file_findings.append("SE segment outside any transaction ignored")
            return
        declared = to_decimal(element(elements, 1))
        self._end_transaction(int(declared) if declared is not None else None)

    def _end_transaction(self, declared: int | None) -> None:
        tx = self._tx
        self._finish_claim()
        header = self._header()
        if declared is not None and declared != tx.segments:
            tx.findings.append(f"SE says {declared} segments but the transaction has {tx.segments}")
        if tx.unknown:
            names = ", ".join(sorted(tx.unknown))
            tx.findings.append(f"{sum(tx.unknown.values())} unknown segment(s) ignored ({names})")
        if header.payment.amount is None and not tx.claims:
            tx.findings.append("no BPR payment segment: the transaction carries no payment")
        findings = transaction_findings(
            header.payment.amount, tx.paid_total, tx.provider_adjustments
        )
        self._tx = None
        self._ready.append(
            TransactionEnd(
                header=header,
                claims=tx.claims,
                service_lines=tx.lines,
                adjustments=tx.adjustments,
                claim_paid_total=tx.paid_total,
                provider_adjustments=tuple(tx.provider_adjustments),
                declared_segments=declared,
                counted_segments=tx.segments,
                unknown_segments=sum(tx.unknown.values()),
                findings=tuple(tx.findings + findings),
                fingerprint=tx.digest.hexdigest(),
            )
        )

    # -- header: payment and parties ------------------------------------------------------

    def _bpr(self, elements):
        tx = self._require_tx(elements)
        if tx is None:
            return
        payment_date = to_date(element(elements, 16))
        if payment_date is None:
            payment_date = self._bpr_date_fallback(elements, tx)
        tx.payment = Payment(
            handling=element(elements, 1),
            amount=self._money(elements, 2, "BPR02", tx.findings),
            credit_debit=element(elements, 3),
            method=element(elements, 4),
            date=payment_date,
            trace_number=tx.payment.trace_number,
            originator_id=tx.payment.originator_id,
        )

    def _bpr_date_fallback(self, elements, tx):
        raw = element(elements, 16)
        shifted = to_date(element(elements, 15)) if not raw else None
        if shifted is not None:
            tx.findings.append("payment date found in BPR15 instead of BPR16 (one element short)")
            return shifted
        tx.findings.append(
            f"payment date BPR16 {raw!r} is not a valid date; using the production date"
            if raw
            else "payment date BPR16 is missing; using the production date"
        )
        return None

    def _trn(self, elements):
        tx = self._require_tx(elements)
        if tx is not None:
            p = tx.payment
            tx.payment = Payment(
                p.handling,
                p.amount,
                p.credit_debit,
                p.method,
                p.date,
                element(elements, 2),
                element(elements, 3),
            )

    def _n1(self, elements):
        tx = self._require_tx(elements)
        if tx is None:
            return
        role = element(elements, 1)
        if tx.header is not None:
            if role in ("PR", "PE"):
                tx.findings.append(
                    f"N1*{role} after the claims began was ignored (segment {tx.segments})"
                )
            tx.party = None
            return
        party = {
            "name": element(elements, 2),
            "id_qualifier": element(elements, 3),
            "id": element(elements, 4),
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
            party = self._tx.party
            party["city"], party["state"] = element(elements, 1), element(elements, 2)
            party["postal_code"] = element(elements, 3)

    def _ref(self, elements):
        tx = self._tx
        if tx is None:
            return
        qualifier, value = element(elements, 1), element(elements, 2)
        if tx.claim is not None and tx.claim.lines:
            if qualifier == "6R":
                tx.claim.lines[-1].control_number = value
        elif tx.claim is None and tx.party is not None:
            tx.party["references"].append((qualifier, value))

    def _dtm(self, elements):
        tx = self._tx
        if tx is None:
            return
        qualifier, raw = element(elements, 1), element(elements, 2)
        value = to_date(raw)
        if raw and value is None:
            self._findings_here().append(f"DTM*{qualifier} date {raw!r} is not a valid date")
        if tx.claim is None:
            if qualifier == "405":
                tx.production_date = value
            return
        if tx.claim.lines:
            self._line_date(tx.claim.lines[-1], qualifier, value)
        else:
            self._claim_date(tx.claim, qualifier, value)

    @staticmethod
    def _line_date(line: _LineDraft, qualifier: str, value: date | None):
        if qualifier in ("472", "150"):
            line.service_date = value
        elif qualifier == "151":
            line.service_date_to = value

    @staticmethod
    def _claim_date(claim: _ClaimDraft, qualifier: str, value: date | None):
        names = {
            "050": "received_date",
            "232": "statement_from",
            "233": "statement_to",
            "036": "coverage_expiration",
        }
        if qualifier in names:
            claim.fields[names[qualifier]] = value

    def _header(self) -> TransactionHeader:
        tx = self._tx
        if tx.header is None:
            payment = tx.payment
            if payment.date is None and tx.production_date is not None:
                payment = Payment(
                    payment.handling,
                    payment.amount,
                    payment.credit_debit,
                    payment.method,
                    tx.production_date,
                    payment.trace_number,
                    payment.originator_id,
                )
            tx.header = TransactionHeader(
                file_index=tx.file_index,
                control_number=tx.control_number,
                version=tx.version,
                interchange_sender=tx.sender,
                payment=payment,
                payer=_party(tx.payer),
                payee=_party(tx.payee),
                production_date=tx.production_date,
            )
        return tx.header

    # -- claims -----------------------------------------------------------------------

    def _clp(self, elements):
        tx = self._require_tx(elements)
        if tx is None:
            return
        self._finish_claim()
        self._header()
        tx.party = None
        findings: list[str] = []
        claim_id = element(elements, 1)
        tx.claim = _ClaimDraft(
            fields={
                "claim_id": claim_id,
                "status": element(elements, 2),
                "charge": self._money(elements, 3, "CLP03", findings),
                "paid": self._money(elements, 4, "CLP04", findings),
                "patient_responsibility": self._money(
                    elements, 5, "CLP05", findings, required=False
                ),
                "filing_indicator": element(elements, 6),
                "payer_claim_number": element(elements, 7),
                "facility_type": element(elements, 8),
                "frequency": element(elements, 9),
                "drg": element(elements, 11),
            },
            findings=findings,
        )

    def _finish_claim(self) -> None:
        tx = self._tx
        draft = tx.claim if tx is not None else None
        if draft is None:
            return
        tx.claim = None
        lines = []
        for line in draft.lines:
            draft.findings.extend(line.findings)
            draft.findings.extend(
                line_findings(line.number, line.charge, line.paid, line.adjustments)
            )
            lines.append(line.freeze())
        claim = Claim(
            header=tx.header,
            number=tx.claims + 1,
            remarks=tuple(dict.fromkeys(draft.remarks)),
            amounts=tuple(draft.amounts),
            adjustments=tuple(draft.adjustments),
            lines=tuple(lines),
            **draft.fields,
        )
        findings = list(dict.fromkeys(draft.findings + claim_findings(claim)))
        if findings:
            claim = replace(claim, findings=tuple(findings))
        tx.claims += 1
        tx.lines += len(lines)
        tx.adjustments += len(claim.all_adjustments)
        if claim.paid is not None:
            tx.paid_total += claim.paid
        self._ready.append(claim)

    def _cas(self, elements):
        tx = self._tx
        if tx is None or tx.claim is None:
            self._findings_here().append("CAS segment outside a claim ignored")
            return
        claim = tx.claim
        line = claim.lines[-1] if claim.lines else None
        group = element(elements, 1)
        target = line.adjustments if line else claim.adjustments
        findings = line.findings if line else claim.findings
        for index in _CAS_TRIPLETS:
            carc = element(elements, index)
            if not carc:
                continue
            amount = self._money(elements, index + 1, f"CAS*{group}*{carc} amount", findings)
            quantity = to_decimal(element(elements, index + 2))
            target.append(Adjustment(group, carc, amount, quantity, line.number if line else None))

    def _nm1(self, elements):
        tx = self._tx
        if tx is None or tx.claim is None:
            return
        role = _NM1_ROLES.get(element(elements, 1))
        if role and role not in tx.claim.fields:
            tx.claim.fields[role] = Person(
                last=element(elements, 3),
                first=element(elements, 4),
                middle=element(elements, 5),
                id_qualifier=element(elements, 8),
                id=element(elements, 9),
                is_organization=element(elements, 2) == "2",
            )

    def _moa(self, elements):
        self._claim_remarks(elements, (3, 4, 5, 6, 7))

    def _mia(self, elements):
        self._claim_remarks(elements, (5, 20, 21, 22, 23))

    def _claim_remarks(self, elements, positions):
        tx = self._tx
        if tx is not None and tx.claim is not None:
            tx.claim.remarks.extend(c for c in (element(elements, i) for i in positions) if c)

    def _amt(self, elements):
        tx = self._tx
        if tx is None or tx.claim is None:
            return
        qualifier = element(elements, 1)
        findings = self._findings_here()
        amount = self._money(elements, 2, f"AMT*{qualifier}", findings)
        if amount is None:
            return
        if tx.claim.lines:
            if qualifier == "B6":
                tx.claim.lines[-1].allowed = amount
        else:
            tx.claim.amounts.append((qualifier, amount))

    def _svc(self, elements):
        tx = self._tx
        if tx is None or tx.claim is None:
            self._findings_here().append("SVC segment outside a claim ignored")
            return
        claim = tx.claim
        number = len(claim.lines) + 1
        findings: list[str] = []
        original = element(elements, 6)
        claim.lines.append(
            _LineDraft(
                number=number,
                procedure=self._procedure(element(elements, 1), findings, number),
                charge=self._money(elements, 2, f"line {number} SVC02", findings),
                paid=self._money(elements, 3, f"line {number} SVC03", findings),
                revenue_code=element(elements, 4),
                units=to_decimal(element(elements, 5)),
                original_procedure=self._procedure(original, findings, number)
                if original
                else None,
                original_units=to_decimal(element(elements, 7)),
                findings=findings,
            )
        )

    def _procedure(self, composite: str, findings: list[str], number: int) -> Procedure:
        separator = self.delimiters.component
        if separator not in composite and len(composite) > 2 and not composite[2].isalnum():
            separator = composite[2]
            findings.append(
                f"line {number}: procedure uses {separator!r} as component separator, "
                f"not the declared {self.delimiters.component!r}"
            )
        parts = [p.strip() for p in composite.split(separator)]
        if len(parts) == 1:
            return Procedure("", parts[0])
        return Procedure(
            parts[0],
            parts[1],
            tuple(m for m in parts[2:6] if m),
            parts[6] if len(parts) > 6 else "",
        )

    def _lq(self, elements):
        tx = self._tx
        if tx is None or tx.claim is None or not tx.claim.lines:
            return
        if element(elements, 1) == "HE" and element(elements, 2):
            remarks = tx.claim.lines[-1].remarks
            code = element(elements, 2)
            if code not in remarks:
                remarks.append(code)

    def _plb(self, elements):
        tx = self._require_tx(elements)
        if tx is None:
            return
        self._finish_claim()
        self._header()
        provider, fiscal = element(elements, 1), to_date(element(elements, 2))
        for index in _PLB_PAIRS:
            composite = element(elements, index)
            if not composite:
                continue
            reason, _, reference = composite.partition(self.delimiters.component)
            amount = self._money(elements, index + 1, f"PLB {reason} amount", tx.findings)
            tx.provider_adjustments.append(
                ProviderAdjustment(provider, fiscal, reason, reference, amount)
            )

    # -- helpers ----------------------------------------------------------------------

    def _require_tx(self, elements) -> _Transaction | None:
        if self._tx is None:
            self.file_findings.append(f"{elements[0]} segment outside any transaction ignored")
        return self._tx

    def _findings_here(self) -> list[str]:
        tx = self._tx
        if tx is None:
            return self.file_findings
        if tx.claim is None:
            return tx.findings
        return tx.claim.lines[-1].findings if tx.claim.lines else tx.claim.findings

    @staticmethod
    def _money(elements, index, name, findings, required=True) -> Decimal | None:
        raw = element(elements, index)
        value = to_decimal(raw)
        if value is None and (raw or required):
            findings.append(f"{name} {raw!r} is not an amount" if raw else f"{name} is missing")
        return value


def _party(fields: dict) -> Party:
    if not fields:
        return Party()
    return Party(
        name=fields["name"],
        id_qualifier=fields["id_qualifier"],
        id=fields["id"],
        address=tuple(fields["address"]),
        city=fields.get("city", ""),
        state=fields.get("state", ""),
        postal_code=fields.get("postal_code", ""),
        references=tuple(fields["references"]),
    )


def read_remit(source: Source) -> Iterator[Claim | TransactionEnd]:
    """Stream the claims and transaction ends of one 835 file (text, bytes or file object)."""
    return iter(RemitReader(source))
