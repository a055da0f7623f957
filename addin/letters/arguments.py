"""What a letter argues, fitted to the codes received: facts from DenialDesk's data, and
[[fields]] a person completes for everything else (pure).

A letter is a statement under the practice's name. So no sentence here states a clinical or
administrative fact DenialDesk does not hold: the codes, services, dates and amounts come from
the remit; what the records show is a field, worded as what the enclosed records document.
Sources: ../shared/domain/letters.md (types B1–B10), CARC/RARC texts (X12), NCCI PTP edits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

OPEN = "[[{}]]"  # how a field a person completes appears in a letter (highlighted)

# Codes whose meaning decides the argument, beyond the category.
FREQUENCY_RARCS = frozenset({"N640", "N362", "N435", "M86"})  # number/frequency in a period
FREQUENCY_CARCS = frozenset({"151", "119", "273"})  # frequency / benefit maximum / coverage span
MODIFIER_CARCS = frozenset({"4"})  # procedure code inconsistent with the modifier
MODIFIER_RARCS = frozenset({"N519", "N822", "N823", "M114"})  # invalid/missing modifier
DIAGNOSIS_CARCS = frozenset({"11", "146", "167", "181", "182"})
COVERAGE_POLICY_RARCS = {"N386": "NCD", "N115": "LCD"}


@dataclass(frozen=True, slots=True)
class Codes:
    """The codes of one letter's lines, and the words it may use for them."""

    carcs: frozenset[str]
    rarcs: frozenset[str]
    received: str  # "CO-50 (N115)" as the remit gave them
    services: str  # "97110-GP and 97140-GP"


@dataclass(frozen=True, slots=True)
class Plan:
    """What the plan changes in the argument."""

    original_medicare: bool = False
    medicare_advantage: bool = False


def field(text: str) -> str:
    """A marked field for a person: `[[text]]`."""
    return OPEN.format(text)


def is_frequency(codes: Codes) -> bool:
    """Frequency/number of services (CARC 151, RARC N640 …): not a finding of necessity."""
    return bool(codes.rarcs & FREQUENCY_RARCS or codes.carcs & FREQUENCY_CARCS)


def is_modifier(codes: Codes) -> bool:
    return bool(codes.carcs & MODIFIER_CARCS or codes.rarcs & MODIFIER_RARCS)


def coverage_policy(rarcs: Iterable[str], plan: Plan) -> str:
    """The policy a necessity denial rests on, as the remit's remarks name it."""
    found = set(rarcs)
    if "N386" in found:
        return "the National Coverage Determination (NCD) the remittance cites"
    if "N115" in found:
        return "the Local Coverage Determination (LCD) the remittance cites"
    if plan.original_medicare:
        return "the Medicare coverage policy (NCD or LCD) that applies"
    return "the payer's medical policy"


def _necessity(codes: Codes, plan: Plan) -> list[str]:
    if is_frequency(codes):
        return [
            f"The remittance denied {codes.services} for the number or frequency of services "
            f"within a period ({codes.received}). This letter addresses that limit.",
            "The enclosed records document why the services were needed: "
            + field(
                "each service in the period with its date, the progress measures that show why "
                "more were needed, and the page of the record for each"
            ),
            field(
                "If the NCD or LCD that applies allows more services when documented (e.g. "
                "with the KX modifier), name it here; otherwise delete this paragraph"
                if plan.original_medicare
                else "If the plan allows more services with documentation or a prior request, "
                "name that provision here; otherwise delete this paragraph"
            ),
        ]
    policy = coverage_policy(codes.rarcs, plan)
    return [
        f"The remittance denied {codes.services} as not medically necessary ({codes.received}).",
        "The enclosed records document the patient's condition and the reason for the "
        "service: "
        + field(
            "diagnosis and severity, relevant history, treatment tried or ruled out, and why "
            "this service was needed at this level and time, with the page of the record for "
            "each"
        ),
        f"The criteria of {policy}, and where the enclosed records document each: "
        + field("each criterion and the page of the record that documents it"),
    ]


