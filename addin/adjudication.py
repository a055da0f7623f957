"""Remit claims → the small facts posting needs: stable keys, which adjustments are denials."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from addin import classify
from addin.remedies import plan_of_filing_indicator
from addin.remit.models import Claim, ServiceLine

KEY_HEX = 16  # 64 bits: one accidental clash in ~10^19 pairs (2^-64 each), not 2^-40
LEGACY_KEY_HEX = 10  # keys of trackers made before: sha1, 40 bits (upgraded by actions.keys)


def _short_hash(*parts: object, prefix: str) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}-{digest[:KEY_HEX].upper()}"


def _legacy_hash(*parts: object, prefix: str) -> str:
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}-{digest[:LEGACY_KEY_HEX].upper()}"


def is_legacy_key(key: object) -> bool:
    """A claim key or denial id in the older 40-bit form (C-/D- and 10 hex digits)."""
    return isinstance(key, str) and len(key) == 2 + LEGACY_KEY_HEX and key[:2] in ("C-", "D-")


def claim_key(payer_id: str, claim_id: str, patient_ident: str) -> str:
    """A claim is the same claim across remits when payer, CLP01 and patient agree."""
    return _short_hash(payer_id.upper(), claim_id, patient_ident.upper(), prefix="C")


def legacy_claim_key(payer_id: str, claim_id: str, patient_ident: str) -> str:
    return _legacy_hash(payer_id.upper(), claim_id, patient_ident.upper(), prefix="C")


def denial_id(claim: str, line_ident: str, group: str, carc: str) -> str:
    """A denial is one group+reason code on one claim or service line of one claim."""
    return _short_hash(claim, line_ident, group, carc, prefix="D")


def legacy_denial_id(legacy_claim: str, line_ident: str, group: str, carc: str) -> str:
    return _legacy_hash(legacy_claim, line_ident, group, carc, prefix="D")


def remit_key(fingerprint: str) -> str:
    return f"R-{fingerprint[:16].upper()}"


@dataclass(frozen=True, slots=True)
class DenialFact:
    """A denied amount as one adjudication reports it."""

    denial_id: str
    level: str
    line: int | None
    line_ident: str
    procedure: str
    service_date: date | None
    billed: Decimal | None
    paid: Decimal | None
    amount: Decimal
    group: str
    carc: str
    rarc: str


@dataclass(frozen=True, slots=True)
class Adjudication:
    """The facts of one CLP loop that the tracker keeps (small, so big files stay cheap)."""

    claim_key: str
    claim_id: str
    payer: str
    payer_id: str
    payer_claim_number: str
    patient: str
    member_id: str
    service_date: date | None
    status: str
    charge: Decimal | None
    paid: Decimal | None
    patient_responsibility: Decimal | None
    payment_date: date | None
    check_number: str
    source_file: str
    findings: str
    denials: tuple[DenialFact, ...]
    line_paid: tuple[tuple[str, Decimal | None], ...]
    patient_ident: str = ""  # member id, else "LAST|FIRST": with payer and claim id, the key
    production_date: date | None = None  # DTM*405, the notice date appeal clocks start from

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"


def line_idents(lines: tuple[ServiceLine, ...]) -> list[str]:
    """Stable names for service lines: the payer's line control number, else code + date + n."""
    seen: Counter = Counter()
    idents = []
    for line in lines:
        if line.control_number:
            idents.append(f"6R:{line.control_number}")
            continue
        base = f"{line.procedure}|{line.service_date or ''}"
        seen[base] += 1
        idents.append(f"{base}|{seen[base]}")
    return idents


def adjudication(
    claim: Claim, source_file: str, is_denial: classify.DenialTest = classify.is_denial
) -> Adjudication:
    """Reduce a parsed claim to what posting needs, deciding which adjustments are denials."""
    header = claim.header
    patient = claim.patient
    patient_ident = patient.id or f"{patient.last}|{patient.first}"
    key = claim_key(header.payer_key, claim.claim_id, patient_ident)
    idents = line_idents(claim.lines)
    denials = _claim_level_denials(claim, key, is_denial) + _line_denials(
        claim, key, idents, is_denial
    )
    return Adjudication(
        claim_key=key,
        claim_id=claim.claim_id,
        patient_ident=patient_ident,
        payer=header.payer.name,
        payer_id=header.payer_key,
        payer_claim_number=claim.payer_claim_number,
        patient=patient.display,
        member_id=patient.id,
        service_date=claim.first_service_date,
        status=claim.status,
        charge=claim.charge,
        paid=claim.paid,
        patient_responsibility=claim.patient_responsibility,
        payment_date=header.payment.date,
        production_date=header.production_date,
        check_number=header.payment.trace_number,
        source_file=source_file,
        findings="; ".join(claim.findings),
        denials=_merge(denials),
        line_paid=tuple(zip(idents, (line.paid for line in claim.lines), strict=True)),
    )


def _claim_level_denials(
    claim: Claim, key: str, is_denial: classify.DenialTest
) -> list[DenialFact]:
    paid_zero = claim.paid == 0
    rarc = ", ".join(claim.remarks)
    return [
        DenialFact(
            denial_id(key, "claim", a.group, a.carc),
            "claim",
            None,
            "claim",
            "",
            claim.first_service_date,
            claim.charge,
            claim.paid,
            a.amount,
            a.group,
            a.carc,
            rarc,
        )
        for a in claim.adjustments
        if is_denial(
            a.group,
            a.carc,
            a.amount,
            claim_status=claim.status,
            service_paid_zero=paid_zero,
            plan=_plan_key(claim),
        )
    ]


def _plan_key(claim: Claim) -> str:
    """The plan type the claim's CLP06 filing indicator names (e.g. MB: Original Medicare)."""
    plan = plan_of_filing_indicator(claim.filing_indicator)
    return plan.key if plan else ""


def _line_denials(
    claim: Claim, key: str, idents: list[str], is_denial: classify.DenialTest
) -> list[DenialFact]:
    facts = []
    for line, ident in zip(claim.lines, idents, strict=True):
        rarc = ", ".join(dict.fromkeys(line.remarks + claim.remarks))
        for a in line.adjustments:
            if is_denial(
                a.group,
                a.carc,
                a.amount,
                claim_status=claim.status,
                service_paid_zero=line.paid == 0,
                plan=_plan_key(claim),
            ):
                facts.append(
                    DenialFact(
                        denial_id(key, ident, a.group, a.carc),
                        "line",
                        line.number,
                        ident,
                        str(line.procedure),
                        line.service_date or claim.first_service_date,
                        line.charge,
                        line.paid,
                        a.amount,
                        a.group,
                        a.carc,
                        rarc,
                    )
                )
    return facts


def _merge(facts: list[DenialFact]) -> tuple[DenialFact, ...]:
    """One fact per denial id: the same code twice on one line is one denial of the sum."""
    merged: dict[str, DenialFact] = {}
    for fact in facts:
        earlier = merged.get(fact.denial_id)
        if earlier is None:
            merged[fact.denial_id] = fact
        else:
            merged[fact.denial_id] = _with_amount(earlier, earlier.amount + fact.amount)
    return tuple(merged.values())


def _with_amount(fact: DenialFact, amount: Decimal) -> DenialFact:
    return replace(fact, amount=amount)
