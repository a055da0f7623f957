"""Why each adjustment was not paid and what to do next: an ordered, readable rule table.

`classify(case)` runs `RULES` in order; the first rule whose condition holds decides, and its
name and reason are kept with the decision so a biller can ask why. Overrides from the
practice's Codes sheet are laid over the rule's decision last: they always win.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from addin.codebook import CodeBook, CodeOverride
from addin.codes import (
    CARC_TYPE,
    RARC_TYPE,
    CarcInfo,
    Category,
    DenialType,
    Nature,
    Stage,
    normalise_code,
    normalise_group,
)
from addin.playbooks import (
    PLAYBOOKS,
    REMARK_HINTS,
    Playbook,
    RemarkHint,
    Route,
    remark_hint,
)

C = Category

__all__ = [
    "BUILT_IN",
    "PLAYBOOKS",
    "REMARK_HINTS",
    "Playbook",
    "Case",
    "Category",
    "Decision",
    "DenialTest",
    "Route",
    "RULES",
    "classify",
    "is_denial",
    "recategorised",
]

BUILT_IN = CodeBook()


@dataclass(frozen=True, slots=True)
class Case:
    """The facts of one adjustment that classification looks at."""

    group: str
    carc: str
    rarcs: tuple[str, ...] = ()
    claim_status: str = ""  # CLP02 code ("4" = denied, "22" = reversal)
    amount: Decimal | None = None
    service_paid_zero: bool = True  # the line (or claim) it adjusts was paid nothing
    plan: str = ""  # the payer's plan type key (addin.remedies.PlanType.key), when known


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one adjustment, and the rule (with its reason) that gave it."""

    carc: str
    group: str
    rarcs: tuple[str, ...]
    description: str
    category: Category
    is_denial: bool
    type: DenialType | None
    stage: Stage | None
    nature: Nature | None
    route: Route
    action: str
    checklist: tuple[str, ...]
    rule: str
    why: str
    known: bool = True
    deactivated: bool = False

    def as_dict(self) -> dict:
        """A JSON-ready dict (enums as their text)."""
        data = asdict(self)
        data["rarcs"], data["checklist"] = list(self.rarcs), list(self.checklist)
        return {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in data.items()}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a rule decides; blank fields come from the code's mapping, then its playbook."""

    category: Category | None = None
    is_denial: bool = True
    route: Route | None = None
    action: str = ""
    checklist: tuple[str, ...] = ()


