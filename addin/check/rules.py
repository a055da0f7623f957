"""The flags: learned denial rates per line, and the edits a biller would run before sending."""

from __future__ import annotations

from datetime import date

from addin.check.history import diagnosis_family
from addin.check.score import INFO, WARN, Flag, Model, Stat, keys_for, member_shape, modifier_key
from addin.remit.outgoing_models import SubmittedClaim, SubmittedLine

# Chances for edits whose outcome the history cannot count (a biller's rule of thumb, kept low).
DUPLICATE_CHANCE = 0.9  # CARC 18: exact duplicate claim/service
FILING_PAST_CHANCE = 0.95  # CARC 29: the time limit for filing has expired
FILING_NEAR_CHANCE = 0.05
MEMBER_SHAPE_CHANCE = 0.3  # CARC 31: patient cannot be identified as our insured
RENDERING_CHANCE = 0.5  # N290: missing/incomplete/invalid rendering provider identifier


def _since(stat: Stat) -> str:
    return f" since {stat.first:%b %Y}" if stat.first else ""


def _last(stat: Stat) -> str:
    return f"; last reason {stat.last_reason}" if stat.last_reason else ""


def _what(key: tuple, model: Model, line: SubmittedLine) -> str:
    kind, code = key[0], key[2]
    if kind == "pcma":
        return f"{code} {'with' if key[4] else 'without'} a prior-authorization number"
    if kind == "pcm":
        better = _better_modifiers(model, key)
        if better:
            return f"{code} without modifier {'+'.join(better)}"
        return f"{code} with modifiers {'+'.join(key[3])}" if key[3] else f"{code} unmodified"
    mods = f" with {'+'.join(key[3])}" if kind in ("pcs", "pcd") and key[3] else ""
    if kind == "pcs":
        return f"{code}{mods} at place of service {key[4]}"
    if kind == "pcd":
        return f"{code}{mods} for diagnoses {key[4]}*"
    return code


def _better_modifiers(model: Model, key: tuple) -> tuple[str, ...]:
    """Modifiers that, added to this line's, this payer paid clearly more often."""
    p, c, mods = key[1], key[2], key[3]
    tuning = model.tuning
    base = model.base_rate(p)
    mine = model.rates[key].shrunk(base, tuning.prior_strength)
    best: tuple[str, ...] = ()
    best_rate = mine - tuning.lift
    for other in model.modifier_sets.get((p, c), ()):
        if not set(mods) < set(other):
            continue
        stat = model.rates.get(("pcm", p, c, other))
        if stat is None or stat.n < tuning.min_support:
            continue
        rate = stat.shrunk(base, tuning.prior_strength)
        if rate < best_rate:
            best, best_rate = tuple(m for m in other if m not in mods), rate
    return best


def _estimate(model: Model, keys: list[tuple], base: float) -> tuple[tuple | None, float]:
    """The line's rate: its finest supported key of (modifiers and auth, modifiers, procedure),
    coarsened while the coarser rate says the same; place of service or diagnosis family (within
    the same modifiers) take over only where they stand out from it."""
    tuning = model.tuning
    supported = []
    for key in keys[:3]:  # finest first
        stat = model.rates.get(key)
        if stat is not None and stat.n >= tuning.min_support:
            supported.append((key, stat.shrunk(base, tuning.prior_strength)))
    if not supported:
        return None, -1.0
    best, rate = supported[0]
    parent = next((r for k, r in supported if k[0] == "pcm"), rate)
    for key, other in supported[1:]:
        if abs(other - rate) >= tuning.lift / 2:
            break
        best, rate = key, other
    for key in keys[3:]:
        stat = model.rates.get(key)
        if stat is not None and stat.n >= tuning.min_support:
            other = stat.shrunk(base, tuning.prior_strength)
            if other >= max(rate, parent) + tuning.lift:  # it adds to its own modifiers' rate
                best, rate = key, other
    return best, rate


def learned_flag(model: Model, claim: SubmittedClaim, line: SubmittedLine) -> Flag | None:
    """The line's learned rate: a warning when it stands out, else its baseline (INFO)."""
    p, tuning = claim.payer_key, model.tuning
    base = model.base_rate(p)
    pos = line.place_of_service or claim.place_of_service
    pointer = line.diagnosis_pointers[0] if line.diagnosis_pointers else 1
    mods = modifier_key(line.modifiers)
    has_auth = bool(claim.prior_auth or line.prior_auth)
    dx = diagnosis_family(claim.diagnosis(pointer))
    pc, pcm, *rest = keys_for(p, line.procedure, mods, pos, dx)
    best, rate = _estimate(
        model, [("pcma", p, line.procedure, mods, has_auth), pcm, pc, *rest], base
    )
    if best is None:
        return None
    stat = model.rates[best]
    name = model.names.get(p) or claim.payer_name or p
    if rate >= base + tuning.lift and rate >= tuning.floor:
        return Flag(
            "LEARNED_RATE",
            f"{name} denied {_what(best, model, line)} on {stat.denied} of {stat.n} claims"
            f"{_since(stat)}{_last(stat)}",
            f"line {line.number}: {stat.denied}/{stat.n} denied, rate {rate:.0%} after "
            f"shrinking toward {name}'s {base:.0%} base rate",
            rate,
        )
    return Flag(
        "BASE_RATE",
        f"{name} denied {_what(best, model, line)} on {stat.denied} of {stat.n} claims"
        f"{_since(stat)}",
        f"line {line.number}: expected denial rate {rate:.0%} (nothing stands out)",
        rate,
        INFO,
    )


