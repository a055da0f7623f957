"""Deterministic generator of synthetic, balanced X12 005010X221A1 835 remittance files."""

from __future__ import annotations

import io
import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TextIO

__all__ = ["PAYERS", "SynthPayer", "demo_remits", "synth_835", "write_835"]

VERSION = "005010X221A1"
RECEIVER_ID = "DENIALDESK"
ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")

Segment = tuple[str, ...]


@dataclass(frozen=True)
class SynthPayer:
    """A fictional payer: its name, 5-digit payer id and CLP06 claim filing indicator code.

    `plan` must be a code the 835 guide allows in CLP06 (12 PPO, 15 indemnity, 16 Medicare
    HMO, HM HMO, MC Medicaid, MB Medicare Part B, ...); it also picks the pricing terms.
    """

    name: str
    payer_id: str
    plan: str


PAYERS: tuple[SynthPayer, ...] = (
    SynthPayer("ACME HEALTH PLAN", "99101", "HM"),
    SynthPayer("SUNRISE MEDICARE ADVANTAGE", "99102", "16"),
    SynthPayer("MEDICAID OF EXAMPLESTATE", "99103", "MC"),
    SynthPayer("BLUE HERON PPO", "99104", "12"),
    SynthPayer("NORTHWIND COMMERCIAL", "99105", "15"),
)

# Only obviously synthetic people: patients and clinicians come from these lists alone.
PATIENT_LAST_NAMES = (
    "TESTPATIENT",
    "SAMPLE",
    "EXAMPLE",
    "DEMO",
    "SYNTHETIC",
    "FICTION",
    "MOCKER",
    "PLACEHOLDER",
)
FIRST_NAMES = (
    "ALPHA",
    "BRAVO",
    "CHARLIE",
    "DELTA",
    "ECHO",
    "FOXTROT",
    "GOLF",
    "HOTEL",
    "INDIA",
    "JULIETT",
    "KILO",
    "LIMA",
    "MIKE",
    "NOVEMBER",
    "OSCAR",
    "PAPA",
    "QUEBEC",
    "ROMEO",
    "SIERRA",
    "TANGO",
    "UNIFORM",
    "VICTOR",
    "WHISKEY",
    "XRAY",
    "YANKEE",
    "ZULU",
)

PRACTICE_NAME = "EXAMPLE FAMILY MEDICINE GROUP"
PRACTICE_TIN = "990000001"
PAYER_ROUTING, PAYER_ACCOUNT = "999999992", "000111222"
PRACTICE_ROUTING, PRACTICE_ACCOUNT = "999999984", "000333444"

# The practice's charge master (fee per unit); realistic office, lab, imaging and therapy codes.
_FEES = {
    cpt: Decimal(fee)
    for cpt, fee in {
        "99203": "210",
        "99204": "295",
        "99213": "165",
        "99214": "245",
        "93000": "75",
        "80053": "58",
        "36415": "28",
        "71046": "145",
        "97110": "68",
        "97140": "62",
        "20610": "325",
        "11721": "112",
        "90471": "35",
        "90686": "52",
        "96372": "48",
    }.items()
}


@dataclass(frozen=True)
class _Procedure:
    cpt: str
    modifiers: tuple[str, ...]
    units: int

    @property
    def charge(self) -> Decimal:
        return _FEES[self.cpt] * self.units

    @property
    def is_office_visit(self) -> bool:
        return self.cpt.startswith("992")


def _procedure(spec: str) -> _Procedure:
    """Read 'CPT[:MOD...][*UNITS]', e.g. '99213:25' or '97110*4'."""
    code, _, units = spec.partition("*")
    cpt, *modifiers = code.split(":")
    return _Procedure(cpt, tuple(modifiers), int(units or 1))


