"""Payers → plans: which Payers row (and so which plan type and windows) a remit belongs to.

One payer id often serves a payer's commercial, Medicare Advantage and Medicaid lines, so a
remit is matched by its payer id *and* its payer name. A row's Match Names (and its own name)
are whole-word name parts: "COMMUNITY PLAN" matches "UNITEDHEALTHCARE COMMUNITY PLAN".

How a row is chosen (`PayerDirectory.match`):
1. candidates are the rows whose Payer IDs hold the remit's id, or one of whose names appears in
   the remit's payer name;
2. the most specific wins: id and name over id alone over name alone, then the longest name
   part, then the practice's own rows over DenialDesk's;
3. the match is *ambiguous* — flagged, never silently resolved — when rows of different plan
   types tie, or when the id serves rows of other plan types and the name did not pick the line
   (no name matched, or the name matched only the brand that the other lines share, as plain
   "UNITEDHEALTHCARE" does). An ambiguous match keeps the winner's plan type but takes the
   earliest deadline of all the tied lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from addin.payers import (
    PayerProfile,
    ProfileKind,
    built_in_profiles,
    normalise_name,
    profile_from_row,
    same_limits,
)
from addin.remedies import PlanType
from addin.workbook.layout import Col


@dataclass(frozen=True, slots=True)
class PlanMatch:
    """The row a remit's payer matched, the evidence, and any other lines it could be."""

    profile: PayerProfile | None
    evidence: str = ""
    ambiguous_with: tuple[PayerProfile, ...] = ()
    note: str = ""  # why the match is ambiguous, in words for the Deadline Rule and Notes

    @property
    def plan(self) -> PlanType | None:
        return self.profile.plan if self.profile else None

    @property
    def ambiguous(self) -> bool:
        return bool(self.ambiguous_with)

    @property
    def by_plan_name_only(self) -> bool:
        """Matched only by a plan type's default row through a word of the payer's name
        ("SUNRISE MEDICARE ADVANTAGE"): the payer still needs its own Payers row."""
        return bool(self.profile and self.profile.scope == "plan" and "id" not in self.evidence)


@dataclass(frozen=True, slots=True)
class _Candidate:
    profile: PayerProfile
    by_id: bool
    name: str  # the name part that matched ("" when none)
    practice: bool

    @property
    def rank(self) -> tuple:
        tier = 2 if self.by_id and self.name else 1 if self.by_id else 0
        return (tier, len(self.name), self.practice)


class PayerDirectory:
    """The Payers sheet's rows over DenialDesk's built-in rows; finds a remit's plan.

    A built-in row that is also on the sheet is used as the sheet has it; where such a sheet
    row leaves Payer IDs, Match Names or Plan Type blank (a tracker made before these columns
    existed), the built-in's values fill them.
    """

    def __init__(
        self, sheet: Iterable[PayerProfile], built_in: Iterable[PayerProfile] | None = None
    ):
        self.sheet = tuple(sheet)
        self.built_in = tuple(built_in_profiles() if built_in is None else built_in)
        built = {normalise_name(b.name): b for b in self.built_in}
        self._practice = {
            normalise_name(p.name) for p in self.sheet if normalise_name(p.name) not in built
        }
        on_sheet = {normalise_name(p.name): _filled(p, built.get(normalise_name(p.name)))
                    for p in self.sheet}  # fmt: skip
        self.rows = tuple(on_sheet.values()) + tuple(
            b for key, b in built.items() if key not in on_sheet
        )
        self._rows: dict[str, Mapping[str, object]] = {}
        self._matches: dict[tuple[str, str], PlanMatch] = {}  # every row of a payer asks

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> PayerDirectory:
        """The directory of a Payers sheet (typed rows keyed by column name)."""
        named = [row for row in rows if row.get(Col.PAYER)]
        directory = cls(profile_from_row(row) for row in named)
        directory._rows = {normalise_name(row.get(Col.PAYER)): row for row in named}
        return directory

    def match(self, payer_id: object, payer_name: object) -> PlanMatch:
        """The row a remit's payer (id and name) belongs to; see the module's rules."""
        key, name = str(payer_id or "").strip().upper(), normalise_name(payer_name)
        if (key, name) not in self._matches:
            self._matches[key, name] = self._match(key, name)
        return self._matches[key, name]

    def _match(self, key: str, name: str) -> PlanMatch:
        found = [c for c in (self._candidate(p, key, name) for p in self.rows) if c]
        if not found:
            return PlanMatch(None)
        found.sort(key=lambda c: c.rank, reverse=True)
        best = found[0]
        rivals = _rivals(best, found)
        evidence = _evidence(best, key)
        if not rivals:
            return PlanMatch(best.profile, evidence)
        return PlanMatch(best.profile, evidence, tuple(r.profile for r in rivals),
                         _ambiguity_note(best, rivals, key, name))  # fmt: skip

    def _candidate(self, profile: PayerProfile, key: str, name: str) -> _Candidate | None:
        by_id = bool(key) and key in profile.payer_ids
        parts = [n for n in _names(profile) if name and f" {n} " in f" {name} "]
        part = max(parts, key=len, default="")
        if not by_id and not part:
            return None
        return _Candidate(profile, by_id, part, normalise_name(profile.name) in self._practice)

    def find(self, payer_id: str, payer_name: str) -> PayerProfile | None:
        """The matched row's profile (None when nothing matched)."""
        return self.match(payer_id, payer_name).profile

    def find_row(
        self, payer_id: object, payer_name: object
    ) -> tuple[Mapping[str, object] | None, PayerProfile | None]:
        """The Payers row for a remit's payer, matched as `match` matches it, and its profile.

        The row is None when nothing matched, or when only a built-in profile that is not on
        the sheet did (its profile is still returned).
        """
        profile = self.find(str(payer_id or ""), str(payer_name or ""))
        if profile is None:
            return None, None
        return self._rows.get(normalise_name(profile.name)), profile

    def plan_default(self, plan: PlanType | None) -> PayerProfile | None:
        """The default row of a plan type (scope "plan", else its first built-in row)."""
        found = (p for p in self.rows if p.scope == "plan" and p.plan is plan and p.complete)
        return next(found, None) or next((p for p in self.built_in if p.plan is plan), None)

    def effective(self, profile: PayerProfile | None) -> PayerProfile | None:
        """The profile with the windows it leaves blank taken from its plan type's default."""
        if profile is None or profile.complete:
            return profile
        default = self.plan_default(profile.plan)
        return _filled(profile, default, windows=True) if default else profile

    def kind(self, profile: PayerProfile) -> ProfileKind:
        """What the Profile column says of a sheet row."""
        if not profile.complete:
            return ProfileKind.DEFAULT
        key = normalise_name(profile.name)
        built = next((b for b in self.built_in if normalise_name(b.name) == key), None)
        if built is None:
            return ProfileKind.PRACTICE
        return ProfileKind.BUILT_IN if same_limits(built, profile) else ProfileKind.BUILT_IN_EDITED


