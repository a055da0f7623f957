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

_CACHE_LIMIT = 50_000  # distinct pieces kept per table; a remit repeats far fewer
_quoted = encode_basestring_ascii  # a JSON string, ASCII, as json.dumps writes it

# Tables of encoded pieces, one per kind (keys of one type each: 1 == True == Decimal(1) would
# otherwise share an entry). Looked up with the dict's own get (no Python call per value); a
# miss goes through the helper below it, which encodes and (when sharing is safe) keeps it.
_MONEY: dict[Decimal | None, str] = {None: "null"}
_DATES: dict[date | None, str] = {None: "null"}
_CODES: dict[str, str] = {"": "null"}  # a code or short text; empty is null (`or None`)
_ADJUSTMENTS: dict[Adjustment, str] = {}
_PROCEDURES: dict[object, str] = {}


def _keep(table: dict, key, piece: str) -> str:
    if len(table) < _CACHE_LIMIT:
        table[key] = piece
    return piece


def _money_json(value: Decimal) -> str:
    # 0 and -0 are equal keys but different text ("0.00", "-0.00"): zeros are never kept;
    # equal amounts (131.8, 131.80) have the same two-decimal text and share an entry
    piece = f'"{money_text(value)}"'
    return _keep(_MONEY, value, piece) if value else piece


def _number_json(value: Decimal | None) -> str:
    # not shared: equal numbers (1, 1.0) are written as the file wrote them
    return "null" if value is None else f'"{value}"'


def _date_json(value: date) -> str:
    return _keep(_DATES, value, f'"{value.isoformat()}"')


def _code_json(value: str) -> str:
    return _keep(_CODES, value, _quoted(value))


