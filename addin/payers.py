"""Payer profiles (filing limits, appeal windows) matched to remits, and the deadlines they give.

DenialDesk's own profiles are `addin/data/payers.csv`, written by us from our payer research
(the shorter limit wherever sources disagree): `profile` (its name), `payer_ids` and
`match_names` (`|`-separated names or name parts remits use), `plan_type` (a `PlanType`),
`scope` (`payer`, or `plan` for a plan type's default row), `timely_filing_days` and
`timely_filing_counts_from`, `appeal_window_days` and `appeal_window_counts_from` (a `Clock`
value), `first_appeal`, `source` (the rule or guide each window comes from) and `notes`. A new
tracker lists them on its Payers sheet, where the practice's edits win. Which row a remit
takes is `addin.plans.match_plan`.
"""

from __future__ import annotations

import csv
import enum
import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

from pandas.tseries.holiday import USFederalHolidayCalendar

from addin.classify import Route
from addin.remedies import PlanType, plan_type_of
from addin.workbook.layout import Col

# A notice is presumed received five days after its date (Medicare's rule for appeal windows
# that count from receipt); we use the same presumption wherever a window counts from receipt.
MAIL_DAYS = 5


class Clock(enum.StrEnum):
    """The date a filing limit or appeal window counts from (as the Payers sheet shows it)."""

    SERVICE_DATE = "date of service"
    REMIT_DATE = "remit date"
    RECEIPT = "receipt of the remit (remit date + 5 days)"
    YEAR_AFTER_SERVICE = "Dec 31 of the year after service"


class ProfileKind(enum.StrEnum):
    """Where a Payers row's limits come from (its Profile column)."""

    BUILT_IN = "Built-in"
    BUILT_IN_EDITED = "Built-in, edited"
    PRACTICE = "Practice"
    DEFAULT = "Default — please complete"


def parse_clock(text: object, fallback: Clock) -> Clock:
    """The clock a person's wording names ("from DOS", "receipt of EOB" …), else `fallback`."""
    words = " ".join(str(text or "").lower().replace("_", " ").split())
    if not words:
        return fallback
    if "year after" in words or "dec 31" in words or "december 31" in words:
        return Clock.YEAR_AFTER_SERVICE
    if "receipt" in words or "received" in words:
        return Clock.RECEIPT
    if "service" in words or re.search(r"\bdos\b", words) or "discharge" in words:
        return Clock.SERVICE_DATE
    if re.search(r"remit|denial|eob|era\b|notice|decision|determination|payment|paid", words):
        return Clock.REMIT_DATE
    return fallback


@dataclass(frozen=True, slots=True)
class PayerProfile:
    """One payer's deadlines; days of None mean "not known": the practice's defaults apply."""

    name: str
    payer_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # names or name parts on remits that pick this row
    plan_type: str = ""
    timely_filing_days: int | None = None
    timely_filing_clock: Clock = Clock.SERVICE_DATE
    appeal_window_days: int | None = None
    appeal_clock: Clock = Clock.REMIT_DATE
    first_appeal: str = ""
    notes: str = ""
    scope: str = "payer"  # "plan": a plan type's default row (Medicare Advantage, Medicaid …)
    source: str = ""  # the rule or payer guide the windows come from

    @property
    def plan(self) -> PlanType | None:
        """The plan type the row names (None when blank)."""
        return plan_type_of(self.plan_type)

    @property
    def complete(self) -> bool:
        filing_known = (
            self.timely_filing_days is not None
            or self.timely_filing_clock is Clock.YEAR_AFTER_SERVICE
        )
        return filing_known and self.appeal_window_days is not None


# Words of a plan type that mean a Medicare plan other than Original Medicare (Part C, Medigap).
_NOT_ORIGINAL_MEDICARE = frozenset({"ADVANTAGE", "MA", "C", "SUPPLEMENT", "MEDIGAP"})


def is_original_medicare(plan_type: object) -> bool:
    """Original (fee-for-service) Medicare: payers.csv's "Medicare FFS", or what people write
    for it ("Original Medicare", "Medicare Part B"); "Medicare Advantage" is not."""
    words = set(normalise_name(plan_type).split())
    return "MEDICARE" in words and not words & _NOT_ORIGINAL_MEDICARE


