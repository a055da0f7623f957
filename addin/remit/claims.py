"""The claim loop of an 835 (CLP with its NM1/DTM/AMT/CAS and SVC lines), read in one pass.

This is the reader's hot path: a remit is mostly claim loops. The loop keeps its state in
local variables and tests segment ids in order of frequency instead of dispatching each
segment to a method; bench/README.md shows what that buys. Everything unusual (bad amounts,
unknown segments, odd composites) leaves the fast path through a small helper.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Protocol

from addin.remit.balance import claim_findings, line_findings
from addin.remit.models import Adjustment, Claim, Person, Procedure, ServiceLine, TransactionHeader
from addin.remit.segments import segment_id
from addin.remit.values import _DATES, _DECIMALS, code_shown, to_date, to_decimal

ZERO = Decimal(0)
# The records are NamedTuples; building them with tuple.__new__ skips the generated __new__
# (a Python-level call per record) — all fields are always given here.
_new = tuple.__new__
_NOBODY = Person()
PAD = [""] * 24  # padding so the loop can index any element it reads
# Segments that end a claim loop: the next claim, a new LX group, the trailer, or the envelope.
CLAIM_ENDERS = frozenset(
    {
        "CLP",
        "LX",
        "TS3",
        "TS2",
        "PLB",
        "SE",
        "GE",
        "IEA",
        "ISA",
        "GS",
        "ST",
        "N1",
        "N3",
        "N4",
        "BPR",
        "TRN",
    }
)
IGNORED_IN_CLAIM = frozenset({"QTY", "PER", "RDM", "CUR"})
CLAIM_SEGMENTS = frozenset({"DTM", "CAS", "SVC", "AMT", "REF", "NM1", "LQ", "MOA", "MIA"})
NM1_ROLES = {"QC": 0, "IL": 1, "74": 2, "82": 3, "TT": 4}
CLAIM_DATES = {"050": 0, "232": 1, "233": 2, "036": 3}
CAS_TRIPLETS = (2, 5, 8, 11, 14, 17)


class ClaimTally(Protocol):
    """What a run of claims reports to its transaction (see parser._Transaction)."""

    unknown: Counter
    claims: int
    segments: int
    lines: int
    adjustments: int
    paid_total: Decimal
    ending: list[str] | None

    pending: list[str]  # a CLP's elements go here for the fingerprint, as remember() does

    def flush_digest(self) -> None: ...


class ClaimLoop:
    """Reads claims from a segment stream shared with the transaction reader."""

    def __init__(self, segments: Iterator[list[str]], component: str):
        self._segments = segments
        self._component = component
        self._procedures: dict[str, Procedure] = {}

    def run(
        self, clp: list[str], header: TransactionHeader, number: int, tally: ClaimTally
    ) -> Iterator[Claim]:
        """Read consecutive claims from a CLP on, yielding each; stop at the first segment
        that is not another claim's CLP and leave it in `tally.ending`.

        `tally` (the transaction being read) receives the segment, line and adjustment
        counts and the paid total when the run ends, and each CLP for its fingerprint.
        """
        procedures = self._procedures
        unknown = tally.unknown
        pending = tally.pending  # the fingerprint's input (see parser._Transaction.remember)
        claims = segments = lines_seen = adjustments_seen = 0
        paid_total = ZERO
        while True:
            pending += clp
            pending.append("\x1e")
            if len(pending) >= 16384:
                tally.flush_digest()
            findings: list[str] = []
            clp = clp + PAD
            e = clp
            charge = _DECIMALS.get(e[3])
            if charge is None:
                charge = self._amount(e[3], "CLP03", findings)
            paid = _DECIMALS.get(e[4])
            if paid is None:
                paid = self._amount(e[4], "CLP04", findings)
            responsibility = _DECIMALS.get(e[5])
            if responsibility is None and e[5].strip():
                responsibility = self._amount(e[5], "CLP05", findings)
            weight = self._number(e[12], "CLP12 DRG weight", findings) if e[12] else None
            fraction = self._number(e[13], "CLP13 discharge fraction", findings) if e[13] else None
            people: list[Person | None] = [None] * 5
            dates: list = [None] * 4
            remarks: list[str] = []
            amounts: list[tuple[str, Decimal]] = []
            claim_cas: list[Adjustment] = []
            lines: list[ServiceLine] = []
            line: list | None = None  # the open service line, see _open_line
            adjusted: Decimal | None = ZERO
            count = 0
            ending = None
            for elements in self._segments:
                name = elements[0]
                count += 1
                if name == "DTM":
                    try:
                        qualifier, raw = elements[1], elements[2]
                    except IndexError:
                        continue
                    value = _DATES.get(raw)
                    if value is None:
                        value = to_date(raw)
                    if value is None and raw:
                        (line[_FINDINGS] if line else findings).append(
                            f"DTM*{code_shown(qualifier)} date is not a valid date"
                        )
                    if line is not None:
                        if qualifier == "472" or qualifier == "150":
                            line[_DATE_FROM] = value
                        elif qualifier == "151":
                            line[_DATE_TO] = value
                    else:
                        slot = CLAIM_DATES.get(qualifier)
                        if slot is not None:
                            dates[slot] = value
                elif name == "AMT":
                    try:
                        amount = _DECIMALS.get(elements[2])
                    except IndexError:
                        continue
                    if amount is None:
                        self._amt(elements, line, amounts, findings)
                    elif line is None:
                        amounts.append((elements[1], amount))
                    elif elements[1] == "B6":
                        line[_ALLOWED] = amount
                elif name == "CAS":
                    size = len(elements)
                    amount = _DECIMALS.get(elements[3]) if 3 < size < 6 else None
                    if amount is not None and elements[2]:  # one triplet: the usual case
                        quantity = to_decimal(elements[4]) if size == 5 and elements[4] else None
                        if line is None:
                            claim_cas.append(
                                _new(Adjustment, (elements[1], elements[2], amount, quantity, None))
                            )
                        else:
                            line[_ADJUSTMENTS].append(
                                _new(
                                    Adjustment,
                                    (elements[1], elements[2], amount, quantity, line[_NUMBER]),
                                )
                            )
                            if line[_ADJUSTED] is not None:
                                line[_ADJUSTED] += amount
                        if adjusted is not None:
                            adjusted += amount
                        continue
                    target = line[_ADJUSTMENTS] if line else claim_cas
                    total = self._adjustments(elements, target, line, findings)
                    if line is not None:
                        line_total = line[_ADJUSTED]
                        line[_ADJUSTED] = (
                            None if line_total is None or total is None else (line_total + total)
                        )
                    adjusted = None if adjusted is None or total is None else adjusted + total
                elif name == "SVC":
                    if line is not None:
                        lines.append(_close_line(line, findings))
                    size = len(elements)
                    procedure = procedures.get(elements[1])
                    charge_ = _DECIMALS.get(elements[2]) if 3 < size < 7 else None
                    paid_ = _DECIMALS.get(elements[3]) if charge_ is not None else None
                    if procedure is None or paid_ is None:  # first sight, or anything unusual
                        line = self._open_line(elements, len(lines) + 1)
                    else:
                        line = [
                            len(lines) + 1,
                            procedure,
                            charge_,
                            paid_,
                            elements[4] if size > 4 else "",
                            to_decimal(elements[5]) if size > 5 and elements[5] else None,
                            None,
                            None,
                            None,
                            None,
                            "",
                            None,
                            [],
                            [],
                            [],
                            ZERO,
                        ]
                elif name == "REF":
                    if line is not None and len(elements) > 2 and elements[1] == "6R":
                        line[_CONTROL] = elements[2].strip()
                elif name == "NM1":
                    slot = NM1_ROLES.get(elements[1]) if len(elements) > 1 else None
                    if slot is not None and people[slot] is None:
                        e = elements if len(elements) > 9 else elements + PAD
                        people[slot] = _new(
                            Person,
                            (
                                e[3].strip(),
                                e[4].strip(),
                                e[5].strip(),
                                e[8].strip(),
                                e[9].strip(),
                                e[2] == "2",
                            ),
                        )
                elif name == "LQ":
                    if line is not None and len(elements) > 2 and elements[1] == "HE":
                        code = elements[2].strip()
                        if code and code not in line[_REMARKS]:
                            line[_REMARKS].append(code)
                elif name == "MOA" or name == "MIA":
                    positions = (3, 4, 5, 6, 7) if name == "MOA" else (5, 20, 21, 22, 23)
                    e = elements + PAD
                    remarks.extend(e[i].strip() for i in positions if e[i].strip())
                elif name in IGNORED_IN_CLAIM:
                    pass
                elif name in CLAIM_ENDERS:
                    count -= 1
                    ending = elements
                    break
                else:
                    ending = self._unusual(elements, unknown)
                    if ending is not None:
                        count -= 1
                        break
            if line is not None:
                lines.append(_close_line(line, findings))
            if charge is not None and paid is not None and adjusted is not None:
                if charge - paid != adjusted:
                    findings.extend(claim_findings(charge, paid, adjusted))
            claim = _new(
                Claim,
                (
                    header,
                    number,
                    clp[1].strip(),
                    clp[2].strip(),
                    charge,
                    paid,
                    responsibility,
                    clp[6].strip(),
                    clp[7].strip(),
                    clp[8].strip(),
                    clp[9].strip(),
                    clp[11].strip(),
                    people[0] or _NOBODY,
                    people[1],
                    people[2],
                    people[3],
                    people[4],
                    dates[0],
                    dates[1],
                    dates[2],
                    dates[3],
                    tuple(dict.fromkeys(remarks)) if remarks else (),
                    tuple(amounts),
                    tuple(claim_cas),
                    tuple(lines),
                    tuple(dict.fromkeys(findings)) if findings else (),
                    clp[10].strip(),
                    weight,
                    fraction,
                    clp[14].strip(),
                ),
            )
            claims += 1
            segments += count
            lines_seen += len(lines)
            adjustments_seen += len(claim_cas)
            for service in lines:
                adjustments_seen += len(service.adjustments)
            if paid is not None:
                paid_total += paid
            yield claim
            if ending is None or ending[0] != "CLP":  # the run is over: report it in one go
                tally.claims += claims
                tally.segments += segments
                tally.lines += lines_seen
                tally.adjustments += adjustments_seen
                tally.paid_total += paid_total
                tally.ending = ending
                return
            segments += 1  # the CLP that starts the next claim
            clp = ending
            number += 1

    # -- the less frequent pieces -------------------------------------------------------

    @staticmethod
    def _unusual(elements: list[str], unknown: Counter) -> list[str] | None:
        """An id the loop does not know: count it, or end the claim so the transaction reader
        (which normalises lower-case and padded ids) can handle a segment of the envelope.
        """
        name = elements[0].strip(" \t").upper()
        if name in CLAIM_ENDERS:
            return [name, *elements[1:]]
        if name in CLAIM_SEGMENTS:
            unknown[f"{name} (written {elements[0]!r})"] += 1
        elif name:
            unknown[segment_id(name)] += 1
        return None

    @staticmethod
    def _amount(raw: str, name: str, findings: list[str]) -> Decimal | None:
        value = to_decimal(raw)
        if value is None:
            findings.append(f"{name} is not an amount" if raw.strip() else f"{name} is missing")
        return value

    @staticmethod
    def _number(raw: str, name: str, findings: list[str]) -> Decimal | None:
        """A numeric element that is not money (a weight, a percent); blank is None."""
        value = to_decimal(raw)
        if value is None and raw.strip():
            findings.append(f"{name} is not a number")
        return value

    def _adjustments(self, elements, target, line, findings) -> Decimal | None:
        """Append a CAS segment's triplets; returns their total (None if one is unreadable)."""
        e = elements + PAD
        group = e[1].strip()
        number = line[_NUMBER] if line else None
        total: Decimal | None = ZERO
        for index in CAS_TRIPLETS:
            carc = e[index]
            if not carc:
                if index + 1 >= len(elements):
                    break
                continue
            carc = carc.strip()
            amount = to_decimal(e[index + 1])
            if amount is None:
                where = line[_FINDINGS] if line else findings
                self._amount(
                    e[index + 1], f"CAS*{code_shown(group)}*{code_shown(carc)} amount", where
                )
                total = None
            elif total is not None:
                total += amount
            quantity = to_decimal(e[index + 2]) if e[index + 2] else None
            target.append(_new(Adjustment, (group, carc, amount, quantity, number)))
        return total

    def _amt(self, elements, line, amounts, findings) -> None:
        if len(elements) < 3:
            return
        qualifier = elements[1]
        amount = to_decimal(elements[2])
        if amount is None:
            self._amount(
                elements[2], f"AMT*{code_shown(qualifier)}", line[_FINDINGS] if line else findings
            )
        elif line is not None:
            if qualifier == "B6":
                line[_ALLOWED] = amount
        else:
            amounts.append((qualifier, amount))

    def _open_line(self, elements: list[str], number: int) -> list:
        e = elements + PAD
        findings: list[str] = []
        charge = _DECIMALS.get(e[2]) or to_decimal(e[2])
        if charge is None:
            self._amount(e[2], f"line {number} SVC02", findings)
        paid = _DECIMALS.get(e[3]) or to_decimal(e[3])
        if paid is None:
            self._amount(e[3], f"line {number} SVC03", findings)
        return [
            number,
            self._procedure(e[1], findings, number),
            charge,
            paid,
            e[4].strip(),
            to_decimal(e[5]) if e[5] else None,
            self._procedure(e[6], findings, number) if e[6] else None,
            to_decimal(e[7]) if e[7] else None,
            None,
            None,
            "",
            None,
            [],
            [],
            findings,
            ZERO,
        ]

    def _procedure(self, composite: str, findings: list[str], number: int) -> Procedure:
        known = self._procedures.get(composite)
        if known is not None:
            return known
        separator = self._component
        if separator not in composite and len(composite) > 2 and not composite[2].isalnum():
            separator = composite[2]
            findings.append(
                f"line {number}: procedure uses {separator!r} as component "
                f"separator, not the declared {self._component!r}"
            )
            return _split_procedure(composite, separator)
        procedure = _split_procedure(composite, separator)
        if len(self._procedures) < 20_000:  # the same procedures come back line after line
            self._procedures[composite] = procedure
        return procedure


