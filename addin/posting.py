"""Remit claims → tracker rows (claims, denials, import log), merged idempotently by stable keys."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from addin import classify
from addin.remit.models import Claim, ServiceLine, TransactionEnd, status_label
from addin.workbook.layout import CLAIMS, CLOSED_STATUSES, DENIALS, REMITS, Col, TableSpec

ZERO = Decimal(0)
NEW_STATUS = "New"
WON_STATUS = "Won"


def _short_hash(*parts: object, prefix: str) -> str:
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}-{digest[:10].upper()}"


def claim_key(payer_id: str, claim_id: str, patient_ident: str) -> str:
    """A claim is the same claim across remits when payer, CLP01 and patient agree."""
    return _short_hash(payer_id.upper(), claim_id, patient_ident.upper(), prefix="C")


def denial_id(claim: str, line_ident: str, group: str, carc: str) -> str:
    """A denial is one group+reason code on one claim or service line of one claim."""
    return _short_hash(claim, line_ident, group, carc, prefix="D")


def remit_key(fingerprint: str) -> str:
    return f"R-{fingerprint[:16].upper()}"


@dataclass(frozen=True, slots=True)
class DenialFact:
    """A denied amount as one adjudication reports it."""

    denial_id: str
    level: str
    line: int | None
    line_ident: str
    procedure: str
    service_date: date | None
    billed: Decimal | None
    paid: Decimal | None
    amount: Decimal
    group: str
    carc: str
    rarc: str


@dataclass(frozen=True, slots=True)
class Adjudication:
    """The facts of one CLP loop that the tracker keeps (small, so big files stay cheap)."""

    claim_key: str
    claim_id: str
    payer: str
    payer_id: str
    payer_claim_number: str
    patient: str
    member_id: str
    service_date: date | None
    status: str
    charge: Decimal | None
    paid: Decimal | None
    patient_responsibility: Decimal | None
    payment_date: date | None
    check_number: str
    source_file: str
    findings: str
    denials: tuple[DenialFact, ...]
    line_paid: tuple[tuple[str, Decimal | None], ...]

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"


def line_idents(lines: tuple[ServiceLine, ...]) -> list[str]:
    """Stable names for service lines: the payer's line control number, else code + date + n."""
    seen: Counter = Counter()
    idents = []
    for line in lines:
        if line.control_number:
            idents.append(f"6R:{line.control_number}")
            continue
        base = f"{line.procedure}|{line.service_date or ''}"
        seen[base] += 1
        idents.append(f"{base}|{seen[base]}")
    return idents


def adjudication(claim: Claim, source_file: str) -> Adjudication:
    """Reduce a parsed claim to what posting needs, deciding which adjustments are denials."""
    header = claim.header
    patient = claim.patient
    patient_ident = patient.id or f"{patient.last}|{patient.first}"
    key = claim_key(header.payer_key, claim.claim_id, patient_ident)
    idents = line_idents(claim.lines)
    denials = _claim_level_denials(claim, key) + _line_denials(claim, key, idents)
    return Adjudication(
        claim_key=key,
        claim_id=claim.claim_id,
        payer=header.payer.name,
        payer_id=header.payer_key,
        payer_claim_number=claim.payer_claim_number,
        patient=patient.display,
        member_id=patient.id,
        service_date=claim.first_service_date,
        status=claim.status,
        charge=claim.charge,
        paid=claim.paid,
        patient_responsibility=claim.patient_responsibility,
        payment_date=header.payment.date,
        check_number=header.payment.trace_number,
        source_file=source_file,
        findings="; ".join(claim.findings),
        denials=_merge(denials),
        line_paid=tuple(zip(idents, (line.paid for line in claim.lines), strict=True)),
    )


def _claim_level_denials(claim: Claim, key: str) -> list[DenialFact]:
    paid_zero = claim.paid == 0
    rarc = ", ".join(claim.remarks)
    return [
        DenialFact(
            denial_id(key, "claim", a.group, a.carc),
            "claim",
            None,
            "claim",
            "",
            claim.first_service_date,
            claim.charge,
            claim.paid,
            a.amount,
            a.group,
            a.carc,
            rarc,
        )
        for a in claim.adjustments
        if classify.is_denial(
            a.group, a.carc, a.amount, claim_status=claim.status, service_paid_zero=paid_zero
        )
    ]


