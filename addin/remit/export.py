"""Remit records → plain dicts for JSON Lines output (money as two-decimal strings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from addin.remit.models import Adjustment, Claim, ServiceLine
from addin.remit.values import money_text


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def adjustment_dict(adjustment: Adjustment) -> dict:
    """One CAS triplet with its level and 1-based line (None at claim level)."""
    return {
        "level": adjustment.level,
        "line": adjustment.line,
        "group": adjustment.group,
        "carc": adjustment.carc,
        "amount": money_text(adjustment.amount),
        "quantity": _number(adjustment.quantity),
    }


def line_dict(line: ServiceLine) -> dict:
    """One service line: procedure, modifiers, money, units, date, adjustments and remarks."""
    original = line.original_procedure
    return {
        "number": line.number,
        "procedure": line.procedure.code,
        "modifiers": list(line.procedure.modifiers),
        "original_procedure": original.code if original else None,
        "charge": money_text(line.charge),
        "paid": money_text(line.paid),
        "allowed": money_text(line.allowed),
        "units": _number(line.units),
        "service_date": _iso(line.service_date),
        "control_number": line.control_number or None,
        "adjustments": [adjustment_dict(a) for a in line.adjustments],
        "remarks": list(line.remarks),
    }


def claim_dict(claim: Claim, file_name: str) -> dict:
    """The `denialdesk parse --json` object for one claim (no patient names or member ids)."""
    header = claim.header
    return {
        "file": file_name,
        "transaction": header.control_number,
        "payer_name": header.payer.name,
        "payer_id": header.payer_key,
        "check_number": header.payment.trace_number,
        "payment_date": _iso(header.payment.date),
        "claim_id": claim.claim_id,
        "status": claim.status,
        "charge": money_text(claim.charge),
        "paid": money_text(claim.paid),
        "patient_responsibility": money_text(claim.patient_responsibility),
        "payer_claim_number": claim.payer_claim_number,
        "filing_indicator": claim.filing_indicator or None,
        "facility_type": claim.facility_type or None,
        "frequency": claim.frequency or None,
        "patient_status": claim.patient_status or None,
        "drg": claim.drg or None,
        "drg_weight": _number(claim.drg_weight),
        "discharge_fraction": _number(claim.discharge_fraction),
        "yes_no_condition": claim.yes_no_condition or None,
        "service_date": _iso(claim.first_service_date),
        "interest": money_text(claim.amount("I")),
        "adjustments": [adjustment_dict(a) for a in claim.all_adjustments],
        "remarks": list(claim.all_remarks),
        "lines": [line_dict(line) for line in claim.lines],
        "balanced": not claim.findings,
        "findings": list(claim.findings),
    }
