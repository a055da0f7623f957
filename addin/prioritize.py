"""Which open denial to work first: an explained score from expected recovery, urgency, effort.

score = denied amount × chance of overturn × urgency × effort

- chance of overturn: the tracker's own record for the payer and category (won ÷ decided),
  shrunk toward the category's prior while that record is thin;
- urgency: 1 far from the deadline, rising to 1 + boost on the due day; overdue work is
  scaled down (late appeals are seldom accepted) but stays queued so someone decides;
- effort: soft (fix and resubmit) beats hard (appeal), administrative beats clinical.

Every weight and prior is a Setting (layout.SETTING_DEFAULTS), so a practice can see and
change them on the Settings sheet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from addin.codes import Category, DenialType, Nature
from addin.workbook.layout import CLOSED_STATUSES, SETTING_DEFAULTS, S

WON_STATUS = "Won"
WON_RESOLUTIONS = frozenset({"Paid", "Partially paid"})
LOST_RESOLUTIONS = frozenset({"Dropped, not paid"})
FALLBACK_OWNER = "Billing"


def setting(settings: Mapping[str, object], name: str) -> object:
    """A setting's value, or its default from layout.SETTING_DEFAULTS when absent."""
    if name in settings and settings[name] is not None:
        return settings[name]
    return next(s.default for s in SETTING_DEFAULTS if s.name == name)


def _rate(value: object) -> float:
    """A share from a setting: 0.45, "45%" (already 0.45 when read) or 45 all mean 45 %."""
    number = float(value)
    return number / 100 if number > 1 else number


@dataclass(frozen=True, slots=True)
class Weights:
    """The knobs of the score, read from Settings."""

    soft: float
    hard: float
    administrative: float
    clinical: float
    urgency_horizon_days: int
    urgency_boost: float
    overdue_factor: float
    history_weight: float  # how many decided denials a category's prior counts as
    priors: Mapping[Category, float]
    owners: Mapping[Category, str]

    @classmethod
    def from_settings(cls, settings: Mapping[str, object] | None = None) -> Weights:
        """The weights a tracker's settings give (defaults for any the sheet lacks)."""
        settings = settings or {}

        def number(name: str) -> float:
            return float(setting(settings, name))

        return cls(
            soft=number(S.EFFORT_SOFT),
            hard=number(S.EFFORT_HARD),
            administrative=number(S.EFFORT_ADMINISTRATIVE),
            clinical=number(S.EFFORT_CLINICAL),
            urgency_horizon_days=max(1, int(number(S.URGENCY_HORIZON_DAYS))),
            urgency_boost=number(S.URGENCY_BOOST),
            overdue_factor=number(S.OVERDUE_FACTOR),
            history_weight=max(0.0, number(S.OVERTURN_HISTORY_WEIGHT)),
            priors={c: _rate(setting(settings, S.overturn_prior(c))) for c in _DENIAL_KINDS},
            owners={c: str(setting(settings, S.owner_for(c))) for c in _DENIAL_KINDS},
        )

    def prior(self, category: Category) -> float:
        return self.priors.get(category, self.priors[Category.OTHER])

    def owner(self, category: Category) -> str:
        return self.owners.get(category) or FALLBACK_OWNER


# Categories that can be denials (patient share and contractual write-offs never are).
_DENIAL_KINDS = tuple(
    c for c in Category if c not in (Category.PATIENT_RESPONSIBILITY, Category.CONTRACTUAL)
)


# -- chance of overturn ------------------------------------------------------------------


def overturned(status: object, resolution: object) -> bool | None:
    """How a denial ended: True won, False lost, None not decided yet.

    A person's closing Status decides (Won, or Lost / Written Off); otherwise a later remit
    does: Paid or Partially paid is won, "Dropped, not paid" is lost. A denial paid in part
    counts as won: the appeal worked, even if the payment fell short.
    """
    if status == WON_STATUS:
        return True
    if status in CLOSED_STATUSES:
        return False
    if resolution in WON_RESOLUTIONS:
        return True
    if resolution in LOST_RESOLUTIONS:
        return False
    return None