def _line_denials(claim: Claim, key: str, idents: list[str]) -> list[DenialFact]:
    facts = []
    for line, ident in zip(claim.lines, idents, strict=True):
        rarc = ", ".join(dict.fromkeys(line.remarks + claim.remarks))
        for a in line.adjustments:
            if classify.is_denial(
                a.group,
                a.carc,
                a.amount,
                claim_status=claim.status,
                service_paid_zero=line.paid == 0,
            ):
                facts.append(
                    DenialFact(
                        denial_id(key, ident, a.group, a.carc),
                        "line",
                        line.number,
                        ident,
                        str(line.procedure),
                        line.service_date or claim.first_service_date,
                        line.charge,
                        line.paid,
                        a.amount,
                        a.group,
                        a.carc,
                        rarc,
                    )
                )
    return facts


def _merge(facts: list[DenialFact]) -> tuple[DenialFact, ...]:
    """One fact per denial id: the same code twice on one line is one denial of the sum."""
    merged: dict[str, DenialFact] = {}
    for fact in facts:
        earlier = merged.get(fact.denial_id)
        if earlier is None:
            merged[fact.denial_id] = fact
        else:
            merged[fact.denial_id] = _with_amount(earlier, earlier.amount + fact.amount)
    return tuple(merged.values())


def _with_amount(fact: DenialFact, amount: Decimal) -> DenialFact:
    return replace(fact, amount=amount)


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