@dataclass(frozen=True, slots=True)
class Defaults:
    """The conservative limits used where a payer's profile does not say (from Settings)."""

    timely_filing_days: int = 90
    appeal_window_days: int = 60


@functools.lru_cache(maxsize=1)
def built_in_profiles() -> tuple[PayerProfile, ...]:
    """The profiles DenialDesk ships (addin/data/payers.csv)."""
    text = resources.files("addin.data").joinpath("payers.csv").read_text(encoding="utf-8")
    return tuple(
        PayerProfile(
            name=row["profile"],
            payer_ids=split_ids(row["payer_ids"]),
            names=split_names(row["match_names"]),
            plan_type=row["plan_type"],
            timely_filing_days=int(row["timely_filing_days"]),
            timely_filing_clock=Clock(row["timely_filing_counts_from"]),
            appeal_window_days=int(row["appeal_window_days"]),
            appeal_clock=Clock(row["appeal_window_counts_from"]),
            first_appeal=row["first_appeal"],
            notes=row["notes"],
            scope=row["scope"],
            source=row["source"],
        )
        for row in csv.DictReader(io.StringIO(text))
    )


def normalise_name(name: object) -> str:
    """Payer names compared the way people read them: case, punctuation and spacing ignored."""
    text = str(name or "").upper().replace("&", " AND ")
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text).split())


def split_ids(text: object) -> tuple[str, ...]:
    """Payer ids from a cell such as "87726, 39026" (commas, semicolons or spaces)."""
    return tuple(p.upper() for p in re.split(r"[\s,;|]+", str(text or "")) if p)


def split_names(text: object) -> tuple[str, ...]:
    """Match names from a cell such as "AARP | UHC MEDICARE" (`|`, `;` or new lines)."""
    return tuple(n.strip() for n in re.split(r"[|;\n]+", str(text or "")) if n.strip())


def same_limits(a: PayerProfile, b: PayerProfile) -> bool:
    return (
        a.timely_filing_days,
        a.timely_filing_clock,
        a.appeal_window_days,
        a.appeal_clock,
    ) == (b.timely_filing_days, b.timely_filing_clock, b.appeal_window_days, b.appeal_clock)


# -- deadlines ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the next step must reach the payer, and how that date was reached."""

    due: date
    basis: str


def deadline(
    profile: PayerProfile | None,
    route: Route,
    *,
    denied_on: date | None,
    service_date: date | None,
    defaults: Defaults,
) -> Deadline | None:
    """The deadline for a denial's next step: corrected claims race the filing limit, appeals
    and records the appeal window. None when nothing is due or the dates are unknown.

    A due date on a weekend or US federal holiday moves to the business day before: we never
    count on a payer extending its window.
    """
    if route in (Route.NONE, Route.BILL_PATIENT):
        return None
    if route is Route.BILL_OTHER_PAYER:  # the other payer's limit is unknown: the default
        days, clock, what = defaults.timely_filing_days, Clock.SERVICE_DATE, "filing (new payer)"
    elif route is Route.RESUBMIT:
        days, clock, what = _filing(profile, defaults)
    else:
        days, clock, what = _appeal(profile, defaults)
    due, basis = _count(days, clock, denied_on=denied_on, service_date=service_date)
    if due is None:
        return None
    moved = last_business_day(due)
    note = f" (moved back from {due:%a %Y-%m-%d})" if moved != due else ""
    return Deadline(moved, f"{what}: {basis}{note}")


def _filing(profile: PayerProfile | None, defaults: Defaults) -> tuple[int, Clock, str]:
    if profile is None or (
        profile.timely_filing_days is None
        and profile.timely_filing_clock is not Clock.YEAR_AFTER_SERVICE
    ):
        return defaults.timely_filing_days, Clock.SERVICE_DATE, "filing limit (default)"
    return profile.timely_filing_days or 0, profile.timely_filing_clock, "filing limit"


def _appeal(profile: PayerProfile | None, defaults: Defaults) -> tuple[int, Clock, str]:
    if profile is None or profile.appeal_window_days is None:
        return defaults.appeal_window_days, Clock.REMIT_DATE, "appeal window (default)"
    return profile.appeal_window_days, profile.appeal_clock, "appeal window"


