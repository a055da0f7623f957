"""Synthetic months of claims with planted payer rules, as 837P and matching 835 text.

A planted rule is a pattern a real payer might follow (deny 97110 without modifier GP; deny
20610 without prior authorization). Everything else is denied only at a low random rate, so a
check that learns the rules from the first months can be measured on the later ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from addin.demo import synth
from addin.demo.synth import PAYERS, SynthPayer, _Claim, _DenialKind, _Procedure
from addin.demo.synth837 import Outgoing, synth_837p


@dataclass(frozen=True)
class ModifierRule:
    """This payer denies this procedure when it lacks this modifier (CO-4 + N823)."""

    payer_id: str
    procedure: str
    modifier: str
    carc: str = "4"
    rarc: str = "N823"


@dataclass(frozen=True)
class AuthRule:
    """This payer denies this procedure when the claim has no prior-authorization number."""

    payer_id: str
    procedure: str
    carc: str = "197"
    rarc: str = "N54"


@dataclass(frozen=True)
class RateRule:
    """This payer denies this procedure at this rate whatever the claim says (not fixable)."""

    payer_id: str
    procedure: str
    rate: float
    carc: str = "50"
    rarc: str = "N115"


DEFAULT_RULES = (
    ModifierRule("99101", "97110", "GP"),
    ModifierRule("99105", "20610", "RT"),
    AuthRule("99104", "20610"),
    AuthRule("99102", "71046"),
    AuthRule("99101", "71046"),
    ModifierRule("99102", "97140", "GP"),
    RateRule("99103", "93000", 0.3),
)
_NOISE_CODES = (
    ("CO", "16", "MA130"),
    ("CO", "97", "M15"),
    ("CO", "11", "M76"),
    ("CO", "50", "N115"),
)


@dataclass
class Month:
    """One month's claims: as sent, as answered, and which of them a payer denied."""

    index: int
    sent: list[Outgoing] = field(default_factory=list)
    answered: dict[str, list[_Claim]] = field(default_factory=dict)  # payer id → claims
    denied: dict[str, bool] = field(default_factory=dict)  # CLM01 → denied at all
    chance: dict[str, float] = field(default_factory=dict)  # CLM01 → the true chance of that

    def claims_837(self, control: int) -> str:
        created = max(item.submitted_on for item in self.sent)
        return synth_837p(self.sent, control, created)

    def remits_835(self, seed: int) -> list[str]:
        texts = []
        for n, (payer_id, claims) in enumerate(sorted(self.answered.items())):
            payer = next(p for p in PAYERS if p.payer_id == payer_id)
            paid_on = max(c.received for c in claims) + timedelta(days=10)
            remit = synth._Remit(payer, paid_on, synth._control_number(seed, self.index * 10 + n))
            out = _StringOut()
            synth._write_remit(out, remit, lambda claims=claims: iter(claims))
            texts.append(out.getvalue())
        return texts


class _StringOut(list):
    def write(self, text: str) -> int:
        self.append(text)
        return len(text)

    def getvalue(self) -> str:
        return "".join(self)


def _procedures(rng: random.Random, missing_modifier: float) -> tuple[_Procedure, ...]:
    name = rng.choices(synth._VISIT_NAMES, synth._VISIT_WEIGHTS)[0]
    procedures = synth._VISITS[name]
    if rng.random() < missing_modifier:  # a coder forgot a modifier on one procedure line
        candidates = [i for i, p in enumerate(procedures) if p.modifiers and p.cpt[:3] != "992"]
        if candidates:
            drop = rng.choice(candidates)
            procedures = tuple(
                replace(p, modifiers=()) if i == drop else p for i, p in enumerate(procedures)
            )
    return procedures


