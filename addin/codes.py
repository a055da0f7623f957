"""CARC, RARC, group and claim-status knowledge (package data, cached), and the one
normalisation of every code a cell or a remit carries."""

from __future__ import annotations

import csv
import enum
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

from addin.errors import AddinError, UnknownCodeError
from addin.remit.models import ClaimStatus, GroupCode

__all__ = [
    "CarcInfo",
    "Category",
    "ClaimStatus",
    "DenialType",
    "GroupCode",
    "Nature",
    "OfficialCode",
    "RarcInfo",
    "Stage",
    "carc",
    "carc_short",
    "carc_table",
    "claim_status_code",
    "group_carc",
    "group_code",
    "normalise_code",
    "normalise_group",
    "rarc",
    "rarc_table",
    "read_official_list",
    "short_meaning",
]


class Category(enum.StrEnum):
    """Why a payer did not pay, as a family a practice can fix at its root."""

    ELIGIBILITY = "eligibility"
    AUTHORIZATION = "authorization"
    CODING = "coding"
    DOCUMENTATION = "documentation"
    MEDICAL_NECESSITY = "medical_necessity"
    TIMELY_FILING = "timely_filing"
    DUPLICATE = "duplicate"
    BUNDLING = "bundling"
    COORDINATION_OF_BENEFITS = "coordination_of_benefits"
    NON_COVERED = "non_covered"
    PROVIDER_ENROLLMENT = "provider_enrollment"
    CLAIM_DATA = "claim_data"
    PRICING = "pricing"
    PATIENT_RESPONSIBILITY = "patient_responsibility"
    CONTRACTUAL = "contractual"
    OTHER = "other"


class DenialType(enum.StrEnum):
    """Soft: fixed by correcting or sending information. Hard: needs an appeal or a write-off."""

    SOFT = "soft"
    HARD = "hard"


class Stage(enum.StrEnum):
    """Where the problem usually starts: registration/eligibility/auth, or after the visit."""

    FRONT_END = "front_end"
    BACK_END = "back_end"


class Nature(enum.StrEnum):
    """Whether fixing it is paperwork, or needs clinical documentation and judgment."""

    ADMINISTRATIVE = "administrative"
    CLINICAL = "clinical"


@dataclass(frozen=True, slots=True)
class CarcInfo:
    """What DenialDesk knows of one Claim Adjustment Reason Code, in our own words."""

    code: str
    status: str  # current | deactivated
    stop_date: str
    description: str
    category: str
    is_denial: str  # Y | N | depends
    type: str  # soft | hard | n/a
    stage: str  # front_end | back_end | n/a
    nature: str  # administrative | clinical | n/a
    short: str = ""  # a few words for a chart axis (the research table's subcategory), or ""

    @property
    def deactivated(self) -> bool:
        return self.status == "deactivated"