def _count(
    days: int, clock: Clock, *, denied_on: date | None, service_date: date | None
) -> tuple[date | None, str]:
    if clock is Clock.YEAR_AFTER_SERVICE:
        if service_date is None:
            return None, ""
        return date(service_date.year + 1, 12, 31), f"Dec 31 of the year after {service_date}"
    if clock is Clock.SERVICE_DATE:
        if service_date is not None:
            return service_date + timedelta(days), f"{days} days from service on {service_date}"
        clock = Clock.REMIT_DATE  # no service date: the remit date is the closest we have
    if denied_on is None:
        return None, ""
    if clock is Clock.RECEIPT:
        received = denied_on + timedelta(MAIL_DAYS)
        return received + timedelta(days), f"{days} days from receipt ({denied_on} + {MAIL_DAYS})"
    return denied_on + timedelta(days), f"{days} days from the remit of {denied_on}"


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    found = USFederalHolidayCalendar().holidays(date(year, 1, 1), date(year, 12, 31))
    return frozenset(d.date() for d in found)


def last_business_day(day: date) -> date:
    """`day`, or the closest earlier day that is neither a weekend nor a US federal holiday."""
    while day.weekday() >= 5 or day in _holidays(day.year):
        day -= timedelta(1)
    return day


# -- Payers sheet rows -------------------------------------------------------------------


def profile_from_row(row: Mapping[str, object]) -> PayerProfile:
    """A profile from a Payers sheet row (typed values, keyed by column name)."""
    return PayerProfile(
        name=str(row.get(Col.PAYER) or "").strip(),
        payer_ids=split_ids(row.get(Col.PAYER_IDS)),
        names=split_names(row.get(Col.MATCH_NAMES)),
        plan_type=str(row.get(Col.PLAN_TYPE) or ""),
        timely_filing_days=row.get(Col.TIMELY_FILING_DAYS),
        timely_filing_clock=parse_clock(row.get(Col.TIMELY_FILING_CLOCK), Clock.SERVICE_DATE),
        appeal_window_days=row.get(Col.APPEAL_WINDOW_DAYS),
        appeal_clock=parse_clock(row.get(Col.APPEAL_CLOCK), Clock.REMIT_DATE),
    )


def row_from_profile(profile: PayerProfile) -> dict[str, object]:
    """A new Payers sheet row for a profile (built-in, or a payer that needs one)."""
    known = profile.complete
    return {
        Col.PAYER: profile.name,
        Col.PAYER_IDS: ", ".join(profile.payer_ids) or None,
        Col.MATCH_NAMES: " | ".join(profile.names) or None,
        Col.PLAN_TYPE: profile.plan_type or None,
        Col.TIMELY_FILING_DAYS: profile.timely_filing_days,
        Col.TIMELY_FILING_CLOCK: profile.timely_filing_clock.value if known else None,
        Col.APPEAL_WINDOW_DAYS: profile.appeal_window_days,
        Col.APPEAL_CLOCK: profile.appeal_clock.value if known else None,
        Col.PROFILE: (ProfileKind.BUILT_IN if known else ProfileKind.DEFAULT).value,
        Col.NOTES: _row_notes(profile) if known else UNKNOWN_PAYER_NOTE,
    }


UNKNOWN_PAYER_NOTE = (
    "Added by DenialDesk: no profile matched this payer, so its deadlines use the Default "
    "Timely Filing Days and Default Appeal Window Days settings. Fill in the limits from your "
    "contract or the payer's provider manual (or add this payer's id to the Payer IDs of the "
    "row that describes it, and delete this row)."
)


def _row_notes(profile: PayerProfile) -> str:
    parts = [profile.notes]
    if profile.first_appeal:
        parts.insert(0, f"First appeal: {profile.first_appeal}.")
    if profile.source:
        parts.append(f"Source: {profile.source}")
    return " ".join(p for p in parts if p)


def built_in_rows() -> list[dict[str, object]]:
    """The Payers rows a new tracker starts with: every built-in profile."""
    return [row_from_profile(p) for p in built_in_profiles()]