# Visit shapes (lines of one claim) and how often an ordinary claim has each shape.
_VISITS = {
    name: tuple(_procedure(spec) for spec in specs)
    for name, specs in {
        "est_visit": ("99213",),
        "est_visit_high": ("99214",),
        "new_visit": ("99204",),
        "new_visit_xray": ("99203", "71046"),
        "labs": ("99213", "80053", "36415"),
        "ecg": ("99214", "93000"),
        "injection": ("99213:25", "20610:RT"),
        "therapy": ("97110:GP*4", "97140:GP*2"),
        "vaccine": ("99213:25", "90686", "90471"),
        "drug_admin": ("99214:25", "96372"),
        "foot_care": ("99213:25", "11721"),
    }.items()
}
_VISIT_NAMES, _VISIT_WEIGHTS = zip(
    *{
        "est_visit": 28,
        "est_visit_high": 16,
        "new_visit": 5,
        "new_visit_xray": 7,
        "labs": 12,
        "ecg": 8,
        "injection": 6,
        "therapy": 8,
        "vaccine": 5,
        "drug_admin": 3,
        "foot_care": 2,
    }.items(),
    strict=True,
)


@dataclass(frozen=True)
class _DenialKind:
    """One denial pattern: its codes, which line it hits, how common it is, how appeals end."""

    group: str
    carc: str
    rarc: str
    visit: str
    line: int | None  # index of the denied line; None = every line (whole claim, CLP02=4)
    weight: int
    overturn: float = 0.0  # chance a later remit pays it
    upheld: float = 0.0  # chance a later remit denies it again (whole-claim denials only)
    days_old: tuple[int, int] = (14, 42)  # service date, days before payment


DENIAL_KINDS: tuple[_DenialKind, ...] = (
    _DenialKind("CO", "16", "MA130", "est_visit", None, 3, overturn=0.6, upheld=0.1),
    _DenialKind("CO", "16", "N290", "new_visit_xray", None, 2, overturn=0.6),
    _DenialKind("CO", "16", "M51", "labs", 1, 2, overturn=0.5),
    _DenialKind(
        "CO", "29", "", "est_visit_high", None, 2, overturn=0.2, upheld=0.4, days_old=(100, 160)
    ),
    _DenialKind("CO", "50", "N115", "new_visit_xray", 1, 3, overturn=0.4),
    _DenialKind("CO", "97", "M15", "labs", 2, 4, overturn=0.25),
    _DenialKind("CO", "197", "", "therapy", None, 3, overturn=0.5, upheld=0.2),
    _DenialKind("OA", "18", "N111", "est_visit", None, 3),
    _DenialKind("CO", "18", "N111", "est_visit_high", None, 1),
    _DenialKind("CO", "22", "MA92", "ecg", None, 2, overturn=0.5, upheld=0.2),
    _DenialKind("CO", "27", "N30", "est_visit", None, 2, overturn=0.1, upheld=0.3),
    _DenialKind("CO", "4", "N823", "injection", 0, 2, overturn=0.6),
    _DenialKind("CO", "11", "M76", "ecg", 1, 2, overturn=0.4),
    _DenialKind("CO", "151", "N640", "therapy", 0, 2, overturn=0.3),
    _DenialKind("CO", "96", "N130", "foot_care", 1, 2, overturn=0.1),
    _DenialKind("CO", "109", "", "est_visit_high", None, 2),
    _DenialKind("CO", "252", "N706", "injection", None, 2, overturn=0.6, upheld=0.1),
)
DENIAL_RATE = 0.13


@dataclass(frozen=True)
class _PlanTerms:
    allowed_share: Decimal  # payer fee schedule as a share of the practice's charge
    copay: Decimal
    coinsurance: Decimal
    deductible_chance: float


_PLAN_TERMS = {
    "HM": _PlanTerms(Decimal("0.64"), Decimal("25"), ZERO, 0.0),
    "16": _PlanTerms(Decimal("0.52"), Decimal("20"), Decimal("0.20"), 0.1),
    "MC": _PlanTerms(Decimal("0.41"), Decimal("3"), ZERO, 0.0),
    "12": _PlanTerms(Decimal("0.70"), Decimal("30"), Decimal("0.20"), 0.25),
    "15": _PlanTerms(Decimal("0.74"), Decimal("40"), Decimal("0.20"), 0.35),
}
_DEFAULT_TERMS = _PlanTerms(Decimal("0.60"), Decimal("25"), Decimal("0.20"), 0.2)


@dataclass(frozen=True)
class _Benefits:
    """The cost sharing one claim meets: kept so a re-adjudication prices the claim alike."""

    allowed_share: Decimal
    copay: Decimal
    coinsurance: Decimal
    deductible: Decimal


