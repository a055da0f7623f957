"""Check a batch of outgoing claims against a learned Model: flags, then risk split into points."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date

from addin.check import rules
from addin.check.history import past_claim
from addin.check.score import INFO, WARN, CheckResult, Flag, Model
from addin.remit.outgoing_models import SubmittedClaim

# The filing limit of a claim: (due date, how it was counted), from the payer's profile.
FilingLimit = Callable[[SubmittedClaim], tuple[date | None, str]]


def _no_limit(claim: SubmittedClaim) -> tuple[date | None, str]:
    return None, ""


def claim_flags(
    model: Model, claim: SubmittedClaim, today: date, filing: FilingLimit
) -> list[Flag]:
    """Every flag of one claim: warnings first; one baseline (INFO) flag at most."""
    warn: list[Flag] = []
    info: list[Flag] = []
    for line in claim.lines:
        auth = rules.authorization_flag(model, claim, line)
        learned = rules.learned_flag(model, claim, line)
        if auth is not None and auth.severity == WARN:
            learned = None  # the authorization flag already says why this line is denied
        for flag in (learned, auth, rules.duplicate_flag(model, claim, line)):
            if flag is not None:
                (warn if flag.severity == WARN else info).append(flag)
    due, basis = filing(claim)
    claim_level = (
        rules.filing_flag(due, basis, today, model.tuning.near_filing_days),
        rules.rendering_flag(model, claim),
        rules.member_id_flag(model, claim),
    )
    warn.extend(flag for flag in claim_level if flag is not None)
    warn = _one_per_code_and_reason(warn)
    if not warn and info:
        warn.append(max(info, key=lambda f: f.chance))
    elif not warn and model.base[claim.payer_key].n:
        warn.append(_payer_baseline(model, claim))
    return warn


def _one_per_code_and_reason(flags: list[Flag]) -> list[Flag]:
    seen: dict[tuple[str, str], Flag] = {}
    for flag in flags:
        seen.setdefault((flag.code, flag.reason), flag)
    return sorted(seen.values(), key=lambda f: -f.chance)


def _payer_baseline(model: Model, claim: SubmittedClaim) -> Flag:
    stat = model.base[claim.payer_key]
    name = model.names.get(claim.payer_key) or claim.payer_name
    rate = model.base_rate(claim.payer_key)
    return Flag(
        "BASE_RATE",
        f"{name} denied {stat.denied} of {stat.n} claim lines overall",
        f"no history for these procedures with {name}: its base rate {rate:.0%} applies",
        rate,
        INFO,
    )


def with_points(flags: list[Flag]) -> tuple[int, tuple[Flag, ...]]:
    """Risk = 100 × (1 − Π(1 − chance)), split into whole points by each flag's weight."""
    weights = [-math.log(1 - min(max(f.chance, 0.0), 0.99)) for f in flags]
    total = sum(weights)
    risk = round(100 * (1 - math.exp(-total)))
    if not flags or total == 0:
        return risk, tuple(flags)
    shares = [risk * w / total for w in weights]
    points = [math.floor(s) for s in shares]
    for i in sorted(range(len(flags)), key=lambda i: points[i] - shares[i])[: risk - sum(points)]:
        points[i] += 1
    return risk, tuple(_replace_points(f, p) for f, p in zip(flags, points, strict=True))


def _replace_points(flag: Flag, points: int) -> Flag:
    return Flag(flag.code, flag.reason, flag.evidence, flag.chance, flag.severity, points)


def check_claims(
    model: Model,
    claims: Iterable[SubmittedClaim],
    today: date,
    filing: FilingLimit = _no_limit,
) -> list[CheckResult]:
    """Score each claim; each is then remembered, so a second copy in the batch is a duplicate."""
    results = []
    for claim in claims:
        risk, flags = with_points(claim_flags(model, claim, today, filing))
        results.append(
            CheckResult(
                claim.claim_id,
                claim.payer_key,
                model.names.get(claim.payer_key) or claim.payer_name,
                claim.first_service_date,
                claim.charge,
                risk,
                flags,
            )
        )
        model.remember(past_claim(claim, None))
    return results


__all__ = ["INFO", "WARN", "check_claims", "claim_flags", "with_points"]
