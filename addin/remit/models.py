"""Frozen records read from an X12 835 remittance: payment, parties, claims, lines, adjustments.

The records are immutable NamedTuples rather than frozen dataclasses: a reader builds about ten
of them per claim, and positional NamedTuple construction is several times cheaper (see
bench/README.md), which is most of what makes the reader fast.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import NamedTuple


class GroupCode(enum.StrEnum):
    """CAS01 claim adjustment group code: who carries the adjusted amount."""

    CONTRACTUAL = "CO"
    PATIENT = "PR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    CORRECTION = "CR"  # 4010 only; removed from CAS01 in 5010


class ClaimStatus(enum.StrEnum):
    """CLP02 claim status code."""

    PRIMARY = "1"
    SECONDARY = "2"
    TERTIARY = "3"
    DENIED = "4"
    PRIMARY_FORWARDED = "19"
    SECONDARY_FORWARDED = "20"
    TERTIARY_FORWARDED = "21"
    REVERSAL = "22"
    NOT_OUR_CLAIM = "23"
    PREDETERMINATION = "25"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ClaimStatus.PRIMARY: "Processed as primary",
    ClaimStatus.SECONDARY: "Processed as secondary",
    ClaimStatus.TERTIARY: "Processed as tertiary",
    ClaimStatus.DENIED: "Denied",
    ClaimStatus.PRIMARY_FORWARDED: "Primary, forwarded",
    ClaimStatus.SECONDARY_FORWARDED: "Secondary, forwarded",
    ClaimStatus.TERTIARY_FORWARDED: "Tertiary, forwarded",
    ClaimStatus.REVERSAL: "Reversal of previous payment",
    ClaimStatus.NOT_OUR_CLAIM: "Not our claim, forwarded",
    ClaimStatus.PREDETERMINATION: "Predetermination only",
}


def status_label(code: str) -> str:
    """A readable name for a CLP02 code, or the code itself when it is not a known status."""
    try:
        return ClaimStatus(code).label
    except ValueError:
        return f"Unknown status {code}" if code else "No status"


class Adjustment(NamedTuple):
    """One CAS triplet: group code, reason code (CARC), amount and optional quantity."""

    group: str
    carc: str
    amount: Decimal | None
    quantity: Decimal | None = None
    line: int | None = None  # 1-based service line, None for claim level

    @property
    def level(self) -> str:
        return "claim" if self.line is None else "line"


class Procedure(NamedTuple):
    """An SVC01/SVC06 composite: qualifier (HC, NU, AD …), code and modifiers."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...] = ()
    description: str = ""

    def __str__(self) -> str:
        return "-".join((self.code, *self.modifiers)) if self.code else ""


class ServiceLine(NamedTuple):
    """One SVC loop (2110): the billed procedure, its money, dates, adjustments and remarks."""

    number: int
    procedure: Procedure
    charge: Decimal | None
    paid: Decimal | None
    revenue_code: str = ""
    units: Decimal | None = None
    original_procedure: Procedure | None = None
    original_units: Decimal | None = None
    service_date: date | None = None
    service_date_to: date | None = None
    control_number: str = ""
    allowed: Decimal | None = None
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()


class Person(NamedTuple):
    """An NM1 name with its identifier (patient, insured, rendering provider …)."""

    last: str = ""
    first: str = ""
    middle: str = ""
    id_qualifier: str = ""
    id: str = ""
    is_organization: bool = False

    @property
    def display(self) -> str:
        if self.is_organization or not self.first:
            return self.last
        return f"{self.last}, {self.first}" + (f" {self.middle}" if self.middle else "")


class Party(NamedTuple):
    """An N1 loop: payer (PR) or payee (PE) with its identifier and address."""

    name: str = ""
    id_qualifier: str = ""
    id: str = ""
    address: tuple[str, ...] = ()
    city: str = ""
    state: str = ""
    postal_code: str = ""
    references: tuple[tuple[str, str], ...] = ()

    def reference(self, qualifier: str) -> str:
        return next((value for q, value in self.references if q == qualifier), "")


