"""The fields a letter template can use: what each means and where a person fills it in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from addin.workbook.layout import DENIALS, PAYERS, SETTINGS, Col, S

# Characters a .docx cannot hold, and the ones docxtpl would turn into page or paragraph
# breaks (\f, \a); newlines and tabs stay (they become line breaks and tabs in the letter).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: object) -> str:
    """Text for a letter: no control characters, Windows line ends made plain, trimmed."""
    if value is None or value != value:  # None or NaN
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an NPI or phone number typed into a cell Excel stored as 1e9…
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


@dataclass(frozen=True, slots=True)
class Field:
    """One template field: its name in templates, label, meaning, where to fill it in."""

    name: str
    label: str
    meaning: str
    where: str  # may hold {payer}
    source: str = ""  # settings | denial | payer | "" (computed by DenialDesk)
    key: str = ""  # the setting or column the value comes from
    required: bool = True


def _setting(name: str, key: str, meaning: str, *, required: bool = True) -> Field:
    return Field(name, key, meaning, f"{SETTINGS.sheet} › {key}", "settings", key, required)


def _denial(name: str, key: str, meaning: str, *, required: bool = True) -> Field:
    return Field(name, key, meaning, f"{DENIALS.sheet} › {key}", "denial", key, required)


def _payer(name: str, key: str, meaning: str, *, required: bool = True) -> Field:
    where = f"{PAYERS.sheet} › {key} for {{payer}}"
    return Field(name, key, meaning, where, "payer", key, required)


def _computed(name: str, meaning: str, where: str, *, required: bool = True) -> Field:
    return Field(name, name.replace("_", " ").capitalize(), meaning, where, required=required)


# Where computed fields come from, for "fill in …" messages.
_PLAN = f"{PAYERS.sheet} › {Col.PLAN_TYPE} for {{payer}}"
_PAYER = f"{DENIALS.sheet} › {Col.PAYER}"
_CARC = f"{DENIALS.sheet} › {Col.CARC}"
_RARC = f"{DENIALS.sheet} › {Col.RARC}"
_CATEGORY = f"{DENIALS.sheet} › {Col.CATEGORY}"
_CHECKLIST = f"{DENIALS.sheet} › {Col.CHECKLIST}"
_PATIENT = f"{DENIALS.sheet} › {Col.PATIENT}"
_LINES = f"{DENIALS.sheet}: the letter's rows (one claim, one payer, one remedy)"
_DEADLINE = f"{DENIALS.sheet} › {Col.APPEAL_DEADLINE}"
_PERSON = "a [[field]] in the letter when DenialDesk does not hold it"


FIELDS: tuple[Field, ...] = (
    _setting("practice_name", S.PRACTICE_NAME, "practice's legal name (letterhead, signature)"),
    _setting("practice_address", S.PRACTICE_ADDRESS, "street address (letterhead)"),
    _setting("practice_city_state_zip", S.PRACTICE_CITY_STATE_ZIP, "city, state ZIP"),
    _setting("practice_npi", S.PRACTICE_NPI, "billing provider NPI"),
    _setting("practice_tin", S.PRACTICE_TIN, "tax identification number"),
    _setting("practice_phone", S.PRACTICE_PHONE, "phone for questions about the appeal"),
    _setting("practice_fax", S.PRACTICE_FAX, "fax", required=False),
    _setting("signer_name", S.SIGNER_NAME, "who signs the letter"),
    _setting("signer_title", S.SIGNER_TITLE, "the signer's title"),
    _setting("practice_ptan", S.PRACTICE_PTAN, "Medicare PTAN (use ptan)", required=False),
    _setting("practice_email", S.PRACTICE_EMAIL, "email for questions", required=False),
    _computed("payer_name", "the payer as its Payers row names it (else as on the remit)", _PAYER),
    _denial("remit_payer_name", Col.PAYER, "payer name as on the remit", required=False),
    _payer("payer_appeal_address", Col.APPEAL_ADDRESS, "where appeals go (lines kept)"),
    _payer("payer_appeal_fax", Col.APPEAL_FAX, "appeals fax", required=False),
    _payer("payer_appeal_portal", Col.APPEAL_PORTAL, "appeals portal", required=False),
    _payer("payer_plan_type", Col.PLAN_TYPE, "plan type", required=False),
    _payer("payer_contracted", Col.CONTRACTED, "Yes/No: contracted with the payer", required=False),
    _denial("denial_id", Col.DENIAL_ID, "DenialDesk's id of the denial (our reference)"),
    _computed(
        "patient_name", "patient as people write it: First Last (remit: LAST, FIRST)", _PATIENT
    ),
    _denial("patient_name_as_remit", Col.PATIENT, "patient name exactly as on the remit"),
    _denial("member_id", Col.MEMBER_ID, "patient's member id"),
    _denial("claim_id", Col.CLAIM_ID, "patient account number (CLP01)"),
    _denial("payer_claim_number", Col.PAYER_CLAIM_NUMBER, "payer claim number, ICN (CLP07)"),
    _denial("service_date", Col.SERVICE_DATE, "date of service (a date: use |long_date)"),
    _denial("procedure", Col.PROCEDURE, "procedure code and modifiers, e.g. 97110-GP"),
    _denial("billed", Col.BILLED, "billed amount (use |money)"),
    _denial("paid", Col.PAID, "amount paid (use |money)", required=False),
    _denial("denied_amount", Col.DENIED_AMOUNT, "denied amount (use |money)"),
    _denial("group", Col.GROUP, "group code, e.g. CO", required=False),
    _denial("carc", Col.CARC, "claim adjustment reason code, e.g. 50"),
    _denial("remit_date", Col.REMIT_DATE, "date of the remit that denied it (use |long_date)"),
    _denial("check_number", Col.CHECK_NUMBER, "check or EFT number", required=False),
    _denial("appeal_deadline", Col.APPEAL_DEADLINE, "appeal deadline (a date)", required=False),
    _computed("letter_date", "the day the letter is drafted", "the day of the run"),
    _computed("appeal_request", "Request for Reconsideration / Redetermination", _PLAN),
    _computed("request_noun", "reconsideration / redetermination", _PLAN),
    _computed("denial_code", "group-CARC as received, e.g. CO-50", _CARC),
    _computed("carc_description", "what the CARC means, in plain words", _CARC),
    _computed("denial_codes", "list of {code, description}: the CARC, then RARCs", _CARC),
    _computed("rarcs", "remark codes, comma-separated", _RARC, required=False),
    _computed("coverage_policy", "LCD / NCD / the payer's medical policy", _RARC),
    _computed("category", "denial category in words, e.g. medical necessity", _CATEGORY),
    _computed("enclosures", "list: remittance, original claim, then the checklist", _CHECKLIST),
    # one letter per claim, payer and remedy: its lines, the argument fitted to their codes
    _computed("denial_ids", "the Denial IDs the letter covers, comma-separated", _LINES),
    _computed(
        "lines",
        "list of {line, procedure, service_date, billed, paid, denied_amount, codes}",
        _LINES,
    ),
    _computed("total_billed", "billed amount of the letter's lines (use |money)", _LINES),
    _computed("total_denied", "denied amount of the letter's lines (use |money)", _LINES),
    _computed("plan_type", "plan type: Denials › Plan Type, else the payer's", _PLAN),
    _computed("remedy", "Appeal / Reopening (Denials › Remedy, else from the Action)", _LINES),
    _computed("original_medicare", "true when the plan is Original Medicare", _PLAN),
    _computed("member_id_label", "Medicare Beneficiary Identifier (MBI) / Member ID", _PLAN),
    _computed("ptan", "Medicare PTAN, else a field to complete", _PERSON),
    _computed("contractor_name", "the MAC that made the determination, else a field", _PERSON),
    _computed(
        "attention_line",
        "'Attn: Appeals' unless the address names appeals",
        _PAYER,
        required=False,
    ),
    _computed("argument", "list of paragraphs fitted to the codes (facts or [[fields]])", _CARC),
    _computed("requests", "list: what the letter asks besides payment", _PLAN, required=False),
    _computed(
        "good_cause", "late request: good-cause paragraph, else blank", _DEADLINE, required=False
    ),
    _computed("clinician_attestation", "true for clinical denials: attestation block", _CATEGORY),
    _computed("waiver_of_liability", "true: Medicare Advantage, not contracted", _PLAN),
    _computed(
        "waiver_note",
        "a field to delete the waiver when contracted is not known",
        _PLAN,
        required=False,
    ),
)
FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


_SUFFIXES = {"JR": "Jr", "SR": "Sr", "II": "II", "III": "III", "IV": "IV", "MD": "MD"}


def _word_case(word: str) -> str:
    """One word of an all-capitals name as people write it: O'Brien, McKay, Smith-Jones."""
    if word.upper().rstrip(".") in _SUFFIXES:
        return _SUFFIXES[word.upper().rstrip(".")] + ("." if word.endswith(".") else "")
    parts = re.split(r"([-'])", word.lower())
    cased = "".join(p[:1].upper() + p[1:] for p in parts)
    if cased.startswith("Mc") and len(cased) > 2:
        cased = "Mc" + cased[2].upper() + cased[3:]
    return cased