def _rule_chances(payer: SynthPayer, procedures, has_auth: bool, rules):
    """(line index, rule, chance the payer denies the line by that rule), for every rule that
    applies to a line."""
    for index, p in enumerate(procedures):
        for rule in rules:
            if rule.payer_id != payer.payer_id or rule.procedure != p.cpt:
                continue
            broken = (isinstance(rule, ModifierRule) and rule.modifier not in p.modifiers) or (
                isinstance(rule, AuthRule) and not has_auth
            )
            yield (
                index,
                rule,
                rule.rate if isinstance(rule, RateRule) else (0.95 if broken else 0.0),
            )


def denial_chance(payer: SynthPayer, procedures, has_auth: bool, rules, noise: float) -> float:
    """The true chance this claim is denied at all, as the planted world decides it: what a
    perfect check could know (the bench's ceiling for ROC AUC)."""
    kept = 1.0
    for _, _, chance in _rule_chances(payer, procedures, has_auth, rules):
        kept *= 1 - chance
    return 1 - kept * (1 - noise)


def _denials(rng, payer: SynthPayer, procedures, has_auth: bool, rules, noise: float) -> dict:
    """Which line indexes a payer denies, and with which (group, carc, rarc)."""
    denied: dict[int, tuple[str, str, str]] = {}
    for index, rule, chance in _rule_chances(payer, procedures, has_auth, rules):
        if rng.random() < chance:
            denied[index] = ("CO", rule.carc, rule.rarc)
    if not denied and rng.random() < noise:
        code = rng.choice(_NOISE_CODES)
        lines = range(len(procedures)) if rng.random() < 0.5 else [rng.randrange(len(procedures))]
        denied = dict.fromkeys(lines, code)
    return denied


def _answered(claim: _Claim, denied: dict, when: date) -> _Claim:
    lines = list(claim.lines)
    for index, (group, carc, rarc) in denied.items():
        kind = _DenialKind(group, carc, rarc, "", index, 1)
        lines[index] = synth._denied_line(lines[index].procedure, when, lines[index].control, kind)
    status = "4" if len(denied) == len(lines) else "1"
    return replace(claim, status=status, lines=tuple(lines))


def planted_months(
    seed: int,
    claims_per_month: int,
    months: int,
    rules=DEFAULT_RULES,
    *,
    noise: float = 0.01,
    missing_modifier: float = 0.25,
    auth_rate: float = 0.7,
    start: date = date(2026, 1, 1),
) -> list[Month]:
    """`months` months of claims; the same arguments give the same claims."""
    out = []
    serial = 0
    for m in range(months):
        month = Month(m)
        first = date(start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, 1)
        for _ in range(claims_per_month):
            serial += 1
            rng = random.Random(f"planted:{seed}:{serial}")
            _one_claim(rng, month, serial, first, rules, noise, missing_modifier, auth_rate)
        out.append(month)
    return out


def _one_claim(rng, month: Month, serial: int, first: date, rules, noise, missing, auth_rate):
    payer = rng.choice(PAYERS)
    when = first + timedelta(days=rng.randrange(28))
    procedures = _procedures(rng, missing)
    account = f"PL{serial:07d}"
    benefits = synth._draw_benefits(rng, payer.plan)
    lines = synth._adjudicate(procedures, when, account, benefits, None)
    has_auth = rng.random() < auth_rate
    patient = synth._random_patient(rng)
    sent_on = when + timedelta(days=rng.randint(1, 5))
    claim = _Claim(
        account,
        "1",
        f"P{serial:09d}",
        payer.plan,
        patient,
        rng.choice(synth.CLINICIANS),
        sent_on,
        lines,
    )
    denied = _denials(rng, payer, procedures, has_auth, rules, noise)
    auth = f"AUTH{serial:07d}" if has_auth else ""
    month.sent.append(Outgoing(claim, payer, sent_on, prior_auth=auth))
    month.answered.setdefault(payer.payer_id, []).append(_answered(claim, denied, when))
    month.denied[account] = bool(denied)
    month.chance[account] = denial_chance(payer, procedures, has_auth, rules, noise)
