"""Adjudications → tracker rows (claims, denials, import log), merged idempotently by stable keys.

Remits may arrive in any order: an adjudication older than the claim's latest one is posted as
history (first outcome, original denial date) and settled by the newer one.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd

from addin.adjudication import (
    Adjudication,
    DenialFact,
    denial_id,
    is_legacy_key,
    legacy_claim_key,
    legacy_denial_id,
    remit_key,
)
from addin.remit.models import ClaimStatus, TransactionEnd, status_label
from addin.workbook.layout import CLAIMS, CLOSED_STATUSES, DENIALS, REMITS, Col, TableSpec

ZERO = Decimal(0)
NEW_STATUS = "New"
SHOWN_CLAIMS = 5  # claims with findings named on the import log row
WON_STATUS = "Won"


@dataclass(slots=True)
class PostingStats:
    """What one import changed, for the summary line and the import log."""

    transactions: int = 0
    duplicate_transactions: int = 0
    claims: int = 0
    new_claims: int = 0
    new_denials: int = 0
    repeated_denials: int = 0
    resolved_denials: int = 0
    recovered: Decimal = ZERO
    reversals: int = 0
    findings: int = 0


@dataclass(slots=True)
class _Outcome:
    new_denials: int = 0
    resolved: int = 0


class Row(list):
    """One table row: its values in a list, read and written by column name (`row[Col.PAID]`).

    A list with the table's shared column → position map costs ~300 bytes a row where a dict
    costs ~1.2 KB: at 500,000 new claims that is the difference of half a gigabyte. A new row
    holds only up to its last column set (the columns after it read as None): a claim from an
    835 leaves the 837 and front-end columns at the end of Claims blank.
    """

    __slots__ = ("_at",)

    def __init__(self, values, at: dict[str, int]):
        super().__init__(values)
        self._at = at

    def __getitem__(self, name: str):
        at = self._at[name]
        return list.__getitem__(self, at) if at < len(self) else None

    def __setitem__(self, name: str, value) -> None:
        at = self._at[name]
        if at >= len(self):
            if value is None:
                return
            self.extend([None] * (at + 1 - len(self)))
        list.__setitem__(self, at, value)

    def get(self, name: str, default=None):
        at = self._at.get(name)
        if at is None:
            return default
        return list.__getitem__(self, at) if at < len(self) else None


@dataclass
class Ledger:
    """The tracker's Claims, Denials and Remits rows in memory, updated remit by remit."""

    claims: list[Row]
    denials: list[Row]
    remits: list[Row]
    columns: dict[str, list[str]]
    stats: PostingStats = field(default_factory=PostingStats)

    @classmethod
    def from_frames(
        cls, claims: pd.DataFrame, denials: pd.DataFrame, remits: pd.DataFrame
    ) -> Ledger:
        tables = ((CLAIMS, claims), (DENIALS, denials), (REMITS, remits))
        columns = {spec.name: _all_columns(frame, spec) for spec, frame in tables}
        ledger = cls(*(_rows(frame, columns[spec.name]) for spec, frame in tables), columns)
        ledger._index()
        return ledger

    def _index(self) -> None:
        self._claims_by_key = {row[Col.CLAIM_KEY]: row for row in self.claims if row[Col.CLAIM_KEY]}
        self._denials_by_id = {
            row[Col.DENIAL_ID]: row for row in self.denials if row[Col.DENIAL_ID]
        }
        self._denials_by_claim: dict[str, list[Row]] = defaultdict(list)
        for row in self.denials:
            if row[Col.CLAIM_KEY]:
                self._denials_by_claim[row[Col.CLAIM_KEY]].append(row)
        self._legacy = any(map(is_legacy_key, self._claims_by_key)) or any(
            map(is_legacy_key, self._denials_by_id)
        )
        self.rekeyed_denials: dict[str, str] = {}  # old 40-bit id → new, for the Work Queue
        self.known_files = {row[Col.FILE_SHA256] for row in self.remits if row[Col.FILE_SHA256]}
        self.known_remits = {row[Col.REMIT_KEY] for row in self.remits if row[Col.REMIT_KEY]}
        self._at = {name: {c: i for i, c in enumerate(cols)} for name, cols in self.columns.items()}

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The tables as frames. The ledger is spent afterwards: its rows are emptied into the
        frames one by one (a 500,000-claim import never holds both whole)."""
        self._claims_by_key.clear()  # (in place: a Submissions poster shares it)
        self._denials_by_id.clear()
        self._denials_by_claim.clear()
        return (
            _frame(self.claims, self.columns[CLAIMS.name]),
            _frame(self.denials, self.columns[DENIALS.name]),
            _frame(self.remits, self.columns[REMITS.name]),
        )

    def _row(self, spec: TableSpec, values: dict) -> Row:
        """A new row of `spec`'s table: `values`, the other columns blank."""
        at = self._at[spec.name]
        last = max((at[name] for name, value in values.items() if value is not None), default=-1)
        row = Row([None] * (last + 1), at)
        for name, value in values.items():
            row[name] = value
        return row

    # -- one transaction --------------------------------------------------------------

    def post_transaction(
        self,
        end: TransactionEnd,
        adjudications: Iterable[Adjudication],
        *,
        file_name: str,
        file_sha256: str,
        imported_at: datetime,
    ) -> bool:
        """Post one 835 transaction; False (and nothing changed) when it was imported before.

        `adjudications` is iterated once (a big transaction's may stream from disk).
        """
        key = remit_key(end.fingerprint)
        if key in self.known_remits:
            self.stats.duplicate_transactions += 1
            return False
        outcome = _Outcome()
        unbalanced: list[str] = []  # the first few claims with findings, then a count
        flagged = 0
        for item in adjudications:
            self._post_adjudication(item, outcome)
            if item.findings:
                flagged += 1
                if len(unbalanced) < SHOWN_CLAIMS:
                    unbalanced.append(item.claim_id)
        self.remits.append(
            self._remit_row(
                key, end, (flagged, unbalanced), outcome, file_name, file_sha256, imported_at
            )
        )
        self.known_remits.add(key)
        self.known_files.add(file_sha256)
        self.stats.transactions += 1
        self.stats.findings += len(end.findings) + flagged
        return True

    def _post_adjudication(self, item: Adjudication, outcome: _Outcome) -> None:
        self.stats.claims += 1
        row = self._claims_by_key.get(item.claim_key)
        if row is None and self._legacy:
            row = self._adopt_legacy_claim(item)
        if row is None:
            row = self._new_claim(item)
        elif not row[Col.ADJUDICATIONS]:
            self._first_answer(row, item)  # a claim known from its 837 or 277CA only
        elif item.is_reversal:
            self._record_reversal(row, item)
            return
        elif _is_older(item, row):
            self._post_late_arrival(row, item, outcome)
            return
        else:
            outcome.resolved += self._resolve_paid(row, item)
            self._update_claim(row, item)
        for fact in item.denials:
            outcome.new_denials += self._record_denial(fact, item)

    def _new_claim(self, item: Adjudication) -> Row:
        row = self._row(
            CLAIMS,
            {
                Col.CLAIM_KEY: item.claim_key,
                Col.CLAIM_ID: item.claim_id,
                Col.PAYER: item.payer,
                Col.PAYER_ID: item.payer_id,
                Col.PAYER_CLAIM_NUMBER: item.payer_claim_number,
                Col.PATIENT: item.patient,
                Col.MEMBER_ID: item.member_id,
                Col.ADJUDICATIONS: 0,
            },
        )
        self._first_answer(row, item)
        self.claims.append(row)
        self._claims_by_key[item.claim_key] = row
        self.stats.new_claims += 1
        return row

    def _first_answer(self, row: Row, item: Adjudication) -> None:
        """The payer's first answer to a claim: the remit's payer and patient are the
        tracker's (an 837 or 277CA filled them only until now); Billed stays the 837's."""
        row[Col.PAYER], row[Col.PAYER_ID] = item.payer, item.payer_id
        row[Col.PATIENT], row[Col.MEMBER_ID] = item.patient, item.member_id
        row[Col.SERVICE_DATE] = item.service_date or row.get(Col.SERVICE_DATE)
        if row.get(Col.BILLED) is None:
            row[Col.BILLED] = -item.charge if item.is_reversal and item.charge else item.charge
        _set_first_outcome(row, item)
        if item.is_reversal:
            self._record_reversal(row, item)
        else:
            self._update_claim(row, item)

    def _update_claim(self, row: Row, item: Adjudication) -> None:
        row[Col.LATEST_STATUS] = status_label(item.status)
        row[Col.LATEST_PAID] = item.paid
        row[Col.PATIENT_RESPONSIBILITY] = item.patient_responsibility
        row[Col.LAST_REMIT_DATE] = item.payment_date
        row[Col.PAYER_CLAIM_NUMBER] = item.payer_claim_number or row[Col.PAYER_CLAIM_NUMBER]
        row[Col.ADJUDICATIONS] = (row[Col.ADJUDICATIONS] or 0) + 1
        row[Col.FINDINGS] = item.findings or None
        row[Col.LINE_PAYMENTS] = encode_line_payments(item.line_paid)

    def _post_late_arrival(self, row: Row, item: Adjudication, outcome: _Outcome) -> None:
        """An adjudication older than the claim's latest one (its remit was imported late).

        It may be the claim's true first outcome, and the later adjudication already posted
        has settled its denials: a denial it does not carry again was paid or dropped there.
        """
        row[Col.ADJUDICATIONS] = (row[Col.ADJUDICATIONS] or 0) + 1
        if _is_before(item.payment_date, row[Col.FIRST_REMIT_DATE]):
            _set_first_outcome(row, item)
        settled = []
        for fact in item.denials:
            known = self._denial_row(fact, item)
            if known is not None:
                self._repeat_older_denial(known, item)
            else:
                outcome.new_denials += self._record_denial(fact, item)
                settled.append(self._denials_by_id[fact.denial_id])
        if settled:
            outcome.resolved += self._settle_by_later(row, settled, item)

    def _settle_by_later(self, claim_row: Row, rows: list[Row], item: Adjudication) -> int:
        """Resolve denials the claim's later adjudication no longer carries, with what it
        paid beyond this older one."""
        latest = claim_row[Col.LAST_REMIT_DATE]
        line_paid = decode_line_payments(claim_row[Col.LINE_PAYMENTS])
        recovered = _recoveries(rows, line_paid, claim_row[Col.LATEST_PAID], item.paid)
        settling = {row[Col.DENIAL_ID] for row in rows}
        still_denied = {
            (other[Col.LEVEL], other[Col.LINE])
            for other in self._denials_by_claim.get(item.claim_key, ())
            if other[Col.LAST_DENIED_ON] == latest and other[Col.DENIAL_ID] not in settling
        }
        for row in rows:
            line = (row[Col.LEVEL], row[Col.LINE]) if row[Col.LEVEL] == "line" else None
            clean = _fully_cleared(line, still_denied)
            self._mark_resolved(row, recovered[row[Col.DENIAL_ID]], clean, latest)
        return len(rows)

    def _repeat_older_denial(self, row: Row, item: Adjudication) -> None:
        """The same denial on an older remit: it was first denied then (that date starts the
        appeal clock); the later remit's amounts and status stay."""
        self.stats.repeated_denials += 1
        row[Col.TIMES_DENIED] = (row[Col.TIMES_DENIED] or 1) + 1
        if _is_before(item.payment_date, row[Col.REMIT_DATE]):
            row[Col.REMIT_DATE] = item.payment_date
            row[Col.SOURCE_FILE] = item.source_file

    def _record_reversal(self, row: Row, item: Adjudication) -> None:
        """A reversal (CLP02 22) takes back an earlier payment; the corrected claim follows."""
        if not _is_before(item.payment_date, row[Col.REVERSED_ON]):
            row[Col.REVERSED_ON] = item.payment_date
        if not _is_older(item, row):
            row[Col.LATEST_STATUS] = status_label(item.status)
            row[Col.LAST_REMIT_DATE] = item.payment_date
        row[Col.ADJUDICATIONS] = (row[Col.ADJUDICATIONS] or 0) + 1
        self.stats.reversals += 1

    # -- rows keyed by an older DenialDesk (40-bit keys) ---------------------------------

    def _adopt_legacy_claim(self, item: Adjudication) -> dict | None:
        """The claim's row under its older key, given the new key if its facts agree (a
        different claim that shared the 40-bit key is never merged into it)."""
        old = legacy_claim_key(item.payer_id, item.claim_id, item.patient_ident)
        row = self._claims_by_key.get(old)
        if row is None or not _same_claim(row, item):
            return None
        del self._claims_by_key[old]
        row[Col.CLAIM_KEY] = item.claim_key
        self._claims_by_key[item.claim_key] = row
        moved = self._denials_by_claim.pop(old, [])
        for denial in moved:
            denial[Col.CLAIM_KEY] = item.claim_key
        self._denials_by_claim[item.claim_key].extend(moved)
        return row

    def _denial_row(self, fact: DenialFact, item: Adjudication) -> dict | None:
        """The denial's row by its id, else (older tracker) by its 40-bit id when that row is
        this claim's denial of the same code: it then takes the new id."""
        row = self._denials_by_id.get(fact.denial_id)
        if row is not None or not self._legacy:
            return row
        old_claim = legacy_claim_key(item.payer_id, item.claim_id, item.patient_ident)
        old = legacy_denial_id(old_claim, fact.line_ident, fact.group, fact.carc)
        row = self._denials_by_id.get(old)
        same = row is not None and row[Col.CLAIM_KEY] == item.claim_key
        if not same or (str(row[Col.GROUP]), str(row[Col.CARC])) != (fact.group, fact.carc):
            return None
        del self._denials_by_id[old]
        row[Col.DENIAL_ID] = fact.denial_id
        self._denials_by_id[fact.denial_id] = row
        self.rekeyed_denials[old] = fact.denial_id
        return row

    # -- denials ----------------------------------------------------------------------

    def _record_denial(self, fact: DenialFact, item: Adjudication) -> int:
        row = self._denial_row(fact, item)
        if row is not None:
            self._repeat_denial(row, fact, item)
            return 0
        row = self._row(
            DENIALS,
            {
                Col.DENIAL_ID: fact.denial_id,
                Col.CLAIM_KEY: item.claim_key,
                Col.CLAIM_ID: item.claim_id,
                Col.PAYER: item.payer,
                Col.PAYER_ID: item.payer_id,
                Col.PATIENT: item.patient,
                Col.MEMBER_ID: item.member_id,
                Col.SERVICE_DATE: fact.service_date,
                Col.PROCEDURE: fact.procedure or None,
                Col.LEVEL: fact.level,
                Col.LINE: fact.line,
                Col.BILLED: fact.billed,
                Col.PAID: fact.paid,
                Col.DENIED_AMOUNT: fact.amount,
                Col.GROUP: fact.group,
                Col.CARC: fact.carc,
                Col.RARC: fact.rarc or None,
                Col.CLAIM_STATUS: status_label(item.status),
                Col.PAYER_CLAIM_NUMBER: item.payer_claim_number,
                Col.REMIT_DATE: item.payment_date,
                Col.PRODUCTION_DATE: item.production_date,
                Col.CHECK_NUMBER: item.check_number,
                Col.SOURCE_FILE: item.source_file,
                Col.LAST_DENIED_ON: item.payment_date,
                Col.TIMES_DENIED: 1,
                Col.STATUS: NEW_STATUS,
            },
        )
        self.denials.append(row)
        self._denials_by_id[fact.denial_id] = row
        self._denials_by_claim[item.claim_key].append(row)
        self.stats.new_denials += 1
        return 1

    def _repeat_denial(self, row: Row, fact: DenialFact, item: Adjudication) -> None:
        """The payer denied the same thing again (e.g. after an appeal): keep one row, note it."""
        self.stats.repeated_denials += 1
        row[Col.LAST_DENIED_ON] = item.payment_date
        row[Col.PRODUCTION_DATE] = item.production_date  # the latest notice starts the clock
        row[Col.TIMES_DENIED] = (row[Col.TIMES_DENIED] or 1) + 1
        row[Col.DENIED_AMOUNT], row[Col.PAID] = fact.amount, fact.paid
        row[Col.RARC] = fact.rarc or row[Col.RARC]
        row[Col.CLAIM_STATUS] = status_label(item.status)
        row[Col.PAYER_CLAIM_NUMBER] = item.payer_claim_number
        row[Col.CHECK_NUMBER] = item.check_number
        if row[Col.RESOLVED_ON] is not None:
            row[Col.RESOLUTION] = "Denied again"
            row[Col.RESOLVED_ON] = row[Col.RECOVERED_AMOUNT] = None

    def _resolve_paid(self, claim_row: Row, item: Adjudication) -> int:
        """A later adjudication that no longer carries a denial resolves it, with what it paid."""
        repeated = {fact.denial_id for fact in item.denials}
        open_rows = [
            row
            for row in self._denials_by_claim.get(item.claim_key, ())
            if row[Col.RESOLVED_ON] is None and row[Col.DENIAL_ID] not in repeated
        ]
        if not open_rows:
            return 0
        line_paid = dict(item.line_paid)
        still_denied = {fact.line_ident for fact in item.denials}
        recovered = _recoveries(open_rows, line_paid, item.paid, claim_row[Col.LATEST_PAID])
        for row in open_rows:
            clean = _fully_cleared(_line_ident_of(row, line_paid), still_denied)
            self._mark_resolved(row, recovered[row[Col.DENIAL_ID]], clean, item.payment_date)
        return len(open_rows)

    def _mark_resolved(self, row: Row, recovered: Decimal, clean: bool, on: date | None) -> None:
        """Paid: the service now carries no denial. The system moves Status only forward, to Won."""
        if recovered > 0 and clean:
            row[Col.RESOLUTION] = "Paid"
            if row[Col.STATUS] not in CLOSED_STATUSES:
                row[Col.STATUS] = WON_STATUS
        elif recovered > 0:
            row[Col.RESOLUTION] = "Partially paid"
        else:
            row[Col.RESOLUTION] = "Dropped, not paid"
        row[Col.RECOVERED_AMOUNT] = recovered
        row[Col.RESOLVED_ON] = on
        self.stats.resolved_denials += 1
        self.stats.recovered += recovered

    # -- import log -------------------------------------------------------------------

    def _remit_row(self, key, end, unbalanced, outcome, file_name, sha, imported_at) -> Row:
        header = end.header
        findings = list(end.findings)
        flagged, shown_ids = unbalanced
        if flagged:
            shown = ", ".join(shown_ids) + (" …" if flagged > len(shown_ids) else "")
            findings.append(f"{flagged} claim(s) with findings: {shown}")
        return self._row(
            REMITS,
            {
                Col.REMIT_KEY: key,
                Col.FILE: file_name,
                Col.FILE_SHA256: sha,
                Col.TRANSACTION: header.control_number,
                Col.PAYER: header.payer.name,
                Col.PAYER_ID: header.payer_key,
                Col.CHECK_NUMBER: header.payment.trace_number,
                Col.METHOD: header.payment.method,
                Col.PAYMENT_AMOUNT: header.payment.amount,
                Col.PAYMENT_DATE: header.payment.date,
                Col.CLAIMS: end.claims,
                Col.NEW_DENIALS: outcome.new_denials,
                Col.RESOLVED_DENIALS: outcome.resolved,
                Col.FINDINGS: "; ".join(findings) or None,
                Col.IMPORTED_AT: imported_at,
            },
        )


