"""The rule table: category, denial or not, type, stage, nature and rule for real code pairs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from addin import classify, codes
from addin.classify import Case, Route
from addin.classify import classify as decide
from addin.workbook.layout import CATEGORIES

# Sources, named once:
ISSUE = "issue #3 (the examples it names)"
GROUPS = "shared/domain/group_codes.csv"
CATEGORIES_CSV = "shared/domain/carc_categories.csv"
MEDICARE = "shared/domain/payers.csv, Medicare notes (Pub 100-04 ch.1/ch.34)"
CODES_CSV = "addin/data/carc.csv (CODES.md: our classification)"
CLP02 = "shared/domain/clp02_claim_status.csv"
RARC = "addin/data/rarc.csv remark meaning"

S, H = "soft", "hard"
F, B = "front_end", "back_end"
A, CL = "administrative", "clinical"
N = None

# id, group, carc, rarcs, claim status, service paid zero, category, is_denial, type, stage,
# nature, rule, source
SCENARIOS = [
    ("CO-16 MA130 unprocessable", "CO", "16", "MA130", "4", True,
     "claim_data", True, S, B, A, "unprocessable-claim", f"{ISSUE}; {MEDICARE}"),
    ("CO-16 N290 rendering NPI", "CO", "16", "N290", "4", True,
     "claim_data", True, S, B, A, "missing-rendering-provider", f"{ISSUE}; {RARC}"),
    ("CO-16 MA130+N290", "CO", "16", "MA130, N290", "4", True,
     "claim_data", True, S, B, A, "unprocessable-claim", f"{MEDICARE}; {RARC}"),
    ("CO-16 M51 procedure code", "CO", "16", "M51", "1", True,
     "coding", True, S, B, A, "remark-says-why", f"{CATEGORIES_CSV} (16: key RARC M51)"),
    ("CO-16 M76 diagnosis", "CO", "16", "M76", "1", True,
     "coding", True, S, B, A, "remark-says-why", f"{CATEGORIES_CSV} (16: key RARC M76)"),
    ("CO-16 MA04 primary payer info", "CO", "16", "MA04", "2", True,
     "coordination_of_benefits", True, S, F, A, "remark-says-why",
     f"{CATEGORIES_CSV} (16/129: MA04)"),
    ("CO-16 N265 ordering NPI", "CO", "16", "N265", "1", True,
     "claim_data", True, S, B, A, "remark-says-why", f"{CATEGORIES_CSV} (16: N265)"),
    ("CO-16 no remark", "CO", "16", "", "4", True,
     "claim_data", True, S, B, A, "code-mapping", CATEGORIES_CSV),
    ("CO-50 medical necessity", "CO", "50", "", "4", True,
     "medical_necessity", True, H, B, CL, "medical-necessity", f"{ISSUE}; {CATEGORIES_CSV}"),
    ("CO-50 N115 LCD", "CO", "50", "N115", "1", True,
     "medical_necessity", True, H, B, CL, "medical-necessity", f"{CATEGORIES_CSV} (50: N115)"),
    ("PR-50 with ABN is the patient's", "PR", "50", "", "1", True,
     "patient_responsibility", False, N, N, N, "patient-liable", f"{GROUPS} (PR-50 with ABN)"),
    ("PI-50 payer-initiated", "PI", "50", "", "1", True,
     "medical_necessity", True, H, B, CL, "medical-necessity", f"{GROUPS} (PI: treat like CO)"),
    ("CO-29 timely filing", "CO", "29", "", "4", True,
     "timely_filing", True, H, B, A, "timely-filing", f"{ISSUE}; {CATEGORIES_CSV}"),
    ("CO-22 MA92 other payer primary", "CO", "22", "MA92", "4", True,
     "coordination_of_benefits", True, S, F, A, "wrong-payer", f"{ISSUE}; {CATEGORIES_CSV}"),
    ("CO-109 wrong payer", "CO", "109", "", "4", True,
     "eligibility", True, S, F, A, "wrong-payer", f"{ISSUE}; {CATEGORIES_CSV}"),
    ("CO-197 no authorization", "CO", "197", "", "4", True,
     "authorization", True, H, F, A, "no-authorization", f"{ISSUE}; {CATEGORIES_CSV}"),
    ("CO-15 deactivated auth number", "CO", "15", "M62", "4", True,
     "authorization", True, S, F, A, "code-mapping", f"{CATEGORIES_CSV} (15: deactivated)"),
    ("CO-38 deactivated network PCP", "CO", "38", "", "4", True,
     "authorization", True, H, F, A, "code-mapping", f"{CODES_CSV}; 243 replaces 38"),
    ("OA-18 N111 duplicate", "OA", "18", "N111", "4", True,
     "duplicate", True, S, B, A, "duplicate-claim", f"{CATEGORIES_CSV} (18: usage OA)"),
    ("CO-18 duplicate", "CO", "18", "", "4", True,
     "duplicate", True, S, B, A, "duplicate-claim", f"{CATEGORIES_CSV} (18: CO for WC)"),
    ("CO-97 M15 bundled, unpaid line", "CO", "97", "M15", "1", True,
     "bundling", True, S, B, A, "code-mapping", f"{CATEGORIES_CSV} (97: M15)"),
    ("CO-4 N823 modifier", "CO", "4", "N823", "1", True,  # a modifier error: coding
     "coding", True, S, B, A, "modifier-error", "issue 11; RARC N823 (modifier invalid)"),
    ("CO-11 M76 dx/procedure mismatch", "CO", "11", "M76", "1", True,
     "coding", True, S, B, A, "code-mapping", f"{CATEGORIES_CSV} (11: M76)"),
    ("CO-146 dx invalid on date", "CO", "146", "", "1", True,
     "coding", True, S, B, A, "code-mapping", CATEGORIES_CSV),
    ("CO-151 N640 frequency", "CO", "151", "N640", "1", True,
     "medical_necessity", True, H, B, CL, "code-mapping", f"{CATEGORIES_CSV} (151: N640)"),
    ("CO-167 dx not covered", "CO", "167", "N115", "1", True,
     "medical_necessity", True, H, B, CL, "code-mapping", f"{CODES_CSV} (167: hard chosen)"),
    ("CO-96 N130 non-covered", "CO", "96", "N130", "1", True,
     "non_covered", True, H, F, A, "code-mapping", f"{CATEGORIES_CSV} (96: N130)"),
    ("PR-96 non-covered is the patient's", "PR", "96", "N130", "1", True,
     "patient_responsibility", False, N, N, N, "patient-liable", f"{GROUPS} (PR-96)"),
    ("PR-204 is the patient's bill", "PR", "204", "", "1", True,
     "patient_responsibility", False, N, N, N, "patient-liable", f"{ISSUE}; {GROUPS}"),
    ("CO-204 is not the patient's", "CO", "204", "", "4", True,
     "non_covered", True, H, F, A, "code-mapping", f"{ISSUE}; {CATEGORIES_CSV}"),
    ("PR-35 lifetime maximum", "PR", "35", "N587", "1", True,
     "patient_responsibility", False, N, N, N, "patient-liable", f"{CATEGORIES_CSV} (35: PR)"),
    ("CO-252 N706 records", "CO", "252", "N706", "4", True,
     "documentation", True, S, B, CL, "records-requested", f"{CATEGORIES_CSV} (252: N706)"),
    ("CO-226 info not sent", "CO", "226", "M127", "4", True,
     "documentation", True, S, B, CL, "records-requested", f"{CATEGORIES_CSV} (226)"),
    ("CO-B12 not in the record", "CO", "B12", "M127", "1", True,
     "documentation", True, H, B, CL, "records-requested", f"{CATEGORIES_CSV} (B12)"),
    ("CO-27 N30 coverage ended", "CO", "27", "N30", "4", True,
     "eligibility", True, S, F, A, "code-mapping", f"{CATEGORIES_CSV} (27: N30)"),
    ("PR-27 coverage ended stays workable", "PR", "27", "N30", "4", True,
     "eligibility", True, S, F, A, "code-mapping", f"{CATEGORIES_CSV} (27: PR/CO)"),
    ("PR-22 other payer primary", "PR", "22", "", "4", True,
     "coordination_of_benefits", True, S, F, A, "wrong-payer", f"{CATEGORIES_CSV} (22)"),
    ("CO-45 contractual allowance", "CO", "45", "", "1", False,
     "contractual", False, N, N, N, "contractual-allowance", f"{ISSUE}; {GROUPS}"),
    ("CO-253 sequestration", "CO", "253", "", "1", False,
     "contractual", False, N, N, N, "contractual-allowance", CATEGORIES_CSV),
    ("PR-1 deductible", "PR", "1", "", "1", False,
     "patient_responsibility", False, N, N, N, "patient-cost-share", f"{ISSUE}; {GROUPS}"),
    ("PR-2 coinsurance", "PR", "2", "", "1", False,
     "patient_responsibility", False, N, N, N, "patient-cost-share", f"{ISSUE}; {GROUPS}"),
    ("PR-3 copay", "PR", "3", "", "1", False,
     "patient_responsibility", False, N, N, N, "patient-cost-share", f"{ISSUE}; {GROUPS}"),
    ("OA-23 prior payer balancing", "OA", "23", "", "2", False,
     "coordination_of_benefits", False, N, N, N, "informational", f"{GROUPS} (OA-23)"),
    ("OA-133 pended", "OA", "133", "N109", "1", True,
     "other", False, N, N, N, "informational", f"{GROUPS} (OA-133 pending)"),
    ("CO-59 on a paid line", "CO", "59", "", "1", False,
     "pricing", False, N, N, N, "reduction-on-paid-service", f"{CATEGORIES_CSV} (59: depends)"),
    ("CO-59 on a denied claim", "CO", "59", "", "4", True,
     "pricing", True, H, B, A, "code-mapping", f"{CATEGORIES_CSV} (59: depends)"),
    ("CO-A1 M127 by remark", "CO", "A1", "M127", "4", True,
     "documentation", True, S, B, CL, "remark-says-why", f"{CATEGORIES_CSV} (A1: by RARC)"),
    ("CO-A1 no remark", "CO", "A1", "", "4", True,
     "other", True, H, B, A, "code-mapping", f"{CODES_CSV} (A1: hard chosen)"),
    ("CO-B7 provider not certified", "CO", "B7", "N95", "4", True,
     "provider_enrollment", True, H, B, A, "code-mapping", f"{CATEGORIES_CSV} (B7)"),
    ("CO-242 out of network", "CO", "242", "N52", "4", True,
     "provider_enrollment", True, H, F, A, "code-mapping", f"{CATEGORIES_CSV} (242)"),
    ("CO-B20 another provider", "CO", "B20", "", "4", True,
     "duplicate", True, H, B, A, "code-mapping", f"{CATEGORIES_CSV} (B20)"),
    ("CO-50 on a reversal", "CO", "50", "", "22", True,
     "medical_necessity", False, N, N, N, "reversal", f"{CLP02} (22: not a denial)"),
    ("CR-50 4010 correction", "CR", "50", "", "1", True,
     "medical_necessity", False, N, N, N, "correction-group", f"{GROUPS} (CR)"),
    ("CO-999 unknown code", "CO", "999", "", "4", True,
     "other", True, H, B, A, "unknown-code", "DESIGN: unknown CO codes go to a person"),
    ("PR-999 unknown code", "PR", "999", "", "1", True,
     "other", False, N, N, N, "unknown-code", "DESIGN: PR is the patient's"),
]  # fmt: skip


@pytest.mark.parametrize(
    "group, carc, rarcs, status, paid_zero, category, denial, kind, stage, nature, rule, source",
    [row[1:] for row in SCENARIOS],
    ids=[row[0] for row in SCENARIOS],
)
def test_scenario(
    group, carc, rarcs, status, paid_zero, category, denial, kind, stage, nature, rule, source
):
    case = Case(group, carc, codes.split_codes(rarcs), status, Decimal("100.00"), paid_zero)
    decision = decide(case)
    assert source
    got = (decision.category, decision.is_denial, decision.type, decision.stage, decision.nature)
    assert got == (category, denial, kind, stage, nature)
    assert decision.rule == rule
    assert decision.action and decision.why
    assert bool(decision.checklist) == denial  # every denial comes with an appeal packet list
    assert (
        classify.is_denial(
            group, carc, Decimal("100.00"), claim_status=status, service_paid_zero=paid_zero
        )
        == denial
    ), "import and classify must agree"


def test_there_are_at_least_forty_scenarios():
    assert len(SCENARIOS) >= 40
    assert len({row[0] for row in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize(
    "case, words",
    [
        (Case("CO", "16", ("MA130",)), ["not an appeal", "no appeal rights"]),
        (Case("CO", "16", ("MA130", "N290")), ["not an appeal", "rendering provider's NPI"]),
        (Case("CO", "16", ("N290",)), ["rendering provider's NPI", "corrected claim"]),
        (Case("CO", "50"), ["medical records", "letter of medical necessity"]),
        (Case("CO", "29"), ["proof", "filing limit"]),
        (Case("CO", "22"), ["bill the right payer"]),
        (Case("CO", "109"), ["bill the right payer"]),
        (Case("CO", "197"), ["retro-authorization"]),
        (Case("OA", "18"), ["Do not appeal"]),
        (Case("PR", "204"), ["Bill the patient"]),
    ],
    ids=["16+MA130", "16+MA130+N290", "16+N290", "50", "29", "22", "109", "197", "18", "PR-204"],
)
def test_the_action_says_the_next_step_in_plain_words(case, words):
    action = decide(case).action
    for word in words:
        assert word in action


@pytest.mark.parametrize(
    "case, route",
    [
        (Case("CO", "16", ("MA130",)), Route.RESUBMIT),
        (Case("CO", "50"), Route.APPEAL),
        (Case("CO", "22"), Route.BILL_OTHER_PAYER),
        (Case("CO", "252", ("N706",)), Route.SEND_RECORDS),
        (Case("CO", "15"), Route.RESUBMIT),  # soft authorization problem: fix the number
        (Case("PR", "1"), Route.BILL_PATIENT),
        (Case("CO", "45"), Route.NONE),
    ],
    ids=["resubmit", "appeal", "other payer", "records", "soft auth", "patient", "write-off"],
)
def test_route_decides_which_deadline_applies(case, route):
    assert decide(case).route is route


def test_deactivated_codes_are_recognised_and_say_so():
    decision = decide(Case("CO", "38"))
    assert decision.known and decision.deactivated
    assert "deactivated code since 2013-01-01" in decision.description


def test_description_names_the_carc_and_each_remark():
    text = decide(Case("CO", "16", ("MA130", "N290"))).description
    assert text.startswith("CO-16: ")
    assert "MA130: " in text and "N290: Rendering provider primary ID (NPI)" in text


def test_codes_are_normalised_before_the_rules_run():
    assert decide(Case(" co ", "016", ("ma130",))).rule == "unprocessable-claim"


def test_remark_codes_never_change_whether_it_is_a_denial():
    """Import decides denials without remark codes; classify must never disagree."""
    remarks = tuple(classify.REMARK_HINTS)
    for code in codes.carc_table():
        for group in ("CO", "PR", "OA", "PI"):
            bare = decide(Case(group, code)).is_denial
            with_remarks = decide(Case(group, code, remarks)).is_denial
            assert bare == with_remarks, f"{group}-{code}"


def test_categories_match_the_workbook_drop_down():
    assert tuple(c.value for c in classify.Category) == CATEGORIES
    assert set(classify.PLAYBOOKS) == set(classify.Category)


def test_json_form_has_the_documented_keys():
    data = decide(Case("CO", "16", ("MA130",))).as_dict()
    for key in ("carc", "group", "description", "category", "is_denial", "type", "stage"):
        assert key in data
    for key in ("nature", "action", "checklist", "rule"):
        assert key in data
    assert data["type"] == "soft" and isinstance(data["checklist"], list)