def _authorization(codes: Codes, plan: Plan) -> list[str]:
    opening = (
        f"The remittance denied {codes.services} for a missing or mismatched authorization "
        f"or referral ({codes.received})."
    )
    if plan.original_medicare:
        return [
            opening,
            field(
                "The prior authorization unique tracking number (UTN) and the dates and "
                "services its decision letter covers, as the enclosed decision shows"
            ),
        ]
    return [
        opening,
        field(
            "The authorization or referral number, the services and dates it covers, and how "
            "it was obtained (portal record, approval letter, or call reference with date and "
            "representative) — or, if none was obtained, what the enclosed records show about "
            "why (emergency, the payer's response that none was required, coverage unknown at "
            "the time of service)"
        ),
    ]


def _coding(codes: Codes, plan: Plan) -> list[str]:
    if is_modifier(codes):
        return [
            f"The remittance denied {codes.services} for the modifier reported ({codes.received}).",
            "The enclosed documentation supports the modifier billed: "
            + field(
                "the modifier, its definition, and the documented element it reports "
                "(separately identifiable problem, laterality, distinct session or site), with "
                "the page of the record. If the modifier was wrong, send a corrected claim "
                "instead of this letter"
            ),
        ]
    return [
        f"The remittance denied {codes.services} as inconsistent with the codes reported "
        f"({codes.received}).",
        "The enclosed documentation supports the codes billed: "
        + field(
            "the procedure and diagnosis codes billed, the code descriptor or guideline "
            "relied on, and the page of the record that documents each element. If a code "
            "was wrong, send a corrected claim instead of this letter"
        ),
    ]


def _bundling(codes: Codes, plan: Plan) -> list[str]:
    paragraphs = [
        f"The remittance denied {codes.services} as included in another service "
        f"({codes.received}).",
        field(
            "If an NCCI procedure-to-procedure edit applies: its column 1 / column 2 codes and "
            "modifier indicator, as the NCCI table in effect on the date of service shows — "
            "otherwise delete this sentence"
        ),
        "The enclosed procedure notes document the service as distinct: "
        + field(
            "what the record shows: a separate encounter, site or structure, practitioner, "
            "or a significant, separately identifiable problem for an E/M service (modifier "
            "25), with the page of the record"
        ),
    ]
    if not plan.original_medicare:
        paragraphs.append(
            "If this decision rests on the payer's own edit rather than an NCCI edit, please "
            "send us the reimbursement policy it relies on."
        )
    return paragraphs


def _timely_filing(codes: Codes, plan: Plan) -> list[str]:
    return [
        f"The remittance denied the claim as filed after the filing limit ({codes.received}).",
        "The enclosed acceptance report shows when the payer received the claim: "
        + field(
            "date the claim was first submitted, date the payer or clearinghouse accepted it "
            "(999/277CA or the payer's acknowledgment), and its reference number"
        ),
    ]


def _duplicate(codes: Codes, plan: Plan) -> list[str]:
    return [
        f"The remittance denied {codes.services} as a duplicate ({codes.received}).",
        field(
            "The earlier claim this one was taken to repeat, and what the enclosed records "
            "show makes this service distinct (separate session or time, another site, a "
            "repeat procedure reported with modifier 76, 77 or 91)"
        ),
    ]


def _eligibility(codes: Codes, plan: Plan) -> list[str]:
    return [
        f"The remittance denied the claim for coverage or coordination of benefits "
        f"({codes.received}).",
        field(
            "What the enclosed record shows: the eligibility response (270/271 trace number "
            "and date) with coverage on the date of service, or the primary payer's remittance "
            "(date and decision), or the other coverage's end date"
        ),
    ]


def _documentation(codes: Codes, plan: Plan) -> list[str]:
    return [
        f"The remittance denied {codes.services} pending documentation ({codes.received}).",
        "The documents listed under Enclosures are sent with this letter for the review of "
        "the services above.",
    ]


def _non_covered(codes: Codes, plan: Plan) -> list[str]:
    opening = f"The remittance denied {codes.services} as not covered ({codes.received})."
    if plan.original_medicare:
        provision = field(
            "the Medicare benefit category, NCD or LCD that covers the service, and what the "
            "enclosed records show meets it — if Medicare does not cover it, do not send this "
            "letter"
        )
    else:
        provision = field(
            "the plan provision that covers the service (document, section and page), or "
            "for a benefit limit the services counted in the period — if the plan does not "
            "cover it, do not send this letter"
        )
    return [opening, "The coverage that applies: " + provision]


