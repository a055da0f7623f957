"""The pre-submission check on planted payer rules, read through the real 837 and 835 readers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from addin.adjudication import adjudication
from addin.check.history import PastClaim, history_from, paired
from addin.check.run import check_claims, with_points
from addin.check.score import INFO, WARN, Flag, Model, member_shape
from addin.demo.planted import planted_months
from addin.remit import Claim, RemitReader
from addin.remit.outgoing_models import SubmittedClaim
from addin.remit.x12 import X12Reader


def _read(month, seed=7):
    claims = [
        r for r in X12Reader(month.claims_837(4000 + month.index)) if isinstance(r, SubmittedClaim)
    ]
    answered = [
        adjudication(r, "t.835")
        for text in month.remits_835(seed)
        for r in RemitReader(text)
        if isinstance(r, Claim)
    ]
    return claims, answered


@pytest.fixture(scope="module")
def world():
    months = planted_months(7, 1500, 3, missing_modifier=0.6)
    read = [_read(m) for m in months]
    history = [p for claims, answered in read[:2] for p in paired(claims, answered)]
    return months, read, history


def _model(history):
    return Model.learn(*history_from(history))


def test_every_synthetic_837_claim_pairs_with_its_835_answer(world):
    months, read, history = world
    assert len(history) == 3000 and all(answer is not None for _, answer in history)
    claims, answered = read[0]
    assert {c.claim_id for c in claims} == {a.claim_id for a in answered}
    denied = {a.claim_id for a in answered if a.denials}
    assert denied == {k for k, v in months[0].denied.items() if v}


def test_the_planted_modifier_rule_is_found_and_said_with_its_evidence(world):
    months, read, history = world
    results = check_claims(_model(history), read[2][0], date(2026, 4, 1))
    claims = {c.claim_id: c for c in read[2][0]}
    hits = [
        r
        for r in results
        if any(
            line.procedure == "97110" and not line.modifiers for line in claims[r.claim_id].lines
        )
        and claims[r.claim_id].payer_id == "99101"
    ]
    assert hits
    flag = next(f for f in hits[0].flags if f.code == "LEARNED_RATE")
    assert flag.reason.startswith("ACME HEALTH PLAN denied 97110 without modifier GP on ")
    assert flag.reason.endswith("; last reason CO-4 + N823")
    assert "shrinking toward ACME HEALTH PLAN's" in flag.evidence
    # the same procedure with GP at the same payer is not flagged
    with_gp = [
        r
        for r in results
        if claims[r.claim_id].payer_id == "99101"
        and any(
            line.modifiers == ("GP",) and line.procedure == "97110"
            for line in claims[r.claim_id].lines
        )
    ]
    assert with_gp and not any(r.flagged for r in with_gp)


def test_missing_prior_auth_is_flagged_where_the_payer_denied_for_it_before(world):
    months, read, history = world
    results = check_claims(_model(history), read[2][0], date(2026, 4, 1))
    claims = {c.claim_id: c for c in read[2][0]}
    blue = [
        r
        for r in results
        if claims[r.claim_id].payer_id == "99104"
        and any(line.procedure == "20610" for line in claims[r.claim_id].lines)
    ]
    without = [r for r in blue if not claims[r.claim_id].prior_auth]
    with_auth = [r for r in blue if claims[r.claim_id].prior_auth]
    assert without and with_auth
    assert all(any(f.code == "NO_PRIOR_AUTH" for f in r.flags) for r in without)
    assert not any(f.code == "NO_PRIOR_AUTH" for r in with_auth for f in r.flags)
    flag = next(f for f in without[0].flags if f.code == "NO_PRIOR_AUTH")
    assert "BLUE HERON PPO denied 20610 for authorization on" in flag.reason
    assert "CO-197 + N54" in flag.reason


def test_risk_ranks_later_denials_above_clean_claims_and_few_clean_claims_are_flagged(world):
    months, read, history = world
    results = check_claims(_model(history), read[2][0], date(2026, 4, 1))
    truth = months[2].denied
    denied = [r.risk for r in results if truth[r.claim_id]]
    clean = [r for r in results if not truth[r.claim_id]]
    assert sum(denied) / len(denied) > 4 * sum(r.risk for r in clean) / len(clean)
    assert sum(r.flagged for r in clean) / len(clean) <= 0.05


def test_each_point_of_risk_belongs_to_a_flag():
    flags = [Flag("A", "a", "e", 0.6), Flag("B", "b", "e", 0.3), Flag("C", "c", "e", 0.05, INFO)]
    risk, pointed = with_points(flags)
    assert risk == round(100 * (1 - 0.4 * 0.7 * 0.95)) == 73
    assert sum(f.points for f in pointed) == risk and pointed[0].points > pointed[1].points
    assert with_points([]) == (0, ())


def test_duplicates_filing_limits_rendering_npi_and_member_id_shape(world):
    months, read, history = world
    model = _model(history)
    claim = read[2][0][0]
    model.n290[claim.payer_key] = 3
    for n in range(20):
        model.remember(PastClaim(claim.payer_key, f"P{n}", f"SYN{n:09d}", f"X{n}", None, ()))
    odd = replace(
        claim,
        member_id="12-AB",
        rendering_npi="",
        lines=tuple(replace(line, rendering_npi="") for line in claim.lines),
    )
    today = claim.first_service_date + timedelta(days=100)
    due = claim.first_service_date + timedelta(days=90)
    (first, again) = check_claims(model, [odd, odd], today, lambda c: (due, "90 days from service"))
    codes = {f.code for f in first.flags}
    assert {"FILING_LIMIT_PAST", "NO_RENDERING_NPI", "MEMBER_ID_SHAPE"} <= codes
    assert "DUPLICATE" not in codes and "DUPLICATE" in {f.code for f in again.flags}
    shape = next(f for f in first.flags if f.code == "MEMBER_ID_SHAPE")
    assert "99-AA" in shape.evidence and "12-AB" not in shape.evidence + shape.reason
    assert member_shape("SYN123") == "AAA999"
    assert first.risk >= 95
    out = json.loads(json.dumps(first.as_dict()))
    assert set(out) == {"claim_id", "payer", "risk", "flags"}
    assert set(out["flags"][0]) == {"code", "reason", "evidence"}


def test_a_replacement_claim_is_not_a_duplicate_of_its_original(world):
    months, read, history = world
    model = _model(history)
    claim = read[2][0][0]
    first, fixed = check_claims(model, [claim, replace(claim, frequency="7")], date(2026, 4, 1))
    assert not any(f.code == "DUPLICATE" for f in fixed.flags)
    assert all(f.severity in (WARN, INFO) for f in first.flags)


def test_the_planted_worlds_true_chance_matches_what_the_payers_did():
    """The bench's ceiling (a perfect check's AUC) scores claims by `Month.chance`: it must be
    the chance the planted world actually draws with."""
    month = planted_months(7, 4000, 1, noise=0.01)[0]
    chance, denied = month.chance, month.denied
    assert set(chance) == set(denied)
    broken = [k for k, c in chance.items() if c >= 0.95]
    assert len(broken) > 50
    assert sum(denied[k] for k in broken) / len(broken) > 0.9
    clean = [k for k, c in chance.items() if c == pytest.approx(0.01)]
    assert sum(denied[k] for k in clean) / len(clean) < 0.03
    expected, seen = sum(chance.values()), sum(denied.values())
    assert abs(seen - expected) < 0.1 * expected