def _names(profile: PayerProfile) -> set[str]:
    return {normalise_name(profile.name), *(normalise_name(n) for n in profile.names)} - {""}


def _filled(
    row: PayerProfile, built: PayerProfile | None, *, windows: bool = False
) -> PayerProfile:
    """`row` with its blank identity cells (or, with `windows`, its blank limits) from `built`."""
    if built is None:
        return row
    if windows:
        return replace(
            row,
            timely_filing_days=row.timely_filing_days
            if row.timely_filing_days is not None
            else built.timely_filing_days,
            timely_filing_clock=row.timely_filing_clock
            if row.timely_filing_days is not None
            else built.timely_filing_clock,
            appeal_window_days=row.appeal_window_days
            if row.appeal_window_days is not None
            else built.appeal_window_days,
            appeal_clock=row.appeal_clock
            if row.appeal_window_days is not None
            else built.appeal_clock,
            source=row.source or f"{built.name} (plan default): {built.source}",
        )
    return replace(
        row,
        payer_ids=row.payer_ids or built.payer_ids,
        names=row.names or built.names,
        plan_type=row.plan_type or built.plan_type,
        scope=built.scope,
        source=row.source or built.source,
        first_appeal=row.first_appeal or built.first_appeal,
        notes=row.notes or built.notes,
    )


def _rivals(best: _Candidate, found: list[_Candidate]) -> list[_Candidate]:
    """Rows of another plan type the remit could as well belong to (empty: no ambiguity)."""
    other = [c for c in found[1:] if c.profile.plan is not best.profile.plan]
    tied = [c for c in other if c.rank[:2] == best.rank[:2]]
    if tied or not best.by_id:
        return tied
    same_id = [c for c in other if c.by_id]
    if not best.name:
        return same_id  # the id serves several lines and the name named none
    return [c for c in same_id if any(f" {best.name} " in f" {n} " for n in _names(c.profile))]


def _evidence(best: _Candidate, key: str) -> str:
    parts = [f"payer id {key}"] if best.by_id else []
    if best.name:
        parts.append(f"name '{best.name}'")
    return " and ".join(parts)


def _ambiguity_note(best: _Candidate, rivals: list[_Candidate], key: str, name: str) -> str:
    lines = [best, *rivals]
    listed = "; ".join(f"{c.profile.name} ({c.profile.plan or 'plan type blank'})" for c in lines)
    what = f"payer id {key}" if best.by_id else f"the name '{name}'"
    return (
        f"Plan unclear: {what} fits {listed}, and the remit's payer name '{name}' does not "
        f"say which. Treated as {best.profile.name} with the earliest deadline of these; add "
        "a telling part of the name to Match Names on the right Payers row to settle it."
    )
