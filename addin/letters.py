"""Appeal letters, the pure part: which template a denial gets, what its letter says, who gets one.

No file or workbook access here: rows come in as mappings of column name → typed value (as the
Book reads them), settings as a mapping, and everything returned is plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from addin import codes
from addin.errors import UnknownCodeError
from addin.letter_fields import FIELDS, FIELDS_BY_NAME, Field, clean_text, context_values
from addin.payers import PayerDirectory, is_original_medicare
from addin.workbook.layout import CLOSED_STATUSES, PAYERS, SETTINGS, STATUSES, Col, S

APPEAL_DRAFTED = "Appeal Drafted"
GENERIC_TEMPLATE = "appeal_reconsideration"

# The one place a denial category chooses its letter. Categories not listed get the generic
# reconsideration; Payers › Letter Template and Settings › Letter Templates By Category override.
CATEGORY_TEMPLATES: dict[str, str] = {
    "medical_necessity": "appeal_medical_necessity",
    "authorization": "appeal_authorization",
    "coding": "appeal_coding",
    "bundling": "appeal_bundling",
    "timely_filing": "appeal_timely_filing",
    "duplicate": "appeal_duplicate",
    "eligibility": "appeal_eligibility_cob",
    "coordination_of_benefits": "appeal_eligibility_cob",
    "documentation": "appeal_documentation",
    "non_covered": "appeal_non_covered",
    "provider_enrollment": "appeal_provider_enrollment",
}
ALL_CATEGORIES = "*"  # key of a choice that applies to every category

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

# -- which template ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """A template name and where the choice came from (named in messages)."""

    name: str
    origin: str


def template_name(text: str) -> str:
    """A template as people write it ("My Letter.docx", "appeal_coding") → its name."""
    name = text.strip()
    return name[: -len(".docx")] if name.lower().endswith(".docx") else name


def parse_template_choices(text: object) -> dict[str, str]:
    """`medical_necessity = Our MedNec.docx; coding = x` → {category: name}; a bare name → all."""
    choices: dict[str, str] = {}
    for part in re.split(r"[;\n]", str(text or "")):
        if not part.strip():
            continue
        category, sep, name = part.partition("=")
        if sep:
            choices[category.strip().lower().replace(" ", "_")] = template_name(name)
        else:
            choices[ALL_CATEGORIES] = template_name(category)
    return choices


def choose_template(
    category: str, *, payer: Mapping[str, object] | None, practice_choices: object
) -> TemplateChoice:
    """The template for a denial: the payer's choice, else the practice's, else the built-in."""
    payer_name = (payer or {}).get(Col.PAYER) or ""
    candidates = (
        (
            parse_template_choices((payer or {}).get(Col.LETTER_TEMPLATE)),
            f"{PAYERS.sheet} › {Col.LETTER_TEMPLATE} for {payer_name}",
        ),
        (
            parse_template_choices(practice_choices),
            f"{SETTINGS.sheet} › {S.LETTER_TEMPLATES_BY_CATEGORY}",
        ),
    )
    for choices, origin in candidates:
        name = choices.get(category) or choices.get(ALL_CATEGORIES)
        if name:
            return TemplateChoice(name, origin)
    return TemplateChoice(CATEGORY_TEMPLATES.get(category, GENERIC_TEMPLATE), "built-in")


# -- the letter's context ----------------------------------------------------------------


def effective_category(row: Mapping[str, object]) -> str:
    """A person's Category Override wins over the classified Category."""
    chosen = row.get(Col.CATEGORY_OVERRIDE) or row.get(Col.CATEGORY) or ""
    return str(chosen).strip().lower().replace(" ", "_")


def rarc_codes(text: object) -> list[str]:
    """RARCs from a cell that may hold several ("N115, M76", "N115 M76")."""
    return re.findall(r"[A-Z]{1,2}\d{1,4}", str(text or "").upper())


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


def enclosures(denial: Mapping[str, object]) -> list[str]:
    """The enclosure list: the remittance and the original claim, then the denial's checklist."""
    remit = f"Copy of the remittance advice (EOB/ERA) dated {long_date(denial.get(Col.REMIT_DATE))}"
    check = clean_text(denial.get(Col.CHECK_NUMBER))
    items = [f"{remit}, check/EFT {check}" if check else remit, "Copy of the original claim"]
    for item in checklist_items(denial.get(Col.CHECKLIST)):
        if not _ALREADY_ENCLOSED.fullmatch(item):
            items.append(item[0].upper() + item[1:])
    return items