def person_name(text: object) -> str:
    """A remit's `LAST, FIRST M` as people write it: `First M Last`. All-capitals names get
    their usual case; a name typed in mixed case is kept as typed."""
    name = clean_text(text)
    last, comma, first = name.partition(",")
    if comma and first.strip() and last.strip():
        given = first.split()
        suffix = (
            [given.pop()] if len(given) > 1 and given[-1].upper().rstrip(".") in _SUFFIXES else []
        )
        name = " ".join([*given, last.strip(), *suffix])
    if name.isupper():
        name = " ".join(_word_case(word) for word in name.split())
    return name


def _typed(value: object) -> object:
    """Money and dates keep their type (templates format them); everything else is text."""
    if isinstance(value, Decimal | date | datetime):
        return value
    return clean_text(value)


def context_values(
    denial: Mapping[str, object], practice: Mapping[str, object], payer: Mapping[str, object]
) -> dict[str, object]:
    """The read fields of a letter: required blanks left out (so they are reported), optional
    blanks present as ""."""
    sources = {"settings": practice, "denial": denial, "payer": payer}
    values: dict[str, object] = {}
    for item in FIELDS:
        if not item.source:
            continue
        value = _typed(sources[item.source].get(item.key))
        if value != "" or not item.required:
            values[item.name] = value
    return values