def _is_older(item: Adjudication, row: Row) -> bool:
    return _is_before(item.payment_date, row[Col.LAST_REMIT_DATE])


def _is_before(day: date | None, other: date | None) -> bool:
    return bool(day and other and day < other)


def _set_first_outcome(row: Row, item: Adjudication) -> None:
    """The claim's first adjudication: what the initial denial rate counts. HFMA's claim-level
    rule (Claim Integrity Task Force; domain/kpis.md §0): a claim is initially denied when its
    first adjudication has CLP02 = 4 (denied) — even when its only adjustments are the
    patient's share (PR) — or when it carries a denial code."""
    denied = sum((f.amount for f in item.denials), ZERO)
    status_denied = item.status == ClaimStatus.DENIED
    if status_denied and not item.denials:  # denied whole: nothing of the charge was paid
        denied = max((item.charge or ZERO) - (item.paid or ZERO), ZERO)
    row[Col.FIRST_STATUS] = status_label(item.status)
    row[Col.FIRST_PAID] = item.paid
    row[Col.FIRST_REMIT_DATE] = item.payment_date
    row[Col.INITIALLY_DENIED] = "Yes" if item.denials or status_denied else "No"
    row[Col.INITIAL_DENIED_AMOUNT] = denied if item.denials or status_denied else None
    row[Col.SOURCE_FILE] = item.source_file