def authorization_flag(model: Model, claim: SubmittedClaim, line: SubmittedLine) -> Flag | None:
    """No prior-auth number where this payer denied this procedure for authorization before."""
    if claim.prior_auth or line.prior_auth:
        return None
    stat = model.auth.get((claim.payer_key, line.procedure))
    if stat is None or not stat.denied:
        return None
    rate = stat.shrunk(0.0, model.tuning.prior_strength)
    name = model.names.get(claim.payer_key) or claim.payer_name
    return Flag(
        "NO_PRIOR_AUTH",
        f"no prior-authorization number, and {name} denied {line.procedure} for authorization "
        f"on {stat.denied} of {stat.n} claims without one{_since(stat)}{_last(stat)}",
        f"line {line.number}: {stat.denied}/{stat.n} authorization denials (REF*G1 empty)",
        max(rate, 0.2),
        WARN if rate >= 0.1 else INFO,
    )


def duplicate_flag(model: Model, claim: SubmittedClaim, line: SubmittedLine) -> Flag | None:
    """Same patient, date of service, procedure and payer as a claim already sent."""
    if claim.frequency in ("7", "8"):  # a replacement or void is meant to repeat its original
        return None
    key = (
        claim.payer_key,
        claim.patient_ident,
        line.service_date or claim.first_service_date,
        line.procedure,
    )
    other = model.seen.get(key)
    if other is None:
        return None
    same = "this same claim id" if other == claim.claim_id else f"claim {other}"
    return Flag(
        "DUPLICATE",
        f"{line.procedure} on {key[2] or 'this date'} for this patient was already sent to this "
        f"payer ({same}): a duplicate is denied (CARC 18); send a corrected claim (frequency 7) "
        "if it changes the first",
        f"line {line.number} matches {same} on patient, date of service, procedure and payer",
        DUPLICATE_CHANCE,
    )


def filing_flag(due: date | None, basis: str, today: date, near_days: int) -> Flag | None:
    """The payer's timely-filing limit is near or past."""
    if due is None:
        return None
    days = (due - today).days
    if days < 0:
        return Flag(
            "FILING_LIMIT_PAST",
            f"the filing limit passed {-days} day(s) ago ({due}): the payer will deny it (CARC 29)"
            " unless you have proof of timely filing",
            basis,
            FILING_PAST_CHANCE,
        )
    if days <= near_days:
        return Flag(
            "FILING_LIMIT_NEAR",
            f"only {days} day(s) left to the filing limit ({due}): send it today",
            basis,
            FILING_NEAR_CHANCE,
        )
    return None


def rendering_flag(model: Model, claim: SubmittedClaim) -> Flag | None:
    """No rendering-provider NPI where this payer's remits said N290 before."""
    if claim.rendering_npi or any(line.rendering_npi for line in claim.lines):
        return None
    said = model.n290.get(claim.payer_key, 0)
    if not said:
        return None
    name = model.names.get(claim.payer_key) or claim.payer_name
    return Flag(
        "NO_RENDERING_NPI",
        f"no rendering-provider NPI, and {name} answered N290 (rendering provider identifier "
        f"missing or invalid) on {said} past claim(s)",
        "loop 2310B NM1*82 is absent on the claim and on every line",
        RENDERING_CHANCE,
    )


def member_id_flag(model: Model, claim: SubmittedClaim) -> Flag | None:
    """The member id is not in the shape this payer's past claims used."""
    shapes = model.shapes.get(claim.payer_key)
    if not shapes or not claim.member_id:
        return None
    total = sum(shapes.values())
    mine = member_shape(claim.member_id)
    usual = [s for s, _ in shapes.most_common(3)]
    covered = sum(shapes[s] for s in usual)
    if (
        total < model.tuning.shape_support
        or shapes[mine]
        or covered < model.tuning.shape_share * total
    ):
        return None
    name = model.names.get(claim.payer_key) or claim.payer_name
    return Flag(
        "MEMBER_ID_SHAPE",
        f"the member id does not look like {name}'s: check it against the card (CARC 31)",
        f"this id's shape is {mine}; {covered} of {total} past ids were {' or '.join(usual)}",
        MEMBER_SHAPE_CHANCE,
    )
