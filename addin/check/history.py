"""What a tracker's past says, reduced to the facts the pre-submission check learns from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from addin import codes
from addin.adjudication import Adjudication, claim_key
from addin.remit.outgoing_models import SubmittedClaim, SubmittedLine

AUTHORIZATION_CARCS_CATEGORY = codes.Category.AUTHORIZATION
RENDERING_NPI_REMARK = "N290"  # Missing/incomplete/invalid rendering provider primary identifier


@dataclass(frozen=True, slots=True)
class PastLine:
    """One service line a payer answered: what was billed and whether it was denied."""

    payer: str  # payer key (835 N1*PR id, else name), as claim keys use it
    payer_name: str
    procedure: str
    modifiers: tuple[str, ...]
    place_of_service: str
    diagnosis: str  # the line's first-pointed ICD-10 code ("" when unknown)
    denied: bool
    reason: str = ""  # e.g. "CO-4 + N823" (its first denial's group-CARC and remarks)
    authorization: bool = False  # denied for prior authorization (CARC category)
    has_auth: bool = False  # the claim carried a prior-auth number
    on: date | None = None  # when the payer answered (else the service date)


@dataclass(frozen=True, slots=True)
class PastClaim:
    """One claim already sent or answered: for duplicates, member-id shapes and N290."""

    payer: str
    patient: str  # the claim key's patient ident (member id, else LAST|FIRST)
    member_id: str
    claim_id: str
    service_date: date | None
    procedures: tuple[str, ...]
    rendering_missing_remark: bool = False  # the payer said N290 on this claim


def diagnosis_family(code: str) -> str:
    """An ICD-10-CM category (the first three characters): M54.50 and M54.16 are both M54."""
    return code.replace(".", "").upper()[:3]


def _line_denials(item: Adjudication, line: SubmittedLine, index: int) -> list:
    """The denials of a remit that fall on this submitted line (claim-level ones fall on all)."""
    found = []
    for fact in item.denials:
        if fact.level == "claim":
            found.append(fact)
        elif fact.procedure.split("-")[0] == line.procedure and (
            fact.service_date in (None, line.service_date) or fact.line == index + 1
        ):
            found.append(fact)
    return found


def _reason(facts: list) -> str:
    if not facts:
        return ""
    fact = facts[0]
    text = f"{fact.group}-{fact.carc}"
    return text + (f" + {fact.rarc}" if fact.rarc else "")


def lines_from(submitted: SubmittedClaim, item: Adjudication) -> list[PastLine]:
    """Pair a submitted claim with the payer's first answer to it: one PastLine per line."""
    out = []
    for index, line in enumerate(submitted.lines):
        facts = _line_denials(item, line, index)
        pointer = line.diagnosis_pointers[0] if line.diagnosis_pointers else 1
        out.append(
            PastLine(
                payer=submitted.payer_key,
                payer_name=submitted.payer_name or item.payer,
                procedure=line.procedure,
                modifiers=tuple(sorted(line.modifiers)),
                place_of_service=line.place_of_service or submitted.place_of_service,
                diagnosis=submitted.diagnosis(pointer),
                denied=bool(facts),
                reason=_reason(facts),
                authorization=any(is_authorization(f.carc) for f in facts),
                has_auth=bool(submitted.prior_auth or line.prior_auth),
                on=item.payment_date or line.service_date,
            )
        )
    return out


def is_authorization(carc: str) -> bool:
    """Whether a CARC says prior authorization was missing or wrong (CO-197, CO-15, …)."""
    found = codes.carc_table().get(codes.normalise_code(carc))
    return found is not None and found.category == AUTHORIZATION_CARCS_CATEGORY


def past_claim(submitted: SubmittedClaim, item: Adjudication | None) -> PastClaim:
    remarks = {f.rarc for f in item.denials} if item is not None else set()
    return PastClaim(
        payer=submitted.payer_key,
        patient=submitted.patient_ident,
        member_id=submitted.member_id,
        claim_id=submitted.claim_id,
        service_date=submitted.first_service_date,
        procedures=tuple(line.procedure for line in submitted.lines),
        rendering_missing_remark=any(RENDERING_NPI_REMARK in r.split() for r in remarks if r),
    )


def history_from(
    pairs: Iterable[tuple[SubmittedClaim, Adjudication | None]],
) -> tuple[list[PastLine], list[PastClaim]]:
    """Learnable history from submitted claims and each one's first payer answer (or None)."""
    lines: list[PastLine] = []
    claims: list[PastClaim] = []
    for submitted, item in pairs:
        claims.append(past_claim(submitted, item))
        if item is not None:
            lines.extend(lines_from(submitted, item))
    return lines, claims


def submitted_key(claim: SubmittedClaim) -> str:
    """The claim key the 835 side gives the same claim (payer + CLM01/CLP01 + patient)."""
    return claim_key(claim.payer_key, claim.claim_id, claim.patient_ident)


def paired(
    submitted: Iterable[SubmittedClaim], answered: Iterable[Adjudication]
) -> list[tuple[SubmittedClaim, Adjudication | None]]:
    """Each submitted claim with the payer's first answer to it (None while unanswered)."""
    first: dict[str, Adjudication] = {}
    for item in answered:
        if item.is_reversal:
            continue
        known = first.get(item.claim_key)
        if known is None or (item.payment_date or date.max) < (known.payment_date or date.max):
            first[item.claim_key] = item
    return [(claim, first.get(submitted_key(claim))) for claim in submitted]
