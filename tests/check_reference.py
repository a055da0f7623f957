"""The slow, row-by-row reading of the tracker's history that `check.tracker.tracker_history`
replaced: each Claims row rebuilt as the claim that was sent and the answer that came back.
Kept here as the reference the fast column-wise reading is tested against (test_check_cli)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from addin.adjudication import Adjudication, DenialFact
from addin.check.tracker import _text
from addin.remit.outgoing_models import PROFESSIONAL, SubmittedClaim
from addin.submissions import decode_lines, submissions_of
from addin.workbook.layout import Col


def submitted_claim(row: dict) -> SubmittedClaim | None:
    """A Claims row with submitted lines back as the claim that was sent (latest content)."""
    service_date = row.get(Col.SERVICE_DATE)
    pos = _text(row.get(Col.PLACE_OF_SERVICE))
    lines = decode_lines(row.get(Col.SUBMITTED_LINES), service_date, pos)
    if not lines:
        return None
    subs = submissions_of(row)
    last, _, first = _text(row.get(Col.PATIENT)).partition(", ")
    member = _text(row.get(Col.MEMBER_ID))
    return SubmittedClaim(
        kind=_text(row.get(Col.CLAIM_TYPE)) or PROFESSIONAL,
        guide="",
        group_control=subs[-1].group if subs else "",
        transaction_control=subs[-1].transaction if subs else "",
        number=0,
        claim_id=_text(row.get(Col.CLAIM_ID)),
        charge=row.get(Col.BILLED),
        submitted_on=row.get(Col.SUBMITTED_ON),
        payer_name=_text(row.get(Col.PAYER)),
        payer_id=_text(row.get(Col.PAYER_ID)),
        member_id=member,
        patient_last="" if member else last,
        patient_first="" if member else first,
        billing_npi=_text(row.get(Col.BILLING_NPI)),
        rendering_npi=_text(row.get(Col.RENDERING_NPI)),
        place_of_service=pos,
        prior_auth=_text(row.get(Col.PRIOR_AUTH)),
        referral=_text(row.get(Col.REFERRAL)),
        diagnoses=tuple(d for d in _text(row.get(Col.DIAGNOSES)).split(", ") if d),
        statement_from=service_date,
        lines=lines,
    )


def _fact(row: dict) -> DenialFact:
    return DenialFact(
        denial_id=_text(row.get(Col.DENIAL_ID)),
        level=_text(row.get(Col.LEVEL)),
        line=row.get(Col.LINE),
        line_ident="",
        procedure=_text(row.get(Col.PROCEDURE)),
        service_date=row.get(Col.SERVICE_DATE),
        billed=row.get(Col.BILLED),
        paid=row.get(Col.PAID),
        amount=row.get(Col.DENIED_AMOUNT) or Decimal(0),
        group=_text(row.get(Col.GROUP)),
        carc=_text(row.get(Col.CARC)),
        rarc=_text(row.get(Col.RARC)),
    )


def first_answer(row: dict, denials: list[dict]) -> Adjudication | None:
    """The payer's first answer to a claim: its first remit and the denials dated that day."""
    on = row.get(Col.FIRST_REMIT_DATE)
    if on is None:
        return None
    first = tuple(_fact(d) for d in denials if d.get(Col.REMIT_DATE) == on)
    return Adjudication(
        claim_key=_text(row.get(Col.CLAIM_KEY)),
        claim_id=_text(row.get(Col.CLAIM_ID)),
        payer=_text(row.get(Col.PAYER)),
        payer_id=_text(row.get(Col.PAYER_ID)),
        payer_claim_number=_text(row.get(Col.PAYER_CLAIM_NUMBER)),
        patient=_text(row.get(Col.PATIENT)),
        member_id=_text(row.get(Col.MEMBER_ID)),
        service_date=row.get(Col.SERVICE_DATE),
        status="",
        charge=row.get(Col.BILLED),
        paid=row.get(Col.FIRST_PAID),
        patient_responsibility=None,
        payment_date=on,
        check_number="",
        source_file=_text(row.get(Col.SOURCE_FILE)),
        findings="",
        denials=first,
        line_paid=(),
    )


def tracker_pairs(
    claims: list[dict], denials: list[dict]
) -> list[tuple[SubmittedClaim, Adjudication | None]]:
    """Each claim the tracker saw submitted, with the payer's first answer (None: none yet)."""
    by_claim: dict[str, list[dict]] = defaultdict(list)
    for row in denials:
        by_claim[_text(row.get(Col.CLAIM_KEY))].append(row)
    pairs = []
    for row in claims:
        sent = submitted_claim(row)
        if sent is not None:
            pairs.append((sent, first_answer(row, by_claim[_text(row.get(Col.CLAIM_KEY))])))
    return pairs