@dataclass
class Ledger:
    """The tracker's Claims, Denials and Remits rows in memory, updated remit by remit."""

    claims: list[dict]
    denials: list[dict]
    remits: list[dict]
    columns: dict[str, list[str]]
    stats: PostingStats = field(default_factory=PostingStats)

    @classmethod
    def from_frames(
        cls, claims: pd.DataFrame, denials: pd.DataFrame, remits: pd.DataFrame
    ) -> Ledger:
        ledger = cls(
            _records(claims),
            _records(denials),
            _records(remits),
            {
                CLAIMS.name: list(claims.columns),
                DENIALS.name: list(denials.columns),
                REMITS.name: list(remits.columns),
            },
        )
        ledger._index()
        return ledger

    def _index(self) -> None:
        self._claims_by_key = {row[Col.CLAIM_KEY]: row for row in self.claims if row[Col.CLAIM_KEY]}
        self._denials_by_id = {
            row[Col.DENIAL_ID]: row for row in self.denials if row[Col.DENIAL_ID]
        }
        self._denials_by_claim: dict[str, list[dict]] = defaultdict(list)
        for row in self.denials:
            if row[Col.CLAIM_KEY]:
                self._denials_by_claim[row[Col.CLAIM_KEY]].append(row)
        self.known_files = {row[Col.FILE_SHA256] for row in self.remits if row[Col.FILE_SHA256]}
        self.known_remits = {row[Col.REMIT_KEY] for row in self.remits if row[Col.REMIT_KEY]}

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return (
            _frame(self.claims, self.columns[CLAIMS.name], CLAIMS),
            _frame(self.denials, self.columns[DENIALS.name], DENIALS),
            _frame(self.remits, self.columns[REMITS.name], REMITS),
        )

    # -- one transaction --------------------------------------------------------------

    def post_transaction(
        self,
        end: TransactionEnd,
        adjudications: list[Adjudication],
        *,
        file_name: str,
        file_sha256: str,
        imported_at: datetime,
    ) -> bool:
        """Post one 835 transaction; False (and nothing changed) when it was imported before."""
        key = remit_key(end.fingerprint)
        if key in self.known_remits:
            self.stats.duplicate_transactions += 1
            return False
        outcome = _Outcome()
        for item in adjudications:
            self._post_adjudication(item, outcome)
        self.remits.append(
            self._remit_row(key, end, adjudications, outcome, file_name, file_sha256, imported_at)
        )
        self.known_remits.add(key)
        self.known_files.add(file_sha256)
        self.stats.transactions += 1
        self.stats.findings += len(end.findings) + sum(bool(a.findings) for a in adjudications)
        return True

    def _post_adjudication(self, item: Adjudication, outcome: _Outcome) -> None:
        self.stats.claims += 1
        row = self._claims_by_key.get(item.claim_key)
        if row is None:
            row = self._new_claim(item)
        elif item.is_reversal:
            self._record_reversal(row, item)
            return
        elif _is_older(item, row):
            row[Col.ADJUDICATIONS] = (row[Col.ADJUDICATIONS] or 0) + 1
        else:
            outcome.resolved += self._resolve_paid(row, item)
            self._update_claim(row, item)
        for fact in item.denials:
            outcome.new_denials += self._record_denial(fact, item)

    def _new_claim(self, item: Adjudication) -> dict:
        denied = sum((f.amount for f in item.denials), ZERO)
        row = _blank(self.columns[CLAIMS.name]) | {
            Col.CLAIM_KEY: item.claim_key,
            Col.CLAIM_ID: item.claim_id,
            Col.PAYER: item.payer,
            Col.PAYER_ID: item.payer_id,
            Col.PAYER_CLAIM_NUMBER: item.payer_claim_number,
            Col.PATIENT: item.patient,
            Col.MEMBER_ID: item.member_id,
            Col.SERVICE_DATE: item.service_date,
            Col.BILLED: item.charge,
            Col.FIRST_STATUS: status_label(item.status),
            Col.FIRST_PAID: item.paid,
            Col.FIRST_REMIT_DATE: item.payment_date,
            Col.INITIALLY_DENIED: "Yes" if item.denials else "No",
            Col.INITIAL_DENIED_AMOUNT: denied if item.denials else None,
            Col.ADJUDICATIONS: 0,
            Col.SOURCE_FILE: item.source_file,
        }
        if item.is_reversal:
            self._record_reversal(row, item)
        else:
            self._update_claim(row, item)
        self.claims.append(row)
        self._claims_by_key[item.claim_key] = row
        self.stats.new_claims += 1
        return row

    def _update_claim(self, row: dict, item: Adjudication) -> None:
        row[Col.LATEST_STATUS] = status_label(item.status)
        row[Col.LATEST_PAID] = item.paid
        row[Col.PATIENT_RESPONSIBILITY] = item.patient_responsibility
        row[Col.LAST_REMIT_DATE] = item.payment_date
        row[Col.PAYER_CLAIM_NUMBER] = item.payer_claim_number or row[Col.PAYER_CLAIM_NUMBER]
        row[Col.ADJUDICATIONS] = (row[Col.ADJUDICATIONS] or 0) + 1
        row[Col.FINDINGS] = item.findings or None

    def _record_reversal(self, row: dict, item: Adjudication) -> None:
        """A reversal (CLP02 22) takes back an earlier payment; the corrected claim follows."""
        row[Col.REVERSED_ON] = item.payment_date
        row[Col.LATEST_STATUS] = status_label(item.status)
        row[Col.LAST_REMIT_DATE] = item.payment_date
        row[Col.ADJUDICATIONS] = (row[Col.ADJUDICATIONS] or 0) + 1
        self.stats.reversals += 1

    # -- denials ----------------------------------------------------------------------

    def _record_denial(self, fact: DenialFact, item: Adjudication) -> int:
        row = self._denials_by_id.get(fact.denial_id)
        if row is not None:
            self._repeat_denial(row, fact, item)
            return 0
        row = _blank(self.columns[DENIALS.name]) | {
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
            Col.CHECK_NUMBER: item.check_number,
            Col.SOURCE_FILE: item.source_file,
            Col.LAST_DENIED_ON: item.payment_date,
            Col.TIMES_DENIED: 1,
            Col.STATUS: NEW_STATUS,
        }
        self.denials.append(row)
        self._denials_by_id[fact.denial_id] = row
        self._denials_by_claim[item.claim_key].append(row)
        self.stats.new_denials += 1
        return 1

    def _repeat_denial(self, row: dict, fact: DenialFact, item: Adjudication) -> None:
        """The payer denied the same thing again (e.g. after an appeal): keep one row, note it."""
        self.stats.repeated_denials += 1
        row[Col.LAST_DENIED_ON] = item.payment_date
        row[Col.TIMES_DENIED] = (row[Col.TIMES_DENIED] or 1) + 1
        row[Col.DENIED_AMOUNT], row[Col.PAID] = fact.amount, fact.paid
        row[Col.RARC] = fact.rarc or row[Col.RARC]
        row[Col.CLAIM_STATUS] = status_label(item.status)
        row[Col.PAYER_CLAIM_NUMBER] = item.payer_claim_number
        row[Col.CHECK_NUMBER] = item.check_number
        if row[Col.RESOLVED_ON] is not None:
            row[Col.RESOLUTION] = "Denied again"
            row[Col.RESOLVED_ON] = row[Col.RECOVERED_AMOUNT] = None

    def _resolve_paid(self, claim_row: dict, item: Adjudication) -> int:
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
        recovered = self._line_recoveries(open_rows, line_paid)
        pool = max(
            ZERO,
            (item.paid or ZERO)
            - (claim_row[Col.LATEST_PAID] or ZERO)
            - sum(recovered.values(), ZERO),
        )
        for row in open_rows:
            if row[Col.DENIAL_ID] not in recovered:
                share = _clamp(pool, row[Col.DENIED_AMOUNT])
                recovered[row[Col.DENIAL_ID]] = share
                pool -= share
        for row in open_rows:
            ident = _line_ident_of(row, line_paid) or "claim"
            clean = ident not in still_denied if ident != "claim" else not item.denials
            self._mark_resolved(row, recovered[row[Col.DENIAL_ID]], clean, item.payment_date)
        return len(open_rows)

    @staticmethod
    def _line_recoveries(open_rows: list[dict], line_paid: dict) -> dict[str, Decimal]:
        """What each line-level denial's service line is now paid beyond what it was."""
        recovered = {}
        for row in open_rows:
            ident = _line_ident_of(row, line_paid)
            if ident is not None:
                gain = (line_paid[ident] or ZERO) - (row[Col.PAID] or ZERO)
                recovered[row[Col.DENIAL_ID]] = _clamp(gain, row[Col.DENIED_AMOUNT])
        return recovered

    def _mark_resolved(self, row: dict, recovered: Decimal, clean: bool, on: date | None) -> None:
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

    def _remit_row(self, key, end, adjudications, outcome, file_name, sha, imported_at) -> dict:
        header = end.header
        findings = list(end.findings)
        unbalanced = [a.claim_id for a in adjudications if a.findings]
        if unbalanced:
            shown = ", ".join(unbalanced[:5]) + (" …" if len(unbalanced) > 5 else "")
            findings.append(f"{len(unbalanced)} claim(s) with findings: {shown}")
        return _blank(self.columns[REMITS.name]) | {
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
        }


def _is_older(item: Adjudication, row: dict) -> bool:
    last = row[Col.LAST_REMIT_DATE]
    return bool(item.payment_date and last and item.payment_date < last)


def _line_ident_of(row: dict, line_paid: dict[str, Decimal | None]) -> str | None:
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


def _clamp(amount: Decimal, ceiling: Decimal | None) -> Decimal:
    return max(ZERO, min(amount, ceiling or ZERO))


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records") if len(frame) else []


def _blank(columns: list[str]) -> dict:
    return dict.fromkeys(columns)


def _frame(rows: list[dict], columns: list[str], spec: TableSpec) -> pd.DataFrame:
    names = list(dict.fromkeys([*columns, *spec.column_names]))
    data = {name: pd.Series([row.get(name) for row in rows], dtype=object) for name in names}
    return pd.DataFrame(data, columns=names)
