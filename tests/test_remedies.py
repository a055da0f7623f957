"""Plan types as people write them on the Payers sheet, and remedies as the sheets show them."""

import pytest

from addin.remedies import PlanType, Remedy, plan_type_of


@pytest.mark.parametrize(
    ("written", "plan"),
    [
        ("Medicare FFS", PlanType.ORIGINAL_MEDICARE),
        ("Original Medicare", PlanType.ORIGINAL_MEDICARE),
        ("Medicare Part B", PlanType.ORIGINAL_MEDICARE),
        ("Medicare Advantage", PlanType.MEDICARE_ADVANTAGE),
        ("Medicaid FFS", PlanType.MEDICAID_FFS),
        ("Medicaid MCO", PlanType.MEDICAID_MANAGED_CARE),
        ("Commercial PPO", PlanType.COMMERCIAL),
        ("Employer group plan", PlanType.COMMERCIAL),
        ("FEHB", PlanType.FEP),
        ("Military", PlanType.TRICARE),
        ("Workers' Comp", PlanType.WORKERS_COMP),
        ("Auto insurance", PlanType.OTHER),
        ("", None),
    ],
)
def test_a_plan_type_cell_names_its_plan(written, plan):
    assert plan_type_of(written) is plan


def test_a_remedy_reads_back_from_its_label_or_key():
    assert Remedy.from_label("Bill another payer") is Remedy.BILL_OTHER_PAYER
    assert Remedy.from_label("reopening") is Remedy.REOPENING
    assert Remedy.from_label("") is None
    assert PlanType.MEDICARE_ADVANTAGE.key == "medicare_advantage"
