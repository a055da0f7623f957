"""Score an outgoing claim 0–100 from learned denial rates and biller edits; every point is a flag.

Learned rates: payer × procedure (× modifiers, × place of service, × diagnosis family) denial
rates from the tracker's own history, used only with enough support and shrunk toward the
payer's base rate (empirical-Bayes: (denied + k·base) / (lines + k)). Risk is the chance that
at least one flag's denial happens, 1 − Π(1 − chance), split into points per flag.
"""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from addin.check.history import PastClaim, PastLine, diagnosis_family

WARN, INFO = "warn", "info"


@dataclass(frozen=True, slots=True)
class Flag:
    """One reason for risk a biller can read and fix, with the history that supports it."""

    code: str
    reason: str
    evidence: str
    chance: float  # the chance of a denial this flag stands for
    severity: str = WARN  # INFO flags explain baseline risk; they ask for no change
    points: int = 0  # this flag's share of the claim's risk

    def as_dict(self) -> dict:
        return {"code": self.code, "reason": self.reason, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class CheckResult:
    claim_id: str
    payer: str
    payer_name: str
    service_date: date | None
    billed: object
    risk: int
    flags: tuple[Flag, ...]

    @property
    def flagged(self) -> bool:
        return any(f.severity == WARN for f in self.flags)

    def as_dict(self) -> dict:
        return {
            "claim_id": self.claim_id,
            "payer": self.payer_name or self.payer,
            "risk": self.risk,
            "flags": [f.as_dict() for f in self.flags],
        }


@dataclass(frozen=True, slots=True)
class Tuning:
    """How much history a rate needs before it may raise a flag, and how far it must stand out."""

    min_support: int = 5  # lines with this combination before its rate is used
    prior_strength: float = 5.0  # pseudo-lines of the payer's base rate in every rate
    lift: float = 0.2  # a learned rate flags when it is this much above the payer's base…
    floor: float = 0.25  # …and at least this high
    near_filing_days: int = 14  # a filing limit this close is flagged
    shape_support: int = 10  # past member ids of a payer before their shape is trusted
    shape_share: float = 0.9  # …and the share the usual shapes must cover


@dataclass(slots=True)
class Stat:
    n: int = 0
    denied: int = 0
    first: date | None = None
    last_on: date | None = None
    last_reason: str = ""

    def add(self, line: PastLine, denied: bool) -> None:
        self.n += 1
        on = line.on
        if on is not None and (self.first is None or on < self.first):
            self.first = on
        if denied:
            self.denied += 1
            if on is None or self.last_on is None or on >= self.last_on:
                self.last_on, self.last_reason = on, line.reason

    def shrunk(self, base: float, strength: float) -> float:
        return (self.denied + strength * base) / (self.n + strength)


_SHAPE = str.maketrans(dict.fromkeys(string.ascii_letters, "A") | dict.fromkeys(string.digits, "9"))


def member_shape(member_id: str) -> str:
    """A member id's shape: letters as A, digits as 9 (ABC123 → AAA999); says nothing else."""
    text = member_id.strip()
    if text.isascii():  # the same as the patterns below, without a regular expression
        return text.translate(_SHAPE)
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", text))


def modifier_key(modifiers: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(m.upper() for m in modifiers))


@dataclass(slots=True)
class Model:
    """Counts learned from history: one pass, then constant-time look-ups per outgoing line."""

    tuning: Tuning = field(default_factory=Tuning)
    base: dict = field(default_factory=lambda: defaultdict(Stat))
    rates: dict = field(default_factory=lambda: defaultdict(Stat))
    modifier_sets: dict = field(default_factory=lambda: defaultdict(set))
    auth: dict = field(default_factory=lambda: defaultdict(Stat))
    n290: Counter = field(default_factory=Counter)
    shapes: dict = field(default_factory=lambda: defaultdict(Counter))
    seen: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    overall: Stat = field(default_factory=Stat)

    @classmethod
    def learn(
        cls, lines: Iterable[PastLine], claims: Iterable[PastClaim], tuning: Tuning | None = None
    ) -> Model:
        model = cls(tuning or Tuning())
        for line in lines:
            model._learn_line(line)
        for claim in claims:
            model.remember(claim)
        return model

    def _learn_line(self, line: PastLine) -> None:
        p, c, denied = line.payer, line.procedure, line.denied
        self.names.setdefault(p, line.payer_name)
        self.overall.add(line, denied)
        self.base[p].add(line, denied)
        mods = modifier_key(line.modifiers)
        self.modifier_sets[(p, c)].add(mods)
        keys = keys_for(p, c, mods, line.place_of_service, diagnosis_family(line.diagnosis))
        for key in (*keys, ("pcma", p, c, mods, line.has_auth)):
            self.rates[key].add(line, denied)
        if not line.has_auth:
            self.auth[(p, c)].add(line, line.authorization)

    def remember(self, claim: PastClaim) -> None:
        """A claim sent (or answered): later claims for the same service are duplicates."""
        if claim.rendering_missing_remark:
            self.n290[claim.payer] += 1
        if claim.member_id:
            self.shapes[claim.payer][member_shape(claim.member_id)] += 1
        for procedure in claim.procedures:
            key = (claim.payer, claim.patient, claim.service_date, procedure)
            self.seen.setdefault(key, claim.claim_id)

    def base_rate(self, payer: str) -> float:
        everyone = self.overall.denied / self.overall.n if self.overall.n else 0.0
        return self.base[payer].shrunk(everyone, self.tuning.prior_strength) if payer else everyone


def keys_for(p: str, c: str, mods: tuple, pos: str, dx: str) -> list[tuple]:
    """Payer × procedure, × modifiers, then × place of service and × diagnosis family."""
    keys = [("pc", p, c), ("pcm", p, c, mods)]
    if pos:
        keys.append(("pcs", p, c, mods, pos))
    if dx:
        keys.append(("pcd", p, c, mods, dx))
    return keys