@dataclass(frozen=True)
class _Person:
    last: str
    first: str
    identifier: str  # member id for patients, NPI for clinicians


@dataclass(frozen=True)
class _Adjustment:
    group: str
    carc: str
    amount: Decimal


@dataclass(frozen=True)
class _ServiceLine:
    procedure: _Procedure
    service_date: date
    control: str
    charge: Decimal
    paid: Decimal
    allowed: Decimal
    adjustments: tuple[_Adjustment, ...]
    remarks: tuple[str, ...]


@dataclass(frozen=True)
class _Claim:
    account: str
    status: str
    payer_claim_id: str
    plan: str
    patient: _Person
    rendering: _Person
    received: date
    lines: tuple[_ServiceLine, ...]

    @property
    def charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), ZERO)

    @property
    def allowed(self) -> Decimal:
        return sum((line.allowed for line in self.lines), ZERO)

    @property
    def patient_responsibility(self) -> Decimal:
        amounts = (a.amount for line in self.lines for a in line.adjustments if a.group == "PR")
        return sum(amounts, ZERO)


@dataclass(frozen=True)
class _Case:
    """An original claim with what is needed to adjudicate it again later."""

    claim: _Claim
    benefits: _Benefits
    denial: _DenialKind | None
    payer: SynthPayer
    paid_on: date


@dataclass(frozen=True)
class _ProviderAdjustment:
    reason: str  # PLB03-1, e.g. L6 interest (negative: paid to the provider), WO recoupment
    reference: str
    amount: Decimal


@dataclass(frozen=True)
class _Remit:
    payer: SynthPayer
    paid_on: date
    control: int
    provider_adjustments: tuple[_ProviderAdjustment, ...] = ()


