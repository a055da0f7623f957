"""What an appeal letter says: the template context from a denial record, its payer and the
practice (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from addin import codes
from addin.denials import Denial
from addin.errors import UnknownCodeError
from addin.letters.fields import FIELDS, FIELDS_BY_NAME, Field, clean_text, context_values
from addin.payers import is_original_medicare
from addin.workbook.layout import Col

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


def code_description(kind: str, code: str, fallback: object = None) -> str:
    """Our own short description of a CARC or RARC; the row's text when the code is unknown."""
    lookup = codes.carc if kind == "CARC" else codes.rarc
    try:
        return lookup(code).description
    except UnknownCodeError:
        return clean_text(fallback) or f"{kind} {code} (description not on file)"


def denial_codes(denial: Denial) -> list[dict[str, str]]:
    """The codes as received (group-CARC, then each RARC) with their descriptions."""
    carc, group = denial.carc, denial.group
    found = []
    if carc:
        description = code_description("CARC", carc, denial.description)
        found.append({"code": f"{group}-{carc}" if group else carc, "description": description})
    for rarc in denial.rarcs:
        found.append({"code": rarc, "description": code_description("RARC", rarc)})
    return found


def coverage_policy(rarcs: Sequence[str]) -> str:
    """The policy a medical-necessity denial rests on, named as the remit's remarks name it."""
    if "N386" in rarcs:
        return "the applicable National Coverage Determination (NCD)"
    if "N115" in rarcs:
        return "the applicable Local Coverage Determination (LCD)"
    return "the payer's medical policy"


def appeal_request(plan_type: object) -> tuple[str, str]:
    """(title, noun): Original Medicare calls the first level a redetermination."""
    if is_original_medicare(plan_type):
        return "Request for Redetermination", "redetermination"
    return "Request for Reconsideration", "reconsideration"


# Items every appeal packet carries come first; a checklist item that is just one of them again
# is dropped (but not, say, "Primary payer's remit (EOB)", which is another document).
_ALREADY_ENCLOSED = re.compile(
    r"(a )?(copy of )?(the )?(remit|remittance( advice)?|eob|era|eob/era|original claim)"
    r"( \([^)]*\))?",
    re.IGNORECASE,
)


def enclosures(denial: Denial) -> list[str]:
    """The enclosure list: the remittance and the original claim, then the denial's checklist."""
    remit = f"Copy of the remittance advice (EOB/ERA) dated {long_date(denial.remit_date)}"
    check = clean_text(denial.check_number)
    items = [f"{remit}, check/EFT {check}" if check else remit, "Copy of the original claim"]
    for item in checklist_items(denial.checklist):
        if not _ALREADY_ENCLOSED.fullmatch(item):
            items.append(item[0].upper() + item[1:])
    return items


def checklist_items(text: object) -> list[str]:
    """A Checklist cell split into items (one per line, or separated by ; • |)."""
    parts = re.split(r"[\n;•|]+", clean_text(text))
    return [p.strip(" -*\t") for p in parts if p.strip(" -*\t")]


def letter_context(
    denial: Denial,
    practice: Mapping[str, object],
    payer: Mapping[str, object] | None,
    *,
    today: date,
) -> dict[str, object]:
    """Everything a template may use. A required field that is blank is left out, so the
    renderer names it; optional fields are always there (blank when unknown)."""
    title, noun = appeal_request((payer or {}).get(Col.PLAN_TYPE))
    rarcs = denial.rarcs
    codes_received = denial_codes(denial)
    category = denial.category.value if denial.category else ""
    derived = {
        "payer_name": addressee(denial, payer),
        "letter_date": today,
        "appeal_request": title,
        "request_noun": noun,
        "denial_code": codes_received[0]["code"] if codes_received else None,
        "carc_description": codes_received[0]["description"] if codes_received else None,
        "denial_codes": codes_received,
        "rarcs": ", ".join(rarcs),
        "coverage_policy": coverage_policy(rarcs),
        "category": category.replace("_", " "),
        "enclosures": enclosures(denial),
    }
    kept = {
        name: "" if value is None else value
        for name, value in derived.items()
        if value not in (None, "") or not FIELDS_BY_NAME[name].required
    }
    return context_values(denial, practice, payer or {}) | kept


def addressee(denial: Denial, payer: Mapping[str, object] | None) -> str:
    """The payer as its Payers row names it (the remit's name when no row matched)."""
    return clean_text((payer or {}).get(Col.PAYER)) or clean_text(denial.payer)


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
