"""The priority score: chance of overturn from history, urgency, effort, and the ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from addin.codes import Category, DenialType, Nature
from addin.prioritize import Chance, OverturnRates, Weights, overturned, priority, ranks, urgency
from addin.workbook.base import settings_from_rows
from addin.workbook.layout import OVERTURN_PRIORS, OWNER_RULES, SETTING_DEFAULTS, S

WEIGHTS = Weights.from_settings()
SOFT, HARD = DenialType.SOFT, DenialType.HARD
ADMIN, CLINICAL = Nature.ADMINISTRATIVE, Nature.CLINICAL


@pytest.mark.parametrize(
    "status, resolution, outcome",
    [
        ("Won", None, True),
        ("Lost", None, False),
        ("Written Off", "Paid", False),  # a person's closing status decides
        ("New", "Paid", True),
        ("Appeal Sent", "Partially paid", True),
        ("New", "Dropped, not paid", False),
        ("In Review", "Denied again", None),
        ("New", None, None),
    ],
    ids=["won", "lost", "person decides", "paid", "partly paid", "dropped", "denied again", "open"],
)
def test_what_counts_as_won_and_decided(status, resolution, outcome):
    assert overturned(status, resolution) is outcome


def rates(*outcomes, weights=WEIGHTS):
    return OverturnRates(outcomes, weights)


@pytest.mark.parametrize(
    "history, expected",
    [
        ([], 0.45),
        ([("P1", Category.AUTHORIZATION, True)], (1 + 10 * 0.45) / 11),
        ([("P1", Category.AUTHORIZATION, True)] * 8 + [("P1", Category.AUTHORIZATION, False)] * 2,
         (8 + 10 * 0.45) / 20),
        ([("P2", Category.AUTHORIZATION, True)] * 5, 0.45),
        ([("P1", Category.CODING, False)] * 5, 0.45),
    ],
    ids=["no history: the prior", "one win barely moves it", "ten decided weigh as the prior",
         "another payer's history", "another category's history"],
)  # fmt: skip
def test_chance_is_history_shrunk_toward_the_prior(history, expected):
    chance = rates(*history).chance("P1", Category.AUTHORIZATION)
    assert chance.rate == pytest.approx(expected)


def test_without_shrinkage_history_alone_decides():
    weights = Weights.from_settings({S.OVERTURN_HISTORY_WEIGHT: 0})
    history = [("P1", Category.CODING, True)] * 3 + [("P1", Category.CODING, False)]
    assert rates(*history, weights=weights).chance("P1", Category.CODING).rate == 0.75


@pytest.mark.parametrize(
    "days_left, factor",
    [(None, 1.0), (-3, 0.3), (0, 2.0), (15, 1.5), (30, 1.0), (200, 1.0)],
    ids=["no deadline", "overdue", "due today", "half the horizon", "at the horizon", "far"],
)
def test_urgency(days_left, factor):
    assert urgency(days_left, WEIGHTS)[0] == pytest.approx(factor)


def score(amount="100.00", chance=0.5, days=60, kind=SOFT, nature=ADMIN):
    return priority(Decimal(amount), Chance(chance, "test"), days, kind, nature, WEIGHTS).score


# Each: what should rank first, what after, and why.
ORDERINGS = [
    ("more money", score(amount="500.00"), score(amount="100.00")),
    ("better chance", score(chance=0.8), score(chance=0.2)),
    ("sooner deadline", score(days=3), score(days=25)),
    ("due soon beats overdue", score(days=5), score(days=-1)),
    ("soft beats hard", score(kind=SOFT), score(kind=HARD)),
    ("paperwork beats clinical", score(nature=ADMIN), score(nature=CLINICAL)),
    ("a big overdue claim still beats a tiny due one", score("5000.00", days=-10),
     score("20.00", days=1)),
    ("expected money beats effort", score("400.00", kind=HARD, nature=CLINICAL),
     score("100.00")),
]  # fmt: skip


@pytest.mark.parametrize("first, second", [o[1:] for o in ORDERINGS], ids=[o[0] for o in ORDERINGS])
def test_score_orders_the_work(first, second):
    assert first > second


def test_the_score_explains_itself():
    result = priority(Decimal("250.00"), Chance(0.4, "prior"), 5, HARD, CLINICAL, WEIGHTS)
    assert result.expected == Decimal("100.00")
    assert result.score == round(100 * (1 + 25 / 30) * 0.6 * 0.7, 2)
    assert result.reason.startswith("$250.00 × 40% chance (prior) = $100.00 expected")
    assert "due in 5 days ×1.83" in result.reason and "hard, clinical ×0.42" in result.reason


def test_ranks_break_ties_by_deadline_amount_then_id():
    keys = [
        (10.0, 5, Decimal(100), "D-C"),
        (10.0, 3, Decimal(100), "D-B"),
        (20.0, 9, Decimal(1), "D-A"),
        (10.0, 3, Decimal(100), "D-A"),
        (10.0, None, Decimal(900), "D-D"),
        (10.0, 3, Decimal(300), "D-E"),
    ]
    assert ranks(keys) == [5, 4, 1, 3, 6, 2]


def test_priors_weights_and_owners_are_settings_people_can_change():
    names = {s.name for s in SETTING_DEFAULTS}
    for category in OVERTURN_PRIORS:
        assert S.overturn_prior(category) in names and S.owner_for(category) in names
    assert set(OVERTURN_PRIORS) == set(OWNER_RULES) == set(WEIGHTS.priors)
    settings = settings_from_rows(
        [
            (S.overturn_prior("coding"), "80%"),
            (S.overturn_prior("bundling"), "30"),
            (S.owner_for("coding"), "Pat the coder"),
            (S.EFFORT_HARD, "0.5"),
        ]
    )
    weights = Weights.from_settings(settings)
    assert weights.prior(Category.CODING) == pytest.approx(0.8)
    assert weights.prior(Category.BUNDLING) == pytest.approx(0.3)
    assert weights.owner(Category.CODING) == "Pat the coder"
    assert weights.hard == 0.5 and weights.soft == 1.0


@pytest.mark.parametrize(
    "category, owner",
    [
        (Category.ELIGIBILITY, "Front Desk"),
        (Category.CLAIM_DATA, "Billing"),
        (Category.CODING, "Coder"),
        (Category.BUNDLING, "Coder"),
        (Category.MEDICAL_NECESSITY, "Clinical Reviewer"),
        (Category.DOCUMENTATION, "Clinical Reviewer"),
        (Category.PATIENT_RESPONSIBILITY, "Billing"),
    ],
    ids=lambda v: str(v),
)
def test_owner_suggestion_by_category(category, owner):
    assert WEIGHTS.owner(category) == owner