def _texts_json(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(map(_quoted, values)) + "]" if values else "[]"


def _adjustment_json(adjustment: Adjustment) -> str:
    group, carc, amount, quantity, line = adjustment
    level, number = ("claim", "null") if line is None else ("line", line)
    money = "null" if amount is None else _MONEY.get(amount) or _money_json(amount)
    piece = (
        f'{{"level": "{level}", "line": {number}, "group": {_quoted(group)}, '
        f'"carc": {_quoted(carc)}, "amount": {money}, "quantity": {_number_json(quantity)}}}'
    )
    # kept only where equal keys mean equal text (see _money_json and _number_json)
    return _keep(_ADJUSTMENTS, adjustment, piece) if quantity is None and amount else piece


def _procedure_json(procedure, original) -> str:
    was = "null" if original is None else _quoted(original.code)
    piece = (
        f'"procedure": {_quoted(procedure.code)}, "modifiers": '
        f'{_texts_json(procedure.modifiers)}, "original_procedure": {was}, '
    )
    return _keep(_PROCEDURES, procedure if original is None else (procedure, original), piece)


class _Header:
    """The opening of every claim's JSON in one transaction (file, payer, payment), kept."""

    header: object = None
    file_name = ""
    text = ""


_last = _Header()


def _opening(header, file_name: str) -> str:
    payment = header.payment
    _last.header, _last.file_name = header, file_name
    _last.text = (
        f'{{"file": {_quoted(file_name)}, "transaction": {_quoted(header.control_number)}, '
        f'"payer_name": {_quoted(header.payer.name)}, "payer_id": {_quoted(header.payer_key)}, '
        f'"check_number": {_quoted(payment.trace_number)}, '
        f'"payment_date": {_DATES.get(payment.date) or _date_json(payment.date)}, '
    )
    return _last.text


def claim_json(claim: Claim, file_name: str) -> str:
    """json.dumps(claim_dict(claim, file_name)), byte for byte, in a fraction of the time.

    One function with the records unpacked and every table read through its `get`: a Python
    call per value was most of what this cost (bench/README.md).
    """
    (header, _, claim_id, status, charge, paid, responsibility, filing, payer_claim, facility,
     frequency, drg, _, _, _, _, _, _, statement_from, _, _, remarks, amounts, adjustments, lines,
     findings, patient_status, weight, fraction, yes_no) = claim  # fmt: skip
    money, code, day = _MONEY.get, _CODES.get, _DATES.get
    every_adjustment = [_ADJUSTMENTS.get(a) or _adjustment_json(a) for a in adjustments]
    every_remark = dict.fromkeys(remarks) if remarks else None
    line_texts, first_day, every_remark = _lines_json(lines, every_adjustment, every_remark)
    if first_day is None:
        first_day = statement_from
    interest = None
    for qualifier, amount in amounts:
        if qualifier == "I":
            interest = amount
            break
    opening = _last.text if header is _last.header and file_name == _last.file_name else None
    return (
        f"{opening or _opening(header, file_name)}"
        f'"claim_id": {_quoted(claim_id)}, "status": {_quoted(status)}, '
        f'"charge": {money(charge) or _money_json(charge)}, '
        f'"paid": {money(paid) or _money_json(paid)}, '
        f'"patient_responsibility": {money(responsibility) or _money_json(responsibility)}, '
        f'"payer_claim_number": {_quoted(payer_claim)}, '
        f'"filing_indicator": {code(filing) or _code_json(filing)}, '
        f'"facility_type": {code(facility) or _code_json(facility)}, '
        f'"frequency": {code(frequency) or _code_json(frequency)}, '
        f'"patient_status": {code(patient_status) or _code_json(patient_status)}, '
        f'"drg": {code(drg) or _code_json(drg)}, '
        f'"drg_weight": {"null" if weight is None else _number_json(weight)}, '
        f'"discharge_fraction": {"null" if fraction is None else _number_json(fraction)}, '
        f'"yes_no_condition": {code(yes_no) or _code_json(yes_no)}, '
        f'"service_date": {day(first_day) or _date_json(first_day)}, '
        f'"interest": {money(interest) or _money_json(interest)}, '
        f'"adjustments": [{", ".join(every_adjustment)}], '
        f'"remarks": {_texts_json(tuple(every_remark)) if every_remark else "[]"}, '
        f'"lines": [{", ".join(line_texts)}], '
        f'"balanced": {"false" if findings else "true"}, '
        f'"findings": {_texts_json(findings) if findings else "[]"}}}'
    )


def _lines_json(lines, every_adjustment: list[str], every_remark: dict | None):
    """The claim's lines as JSON texts, its first service date, and its remarks with the
    lines' added (each line's adjustments are appended to `every_adjustment`)."""
    money, day = _MONEY.get, _DATES.get
    adjustment, procedure_json = _ADJUSTMENTS.get, _PROCEDURES.get
    first_day = None
    line_texts = []
    for (number, procedure, line_charge, line_paid, _, units, original, _, service_date, _,
         control, allowed, line_adjustments, line_remarks) in lines:  # fmt: skip
        if service_date is not None and (first_day is None or service_date < first_day):
            first_day = service_date
        if line_adjustments:
            texts = [adjustment(a) or _adjustment_json(a) for a in line_adjustments]
            every_adjustment += texts
            texts = ", ".join(texts)
        else:
            texts = ""
        if line_remarks:
            every_remark = every_remark or {}
            every_remark.update(dict.fromkeys(line_remarks))
        units_text = "null" if units is None else f'"{units}"'  # as written (1, 1.0)
        line_texts.append(
            f'{{"number": {number}, '
            f"{(procedure_json(procedure) if original is None else None) or _procedure_json(procedure, original)}"  # noqa: E501
            f'"charge": {money(line_charge) or _money_json(line_charge)}, '
            f'"paid": {money(line_paid) or _money_json(line_paid)}, '
            f'"allowed": {money(allowed) or _money_json(allowed)}, '
            f'"units": {units_text}, '
            f'"service_date": {day(service_date) or _date_json(service_date)}, '
            f'"control_number": {_quoted(control) if control else "null"}, '
            f'"adjustments": [{texts}], '
            f'"remarks": {_texts_json(line_remarks) if line_remarks else "[]"}}}'
        )
    return line_texts, first_day, every_remark
