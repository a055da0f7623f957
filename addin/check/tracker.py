"""The tracker's own Claims and Denials rows as check history: each submitted claim and the
payer's first answer to it (rows of claims never submitted through DenialDesk are skipped).

`tracker_history` reads only the columns the check learns from, straight into PastLines and
PastClaims (tests/check_reference.py keeps the slower row-by-row reading it must agree with)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache

import pandas as pd

from addin.adjudication import claim_key
from addin.check.history import RENDERING_NPI_REMARK, PastClaim, PastLine, is_authorization
from addin.submissions import line_codes
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
