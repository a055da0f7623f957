"""Upgrade a tracker's claim keys and denial ids from the older 40-bit form to 64 bits, once.

A key is only rewritten when the row's own facts reproduce its old key exactly (payer id,
claim id and member id or name for a claim; the claim, the service line, group and CARC for a
denial), so the new key is the one a later import computes. Denials keep every column people
own; Claims ↔ Denials links and the Work Queue's Denial IDs follow the rewrite. A row whose
old key cannot be reproduced keeps it; the import matches it later by its facts (posting).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from addin.actions import audit
from addin.adjudication import (
    claim_key,
    denial_id,
    is_legacy_key,
    legacy_claim_key,
    legacy_denial_id,
)
from addin.errors import WorkbookLayoutError
from addin.posting import decode_line_payments
from addin.workbook.base import Book
from addin.workbook.layout import CLAIMS, DENIALS, WORK_QUEUE, Col

_LINE_NUMBERS_TRIED = 30


@dataclass(slots=True)
class KeyUpgrade:
    """Old keys rewritten (old → new), and how many could not be reproduced."""

    claims: dict[str, str] = field(default_factory=dict)
    denials: dict[str, str] = field(default_factory=dict)
    kept_claims: int = 0
    kept_denials: int = 0

    def summary(self) -> str:
        text = (
            f"{len(self.claims)} claim key(s) and {len(self.denials)} denial id(s) upgraded "
            "from 40 to 64 bits"
        )
        kept = self.kept_claims + self.kept_denials
        if kept:
            text += f" ({kept} kept as they were: the next import of their remits upgrades them)"
        return text


def legacy_key_count(claims: pd.DataFrame, denials: pd.DataFrame) -> int:
    """How many claim keys and denial ids are still in the older 40-bit form."""
    found = sum(map(is_legacy_key, claims.get(Col.CLAIM_KEY, ())))
    return found + sum(map(is_legacy_key, denials.get(Col.DENIAL_ID, ())))


def upgrade_keys(book: Book) -> str:
    """Rewrite an older tracker's keys and save it (with an Audit row); "" when there was
    nothing to do, else one line saying what changed."""
    upgrade = rekey(book)
    if not upgrade.claims and not upgrade.denials:
        return ""
    audit.record(book, "Upgrade keys", upgrade.summary())
    book.save()
    return f"{book.name}: {upgrade.summary()}."


def rekey(book: Book) -> KeyUpgrade:
    """Rewrite the keys in the open book (not saved); what was rewritten. The key columns
    are read first: a tracker whose keys are all new (nearly always) reads nothing more."""
    keys = book.read_table(CLAIMS, [Col.CLAIM_KEY]), book.read_table(DENIALS, [Col.DENIAL_ID])
    if not legacy_key_count(*keys):
        return KeyUpgrade()
    claims, denials = book.read_table(CLAIMS), book.read_table(DENIALS)
    upgrade = rekey_frames(claims, denials)
    if upgrade.claims:
        book.write_table(CLAIMS, claims)
    if upgrade.claims or upgrade.denials:
        book.write_table(DENIALS, denials)
        remap_work_queue(book, upgrade.denials)
    return upgrade


def rekey_frames(claims: pd.DataFrame, denials: pd.DataFrame) -> KeyUpgrade:
    """Rewrite the older keys in these Claims and Denials frames, in place."""
    upgrade = KeyUpgrade()
    if not legacy_key_count(claims, denials):
        return upgrade
    line_idents: dict[str, list[str]] = {}
    for index, row in claims.iterrows():
        old = row[Col.CLAIM_KEY]
        if not is_legacy_key(old):
            continue
        new = _new_claim_key(row)
        if new is None:
            upgrade.kept_claims += 1
            continue
        upgrade.claims[old] = new
        claims.at[index, Col.CLAIM_KEY] = new
        line_idents[old] = list(decode_line_payments(row.get(Col.LINE_PAYMENTS)))
    for index, row in denials.iterrows():
        _rekey_denial(denials, index, row, upgrade, line_idents)
    return upgrade


def _new_claim_key(row: pd.Series) -> str | None:
    payer, claim = _text(row.get(Col.PAYER_ID)), _text(row.get(Col.CLAIM_ID))
    for ident in _patient_idents(row):
        if legacy_claim_key(payer, claim, ident) == row[Col.CLAIM_KEY]:
            return claim_key(payer, claim, ident)
    return None


def _patient_idents(row: pd.Series) -> Iterable[str]:
    """What the claim's patient ident may have been: the member id, else "LAST|FIRST" from
    the name as shown ("LAST, FIRST MIDDLE"; the middle name was never part of it)."""
    member = _text(row.get(Col.MEMBER_ID))
    if member:
        yield member
    last, _, rest = _text(row.get(Col.PATIENT)).partition(", ")
    words = rest.split(" ")
    for count in range(len(words), -1, -1):
        yield f"{last}|{' '.join(words[:count])}"


def _rekey_denial(denials, index, row, upgrade: KeyUpgrade, line_idents) -> None:
    old_claim, old_id = row.get(Col.CLAIM_KEY), row[Col.DENIAL_ID]
    new_claim = upgrade.claims.get(old_claim)
    if new_claim is not None:
        denials.at[index, Col.CLAIM_KEY] = new_claim  # the link follows its claim
    if not is_legacy_key(old_id):
        return
    group, carc = _text(row.get(Col.GROUP)), _text(row.get(Col.CARC))
    for ident in _line_idents(row, line_idents.get(old_claim, [])):
        if new_claim and legacy_denial_id(old_claim, ident, group, carc) == old_id:
            upgrade.denials[old_id] = denial_id(new_claim, ident, group, carc)
            denials.at[index, Col.DENIAL_ID] = upgrade.denials[old_id]
            return
    upgrade.kept_denials += 1


def _line_idents(row: pd.Series, known: list[str]) -> Iterable[str]:
    """The service line a denial was on, as adjudication named it (see line_idents)."""
    if row.get(Col.LEVEL) == "claim":
        yield "claim"
        return
    yield from known
    procedure, day = _text(row.get(Col.PROCEDURE)), row.get(Col.SERVICE_DATE)
    day_text = pd.Timestamp(day).date().isoformat() if isinstance(day, date) else ""
    for date_text in dict.fromkeys((day_text, "")):
        for number in range(1, _LINE_NUMBERS_TRIED + 1):
            yield f"{procedure}|{date_text}|{number}"


def remap_work_queue(book: Book, denials: dict[str, str]) -> None:
    """The Work Queue's Denial IDs follow a rewrite (people's edits there stay linked)."""
    if not denials:
        return
    try:
        queue = book.read_table(WORK_QUEUE)
    except WorkbookLayoutError:
        return  # no Work Queue yet: Classify builds it with the new ids
    if queue.empty:
        return
    queue[Col.DENIAL_ID] = [denials.get(key, key) for key in queue[Col.DENIAL_ID]]
    book.write_table(WORK_QUEUE, queue)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()