Condition = Callable[[Case, CarcInfo | None], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    why: str
    when: Condition
    then: Outcome | Callable[[Case, CarcInfo | None], Outcome]


# -- conditions ------------------------------------------------------------------------


def carc_in(*codes: str) -> Condition:
    return lambda case, info: case.carc in codes


def remark_in(*codes: str) -> Condition:
    return lambda case, info: any(r in codes for r in case.rarcs)


def group_in(*groups: str) -> Condition:
    return lambda case, info: case.group in groups


def flagged(is_denial: str, *categories: Category) -> Condition:
    """Our code list marks the CARC with `is_denial` (Y/N/depends), in one of `categories`."""
    return lambda case, info: (
        info is not None
        and info.is_denial == is_denial
        and (not categories or info.category in categories)
    )


def all_of(*conditions: Condition) -> Condition:
    return lambda case, info: all(c(case, info) for c in conditions)


def _remark_hint(case: Case) -> tuple[str, RemarkHint] | None:
    return remark_hint(case.rarcs)


REMARK_DECIDES = ("16", "A1")  # CARCs whose own meaning is "the remark code says why"


def _by_remark(case: Case, info: CarcInfo | None) -> Outcome:
    code, hint = _remark_hint(case)
    return Outcome(category=hint.category, action=f"{hint.action} (remark {code})")


def _unprocessable(case: Case, info: CarcInfo | None) -> Outcome:
    found = _remark_hint(replace(case, rarcs=tuple(r for r in case.rarcs if r != "MA130")))
    fix = f" To fix: {found[1].action[0].lower()}{found[1].action[1:]}" if found else ""
    return Outcome(
        category=found[1].category if found else C.CLAIM_DATA,
        route=Route.RESUBMIT,
        action="Correct the claim and send it again as a new claim — not an appeal: MA130 "
        f"means it was unprocessable and has no appeal rights.{fix}",
    )


def _not_a_denial(category: Category | None, action: str, route: Route = Route.NONE) -> Outcome:
    return Outcome(category=category, is_denial=False, route=route, action=action)


_CLAIM_DENIED = "4"
_REVERSAL = "22"
_PATIENT_WORKABLE = (C.ELIGIBILITY, C.COORDINATION_OF_BENEFITS)

# The rule table. Order matters: the first rule whose condition holds decides.
RULES: tuple[Rule, ...] = (
    # 1. Adjustments that are not denials at all.
    Rule("reversal", "A reversal (CLP02 22) takes back an earlier payment; the corrected "
         "claim follows. It is not a denial.",
         lambda case, info: case.claim_status == _REVERSAL,
         _not_a_denial(None, "Nothing to work: match it with the corrected claim that follows.")),
    Rule("correction-group", "Group CR (4010) marks a correction of an earlier claim, not a "
         "new denial.", group_in("CR"),
         _not_a_denial(None, "Nothing to work: a correction of an earlier claim.")),
    Rule("nothing-taken", "The adjustment takes nothing (zero or negative amount).",
         lambda case, info: case.amount is not None and case.amount <= 0,
         _not_a_denial(None, "Nothing to work.")),
    Rule("unknown-code", "The CARC is not in DenialDesk's code list; under CO, PI or OA it "
         "is treated as a denial so a person looks at it.",
         lambda case, info: info is None,
         lambda case, info: Outcome(
             category=C.OTHER, is_denial=case.group in ("CO", "PI", "OA"),
             action=f"CARC {case.carc} is not in DenialDesk's code list: look it up (or load "
             "the official list with `denialdesk codes import`) and classify it on the Codes "
             "sheet.")),
    Rule("medicare-advantage-enrollee", "CO-24 from Original Medicare: the service belongs "
         "to the patient's Medicare Advantage plan (a denial, not a contractual write-off); "
         "CARC 24, Medicare Claims Processing Manual (Pub 100-04) ch.1 §90.",
         lambda case, info: case.group == "CO" and case.carc == "24"
         and case.plan == "original_medicare",
         Outcome(category=C.COORDINATION_OF_BENEFITS, route=Route.BILL_OTHER_PAYER,
                 action="The patient was enrolled in a Medicare Advantage plan on the date of "
                 "service: bill that plan (find it on the eligibility response), not Original "
                 "Medicare and not the patient.")),
    Rule("patient-cost-share", "Deductible, coinsurance and copay are the patient's share "
         "under the plan, not a denial.", flagged("N", C.PATIENT_RESPONSIBILITY),
         _not_a_denial(C.PATIENT_RESPONSIBILITY, PLAYBOOKS[C.PATIENT_RESPONSIBILITY].action,
                       Route.BILL_PATIENT)),
    Rule("contractual-allowance", "A contractual or legislated allowance (e.g. CO-45) is a "
         "normal write-off, not a denial.", flagged("N", C.CONTRACTUAL),
         _not_a_denial(C.CONTRACTUAL, PLAYBOOKS[C.CONTRACTUAL].action)),
    Rule("informational", "Our code list marks this CARC as informational, balancing or "
         "pending, not a refusal to pay.", flagged("N"),
         _not_a_denial(None, "Nothing to work now; a pended claim gets a final remit later.")),
    Rule("patient-liable", "Under group PR the payer assigns the amount to the patient "
         "(non-covered, benefit limit, ABN): it is the patient's bill, not the practice's "
         "denial. Only coverage problems under PR stay workable.",
         lambda case, info: case.group == "PR" and info.category not in _PATIENT_WORKABLE,
         _not_a_denial(C.PATIENT_RESPONSIBILITY, "Bill the patient (or their secondary plan); "
                       "no appeal. Where the rules require one, make sure a signed ABN or "
                       "waiver is on file.", Route.BILL_PATIENT)),
    Rule("reduction-on-paid-service", "This CARC reduces a payment by rule (e.g. multiple "
         "procedures); on a service that was paid it is a reduction, not a denial.",
         lambda case, info: info.is_denial == "depends" and not case.service_paid_zero
         and case.claim_status != _CLAIM_DENIED,
         _not_a_denial(None, "Check the reduction against your contract; dispute it only if "
                       "it was misapplied.")),
    # 2. Denials whose remark codes decide the answer.
    Rule("unprocessable-claim", "Remark MA130: the claim could not be processed and has no "
         "appeal rights; it must be corrected and sent again.",
         all_of(carc_in(*REMARK_DECIDES), remark_in("MA130")), _unprocessable),
    Rule("missing-rendering-provider", "Remark N290: the rendering provider's identifier "
         "(NPI) is missing or invalid.", all_of(carc_in(*REMARK_DECIDES), remark_in("N290")),
         _by_remark),
    Rule("remark-says-why", "The CARC only says \"see the remark code\"; the remark code "
         "names the problem.",
         lambda case, info: case.carc in REMARK_DECIDES and _remark_hint(case) is not None,
         _by_remark),
    # 3. Denials with a well-known next step.
    Rule("modifier-error", "CARC 4 with remark N822/N823, or CARC 182: the modifier is wrong, "
         "missing or not valid on the date — a coding error, not bundling.",
         lambda case, info: case.carc == "182" or (
             case.carc == "4" and any(r in ("N822", "N823") for r in case.rarcs)),
         Outcome(category=C.CODING, route=Route.RESUBMIT,
                 action="Fix the modifier (wrong, missing or not valid on the date of service) "
                 "and send a corrected claim — a coding error, not bundling.")),
    Rule("timely-filing", "CARC 29: filed after the payer's limit; only proof of timely "
         "filing overturns it.", carc_in("29"),
         Outcome(action="Appeal only with proof that the claim reached the payer within its "
                 "filing limit (clearinghouse acceptance report, payer acknowledgement); "
                 "without proof write it off. Medicare: not appealable — ask for a reopening "
                 "only for an administrative error.")),
    Rule("wrong-payer", "CARC 22/109: another payer is responsible (other coverage primary, "
         "or not this payer's patient or contractor).", carc_in("22", "109"),
         Outcome(route=Route.BILL_OTHER_PAYER,
                 action="Verify the patient's coverage and bill the right payer (for other "
                 "coverage: the primary first, then this payer with the primary's remit). "
                 "Watch that payer's filing limit.")),
    Rule("no-authorization", "CARC 197: the prior authorization, precertification or "
         "notification was not obtained.", carc_in("197"),
         Outcome(action="Check for an authorization on file: if there is one, add its number "
                 "and resubmit; if not, request a retro-authorization and appeal with notes "
                 "showing why it could not be obtained in advance.")),
    Rule("medical-necessity", "CARC 50: the payer judged the service not medically "
         "necessary; it is overturned with clinical evidence.", carc_in("50"),
         Outcome(action="Appeal with the medical records and a letter of medical necessity "
                 "that cites the payer's policy (LCD/NCD or medical policy) criteria.")),
    Rule("duplicate-claim", "CARC 18: an exact duplicate of a claim already submitted.",
         carc_in("18"), Outcome()),
    Rule("records-requested", "The payer needs records or an attachment to decide.",
         carc_in("252", "226", "163", "164", "250", "251", "B12"), Outcome()),
    # 4. Everything else: the code's own mapping and its category's playbook.
    Rule("code-mapping", "Decided by the CARC's category in DenialDesk's code list.",
         lambda case, info: True, Outcome()),
)  # fmt: skip


def classify(case: Case, codebook: CodeBook = BUILT_IN) -> Decision:
    """The decision for one adjustment: first matching rule, then the practice's overrides."""
    case = _normalised(case)
    info = codebook.carc_info(case.carc)
    rule = next(r for r in RULES if r.when(case, info))
    outcome = rule.then(case, info) if callable(rule.then) else rule.then
    decision = _decide(case, info, rule, outcome, codebook)
    if rule.name in ("reversal", "correction-group", "nothing-taken"):
        return decision  # facts of the remit, not a code mapping: no override applies
    return _with_overrides(decision, case, codebook)


def _normalised(case: Case) -> Case:
    return replace(
        case,
        group=normalise_group(case.group),
        carc=normalise_code(case.carc),
        rarcs=tuple(normalise_code(r) for r in case.rarcs),
    )


def _decide(case, info, rule: Rule, outcome: Outcome, codebook: CodeBook) -> Decision:
    code_category = Category(info.category) if info else C.OTHER
    category = outcome.category or code_category
    playbook = PLAYBOOKS[category]
    kind, stage, nature = playbook.type, playbook.stage, playbook.nature
    if info is not None and category == code_category and info.type != "n/a":
        kind, stage, nature = DenialType(info.type), Stage(info.stage), Nature(info.nature)
    if not outcome.is_denial:
        kind = stage = nature = None
    return Decision(
        carc=case.carc,
        group=case.group,
        rarcs=case.rarcs,
        description=describe(case, codebook),
        category=category,
        is_denial=outcome.is_denial,
        type=kind,
        stage=stage,
        nature=nature,
        route=outcome.route or _route(playbook.route, kind, outcome.is_denial),
        action=outcome.action or playbook.action,
        checklist=(outcome.checklist or playbook.checklist) if outcome.is_denial else (),
        rule=rule.name,
        why=rule.why,
        known=info is not None,
        deactivated=bool(info and info.deactivated),
    )


def _route(usual: Route, kind: DenialType | None, denial: bool) -> Route:
    """The category's usual step, bent by the code's type: soft is fixed, hard is appealed."""
    if not denial:
        return Route.NONE
    if kind is DenialType.SOFT and usual is Route.APPEAL:
        return Route.RESUBMIT
    if kind is DenialType.HARD and usual is Route.RESUBMIT:
        return Route.APPEAL
    return usual


def describe(case: Case, codebook: CodeBook = BUILT_IN) -> str:
    """The CARC's description, then each remark code's, in plain words."""
    text = f"{case.group}-{case.carc}: {codebook.carc_description(case.carc, case.group)}"
    remarks = [f"{r}: {codebook.rarc_description(r)}" for r in case.rarcs]
    return " — ".join([text, *remarks])


def _with_overrides(decision: Decision, case: Case, codebook: CodeBook) -> Decision:
    """Lay the practice's Codes-sheet rows over the decision: remark rows, then the CARC's."""
    layers = [codebook.override(RARC_TYPE, r) for r in case.rarcs]
    layers.append(codebook.override(CARC_TYPE, case.carc, case.group))
    for override in layers:
        if override is not None and override.changes_mapping:
            decision = _overlay(decision, override)
    return decision


def _overlay(decision: Decision, override: CodeOverride) -> Decision:
    if override.category and override.category != decision.category:
        decision = recategorised(decision, override.category, decision.rule, decision.why)
    changes = {
        name: getattr(override, name)
        for name in ("is_denial", "type", "stage", "nature", "action")
        if getattr(override, name) not in (None, "")
    }
    if override.checklist:
        changes["checklist"] = tuple(i.strip() for i in override.checklist.split(";") if i.strip())
    if changes.get("is_denial") is False:
        changes.update(type=None, stage=None, nature=None, route=Route.NONE, checklist=())
    where = override.code if not override.group else f"{override.group}-{override.code}"
    return replace(
        decision,
        **changes,
        rule=f"codes-sheet {override.code_type} {where}",
        why=f"The practice's Codes sheet row for {override.code_type} {where} overrides "
        f"DenialDesk's rule '{decision.rule}'.",
    )


NEVER_DENIALS = (C.PATIENT_RESPONSIBILITY, C.CONTRACTUAL)


def recategorised(decision: Decision, category: Category, rule: str, why: str) -> Decision:
    """The decision moved to another category, with that category's playbook.

    Moving a denial to patient_responsibility or contractual says it is not one (it leaves
    the queue): the patient's bill, or a write-off.
    """
    playbook = PLAYBOOKS[category]
    denial = decision.is_denial and category not in NEVER_DENIALS
    return replace(
        decision,
        category=category,
        type=playbook.type if denial else None,
        stage=playbook.stage if denial else None,
        nature=playbook.nature if denial else None,
        is_denial=denial,
        route=playbook.route if denial or category in NEVER_DENIALS else decision.route,
        action=playbook.action,
        checklist=playbook.checklist if denial else (),
        rule=rule,
        why=why,
    )


class DenialTest:
    """Whether an adjustment is money the practice can still win back, not a normal write-off.

    The same rule table as `classify`, with the practice's Codes sheet laid over DenialDesk's
    code knowledge (so a practice can turn a code into a denial, or out of one). Remark codes
    never change this answer, only the category and action. Answers are cached per code.
    """

    def __init__(self, codebook: CodeBook = BUILT_IN):
        self._codebook = codebook
        self._answers: dict[tuple[str, str, str, bool, str], bool] = {}

    def __call__(
        self,
        group: str,
        carc: str,
        amount: Decimal | None,
        *,
        claim_status: str,
        service_paid_zero: bool,
        plan: str = "",
    ) -> bool:
        if amount is None or amount <= 0:
            return False
        key = (group, carc, claim_status, service_paid_zero, plan)
        answer = self._answers.get(key)
        if answer is None:
            case = Case(group, carc, (), claim_status, None, service_paid_zero, plan)
            answer = self._answers[key] = classify(case, self._codebook).is_denial
        return answer


is_denial = DenialTest()  # DenialDesk's own knowledge, without a practice's Codes sheet
