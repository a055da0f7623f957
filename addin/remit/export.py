"""Remit records → plain dicts for JSON Lines output (money as two-decimal strings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring_ascii

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


# -- the same objects as JSON text, fast ------------------------------------------------------
# `denialdesk parse --json` prints json.dumps(claim_dict(claim, name)) for every claim; building
# the dicts and encoding them took three times as long as reading the file (bench/README.md).
# claim_json writes the same bytes directly: the pieces a remit repeats endlessly (amounts,
# dates, codes, adjustments, procedures, the transaction's header) are encoded once and
# reused. tests/test_parse_json.py holds it byte for byte to json.dumps(claim_dict(…)).

_CACHE_LIMIT = 50_000  # distinct pieces kept per kind; a remit repeats far fewer
_pieces: dict[object, str] = {}


def _quoted(value: str) -> str:
    """A JSON string (ASCII, as json.dumps writes it)."""
    return encode_basestring_ascii(value)


def _kept(key: object, piece: str) -> str:
    if len(_pieces) < _CACHE_LIMIT:
        _pieces[key] = piece
    return piece


def _money_json(value: Decimal | None) -> str:
    if value is None:
        return "null"
    if not value:  # 0 and -0 are equal keys but different text: never shared
        return f'"{money_text(value)}"'
    key = ("m", value)  # equal amounts (131.8, 131.80) have the same two-decimal text
    piece = _pieces.get(key)
    return piece if piece is not None else _kept(key, f'"{money_text(value)}"')


def _number_json(value: Decimal | None) -> str:
    # not shared: equal numbers (1, 1.0) are written as the file wrote them
    return "null" if value is None else f'"{value}"'


def _date_json(value: date | None) -> str:
    if value is None:
        return "null"
    piece = _pieces.get(value)
    return piece if piece is not None else _kept(value, f'"{value.isoformat()}"')


def _code_json(value: str) -> str:
    """A code or short text; empty is null (as `value or None` in claim_dict)."""
    if not value:
        return "null"
    piece = _pieces.get(value)
    return piece if piece is not None else _kept(value, _quoted(value))


def _texts_json(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(map(_quoted, values)) + "]" if values else "[]"


def _adjustment_json(adjustment: Adjustment) -> str:
    shared = adjustment[3] is None and adjustment[2]  # see _money_json and _number_json
    piece = _pieces.get(adjustment) if shared else None
    if piece is not None:
        return piece
    group, carc, amount, quantity, line = adjustment
    level, number = ("claim", "null") if line is None else ("line", line)
    piece = (
        f'{{"level": "{level}", "line": {number}, "group": {_quoted(group)}, '
        f'"carc": {_quoted(carc)}, "amount": {_money_json(amount)}, '
        f'"quantity": {_number_json(quantity)}}}'
    )
    return _kept(adjustment, piece) if shared else piece


def _procedure_json(procedure, original) -> str:
    key = ("p", procedure, original)
    piece = _pieces.get(key)
    if piece is not None:
        return piece
    was = "null" if original is None else _quoted(original.code)
    return _kept(
        key,
        f'"procedure": {_quoted(procedure.code)}, "modifiers": '
        f'{_texts_json(procedure.modifiers)}, "original_procedure": {was}, ',
    )


def _line_json(line: ServiceLine) -> str:
    control = line.control_number
    return (
        f'{{"number": {line.number}, {_procedure_json(line.procedure, line.original_procedure)}'
        f'"charge": {_money_json(line.charge)}, "paid": {_money_json(line.paid)}, '
        f'"allowed": {_money_json(line.allowed)}, "units": {_number_json(line.units)}, '
        f'"service_date": {_date_json(line.service_date)}, '
        f'"control_number": {_quoted(control) if control else "null"}, '
        f'"adjustments": [{", ".join(map(_adjustment_json, line.adjustments))}], '
        f'"remarks": {_texts_json(line.remarks)}}}'
    )


class _Header:
    """The opening of every claim's JSON in one transaction (file, payer, payment), kept."""

    header: object = None
    file_name = ""
    text = ""


_last = _Header()


def _opening(claim: Claim, file_name: str) -> str:
    header = claim.header
    if header is not _last.header or file_name != _last.file_name:
        payment = header.payment
        _last.header, _last.file_name = header, file_name
        _last.text = (
            f'{{"file": {_quoted(file_name)}, "transaction": {_quoted(header.control_number)}, '
            f'"payer_name": {_quoted(header.payer.name)}, "payer_id": {_quoted(header.payer_key)}, '
            f'"check_number": {_quoted(payment.trace_number)}, '
            f'"payment_date": {_date_json(payment.date)}, '
        )
    return _last.text


def claim_json(claim: Claim, file_name: str) -> str:
    """json.dumps(claim_dict(claim, file_name)), byte for byte, in a fraction of the time."""
    lines = claim.lines
    adjustments = claim.adjustments
    for line in lines:
        if line.adjustments:
            adjustments += line.adjustments
    c = claim
    return (
        f"{_opening(c, file_name)}"
        f'"claim_id": {_quoted(c.claim_id)}, "status": {_quoted(c.status)}, '
        f'"charge": {_money_json(c.charge)}, "paid": {_money_json(c.paid)}, '
        f'"patient_responsibility": {_money_json(c.patient_responsibility)}, '
        f'"payer_claim_number": {_quoted(c.payer_claim_number)}, '
        f'"filing_indicator": {_code_json(c.filing_indicator)}, '
        f'"facility_type": {_code_json(c.facility_type)}, '
        f'"frequency": {_code_json(c.frequency)}, '
        f'"patient_status": {_code_json(c.patient_status)}, "drg": {_code_json(c.drg)}, '
        f'"drg_weight": {_number_json(c.drg_weight)}, '
        f'"discharge_fraction": {_number_json(c.discharge_fraction)}, '
        f'"yes_no_condition": {_code_json(c.yes_no_condition)}, '
        f'"service_date": {_date_json(c.first_service_date)}, '
        f'"interest": {_money_json(c.amount("I"))}, '
        f'"adjustments": [{", ".join(map(_adjustment_json, adjustments))}], '
        f'"remarks": {_texts_json(c.all_remarks)}, '
        f'"lines": [{", ".join(map(_line_json, lines))}], '
        f'"balanced": {"false" if c.findings else "true"}, '
        f'"findings": {_texts_json(c.findings)}}}'
    )