def _fully_cleared(line: object, still_denied: set) -> bool:
    """Whether a settled denial is cleared outright (Paid) rather than in part: its service
    line carries no denial any more — for a claim-level denial (or a line the adjudication
    does not show, `line` None), the claim carries none at all."""
    return line not in still_denied if line is not None else not still_denied


def _line_ident_of(row: Row, line_paid: dict[str, Decimal | None]) -> str | None:
    """The service line a line-level denial row sits on, if this adjudication has it."""
    if row[Col.LEVEL] != "line":
        return None
    for ident in line_paid:
        if (
            denial_id(row[Col.CLAIM_KEY], ident, row[Col.GROUP], row[Col.CARC])
            == row[Col.DENIAL_ID]
        ):
            return ident
    return None


def _recoveries(
    rows: list[Row], line_paid: dict, paid_now: Decimal | None, paid_before: Decimal | None
) -> dict[str, Decimal]:
    """What each denial recovered: its service line's gain in payment, or for claim-level
    denials (and lines the adjudication does not show) a share of the claim's remaining gain."""
    recovered = {}
    for row in rows:
        ident = _line_ident_of(row, line_paid)
        if ident is not None:
            gain = (line_paid[ident] or ZERO) - (row[Col.PAID] or ZERO)
            recovered[row[Col.DENIAL_ID]] = _clamp(gain, row[Col.DENIED_AMOUNT])
    pool = max(ZERO, (paid_now or ZERO) - (paid_before or ZERO) - sum(recovered.values(), ZERO))
    for row in rows:
        if row[Col.DENIAL_ID] not in recovered:
            share = _clamp(pool, row[Col.DENIED_AMOUNT])
            recovered[row[Col.DENIAL_ID]] = share
            pool -= share
    return recovered