@dataclass(frozen=True, slots=True)
class Chance:
    rate: float
    reason: str


class OverturnRates:
    """Won ÷ decided per payer and category, shrunk toward the category's prior.

    chance = (won + k × prior) ÷ (decided + k), with k = the history weight: with no
    history the prior stands; after k decided denials the tracker's record weighs as much.
    """

    def __init__(self, outcomes: Iterable[tuple[str, Category, bool]], weights: Weights):
        self.weights = weights
        self.won: Counter = Counter()
        self.decided: Counter = Counter()
        for payer, category, won in outcomes:
            self.decided[payer, category] += 1
            self.won[payer, category] += bool(won)

    def chance(self, payer: str, category: Category) -> Chance:
        prior = self.weights.prior(category)
        won, decided = self.won[payer, category], self.decided[payer, category]
        k = self.weights.history_weight
        if decided == 0 or decided + k == 0:
            return Chance(prior, f"{prior:.0%} prior for {category}, no history at this payer")
        rate = (won + k * prior) / (decided + k)
        return Chance(
            rate, f"{won} of {decided} won at this payer for {category}, prior {prior:.0%}"
        )


# -- the score ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Priority:
    score: float
    expected: Decimal
    reason: str


def urgency(days_left: int | None, weights: Weights) -> tuple[float, str]:
    """How much sooner this should be worked, from the days left before its deadline."""
    if days_left is None:
        return 1.0, "no deadline known"
    if days_left < 0:
        return weights.overdue_factor, f"overdue by {-days_left} days"
    horizon = weights.urgency_horizon_days
    if days_left >= horizon:
        return 1.0, f"due in {days_left} days"
    factor = 1 + weights.urgency_boost * (horizon - days_left) / horizon
    return factor, f"due in {days_left} days"


def effort(kind: DenialType | None, nature: Nature | None, weights: Weights) -> tuple[float, str]:
    """Quick fixes first: soft over hard, administrative over clinical."""
    by_type = weights.hard if kind is DenialType.HARD else weights.soft
    by_nature = weights.clinical if nature is Nature.CLINICAL else weights.administrative
    words = ", ".join(str(w) for w in (kind, nature) if w) or "effort unknown"
    return by_type * by_nature, words


def priority(
    amount: Decimal | None,
    chance: Chance,
    days_left: int | None,
    kind: DenialType | None,
    nature: Nature | None,
    weights: Weights,
) -> Priority:
    """The score of one open denial, with the sentence that explains it."""
    denied = amount if amount is not None else Decimal(0)
    expected = (denied * Decimal(str(round(chance.rate, 4)))).quantize(Decimal("0.01"))
    due, due_words = urgency(days_left, weights)
    work, work_words = effort(kind, nature, weights)
    score = round(float(expected) * due * work, 2)
    reason = (
        f"${denied:,.2f} × {chance.rate:.0%} chance ({chance.reason}) = ${expected:,.2f} "
        f"expected; {due_words} ×{due:.2f}; {work_words} ×{work:.2f}"
    )
    return Priority(score, expected, reason)


def ranks(
    keys: list[tuple[float, int | None, Decimal | None, str]], overdue: list[bool] | None = None
) -> list[int]:
    """Rank 1..N for (score, days left, amount, id): higher score first, then the sooner
    deadline, the larger amount, and the id so equal rows always rank the same way.

    Rows in `overdue` (every usable date passed: a decision, not a race) rank after every live
    row, whatever their score."""
    late = overdue or [False] * len(keys)
    order = sorted(
        range(len(keys)),
        key=lambda i: (
            late[i],
            -keys[i][0],
            keys[i][1] if keys[i][1] is not None else 10**9,
            -(keys[i][2] or 0),
            keys[i][3],
        ),
    )
    result = [0] * len(keys)
    for rank, index in enumerate(order, start=1):
        result[index] = rank
    return result
