"""Which clock runs for a denial's remedy, from which start date, and why (the Deadline Rule).

Appeal windows run from the notice: the remit's production date (DTM*405), else its payment
date (BPR16), plus Medicare's 5-day receipt presumption where the plan's rule counts from
receipt. Filing limits run from the date of service — or, for a claim to a secondary payer,
from the primary payer's remit. Original Medicare has no corrected claim: its "fix the claim"
clock is the reopening (1 year from the initial determination, 42 CFR 405.980(c)(1)). A due
date on a weekend or US federal holiday moves to the business day before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from addin.payers import MAIL_DAYS, Clock, Defaults, PayerProfile, last_business_day
from addin.remedies import PlanType

P = PlanType

# How each plan type's first appeal is called, and the rule its window comes from.
APPEAL_RULES: dict[PlanType | None, tuple[str, str]] = {
    P.ORIGINAL_MEDICARE: ("Medicare redetermination", "42 CFR 405.942(a)"),
    P.MEDICARE_ADVANTAGE: ("Medicare Advantage reconsideration", "42 CFR 422.582(a)"),
    P.MEDICAID_MANAGED_CARE: ("Medicaid managed care appeal", "42 CFR 438.402(c)(2)(ii)"),
    P.MEDICAID_FFS: ("Medicaid appeal", "state rules"),
    P.TRICARE: ("TRICARE reconsideration", "32 CFR 199.10"),
    P.FEP: ("FEP reconsideration", "the plan's brochure"),
}
# Late appeals the rules allow for good cause (else the decision left is to write off).
GOOD_CAUSE: dict[PlanType, str] = {
    P.ORIGINAL_MEDICARE: "a late redetermination with good cause (42 CFR 405.942(b))",
    P.MEDICARE_ADVANTAGE: "a late reconsideration with good cause (42 CFR 422.582(c))",
}
REOPENING_RULE = "42 CFR 405.980(c)(1)"
GOOD_CAUSE_REOPENING = "42 CFR 405.980(c)(2)"


@dataclass(frozen=True, slots=True)
class Dates:
    """The dates a denial's clocks can start from."""

    produced: date | None = None  # DTM*405 production date of the remit
    paid: date | None = None  # BPR16 payment date (the Remit Date column)
    service: date | None = None
    primary_remit: date | None = None  # the primary payer's remit, for a secondary claim

    @property
    def notice(self) -> tuple[date | None, str]:
        """The notice's date and its name: the production date, else the payment date."""
        if self.produced:
            return self.produced, f"remit production date {self.produced}"
        if self.paid:
            return self.paid, f"remit date {self.paid} (no production date on the remit)"
        return None, ""


@dataclass(frozen=True, slots=True)
class Due:
    """One deadline: the last day, the day its clock started, and the rule in words."""

    kind: str  # "appeal", "corrected claim", "reopening", "filing"
    due: date
    start: date
    rule: str


def appeal_due(profile: PayerProfile | None, dates: Dates, defaults: Defaults) -> Due | None:
    """The first appeal's deadline under the profile's window (the default when unknown)."""
    plan = profile.plan if profile else None
    if profile is None or profile.appeal_window_days is None:
        label = APPEAL_RULES.get(plan, ("Appeal", ""))[0]
        days, clock, cite = defaults.appeal_window_days, Clock.REMIT_DATE, "Settings default"
    else:
        label, cite = APPEAL_RULES.get(plan, (f"{profile.name} appeal", ""))
        days, clock = profile.appeal_window_days, profile.appeal_clock
        cite = cite or f"Payers row {profile.name}"
    return _counted("appeal", label, days, clock, dates, cite)


def filing_due(
    profile: PayerProfile | None,
    dates: Dates,
    defaults: Defaults,
    *,
    kind: str = "corrected claim",
    secondary: bool = False,
) -> Due | None:
    """The filing limit a (corrected or new) claim races; a secondary claim's counts from the
    primary payer's remit when it is known (else from the service date: earlier, so safe)."""
    known = profile is not None and (
        profile.timely_filing_days is not None
        or profile.timely_filing_clock is Clock.YEAR_AFTER_SERVICE
    )
    days = profile.timely_filing_days if known else defaults.timely_filing_days
    clock = profile.timely_filing_clock if known else Clock.SERVICE_DATE
    who = f"{profile.name} filing limit" if known else "Filing limit (Settings default)"
    if secondary and dates.primary_remit:
        due = dates.primary_remit + timedelta(days or 0)
        return _due(
            kind,
            due,
            dates.primary_remit,
            f"{who}: {days} days from the primary payer's remit {dates.primary_remit}",
        )
    note = " (primary payer's remit date not known: counted from service, the earlier start)"
    due = _counted(kind, who, days or 0, clock, dates, "")
    if due and secondary and clock is Clock.SERVICE_DATE:
        return _due(kind, due.due, due.start, due.rule + note)
    return due


def reopening_due(dates: Dates, *, good_cause: bool = False) -> Due | None:
    """Original Medicare's reopening: 1 year from the initial determination (4 for good
    cause); the initial determination is dated by the remit."""
    start, words = dates.notice
    if start is None:
        return None
    years, rule = (4, GOOD_CAUSE_REOPENING) if good_cause else (1, REOPENING_RULE)
    due = _add_years(start, years)
    what = "Reopening for good cause" if good_cause else "Medicare reopening (clerical error)"
    return _due(
        "reopening",
        due,
        start,
        f"{what}: {years} year{'s' * (years > 1)} from the initial determination, {words} ({rule})",
    )


def _counted(kind: str, label: str, days: int, clock: Clock, dates: Dates, cite: str) -> Due | None:
    cited = f" ({cite})" if cite else ""
    if clock is Clock.YEAR_AFTER_SERVICE:
        if dates.service is None:
            return None
        due = date(dates.service.year + 1, 12, 31)
        return _due(
            kind,
            due,
            dates.service,
            f"{label}: Dec 31 of the year after service on {dates.service}{cited}",
        )
    if clock is Clock.SERVICE_DATE and dates.service is not None:
        due = dates.service + timedelta(days)
        return _due(
            kind, due, dates.service, f"{label}: {days} days from service on {dates.service}{cited}"
        )
    start, words = dates.notice
    if start is None:
        return None
    if clock is Clock.RECEIPT:
        received = start + timedelta(MAIL_DAYS)
        return _due(
            kind,
            received + timedelta(days),
            start,
            f"{label}: {days} days from receipt ({words} + {MAIL_DAYS} days){cited}",
        )
    return _due(kind, start + timedelta(days), start, f"{label}: {days} days from {words}{cited}")


def _due(kind: str, due: date, start: date, rule: str) -> Due:
    moved = last_business_day(due)
    tail = f" → {moved}" if moved == due else f" → {moved} (moved back from {due:%a %Y-%m-%d})"
    return Due(kind, moved, start, rule + tail)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # Feb 29 → Feb 28
        return day.replace(year=day.year + years, day=28)


def earliest(*dues: Due | None) -> Due | None:
    """The earliest of several deadlines (None when none is known)."""
    known = [d for d in dues if d is not None]
    return min(known, key=lambda d: d.due) if known else None