LINE_PAYMENTS_LIMIT = 30_000  # an Excel cell holds 32,767 characters


def _same_claim(row: dict, item: Adjudication) -> bool:
    return (
        str(row[Col.CLAIM_ID] or "") == item.claim_id
        and str(row[Col.PAYER_ID] or "").upper() == item.payer_id.upper()
        and str(row[Col.MEMBER_ID] or "") == (item.member_id or "")
    )


def encode_line_payments(line_paid: tuple[tuple[str, Decimal | None], ...]) -> str | None:
    """What each service line was paid, as text for the Claims row ("line=amount; …")."""
    text = "; ".join(f"{ident}={'' if paid is None else paid}" for ident, paid in line_paid)
    return text if text and len(text) <= LINE_PAYMENTS_LIMIT else None


def decode_line_payments(text: object) -> dict[str, Decimal | None]:
    """The Line Payments cell back as line → amount; unreadable parts are left out."""
    found: dict[str, Decimal | None] = {}
    for part in str(text or "").split("; "):
        ident, sep, amount = part.rpartition("=")
        if not sep or not ident:
            continue
        try:
            found[ident] = Decimal(amount) if amount else None
        except ArithmeticError:
            continue
    return found


def _clamp(amount: Decimal, ceiling: Decimal | None) -> Decimal:
    return max(ZERO, min(amount, ceiling or ZERO))