# --------------------------------------------------------------------------- values


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def _money(amount: Decimal) -> str:
    """X12 'R' style: no trailing zeros, no negative zero ('100', '12.5', '-3.27')."""
    text = format(_cents(amount), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _npi(base: str) -> str:
    """Complete a 9-digit base with the NPI Luhn check digit (computed over prefix 80840)."""
    total = 0
    for position, char in enumerate(reversed("80840" + base)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return base + str((10 - total % 10) % 10)


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


PRACTICE_NPI = _npi("999990001")
CLINICIANS = (
    _Person("TESTDOC", "KILO", _npi("999990011")),
    _Person("SAMPLEDOC", "LIMA", _npi("999990012")),
    _Person("EXAMPLEDOC", "OSCAR", _npi("999990013")),
    _Person("DEMODOC", "VICTOR", _npi("999990014")),
)


# --------------------------------------------------------------------------- adjudication


def _draw_benefits(rng: random.Random, plan: str) -> _Benefits:
    terms = _PLAN_TERMS.get(plan, _DEFAULT_TERMS)
    copay = terms.copay if rng.random() < 0.85 else ZERO
    open_deductible = rng.random() < terms.deductible_chance
    deductible = Decimal(rng.choice((50, 100, 150, 250))) if open_deductible else ZERO
    return _Benefits(terms.allowed_share, copay, terms.coinsurance, deductible)


def _patient_share(
    procedure: _Procedure,
    allowed: Decimal,
    benefits: _Benefits,
    copay_due: bool,
    deductible: Decimal,
) -> tuple[tuple[_Adjustment, ...], bool, Decimal]:
    """PR adjustments for one line, plus whether a copay is still due and deductible left."""
    if procedure.is_office_visit:
        copay = min(benefits.copay, allowed) if copay_due else ZERO
        return _patient_adjustments(("3", copay)), False, deductible
    applied = min(deductible, allowed)
    coinsurance = _cents((allowed - applied) * benefits.coinsurance)
    return _patient_adjustments(("1", applied), ("2", coinsurance)), copay_due, deductible - applied


def _patient_adjustments(*pairs: tuple[str, Decimal]) -> tuple[_Adjustment, ...]:
    return tuple(_Adjustment("PR", carc, amount) for carc, amount in pairs if amount > 0)


def _service_line(
    procedure: _Procedure,
    when: date,
    control: str,
    allowed: Decimal,
    adjustments: tuple[_Adjustment, ...],
    remarks: tuple[str, ...] = (),
) -> _ServiceLine:
    """A line whose paid amount is its charge less its adjustments, so it always balances."""
    charge = procedure.charge
    paid = charge - sum((a.amount for a in adjustments), ZERO)
    return _ServiceLine(procedure, when, control, charge, paid, allowed, adjustments, remarks)


def _denied_line(
    procedure: _Procedure, when: date, control: str, kind: _DenialKind
) -> _ServiceLine:
    adjustment = _Adjustment(kind.group, kind.carc, procedure.charge)
    remarks = (kind.rarc,) if kind.rarc else ()
    return _service_line(procedure, when, control, ZERO, (adjustment,), remarks)


def _adjudicate(
    procedures: Sequence[_Procedure],
    when: date,
    account: str,
    benefits: _Benefits,
    denial: _DenialKind | None,
    uplift: Decimal = ONE,
) -> tuple[_ServiceLine, ...]:
    """Price every line (CO-45 contractual, PR cost share) or deny it, in claim order."""
    lines, copay_due, deductible = [], True, benefits.deductible
    for index, procedure in enumerate(procedures):
        control = f"{account}L{index + 1}"
        if denial is not None and denial.line in (None, index):
            lines.append(_denied_line(procedure, when, control, denial))
            continue
        allowed = _cents(procedure.charge * benefits.allowed_share * uplift)
        share, copay_due, deductible = _patient_share(
            procedure, allowed, benefits, copay_due, deductible
        )
        contractual = procedure.charge - allowed
        adjustments = ((_Adjustment("CO", "45", contractual),) if contractual else ()) + share
        lines.append(_service_line(procedure, when, control, allowed, adjustments))
    return tuple(lines)


def _status(denial: _DenialKind | None) -> str:
    return "4" if denial is not None and denial.line is None else "1"


def _payer_claim_id(payer: SynthPayer, paid_on: date, serial: int) -> str:
    return f"{paid_on:%y%j}{payer.payer_id}{serial:06d}"


def _new_case(
    rng: random.Random,
    account: str,
    serial: int,
    payer: SynthPayer,
    paid_on: date,
    patient: _Person,
    denial: _DenialKind | None,
) -> _Case:
    """Adjudicate a new claim for one office visit, paid or denied as `denial` says."""
    visit = denial.visit if denial else rng.choices(_VISIT_NAMES, _VISIT_WEIGHTS)[0]
    low, high = denial.days_old if denial else (14, 42)
    when = paid_on - timedelta(days=rng.randint(low, high))
    late = low > 90  # filed long after the visit, as timely-filing denials are
    received = (
        paid_on - timedelta(days=rng.randint(7, 12))
        if late
        else when + timedelta(days=rng.randint(1, 6))
    )
    benefits = _draw_benefits(rng, payer.plan)
    lines = _adjudicate(_VISITS[visit], when, account, benefits, denial)
    claim = _Claim(
        account,
        _status(denial),
        _payer_claim_id(payer, paid_on, serial),
        payer.plan,
        patient,
        rng.choice(CLINICIANS),
        received,
        lines,
    )
    return _Case(claim, benefits, denial, payer, paid_on)


def _readjudicated(
    case: _Case,
    claim_id: str,
    received: date,
    denial: _DenialKind | None = None,
    uplift: Decimal = ONE,
) -> _Claim:
    """The same claim (account, patient, lines, dates) adjudicated again under a new CLP07."""
    procedures = tuple(line.procedure for line in case.claim.lines)
    when = case.claim.lines[0].service_date
    lines = _adjudicate(procedures, when, case.claim.account, case.benefits, denial, uplift)
    return replace(
        case.claim, status=_status(denial), payer_claim_id=claim_id, received=received, lines=lines
    )


def _reversal(claim: _Claim) -> _Claim:
    """5010 reversal: CLP02=22, original CLP07, every amount negated, original group codes."""
    return replace(claim, status="22", lines=tuple(_negated(line) for line in claim.lines))


def _negated(line: _ServiceLine) -> _ServiceLine:
    adjustments = tuple(replace(a, amount=-a.amount) for a in line.adjustments)
    return replace(
        line, charge=-line.charge, paid=-line.paid, allowed=-line.allowed, adjustments=adjustments
    )


# --------------------------------------------------------------------------- X12 text


def _format(segment: Segment) -> str:
    elements = list(segment)
    while elements and elements[-1] == "":
        elements.pop()
    return "*".join(elements) + "~\n"


def _write_segments(out: TextIO, segments: Iterable[Segment]) -> int:
    count = 0
    for segment in segments:
        out.write(_format(segment))
        count += 1
    return count


def _interchange_head(remit: _Remit) -> list[Segment]:
    created = remit.paid_on - timedelta(days=2)
    clock = f"{6 + remit.control % 12:02d}{remit.control % 60:02d}"
    sender = remit.payer.payer_id
    return [
        (
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            sender.ljust(15),
            "ZZ",
            RECEIVER_ID.ljust(15),
            f"{created:%y%m%d}",
            clock,
            "^",
            "00501",
            f"{remit.control:09d}",
            "0",
            "T",
            ":",
        ),
        ("GS", "HP", sender, RECEIVER_ID, _ymd(created), clock, str(remit.control), "X", VERSION),
    ]


def _payment(remit: _Remit, total: Decimal) -> Segment:
    """BPR: an ACH credit, or a notice without money when nothing is paid."""
    if total < 0:
        raise ValueError(f"net payment {total} is negative; a remit cannot carry that")
    if total == 0:
        return ("BPR", "H", "0", "C", "NON", *[""] * 11, _ymd(remit.paid_on))
    return (
        "BPR",
        "I",
        _money(total),
        "C",
        "ACH",
        "CCP",
        "01",
        PAYER_ROUTING,
        "DA",
        PAYER_ACCOUNT,
        _company_id(remit.payer),
        "",
        "01",
        PRACTICE_ROUTING,
        "DA",
        PRACTICE_ACCOUNT,
        _ymd(remit.paid_on),
    )


def _company_id(payer: SynthPayer) -> str:
    return "1" + (payer.payer_id + "0000")[:9]


def _transaction_head(remit: _Remit, total: Decimal, has_claims: bool) -> list[Segment]:
    payer = remit.payer
    trace = f"{PAYER_ROUTING[:8]}{remit.control % 10**7:07d}"
    segments = [
        ("ST", "835", "0001"),
        _payment(remit, total),  # ST03 is "not used" in X221A1
        ("TRN", "1", trace, _company_id(payer)),
        ("REF", "EV", RECEIVER_ID),
        ("DTM", "405", _ymd(remit.paid_on - timedelta(days=2))),
        ("N1", "PR", payer.name, "XV", payer.payer_id),
        ("N3", f"PO BOX {payer.payer_id}"),
        ("N4", "SAMPLEVILLE", "OH", "45999"),
        ("PER", "BL", "EDI TECHNICAL SUPPORT", "TE", "8005550101"),
        ("N1", "PE", PRACTICE_NAME, "XX", PRACTICE_NPI),
        ("N3", "100 SAMPLE AVENUE"),
        ("N4", "ANYTOWN", "OH", "45998"),
        ("REF", "TJ", PRACTICE_TIN),
    ]
    return segments + [("LX", "1")] if has_claims else segments


def _claim_segments(claim: _Claim) -> list[Segment]:
    patient, clinician = claim.patient, claim.rendering
    dates = [line.service_date for line in claim.lines]
    responsibility = _money(claim.patient_responsibility) if claim.patient_responsibility else ""
    segments: list[Segment] = [
        (
            "CLP",
            claim.account,
            claim.status,
            _money(claim.charge),
            _money(claim.paid),
            responsibility,
            claim.plan,
            claim.payer_claim_id,
            "11",
            "1",
        ),
        ("NM1", "QC", "1", patient.last, patient.first, "", "", "", "MI", patient.identifier),
        ("NM1", "82", "1", clinician.last, clinician.first, "", "", "", "XX", clinician.identifier),
        ("DTM", "232", _ymd(min(dates))),
        ("DTM", "233", _ymd(max(dates))),
        ("DTM", "050", _ymd(claim.received)),
    ]
    if claim.allowed:
        segments.append(("AMT", "AU", _money(claim.allowed)))
    for line in claim.lines:
        segments.extend(_line_segments(line))
    return segments


def _line_segments(line: _ServiceLine) -> list[Segment]:
    procedure = line.procedure
    code = ":".join(("HC", procedure.cpt, *procedure.modifiers))
    segments: list[Segment] = [
        ("SVC", code, _money(line.charge), _money(line.paid), "", str(procedure.units)),
        ("DTM", "472", _ymd(line.service_date)),
        *_adjustment_segments(line.adjustments),
        ("REF", "6R", line.control),
    ]
    if line.allowed:
        segments.append(("AMT", "B6", _money(line.allowed)))
    return segments + [("LQ", "HE", remark) for remark in line.remarks]


def _adjustment_segments(adjustments: Sequence[_Adjustment]) -> list[Segment]:
    """One CAS per group code, at most six reason/amount/quantity triplets each."""
    by_group: dict[str, list[_Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    segments = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            triplets = [(a.carc, _money(a.amount), "") for a in items[start : start + 6]]
            segments.append(("CAS", group, *itertools.chain.from_iterable(triplets)))
    return segments


def _provider_adjustment_segments(remit: _Remit) -> list[Segment]:
    if not remit.provider_adjustments:
        return []
    pairs = [(f"{a.reason}:{a.reference}", _money(a.amount)) for a in remit.provider_adjustments]
    fiscal_year_end = f"{remit.paid_on.year}1231"
    return [("PLB", PRACTICE_NPI, fiscal_year_end, *itertools.chain.from_iterable(pairs))]


def _write_remit(out: TextIO, remit: _Remit, claims: Callable[[], Iterable[_Claim]]) -> None:
    """Write one interchange; `claims` is called twice (totals first, then the text)."""
    count, paid = 0, ZERO
    for claim in claims():
        count, paid = count + 1, paid + claim.paid
    total = paid - sum((a.amount for a in remit.provider_adjustments), ZERO)
    _write_segments(out, _interchange_head(remit))
    written = _write_segments(out, _transaction_head(remit, total, count > 0))
    for claim in claims():
        written += _write_segments(out, _claim_segments(claim))
    written += _write_segments(out, _provider_adjustment_segments(remit))
    _write_segments(
        out,
        [
            ("SE", str(written + 1), "0001"),
            ("GE", "1", str(remit.control)),
            ("IEA", "1", f"{remit.control:09d}"),
        ],
    )


# --------------------------------------------------------------------------- random remits


def _control_number(seed: int, index: int) -> int:
    return random.Random(f"control:{seed}").randint(1, 899_999_999) + index


def _random_patient(rng: random.Random) -> _Person:
    member_id = f"SYN{rng.randrange(10**9):09d}"
    return _Person(rng.choice(PATIENT_LAST_NAMES), rng.choice(FIRST_NAMES), member_id)


def _random_claims(seed: int, count: int, payer: SynthPayer, paid_on: date) -> Iterator[_Claim]:
    """Claim i depends only on (seed, i), so the claims can be generated again for a 2nd pass."""
    first_account = random.Random(f"accounts:{seed}").randint(100_000, 899_999)
    weights = [kind.weight for kind in DENIAL_KINDS]
    for index in range(count):
        rng = random.Random(f"claim:{seed}:{index}")
        denial = rng.choices(DENIAL_KINDS, weights)[0] if rng.random() < DENIAL_RATE else None
        account = f"DD{first_account + index:06d}"
        patient = _random_patient(rng)
        yield _new_case(rng, account, index + 1, payer, paid_on, patient, denial).claim


def write_835(
    out: TextIO,
    claims: int,
    seed: int = 0,
    *,
    payer: SynthPayer | None = None,
    payment_date: date | None = None,
) -> None:
    """Stream one synthetic 835 interchange with `claims` claims to `out`.

    Same arguments, same bytes. Claims are generated twice (totals, then text) instead of
    being held, so 100,000 claims need little memory. The payer defaults to one of PAYERS and
    the payment date to a weekday in 2026, both chosen by `seed`.
    """
    if claims < 0:
        raise ValueError(f"claims must be 0 or more, not {claims}")
    payer = payer or PAYERS[seed % len(PAYERS)]
    paid_on = payment_date or _next_weekday(date(2026, 1, 5) + timedelta(days=seed % 350))
    remit = _Remit(payer, paid_on, _control_number(seed, 0))
    _write_remit(out, remit, lambda: _random_claims(seed, claims, payer, paid_on))


def synth_835(
    claims: int,
    seed: int = 0,
    *,
    payer: SynthPayer | None = None,
    payment_date: date | None = None,
) -> str:
    """Return one synthetic 835 interchange as text (see write_835)."""
    out = io.StringIO()
    write_835(out, claims, seed, payer=payer, payment_date=payment_date)
    return out.getvalue()


# --------------------------------------------------------------------------- demo data set

DEMO_MONTHS = tuple((2026, month) for month in range(6, 12))
_PATIENTS_PER_PAYER = 45


def _demo_payment_date(month: int, payer_index: int) -> date:
    year, month_number = DEMO_MONTHS[month]
    return _next_weekday(date(year, month_number, 6 + 4 * payer_index))


def _deal_denials(rng: random.Random, count: int) -> list[_DenialKind | None]:
    """Deny DENIAL_RATE of the claims; every kind at least once, the rest by weight."""
    denied = round(count * DENIAL_RATE)
    extra = max(0, denied - len(DENIAL_KINDS))
    weights = [kind.weight for kind in DENIAL_KINDS]
    kinds = list(DENIAL_KINDS) + rng.choices(DENIAL_KINDS, weights, k=extra)
    rng.shuffle(kinds)
    dealt: list[_DenialKind | None] = [None] * count
    for index, kind in zip(rng.sample(range(count), denied), kinds, strict=False):
        dealt[index] = kind
    return dealt


def _patient_pools(rng: random.Random) -> list[list[_Person]]:
    member_ids = rng.sample(range(10**8, 10**9), len(PAYERS) * _PATIENTS_PER_PAYER)
    people = [
        _Person(rng.choice(PATIENT_LAST_NAMES), rng.choice(FIRST_NAMES), f"SYN{n:09d}")
        for n in member_ids
    ]
    size = _PATIENTS_PER_PAYER
    return [people[i * size : (i + 1) * size] for i in range(len(PAYERS))]


def _demo_originals(rng: random.Random) -> list[_Case]:
    """New claims for every month and payer (9-14 each), about DENIAL_RATE of them denied."""
    slots = [
        (month, p)
        for month in range(len(DEMO_MONTHS))
        for p in range(len(PAYERS))
        for _ in range(rng.randint(9, 14))
    ]
    denials = _deal_denials(rng, len(slots))
    accounts = sorted(rng.sample(range(100_000, 1_000_000), len(slots)))
    pools = _patient_pools(rng)
    return [
        _new_case(
            rng,
            f"DD{account:06d}",
            serial,
            PAYERS[p],
            _demo_payment_date(month, p),
            rng.choice(pools[p]),
            denial,
        )
        for serial, ((month, p), denial, account) in enumerate(
            zip(slots, denials, accounts, strict=True), 1
        )
    ]


def _month_of(case: _Case) -> int:
    return DEMO_MONTHS.index((case.paid_on.year, case.paid_on.month))


def _decide_outcomes(rng: random.Random, cases: list[_Case]) -> dict[int, str]:
    """What later remits say about earlier claims: overturn, upheld or reprice (by index)."""
    last = len(DEMO_MONTHS) - 1
    outcomes: dict[int, str] = {}
    for index, case in enumerate(cases):
        kind = case.denial
        if kind is None or _month_of(case) == last:
            continue
        roll = rng.random()
        if roll < kind.overturn:
            outcomes[index] = "overturn"
        elif roll < kind.overturn + kind.upheld:
            outcomes[index] = "upheld"
    _ensure_outcome(outcomes, cases, "overturn", lambda k: k.overturn > 0 and k.line is None)
    _ensure_outcome(outcomes, cases, "overturn", lambda k: k.overturn > 0 and k.line is not None)
    _ensure_outcome(outcomes, cases, "upheld", lambda k: k.upheld > 0)
    repriceable = [
        i
        for i, c in enumerate(cases)
        if c.denial is None
        and c.claim.paid > 0
        and len(c.claim.lines) > 1
        and _month_of(c) <= last - 2
    ]
    outcomes[rng.choice(repriceable)] = "reprice"
    return outcomes


def _ensure_outcome(
    outcomes: dict[int, str],
    cases: list[_Case],
    outcome: str,
    fits: Callable[[_DenialKind], bool],
) -> None:
    """Make sure the data set shows `outcome` for a denial that `fits`, whatever the seed."""
    last = len(DEMO_MONTHS) - 1
    candidates = [
        i
        for i, c in enumerate(cases)
        if c.denial is not None and fits(c.denial) and _month_of(c) < last
    ]
    if candidates and not any(outcomes.get(i) == outcome for i in candidates):
        outcomes[candidates[0]] = outcome


def _follow_up_claims(case: _Case, outcome: str, claim_id: str, received: date) -> list[_Claim]:
    """The later remit's claims: a reversal first whenever the original paid any line."""
    if outcome == "upheld":
        return [_readjudicated(case, claim_id, received, case.denial)]
    if outcome == "reprice":  # payer-initiated fee schedule correction, same claim data
        return [
            _reversal(case.claim),
            _readjudicated(case, claim_id, case.claim.received, uplift=Decimal("1.06")),
        ]
    corrected = _readjudicated(case, claim_id, received)
    if case.denial is not None and case.denial.line is not None:
        return [_reversal(case.claim), corrected]
    return [corrected]


def _add_follow_ups(
    rng: random.Random,
    cases: list[_Case],
    batches: dict[tuple[int, int], list[_Claim]],
    serials: Iterator[int],
) -> dict[tuple[int, int], tuple[_ProviderAdjustment, ...]]:
    """Append re-adjudications to later months' batches; return the one PLB (interest)."""
    last, provider_adjustments = len(DEMO_MONTHS) - 1, {}
    for index, outcome in sorted(_decide_outcomes(rng, cases).items()):
        case = cases[index]
        payer_index = PAYERS.index(case.payer)
        month = min(last, _month_of(case) + rng.randint(1, 2))
        paid_on = _demo_payment_date(month, payer_index)
        claim_id = _payer_claim_id(case.payer, paid_on, next(serials))
        received = paid_on - timedelta(days=rng.randint(7, 20))
        claims = _follow_up_claims(case, outcome, claim_id, received)
        batches.setdefault((month, payer_index), []).extend(claims)
        if outcome == "overturn" and not provider_adjustments and claims[-1].paid > 0:
            interest = -_cents(claims[-1].paid * Decimal("0.015"))
            adjustment = _ProviderAdjustment("L6", claim_id, interest)
            provider_adjustments[(month, payer_index)] = (adjustment,)
    return provider_adjustments


def demo_remits(seed: int = 2026) -> list[tuple[str, str]]:
    """The bundled demo data set: one 835 per payer per month, June-November 2026.

    Returns (file_name, text) pairs such as ('2026-06_ACME-HEALTH-PLAN.835', 'ISA*00*...').
    About 350 original claims with ~13% denied (whole claims and single lines), and in later
    months re-adjudications of some of them: paid on appeal, denied again, and reversals
    (CLP02=22) each followed by the corrected claim in the same transaction.
    """
    rng = random.Random(seed)
    cases = _demo_originals(rng)
    batches: dict[tuple[int, int], list[_Claim]] = {}
    for case in cases:
        batches.setdefault((_month_of(case), PAYERS.index(case.payer)), []).append(case.claim)
    serials = itertools.count(len(cases) + 1)
    provider_adjustments = _add_follow_ups(rng, cases, batches, serials)
    files = []
    for file_index, (month, payer_index) in enumerate(sorted(batches)):
        payer, paid_on = PAYERS[payer_index], _demo_payment_date(month, payer_index)
        remit = _Remit(
            payer,
            paid_on,
            _control_number(seed, file_index),
            provider_adjustments.get((month, payer_index), ()),
        )
        out = io.StringIO()
        _write_remit(out, remit, lambda claims=batches[(month, payer_index)]: claims)
        files.append((f"{paid_on:%Y-%m}_{payer.name.replace(' ', '-')}.835", out.getvalue()))
    return files
