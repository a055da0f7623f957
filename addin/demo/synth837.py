"""Synthetic 837P (005010X222A1) claim files: the same claims a synthetic 835 answers."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

from addin.demo import synth
from addin.demo.synth import (
    PRACTICE_NAME,
    PRACTICE_NPI,
    PRACTICE_TIN,
    RECEIVER_ID,
    SynthPayer,
    _Claim,
    _money,
    _write_segments,
    _ymd,
)

GUIDE = "005010X222A1"
SUBMITTER_ID = "DDPRACTICE"
# A plausible ICD-10-CM code for each first procedure of a visit (synthetic, not a record).
DIAGNOSES = {
    "99203": ("J069",),
    "99204": ("R5383",),
    "99213": ("I10",),
    "99214": ("E119", "I10"),
    "97110": ("M5450",),
    "97140": ("M5416",),
    "20610": ("M1711",),
    "93000": ("R079",),
    "80053": ("E785",),
    "71046": ("R059",),
    "11721": ("B351",),
    "96372": ("E538",),
    "90686": ("Z23",),
}


@dataclass(frozen=True)
class Outgoing:
    """One claim as the practice sends it: the synthetic claim plus what only the 837 says."""

    claim: _Claim
    payer: SynthPayer
    submitted_on: date
    prior_auth: str = ""
    frequency: str = "1"
    original_reference: str = ""
    with_rendering: bool = True


def diagnoses_of(claim: _Claim) -> tuple[str, ...]:
    found: list[str] = []
    for line in claim.lines:
        for code in DIAGNOSES.get(line.procedure.cpt, ("Z0000",)):
            if code not in found:
                found.append(code)
    return tuple(found[:12])


def submitted_on(claim: _Claim) -> date:
    """Claims go out a few days after the visit (the 835's received date, else visit + 2)."""
    first = min(line.service_date for line in claim.lines)
    return claim.received if claim.received >= first else first + timedelta(days=2)


def _claim_segments(item: Outgoing, hl: int) -> list[tuple[str, ...]]:
    claim, payer = item.claim, item.payer
    patient = claim.patient
    diagnoses = diagnoses_of(claim)
    segments: list[tuple[str, ...]] = [
        ("HL", str(hl), "1", "22", "0"),
        ("SBR", "P", "18", "", "", "", "", "", "", "CI"),
        ("NM1", "IL", "1", patient.last, patient.first, "", "", "", "MI", patient.identifier),
        ("NM1", "PR", "2", payer.name, "", "", "", "", "PI", payer.payer_id),
        (
            "CLM",
            claim.account,
            _money(claim.charge),
            "",
            "",
            f"11:B:{item.frequency}",
            "Y",
            "A",
            "Y",
            "Y",
        ),
    ]
    if item.original_reference:
        segments.append(("REF", "F8", item.original_reference))
    if item.prior_auth:
        segments.append(("REF", "G1", item.prior_auth))
    codes = [("ABK" if i == 0 else "ABF") + ":" + code for i, code in enumerate(diagnoses)]
    segments.append(("HI", *codes))
    if item.with_rendering:
        doc = claim.rendering
        segments.append(("NM1", "82", "1", doc.last, doc.first, "", "", "", "XX", doc.identifier))
    for number, line in enumerate(claim.lines, start=1):
        procedure = line.procedure
        own = DIAGNOSES.get(procedure.cpt, ("Z0000",))
        pointers = [str(diagnoses.index(c) + 1) for c in own if c in diagnoses][:4] or ["1"]
        code = ":".join(("HC", procedure.cpt, *procedure.modifiers))
        segments += [
            ("LX", str(number)),
            (
                "SV1",
                code,
                _money(line.charge),
                "UN",
                str(procedure.units),
                "",
                "",
                ":".join(pointers),
            ),
            ("DTP", "472", "D8", _ymd(line.service_date)),
            ("REF", "6R", line.control),
        ]
    return segments


def write_837p(out: TextIO, items: Sequence[Outgoing], control: int, created: date) -> None:
    """One interchange, one 837P transaction, every claim under the practice as billing provider."""
    head = [
        ("ISA", "00", " " * 10, "00", " " * 10, "ZZ", SUBMITTER_ID.ljust(15), "ZZ",
         RECEIVER_ID.ljust(15), f"{created:%y%m%d}", "1200", "^", "00501", f"{control:09d}",
         "0", "T", ":"),
        ("GS", "HC", SUBMITTER_ID, RECEIVER_ID, _ymd(created), "1200", str(control), "X", GUIDE),
    ]  # fmt: skip
    body = [
        ("ST", "837", "0001", GUIDE),
        ("BHT", "0019", "00", f"B{control}", _ymd(created), "1200", "CH"),
        ("NM1", "41", "2", PRACTICE_NAME, "", "", "", "", "46", SUBMITTER_ID),
        ("PER", "IC", "BILLING OFFICE", "TE", "8005550100"),
        ("NM1", "40", "2", "SYNTHETIC CLEARINGHOUSE", "", "", "", "", "46", RECEIVER_ID),
        ("HL", "1", "", "20", "1"),
        ("NM1", "85", "2", PRACTICE_NAME, "", "", "", "", "XX", PRACTICE_NPI),
        ("N3", "100 SAMPLE AVENUE"),
        ("N4", "ANYTOWN", "OH", "45998"),
        ("REF", "EI", PRACTICE_TIN),
    ]
    for index, item in enumerate(items):
        body += _claim_segments(item, index + 2)
    _write_segments(out, head)
    written = _write_segments(out, body)
    _write_segments(
        out,
        [
            ("SE", str(written + 1), "0001"),
            ("GE", "1", str(control)),
            ("IEA", "1", f"{control:09d}"),
        ],
    )


def synth_837p(items: Sequence[Outgoing], control: int, created: date) -> str:
    out = io.StringIO()
    write_837p(out, items, control, created)
    return out.getvalue()


def matching_837(claims: Iterable[_Claim], payer: SynthPayer, control: int) -> str:
    """The 837P that a synthetic 835's claims answer (same CLM01, patient, lines and charges)."""
    items = [Outgoing(c, payer, submitted_on(c)) for c in claims if c.status != "22"]
    created = max((i.submitted_on for i in items), default=date(2026, 1, 5))
    return synth_837p(items, control, created)


def write_matching_837(out: TextIO, claims: int, seed: int = 0) -> None:
    """The 837P beside `synth.write_835(…, claims, seed)`: the same claims, as sent."""
    payer = synth.PAYERS[seed % len(synth.PAYERS)]
    paid_on = synth._next_weekday(date(2026, 1, 5) + timedelta(days=seed % 350))
    items = [
        Outgoing(c, payer, submitted_on(c))
        for c in synth._random_claims(seed, claims, payer, paid_on)
    ]
    created = max((i.submitted_on for i in items), default=paid_on)
    write_837p(out, items, synth._control_number(seed, 0) + 500_000_000, created)
