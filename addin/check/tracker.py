"""The tracker's own Claims and Denials rows as check history: each submitted claim and the
payer's first answer to it (rows of claims never submitted through DenialDesk are skipped).

`tracker_history` reads only the columns the check learns from, straight into PastLines and
PastClaims; `tracker_pairs` rebuilds each row as the claim sent and the answer received (the
slower, record-by-record reading that `tracker_history` must agree with)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from addin.adjudication import Adjudication, DenialFact, claim_key
from addin.check.history import RENDERING_NPI_REMARK, PastClaim, PastLine, is_authorization
from addin.remit.outgoing_models import PROFESSIONAL, SubmittedClaim
from addin.submissions import decode_lines, line_codes, submissions_of
from addin.workbook import frames
from addin.workbook.layout import Col

# The columns `tracker_history` reads (read_table(spec, columns) spares typing the others).
CLAIM_COLUMNS = (
    Col.CLAIM_KEY,
    Col.CLAIM_ID,
    Col.PAYER,
    Col.PAYER_ID,
    Col.PATIENT,
    Col.MEMBER_ID,
    Col.SERVICE_DATE,
    Col.FIRST_REMIT_DATE,
    Col.SUBMITTED_LINES,
    Col.DIAGNOSES,
    Col.PLACE_OF_SERVICE,
    Col.PRIOR_AUTH,
)
DENIAL_COLUMNS = (
    Col.CLAIM_KEY,
    Col.REMIT_DATE,
    Col.LEVEL,
    Col.LINE,
    Col.PROCEDURE,
    Col.SERVICE_DATE,
    Col.GROUP,
    Col.CARC,
    Col.RARC,
)


def _text(value: object) -> str:
    return "" if value is None else str(value)


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


# -- the fast reading: columns straight to what the check learns ----------------------------

# One denial as the check needs it: remit date, level, line, procedure code, service date,
# and its reason ("CO-4 + N823"), remark codes and whether it is an authorization denial.
_Denial = tuple


def _denials_by_claim(denials: pd.DataFrame) -> dict[str, list[_Denial]]:
    """Each claim key's Denials rows, in table order."""
    by_claim: dict[str, list[_Denial]] = defaultdict(list)
    if not len(denials):
        return by_claim
    columns = [frames.column(denials, name) for name in DENIAL_COLUMNS]
    for key, on, level, line, procedure, day, group, carc, rarc in zip(*columns, strict=True):
        group, carc, rarc = _text(group), _text(carc), _text(rarc)
        reason = f"{group}-{carc}" + (f" + {rarc}" if rarc else "")
        by_claim[_text(key)].append(
            (on, _text(level), line, _text(procedure).split("-")[0], day, reason, rarc,
             _is_authorization(carc))
        )  # fmt: skip
    return by_claim


@lru_cache(maxsize=4096)
def _is_authorization(carc: str) -> bool:
    return is_authorization(carc)


def _codes(text: object) -> tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...]:
    return tuple(
        found for found in map(line_codes, str(text or "").split("; ")) if found is not None
    )


def tracker_history(
    claims: pd.DataFrame, denials: pd.DataFrame, skip: Collection[str] = ()
) -> tuple[list[PastLine], list[PastClaim]]:
    """What `history_from(tracker_pairs(…))` learns from the same rows, read column by column
    (CLAIM_COLUMNS, DENIAL_COLUMNS); claims whose key (payer + CLM01 + patient) is in `skip`
    are left out (the --history files bring them)."""
    answers = _denials_by_claim(denials)
    lines: list[PastLine] = []
    past: list[PastClaim] = []
    if not len(claims):
        return lines, past
    columns = [frames.column(claims, name) for name in CLAIM_COLUMNS]
    for key, claim_id, payer, payer_id, patient, member, day, on, *rest in zip(
        *columns, strict=True
    ):
        codes = _codes(rest[0])
        if not codes:
            continue
        payer, member, claim_id = _text(payer), _text(member), _text(claim_id)
        payer_key = _text(payer_id) or payer.upper()
        if member:
            ident = member
        else:
            last, _, first = _text(patient).partition(", ")
            ident = f"{last}|{first}"
        if skip and claim_key(payer_key, claim_id, ident) in skip:
            continue
        found = () if on is None else [d for d in answers.get(_text(key), ()) if d[0] == on]
        remarks = {d[6] for d in found}
        past.append(
            PastClaim(
                payer_key,
                ident,
                member,
                claim_id,
                day,
                tuple(code[0] for code in codes),
                any(RENDERING_NPI_REMARK in r.split() for r in remarks if r),
            )
        )
        if on is not None:
            lines.extend(_past_lines(payer_key, payer, day, on, codes, found, rest[1:]))
    return lines, past


def _past_lines(payer_key, payer, day, on, codes, found, rest) -> list[PastLine]:
    """One PastLine per submitted line, with the denials of the first answer that fall on it
    (claim-level ones fall on all), as `history.lines_from` pairs them."""
    diagnoses = tuple(d for d in _text(rest[0]).split(", ") if d)
    pos, has_auth = _text(rest[1]), bool(_text(rest[2]))
    out = []
    for index, (procedure, modifiers, pointers) in enumerate(codes):
        facts = found and [
            d
            for d in found
            if d[1] == "claim"
            or (d[3] == procedure and (d[4] is None or d[4] == day or d[2] == index + 1))
        ]
        pointer = pointers[0] if pointers else 1
        out.append(
            PastLine(
                payer_key,
                payer,
                procedure,
                tuple(sorted(modifiers)),
                pos,
                diagnoses[pointer - 1] if 0 < pointer <= len(diagnoses) else "",
                bool(facts),
                facts[0][5] if facts else "",
                bool(facts) and any(d[7] for d in facts),
                has_auth,
                on,
            )
        )
    return out