# The open service line is a list (cheaper to fill field by field than an object).
(
    _NUMBER,
    _PROCEDURE,
    _CHARGE,
    _PAID,
    _REVENUE,
    _UNITS,
    _ORIGINAL,
    _ORIGINAL_UNITS,
    _DATE_FROM,
    _DATE_TO,
    _CONTROL,
    _ALLOWED,
    _ADJUSTMENTS,
    _REMARKS,
    _FINDINGS,
    _ADJUSTED,
) = range(16)


def _close_line(line: list, claim_findings_list: list[str]) -> ServiceLine:
    """Freeze the open line, moving its findings (and its balance check) to the claim."""
    if line[_FINDINGS]:
        claim_findings_list.extend(line[_FINDINGS])
    charge, paid, adjusted = line[_CHARGE], line[_PAID], line[_ADJUSTED]
    if charge is not None and paid is not None and adjusted is not None:
        if charge - paid != adjusted:
            claim_findings_list.extend(line_findings(line[_NUMBER], charge, paid, adjusted))
    line[_ADJUSTMENTS] = tuple(line[_ADJUSTMENTS])
    line[_REMARKS] = tuple(line[_REMARKS])
    return _new(ServiceLine, line[:_FINDINGS])


def _split_procedure(composite: str, separator: str) -> Procedure:
    parts = composite.split(separator)
    if len(parts) == 1:
        return Procedure("", parts[0].strip())
    return Procedure(
        parts[0].strip(),
        parts[1].strip(),
        tuple(m.strip() for m in parts[2:6] if m.strip()),
        parts[6].strip() if len(parts) > 6 else "",
    )