def _enrollment(codes: Codes, plan: Plan) -> list[str]:
    return [
        f"The remittance denied the claim for the rendering provider's enrollment, "
        f"credentialing or network status ({codes.received}).",
        field(
            "The provider's enrollment or credentialing effective date, as the enclosed "
            "approval letter shows, and the request to apply it to this claim"
        ),
    ]


def _other(codes: Codes, plan: Plan) -> list[str]:
    return [
        f"The remittance denied {codes.services} ({codes.received}).",
        field(
            "Why the decision is wrong, point by point against each code above, citing the "
            "enclosed pages"
        ),
    ]


_BY_CATEGORY = {
    "medical_necessity": _necessity,
    "authorization": _authorization,
    "coding": _coding,
    "bundling": _bundling,
    "timely_filing": _timely_filing,
    "duplicate": _duplicate,
    "eligibility": _eligibility,
    "coordination_of_benefits": _eligibility,
    "documentation": _documentation,
    "non_covered": _non_covered,
    "provider_enrollment": _enrollment,
}
# Categories whose argument is clinical: the treating clinician attests it.
CLINICAL_CATEGORIES = frozenset({"medical_necessity"})


def argument(category: str, codes: Codes, plan: Plan) -> list[str]:
    """The argument paragraphs for a category and the codes received."""
    if category == "medical_necessity" or codes.carcs & {"50", "151", "150", "152"}:
        category = "medical_necessity" if category in ("", "other") else category
    return _BY_CATEGORY.get(category, _other)(codes, plan)


def reopening_argument(category: str, codes: Codes, plan: Plan) -> list[str]:
    """A reopening asks to correct a clerical error: what was wrong and what is right. Original
    Medicare's timely-filing denial is no initial determination (no appeal): only an exception
    of 42 CFR 424.44(b) reopens it."""
    if category == "timely_filing" and plan.original_medicare:
        return [
            f"The remittance denied the claim as filed after the time limit ({codes.received}"
            "). We ask you to reopen it under the exception of 42 CFR 424.44(b) that applies:",
            field(
                "the exception (an administrative error of Medicare or its contractor, "
                "retroactive Medicare entitlement, or retroactive disenrollment from a Medicare "
                "Advantage plan) and the enclosed evidence of it — if none applies, do not send "
                "this letter"
            ),
        ]
    return [
        f"The remittance denied {codes.services} ({codes.received}). The claim carried a "
        "clerical error, which we ask you to correct:",
        field(
            "the item that was wrong (code, modifier, units, date, diagnosis pointer, "
            "provider number), what it said, and what it should say, as the enclosed records "
            "show"
        ),
    ]


def requests(category: str, codes: Codes, plan: Plan) -> list[str]:
    """What the letter asks for besides payment (Original Medicare: no peer-to-peer, no plan
    document — a MAC offers neither)."""
    asks = []
    clinical = category in CLINICAL_CATEGORIES and not is_frequency(codes)
    if clinical and not plan.original_medicare:
        asks.append(
            "We request a peer-to-peer review with a reviewer of the same or a similar specialty."
        )
    if not plan.original_medicare:
        asks.append(
            "Please send us a copy of the policy, criteria or edit this decision relied on, so "
            "that we can answer it in full if needed."
        )
    return asks


def good_cause(deadline_text: str, plan: Plan) -> str:
    """The paragraph of a request made after its deadline (42 CFR 405.942(b) for Medicare)."""
    if plan.original_medicare:
        return (
            f"This request is made after the time limit for a redetermination ({deadline_text}"
            "). Under 42 CFR 405.942(b) we ask the contractor to find good cause for the late "
            "filing: "
            + field(
                "the circumstances that kept the request from being filed on time, with dates, "
                "and the enclosed evidence of them"
            )
        )
    return (
        f"This request is made after the payer's deadline ({deadline_text}). We ask the payer "
        "to accept it for good cause: "
        + field(
            "the circumstances that kept the request from being sent on time, with dates, and "
            "the enclosed evidence of them"
        )
    )
