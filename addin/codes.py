"""CARC and RARC knowledge shipped with DenialDesk (package data), loaded once and cached."""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from addin.errors import UnknownCodeError


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


def normalise_code(code: str) -> str:
    """Codes as remits carry them: upper case, no spaces, no leading zeros on numbers."""
    code = str(code).strip().upper()
    return code.lstrip("0") or "0" if code.isdigit() else code


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
            "code on the remit; if it is new, add it on the Codes sheet."
        )
    return found


def rarc(code: str) -> RarcInfo:
    """The RARC, or UnknownCodeError naming it."""
    found = rarc_table().get(normalise_code(code))
    if found is None:
        raise UnknownCodeError(
            f"RARC {code!r} is not a Remittance Advice Remark Code DenialDesk knows. Check the "
            "code on the remit; if it is new, add it on the Codes sheet."
        )
    return found