@dataclass(frozen=True, slots=True)
class RarcInfo:
    """One Remittance Advice Remark Code, in our own words."""

    code: str
    status: str
    stop_date: str
    description: str
    is_alert: bool

    @property
    def deactivated(self) -> bool:
        return self.status == "deactivated"


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("addin.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.lru_cache(maxsize=4096)
def normalise_code(code: object) -> str:
    """A CARC or RARC as remits carry it: upper case, no spaces, no leading zeros on numbers
    ("" for a blank cell). The one normalisation of a code: every reader calls it."""
    if code is None or code != code:  # None or NaN
        return ""
    text = str(code).strip().upper()
    if text.isdigit():
        return text.lstrip("0") or "0"
    return text


@functools.lru_cache(maxsize=64)
def normalise_group(value: object) -> str:
    """A CAS01 group code as written ("co " → "CO"); "" for a blank cell. Not checked: a
    tracker row keeps what it says (`group_code` checks and names the valid ones)."""
    if value is None or value != value:
        return ""
    return str(value).strip().upper()


@functools.lru_cache(maxsize=1)
def carc_table() -> dict[str, CarcInfo]:
    """Every CARC by code (current and deactivated)."""
    return {row["code"]: CarcInfo(**row) for row in _read_csv("carc.csv")}


@functools.lru_cache(maxsize=1)
def rarc_table() -> dict[str, RarcInfo]:
    """Every RARC by code (current and deactivated)."""
    rows = _read_csv("rarc.csv")
    return {
        r["code"]: RarcInfo(
            r["code"], r["status"], r["stop_date"], r["description"], r["is_alert"] == "Y"
        )
        for r in rows
    }


def carc(code: str) -> CarcInfo:
    """The CARC, or UnknownCodeError naming it."""
    found = carc_table().get(normalise_code(code))
    if found is None:
        raise UnknownCodeError(
            f"CARC {code!r} is not a Claim Adjustment Reason Code DenialDesk knows. Check the "
            "code on the remit; if it is new, add it on the Codes sheet (or load the official "
            "list with `denialdesk codes import`)."
        )
    return found


def rarc(code: str) -> RarcInfo:
    """The RARC, or UnknownCodeError naming it."""
    found = rarc_table().get(normalise_code(code))
    if found is None:
        raise UnknownCodeError(
            f"RARC {code!r} is not a Remittance Advice Remark Code DenialDesk knows. Check the "
            "code on the remit; if it is new, add it on the Codes sheet (or load the official "
            "list with `denialdesk codes import`)."
        )
    return found


def group_code(code: str) -> GroupCode:
    """The CAS01 group code, or UnknownCodeError listing the valid ones."""
    try:
        return GroupCode(normalise_group(code))
    except ValueError:
        valid = ", ".join(g.value for g in GroupCode)
        raise UnknownCodeError(
            f"group code {code!r} is not a claim adjustment group code; use one of {valid}."
        ) from None


def group_carc(group: object, carc: object) -> str:
    """A reason as billers say it, group code and CARC: "CO-16", "PR-1" ("16" without a group)."""
    group, carc = normalise_group(group), normalise_code(carc)
    return f"{group}-{carc}" if group and carc else carc or group


SHORT_MEANING_CHARS = 24  # a chart axis label: "CO-16 Claim is missing information…"
_CLAUSE = re.compile(r"; | — |: |, see ")
_ASIDE = re.compile(r"\s*\([^)]*\)")
_LOOSE_ENDS = frozenset(
    "a an and are as at be by for from in is it its not of on or the their this to was with"
    .split()
)  # fmt: skip


@functools.lru_cache(maxsize=4096)
def short_meaning(text: str, limit: int = SHORT_MEANING_CHARS) -> str:
    """A code's meaning cut for a chart axis: its first clause, at most `limit` characters,
    cut at a word (or a slash) and ended with "…" when shortened; "" for ""."""
    first = _CLAUSE.split(_ASIDE.sub("", text).strip(), maxsplit=1)[0].strip().rstrip(".,")
    if len(first) <= limit:
        return first
    words = re.findall(r"[^\s/]+/?", first)  # "auth/precert/notification" breaks at slashes
    kept = ""
    for word in words:
        joined = kept + word if kept.endswith("/") or not kept else f"{kept} {word}"
        if len(joined) > limit - 1:
            break
        kept = joined
    parts = kept.rstrip("/").split(" ")
    while len(parts) > 1 and parts[-1].lower() in _LOOSE_ENDS:
        parts.pop()
    kept = " ".join(parts).rstrip(",;:/")
    return (kept or first[: limit - 1]) + "…"


def carc_short(code: str) -> str:
    """A CARC's meaning in a few words for a chart axis: our short label ("Claim lacks info"
    for 16), else its description cut by `short_meaning`; "" for a code we do not know."""
    info = carc_table().get(normalise_code(code))
    if info is None:
        return ""
    return info.short or short_meaning(info.description)


@functools.lru_cache(maxsize=64)
def claim_status_code(value: object) -> str:
    """The CLP02 code for a status as the tracker shows it ("Denied") or as a code ("4")."""
    text = "" if value is None else str(value).strip()
    for status in ClaimStatus:
        if text == status.value or text.casefold() == status.label.casefold():
            return status.value
    return text


@functools.lru_cache(maxsize=4096)
def split_codes(text: object) -> tuple[str, ...]:
    """Remark codes from a cell such as "MA130, N290" (commas, semicolons, slashes or spaces
    between them), each normalised; () for a blank cell."""
    if text is None or text != text:
        return ()
    return tuple(normalise_code(c) for c in re.split(r"[^0-9A-Za-z]+", str(text)) if c)


CARC_TYPE, RARC_TYPE = "CARC", "RARC"
_RARC_SHAPE = re.compile(r"^(MA|M|N)\d+$")


def code_type_of(code: str) -> str:
    """CARC or RARC from the code's shape: remark codes are M…, MA… or N… followed by digits."""
    return RARC_TYPE if _RARC_SHAPE.match(code) else CARC_TYPE


# -- the official code list a practice provides (`denialdesk codes import`) -------------


@dataclass(frozen=True, slots=True)
class OfficialCode:
    """One row of an official CARC/RARC list: the code and its official wording."""

    code_type: str
    code: str
    description: str


_CODE_HEADERS = ("code", "carc", "rarc", "reason code", "remark code", "code value")
_TEXT_HEADERS = ("description", "x12 description", "code description", "definition", "text")
_TYPE_HEADERS = ("code type", "type", "list", "code list")


def read_official_list(text: str, source: str) -> list[OfficialCode]:
    """Codes and descriptions from CSV text whose header names a code and a description column.

    A "Code Type" (CARC/RARC) column is optional: without it the code's shape decides.
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise AddinError(f"{source} is empty; expected a CSV with Code and Description columns.")
    header = [re.sub(r"[\s_]+", " ", cell.strip().lower()) for cell in rows[0]]
    code_at = _find(header, _CODE_HEADERS)
    text_at = _find(header, _TEXT_HEADERS)
    if code_at is None or text_at is None:
        raise AddinError(
            f"{source} has no {'Code' if code_at is None else 'Description'} column (its header "
            f"row is: {', '.join(rows[0])}). Use a CSV whose first row names a Code and a "
            "Description column."
        )
    type_at = _find(header, _TYPE_HEADERS)
    found = []
    for cells in rows[1:]:
        official = _official_row(cells, code_at, text_at, type_at)
        if official is not None:
            found.append(official)
    return found


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _official_row(cells, code_at, text_at, type_at) -> OfficialCode | None:
    if len(cells) <= max(code_at, text_at):
        return None
    code = normalise_code(cells[code_at])
    description = " ".join(cells[text_at].split())
    if not code or not description:
        return None
    kind = code_type_of(code)
    if type_at is not None and type_at < len(cells):
        named = cells[type_at].strip().upper()
        if named.startswith(("RARC", "REMARK")):
            kind = RARC_TYPE
        elif named.startswith(("CARC", "REASON", "CLAIM ADJ")):
            kind = CARC_TYPE
    return OfficialCode(kind, code, description)