def _all_columns(frame: pd.DataFrame, spec: TableSpec) -> list[str]:
    """The table's existing columns (a person's own included) plus any the layout adds."""
    return list(dict.fromkeys([*frame.columns, *spec.column_names]))


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[Row]:
    """A read table's rows as Rows over `columns` (a column the frame lacks is blank)."""
    at = {name: i for i, name in enumerate(columns)}
    blank = [None] * len(frame)
    values = [frame[name].tolist() if name in frame.columns else blank for name in columns]
    return [Row(row, at) for row in zip(*values, strict=True)] if len(frame) else []


def _frame(rows: list[Row], columns: list[str]) -> pd.DataFrame:
    """The rows as a table frame of object columns (Decimals, dates and None pass untouched).

    The columns holding any value share one block, filled row by row as `rows` is emptied (each
    row's memory goes as it is copied); a column blank in every row is one None seen through
    a read-only view, not a pointer per row."""
    width = len(columns)
    used = _used_columns(rows, width)
    block = np.empty((len(rows), len(used)), dtype=object)
    pick = _picker(used)
    blanks = [None] * width
    for index, row in enumerate(rows):
        values = tuple(row) if len(row) == len(used) == width else pick(row + blanks)
        try:
            block[index] = values
        except ValueError:  # a value numpy takes for a sequence: one cell at a time
            for at, value in enumerate(values):
                block[index, at] = value
        rows[index] = None
    rows.clear()
    blank = np.broadcast_to(np.array([None], dtype=object), (len(block),))
    where = {at: k for k, at in enumerate(used)}
    data = {name: block[:, where[at]] if at in where else blank for at, name in enumerate(columns)}
    return pd.DataFrame(data, columns=columns, copy=False)


def _used_columns(rows: list[Row], width: int) -> list[int]:
    """The positions of the columns with a value in some row."""
    longest = max(map(len, rows), default=0)
    return [
        at
        for at in range(min(width, longest))
        if any(len(row) > at and list.__getitem__(row, at) is not None for row in rows)
    ]


def _picker(used: list[int]):
    """A function giving the values at `used` of a plain list, as a tuple."""
    if len(used) > 1:
        return operator.itemgetter(*used)
    return lambda values: tuple(values[at] for at in used)
