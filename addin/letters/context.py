"""What an appeal letter says: the template context from a denial, its payer and the practice
(pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from addin import codes, denials
from addin.errors import UnknownCodeError
from addin.letters.arguments import (
    CLINICAL_CATEGORIES,
    Codes,
    Plan,
    argument,
    coverage_policy,
    field,
    good_cause,
    reopening_argument,
    requests,
)
from addin.letters.fields import (
    FIELDS,
    FIELDS_BY_NAME,
    Field,
    clean_text,
    context_values,
    person_name,
)
from addin.letters.kinds import MA_RECONSIDERATION, REOPENING, LetterKind, letter_kind
from addin.remedies import PlanType, Remedy
from addin.workbook.layout import Col, S

# -- formatting filters (registered in the letters' Jinja environment) --------------------


def money(value: object) -> str:
    """`$1,234.50` (negative: `-$12.00`); blank stays blank."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def long_date(value: object) -> str:
    """`March 5, 2026`; blank stays blank, text that is not a date is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%B} {value.day}, {value.year}"
    return str(value)


FILTERS = {"money": money, "long_date": long_date}


# -- the letter's context ----------------------------------------------------------------


def effective_category(row: Mapping[str, object]) -> str:
    """The row's effective category as a word ("" when none), by the record's one rule
    (`addin.denials.effective_category`: a recognised Category Override wins)."""
    category = denials.effective_category(
        denials.text(row.get(Col.CATEGORY_OVERRIDE)), denials.category_of(row.get(Col.CATEGORY))
    )
    return category.value if category else ""


def rarc_codes(text: object) -> list[str]:
    """RARCs from a cell that may hold several ("N115, M76", "N115 M76"): `codes.split_codes`."""
    return list(codes.split_codes(text))


def code_description(kind: str, code: str, fallback: object = None) -> str:
    """Our own short description of a CARC or RARC; the row's text when the code is unknown."""
    lookup = codes.carc if kind == "CARC" else codes.rarc
    try:
        return lookup(code).description
    except UnknownCodeError:
        return clean_text(fallback) or f"{kind} {code} (description not on file)"


def denial_codes(denial: Mapping[str, object]) -> list[dict[str, str]]:
    """The codes exactly as received (group-CARC, then each RARC) with their descriptions."""
    carc = clean_text(denial.get(Col.CARC))
    found = []
    if carc:
        group = clean_text(denial.get(Col.GROUP))
        description = code_description("CARC", carc, denial.get(Col.DESCRIPTION))
        found.append({"code": f"{group}-{carc}" if group else carc, "description": description})
    for rarc in rarc_codes(denial.get(Col.RARC)):
        found.append({"code": rarc, "description": code_description("RARC", rarc)})
    return found


# Items every appeal packet carries come first; a checklist item that is just one of them again
# is dropped (but not, say, "Primary payer's remit (EOB)", which is another document).
_ALREADY_ENCLOSED = re.compile(
    r"(a )?(copy of )?(the )?(remit|remittance( advice)?|eob|era|eob/era|original claim)"
    r"( \([^)]*\))?",
    re.IGNORECASE,
)


def enclosures(
    rows: Sequence[Mapping[str, object]] | Mapping[str, object],
    *,
    clinical: bool = False,
    waiver: bool = False,
) -> list[str]:
    """The enclosure list: the remittance and the original claim (DenialDesk holds both), the
    signed blocks of the letter, then the rows' checklists — each a field to enclose or
    delete, since only a person knows the document is in the packet."""
    rows = [rows] if isinstance(rows, Mapping) else list(rows)
    denial = rows[0]
    remit = f"Copy of the remittance advice (EOB/ERA) dated {long_date(denial.get(Col.REMIT_DATE))}"
    check = clean_text(denial.get(Col.CHECK_NUMBER))
    items = [f"{remit}, check/EFT {check}" if check else remit, "Copy of the original claim"]
    if clinical:
        items.append("Treating clinician's attestation (signed, below)")
    if waiver:
        items.append("Waiver of Liability statement (signed, below)")
    for row in rows:
        for item in checklist_items(row.get(Col.CHECKLIST)):
            if not _ALREADY_ENCLOSED.fullmatch(item):
                items.append(field(f"Enclose or delete: {item[0].upper() + item[1:]}"))
    return list(dict.fromkeys(items))


def checklist_items(text: object) -> list[str]:
    """A Checklist cell split into items (one per line, or separated by ; • |)."""
    parts = re.split(r"[\n;•|]+", clean_text(text))
    return [p.strip(" -*\t") for p in parts if p.strip(" -*\t")]


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """What the letter's plan and remedy decide (from Denials and the payer's profile)."""

    kind: LetterKind
    plan: PlanType | None = None
    remedy: Remedy | None = None
    contracted: bool | None = None


def line_codes(row: Mapping[str, object]) -> str:
    """`CO-50 N115` for a line: the codes exactly as received."""
    return " ".join(code["code"] for code in denial_codes(row))