def checklist_items(text: object) -> list[str]:
    """A Checklist cell split into items (one per line, or separated by ; • |)."""
    parts = re.split(r"[\n;•|]+", clean_text(text))
    return [p.strip(" -*\t") for p in parts if p.strip(" -*\t")]


def letter_context(
    denial: Mapping[str, object],
    practice: Mapping[str, object],
    payer: Mapping[str, object] | None,
    *,
    today: date,
) -> dict[str, object]:
    """Everything a template may use. A required field that is blank is left out, so the
    renderer names it; optional fields are always there (blank when unknown)."""
    title, noun = appeal_request((payer or {}).get(Col.PLAN_TYPE))
    rarcs = rarc_codes(denial.get(Col.RARC))
    codes_received = denial_codes(denial)
    category = effective_category(denial)
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


def addressee(denial: Mapping[str, object], payer: Mapping[str, object] | None) -> str:
    """The payer as its Payers row names it (the remit's name when no row matched)."""
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


# -- which rows get a letter -------------------------------------------------------------

NOT_CLASSIFIED = "not classified yet: run Classify & Prioritize first"
SOFT_DENIAL = "soft denial: resubmit a corrected claim instead"
NOT_AN_APPEAL = "the recommended action is not an appeal"
HAS_LETTER = (
    "already has a letter (to draft a new one: delete or move its file and set Letter? to Yes, "
    "or use --rows)"
)
LETTER_FILE_MISSING = (
    "its letter file is missing (moved or deleted): set Letter? to Yes to draft it again"
)
MEDICARE_TIMELY_FILING = (
    "Medicare: a timely-filing denial cannot be appealed; ask for a reopening only if the late "
    "filing was Medicare's administrative error"
)
OPTED_OUT = "Letter? is No"
# The first phrase of the Action that speaks of an appeal decides: "Do not appeal: …" and
# "… — not an appeal" rule it out; "Appeal only with proof …; Medicare: not appealable" is an
# appeal (the exception comes later). Disputes and reprocessing requests are appeals too.
_APPEAL_WORDS = re.compile(
    r"(?P<no>\b(?:do not|don't|not|no|instead of)\s+(?:an?\s+)?appeal)"
    r"|(?P<yes>\b(?:appeal|dispute|reconsideration|redetermination|ask the payer to reprocess))"
)
_YES = frozenset({"yes", "y", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True, slots=True)
class Skip:
    denial_id: str
    reason: str


@dataclass(slots=True)
class Selection:
    """The rows to write letters for, in priority order, and the rows passed over with why."""

    chosen: list[Mapping[str, object]] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def yes_no(value: object) -> bool | None:
    text = str(value or "").strip().lower()
    return True if text in _YES else False if text in _NO else None


def appeal_verdict(action: object, denial_type: object) -> str | None:
    """None when the recommended action is an appeal; otherwise why a letter is not the step."""
    first = _APPEAL_WORDS.search(str(action or "").lower())
    if first is not None:
        return None if first["yes"] else NOT_AN_APPEAL
    return SOFT_DENIAL if str(denial_type or "").strip().lower() == "soft" else NOT_AN_APPEAL


# The Action's first sentence or clause ("…; …", "… — …", "…. …"), without a "Do not appeal:"
# lead-in (the reason says that already).
_FIRST_CLAUSE = re.compile(
    r"^(?:(?:do not|don't)\s+appeal\s*[:;,]\s*)?(?P<clause>.+?)(?:;|\s—\s|\.\s|\.?$)",
    re.IGNORECASE | re.DOTALL,
)


def instead(action: object) -> str:
    """What to do instead of an appeal: the first sentence or clause of the Action."""
    found = _FIRST_CLAUSE.match(clean_text(action))
    return found["clause"].strip() if found else ""


def not_an_appeal(action: object) -> str:
    """`the recommended action is not an appeal; instead: <first clause of the Action>`."""
    step = instead(action)
    return f"{NOT_AN_APPEAL}; instead: {step}" if step else NOT_AN_APPEAL


def is_timely_filing(row: Mapping[str, object]) -> bool:
    """A timely-filing denial: CARC 29, or categorised (or overridden) as timely filing."""
    return effective_category(row) == "timely_filing" or clean_text(row.get(Col.CARC)) == "29"


def skip_reason(
    row: Mapping[str, object],
    *,
    explicit: bool,
    plan_type: object = "",
    letter_file_exists: bool = True,
) -> str | None:
    """Why this row gets no letter now (None: it gets one). `explicit`: named with --rows;
    `plan_type`: the Plan Type of the payer's profile; `letter_file_exists`: whether the file
    the row's Letter links to is still there.

    A row with a letter is passed over while that file exists (so a Letter? left on Yes never
    drafts again and again); once a person deletes or moves it, Letter? = Yes drafts anew.
    """
    status = clean_text(row.get(Col.STATUS))
    if status in CLOSED_STATUSES:
        return f"closed ({status})"
    if not effective_category(row):
        return NOT_CLASSIFIED
    if explicit:
        return None
    wanted = yes_no(row.get(Col.LETTER_WANTED))
    if wanted is False:
        return OPTED_OUT
    if clean_text(row.get(Col.LETTER)):
        if letter_file_exists:
            return HAS_LETTER
        return None if wanted else LETTER_FILE_MISSING
    if wanted:
        return None
    action = row.get(Col.ACTION)
    if not clean_text(action):
        return NOT_CLASSIFIED
    if is_timely_filing(row) and is_original_medicare(plan_type):
        return MEDICARE_TIMELY_FILING
    verdict = appeal_verdict(action, row.get(Col.TYPE))
    return not_an_appeal(action) if verdict == NOT_AN_APPEAL else verdict


def priority_key(row: Mapping[str, object]) -> tuple:
    """Rank first (when Classify & Prioritize ranked the row), then deadline, then amount."""
    rank = row.get(Col.RANK)
    deadline = row.get(Col.APPEAL_DEADLINE)
    amount = row.get(Col.DENIED_AMOUNT) or Decimal(0)
    return (
        rank is None,
        rank or 0,
        deadline is None,
        deadline or date.max,
        -amount,
        str(row.get(Col.DENIAL_ID)),
    )


def select_for_letters(
    rows: Iterable[Mapping[str, object]],
    *,
    wanted_ids: Sequence[str] | None = None,
    directory: PayerDirectory | None = None,
    letter_exists: Callable[[object], bool] = lambda link: True,
) -> Selection:
    """Default: open, classified denials whose action is an appeal and that have no letter yet
    (not Original Medicare's timely-filing denials), plus rows whose Letter? is Yes and whose
    letter file, if any, is gone. With `wanted_ids`, exactly those denials (even with a
    letter). `directory` finds each payer's profile, as Classify does; `letter_exists` tells
    whether a Letter link's file is there."""
    wanted = set(wanted_ids or ())
    selection = Selection()
    for row in sorted(rows, key=priority_key):
        denial_id = str(row.get(Col.DENIAL_ID))
        if wanted and denial_id not in wanted:
            continue
        link = row.get(Col.LETTER)
        reason = skip_reason(
            row,
            explicit=bool(wanted),
            plan_type=plan_type(row, directory),
            letter_file_exists=not clean_text(link) or letter_exists(link),
        )
        if reason is None:
            selection.chosen.append(row)
        else:
            selection.skipped.append(Skip(denial_id, reason))
    return selection


def status_after_letter(status: object) -> str:
    """Appeal Drafted, unless a person already moved the row further (or used their own word)."""
    current = clean_text(status)
    if not current:
        return APPEAL_DRAFTED
    if current not in STATUSES:
        return current
    return APPEAL_DRAFTED if STATUSES.index(current) < STATUSES.index(APPEAL_DRAFTED) else current


# -- where things are --------------------------------------------------------------------


def find_payer(
    directory: PayerDirectory, denial: Mapping[str, object]
) -> Mapping[str, object] | None:
    """The Payers row for a denial's payer, found as Classify finds its profile (payer id,
    then name or another name remits use; case and punctuation ignored)."""
    return directory.find_row(denial.get(Col.PAYER_ID), denial.get(Col.PAYER))[0]


def plan_type(denial: Mapping[str, object], directory: PayerDirectory | None) -> str:
    """The Plan Type of the profile that matches the denial's payer ("" when none does)."""
    if directory is None:
        return ""
    profile = directory.find_row(denial.get(Col.PAYER_ID), denial.get(Col.PAYER))[1]
    return profile.plan_type if profile else ""


def _slug(text: object, limit: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", clean_text(text)).strip("-.")
    return slug[:limit].rstrip("-.") or "unknown"


def letter_file_name(row: Mapping[str, object], today: date) -> str:
    """`2026-03-05_ACME-HEALTH-PLAN_DD1001_D-12AB.docx`: date, payer, claim, denial; no spaces
    (the name is also a hyperlink target) and no patient name (it is seen in folder listings)."""
    parts = (
        f"{today:%Y-%m-%d}",
        _slug(row.get(Col.PAYER), 40),
        _slug(row.get(Col.CLAIM_ID), 30),
        _slug(row.get(Col.DENIAL_ID), 30),
    )
    return "_".join(parts) + ".docx"