class Payment(NamedTuple):
    """BPR and TRN: how much was paid, how, when, and the check or EFT trace number."""

    handling: str = ""
    amount: Decimal | None = None
    credit_debit: str = ""
    method: str = ""
    date: date | None = None
    trace_number: str = ""
    originator_id: str = ""


class TransactionHeader(NamedTuple):
    """Everything in an 835 transaction before its first claim."""

    file_index: int  # 1-based position of this ST in the file
    control_number: str
    version: str
    interchange_sender: str
    payment: Payment
    payer: Party
    payee: Party
    production_date: date | None = None

    @property
    def payer_key(self) -> str:
        """The payer's identifier as remits carry it: N1*PR id, else REF*2U, else the name."""
        return self.payer.id or self.payer.reference("2U") or self.payer.name.upper()


class Claim(NamedTuple):
    """One CLP loop (2100) with its service lines; `header` links it to its transaction."""

    header: TransactionHeader
    number: int  # 1-based position in the transaction
    claim_id: str  # CLP01 patient control number
    status: str  # CLP02
    charge: Decimal | None
    paid: Decimal | None
    patient_responsibility: Decimal | None
    filing_indicator: str = ""
    payer_claim_number: str = ""  # CLP07
    facility_type: str = ""
    frequency: str = ""
    drg: str = ""
    patient: Person = Person()
    insured: Person | None = None
    corrected_patient: Person | None = None
    rendering_provider: Person | None = None
    crossover_payer: Person | None = None
    received_date: date | None = None
    statement_from: date | None = None
    statement_to: date | None = None
    coverage_expiration: date | None = None
    remarks: tuple[str, ...] = ()  # MOA/MIA remark codes (RARC)
    amounts: tuple[tuple[str, Decimal], ...] = ()  # AMT qualifier → amount
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    lines: tuple[ServiceLine, ...] = ()
    findings: tuple[str, ...] = ()
    patient_status: str = ""  # CLP10 patient status code (institutional claims)
    drg_weight: Decimal | None = None  # CLP12
    discharge_fraction: Decimal | None = None  # CLP13, a percent
    yes_no_condition: str = ""  # CLP14 Yes/No condition or response code

    def amount(self, qualifier: str) -> Decimal | None:
        return next((value for q, value in self.amounts if q == qualifier), None)

    @property
    def all_adjustments(self) -> tuple[Adjustment, ...]:
        return self.adjustments + tuple(a for line in self.lines for a in line.adjustments)

    @property
    def all_remarks(self) -> tuple[str, ...]:
        seen = dict.fromkeys(self.remarks)
        for line in self.lines:
            seen.update(dict.fromkeys(line.remarks))
        return tuple(seen)

    @property
    def is_reversal(self) -> bool:
        return self.status == ClaimStatus.REVERSAL.value

    @property
    def is_zero_pay(self) -> bool:
        """Denied outright: CLP02 4, or nothing paid on a positive charge (reversals excluded)."""
        if self.is_reversal:
            return False
        if self.status == ClaimStatus.DENIED.value:
            return True
        return self.paid == 0 and self.charge is not None and self.charge > 0

    @property
    def first_service_date(self) -> date | None:
        dates = [d for line in self.lines for d in (line.service_date,) if d]
        return min(dates) if dates else self.statement_from


class ProviderAdjustment(NamedTuple):
    """One PLB reason/amount pair: a provider-level adjustment not tied to a claim."""

    provider_id: str
    fiscal_date: date | None
    reason: str
    reference: str
    amount: Decimal | None


class TransactionEnd(NamedTuple):
    """What the reader knows once an 835 transaction's SE is read: totals and findings."""

    header: TransactionHeader
    claims: int
    service_lines: int
    adjustments: int
    claim_paid_total: Decimal
    provider_adjustments: tuple[ProviderAdjustment, ...]
    declared_segments: int | None
    counted_segments: int
    unknown_segments: int
    findings: tuple[str, ...]
    fingerprint: str  # sha256 of the transaction's segments: the same remit under any file name

    @property
    def is_balanced(self) -> bool:
        return not self.findings