def letter_lines(rows: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """One entry per denied line, in line order, with its codes and amounts."""
    ordered = sorted(rows, key=lambda r: (r.get(Col.LINE) or 0, str(r.get(Col.DENIAL_ID))))
    return [
        {
            "line": clean_text(row.get(Col.LINE)) or "claim",
            "procedure": clean_text(row.get(Col.PROCEDURE)),
            "service_date": row.get(Col.SERVICE_DATE),
            "billed": row.get(Col.BILLED),
            "paid": row.get(Col.PAID),
            "denied_amount": row.get(Col.DENIED_AMOUNT),
            "codes": line_codes(row),
            "denial_id": clean_text(row.get(Col.DENIAL_ID)),
        }
        for row in ordered
    ]


def _total(rows: Sequence[Mapping[str, object]], column: str) -> Decimal | None:
    amounts = [r.get(column) for r in rows if isinstance(r.get(column), Decimal)]
    return sum(amounts, Decimal(0)) if amounts else None


def _codes(rows: Sequence[Mapping[str, object]]) -> Codes:
    received = list(dict.fromkeys(line["codes"] for line in letter_lines(rows) if line["codes"]))
    services = list(dict.fromkeys(line["procedure"] for line in letter_lines(rows)))
    services = [s for s in services if s] or ["the services below"]
    return Codes(
        carcs=frozenset(codes.normalise_code(r.get(Col.CARC)) for r in rows),
        rarcs=frozenset(code for r in rows for code in rarc_codes(r.get(Col.RARC))),
        received="; ".join(received),
        services=" and ".join(
            [", ".join(services[:-1]), services[-1]] if len(services) > 1 else services
        ),
    )


def late_deadline(rows: Sequence[Mapping[str, object]], today: date) -> date | None:
    """The earliest Appeal Deadline of the rows when it has passed (None: in time)."""
    deadlines = [_day(r.get(Col.APPEAL_DEADLINE)) for r in rows]
    passed = [d for d in deadlines if d is not None and d < today]
    return min(passed) if passed else None


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def contractor_name(names: Iterable[object]) -> str:
    """The Medicare Administrative Contractor, as its Payers row or remit names it; a field when
    only "Medicare" is known (the MAC's name is on its remittance)."""
    for name in names:
        text = clean_text(name)
        if text and "MEDICARE" not in text.upper():
            return text
    return field("Medicare Administrative Contractor (MAC) named on the remittance")


def attention_line(address: object, kind: str = "", medicare: bool = False) -> str:
    """`Attn: Appeals` (Redeterminations, Reopenings), unless the address already names the
    unit that decides the request."""
    words = clean_text(address).lower()
    if re.search(r"appeal|redetermination|reconsideration|dispute|reopening", words):
        return ""
    if kind == REOPENING:
        return "Attn: Reopenings"
    return "Attn: Redeterminations" if medicare else "Attn: Appeals"


def letter_context(
    rows: Sequence[Mapping[str, object]],
    practice: Mapping[str, object],
    payer: Mapping[str, object] | None,
    *,
    today: date,
    facts: LetterFacts | None = None,
) -> dict[str, object]:
    """Everything a template may use, for one letter covering `rows` (one claim, one payer,
    one remedy; the first row speaks for the claim). A required field that is blank is left
    out, so the renderer names it; optional fields are always there (blank when unknown)."""
    first = rows[0]
    facts = facts or LetterFacts(letter_kind(None, None, category=effective_category(first)))
    medicare = facts.plan is PlanType.ORIGINAL_MEDICARE
    plan = Plan(medicare, facts.plan is PlanType.MEDICARE_ADVANTAGE)
    codes_received = [c for r in rows for c in denial_codes(r)]
    codes_received = list({c["code"]: c for c in codes_received}.values())
    category = effective_category(first)
    codes = _codes(rows)
    clinical = any(c in CLINICAL_CATEGORIES for c in _by_category(rows))
    late = late_deadline(rows, today)
    ptan = clean_text(practice.get(S.PRACTICE_PTAN))
    derived = {
        "payer_name": addressee(first, payer),
        "letter_date": today,
        "appeal_request": facts.kind.title,
        "request_noun": facts.kind.noun,
        "denial_code": codes_received[0]["code"] if codes_received else None,
        "carc_description": codes_received[0]["description"] if codes_received else None,
        "denial_codes": codes_received,
        "rarcs": ", ".join(sorted(codes.rarcs)),
        "coverage_policy": coverage_policy(codes.rarcs, plan),
        "category": category.replace("_", " "),
        "enclosures": enclosures(rows, clinical=clinical, waiver=_waiver(facts)),
        "patient_name": person_name(first.get(Col.PATIENT)) or None,
        "denial_ids": ", ".join(clean_text(r.get(Col.DENIAL_ID)) for r in rows),
        "lines": letter_lines(rows),
        "total_billed": _total(rows, Col.BILLED),
        "total_denied": _total(rows, Col.DENIED_AMOUNT),
        "plan_type": facts.plan.value if facts.plan else "",
        "remedy": (facts.remedy or Remedy.APPEAL).label,
        "member_id_label": "Medicare Beneficiary Identifier (MBI)" if medicare else "Member ID",
        "ptan": ptan or field("PTAN: the practice's Medicare PTAN (Settings › Practice PTAN)"),
        "contractor_name": contractor_name([(payer or {}).get(Col.PAYER), first.get(Col.PAYER)]),
        "attention_line": attention_line(
            (payer or {}).get(Col.APPEAL_ADDRESS), facts.kind.name, medicare
        ),
        "original_medicare": medicare,
        "argument": _arguments(rows, facts, plan),
        "requests": _requests(rows, facts, plan),
        "good_cause": good_cause(f"the deadline was {long_date(late)}", plan) if late else "",
        "clinician_attestation": clinical,
        "waiver_of_liability": _waiver(facts),
        "waiver_note": _waiver_note(facts),
    }
    derived |= _claim_amounts(rows)
    return context_values(first, practice, payer or {}) | _kept(derived)


def _kept(derived: Mapping[str, object]) -> dict[str, object]:
    """The derived fields a letter gets: a blank required one is left out (the renderer then
    names it); an optional one is always there, blank when unknown."""
    return {
        name: "" if value is None else value
        for name, value in derived.items()
        if value not in (None, "") or not FIELDS_BY_NAME[name].required
    }


def _by_category(rows: Sequence[Mapping[str, object]]) -> dict[str, list]:
    """The letter's rows by denial category, in line order: each category is argued."""
    found: dict[str, list] = {}
    ordered = sorted(rows, key=lambda r: (r.get(Col.LINE) or 0, str(r.get(Col.DENIAL_ID))))
    for row in ordered:
        found.setdefault(effective_category(row), []).append(row)
    return found


def _arguments(rows, facts: LetterFacts, plan: Plan) -> list[str]:
    """The argument for each category among the lines, fitted to that category's codes."""
    paragraphs: list[str] = []
    for category, group in _by_category(rows).items():
        if facts.kind.name == REOPENING:
            paragraphs += reopening_argument(category, _codes(group), plan)
        else:
            paragraphs += argument(category, _codes(group), plan)
    return paragraphs


def _requests(rows, facts: LetterFacts, plan: Plan) -> list[str]:
    if facts.kind.name == REOPENING:
        return []
    asked = [a for c, g in _by_category(rows).items() for a in requests(c, _codes(g), plan)]
    return list(dict.fromkeys(asked))


def _claim_amounts(rows: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """The single-line fields older templates use, made to speak for every line."""
    if len(rows) == 1:
        return {}
    procedures = [clean_text(r.get(Col.PROCEDURE)) for r in letter_lines(rows)]
    return (
        {
            "procedure": ", ".join(p["procedure"] for p in letter_lines(rows) if p["procedure"])
            or None,
            "billed": _total(rows, Col.BILLED),
            "denied_amount": _total(rows, Col.DENIED_AMOUNT),
            "paid": _total(rows, Col.PAID),
        }
        if procedures
        else {}
    )


def _waiver(facts: LetterFacts) -> bool:
    return facts.kind.name == MA_RECONSIDERATION


def _waiver_note(facts: LetterFacts) -> str:
    if _waiver(facts) and facts.contracted is None:
        return field(
            "Payers › Contracted is blank: keep the Waiver of Liability if the practice is "
            "not contracted with this plan; if it is contracted, use the plan's contract "
            "dispute process instead of this letter"
        )
    return ""


def addressee(denial: Mapping[str, object], payer: Mapping[str, object] | None) -> str:
    """The payer as its Payers row names it (the remit's name when no row matched), as
    entered: never re-cased."""
    return clean_text((payer or {}).get(Col.PAYER)) or clean_text(denial.get(Col.PAYER))


def missing_fields(context: Mapping[str, object], used: Iterable[str]) -> list[Field | str]:
    """Fields a template uses that this letter lacks: known fields, or names we never provide."""
    absent = set(used) - set(context)
    known: list[Field | str] = [f for f in FIELDS if f.name in absent]  # letterhead first
    return known + sorted(absent - set(FIELDS_BY_NAME))


def missing_message(missing: Sequence[Field | str], *, payer: str, template: str) -> str:
    """`letter not written: fill in Settings › Practice NPI, Signer Name; Payers › …`"""
    places: dict[str, list[str]] = {}
    unknown = []
    for item in missing:
        if isinstance(item, Field):
            sheet, _, cell = item.where.format(payer=payer).partition(" › ")
            places.setdefault(sheet, []).append(cell)
        else:
            unknown.append(f"'{item}'")
    parts = [f"{sheet} › {', '.join(cells)}" for sheet, cells in places.items()]
    if unknown:
        parts.append(
            f"template {template} uses {', '.join(unknown)}, which DenialDesk does not provide "
            "(see `denialdesk letters --list-templates`)"
        )
    return f"letter not written: fill in {'; '.join(parts)}."
