"""Submitted claims (837) and front-end answers (999/277CA) → Claims rows, idempotent, any order.

A claim's submissions and acknowledgments are kept as small logs in two hidden columns; its
Front-End Status, First Response On and Days Without Response are worked out again from those
logs (and its remit dates) after every change, so files may arrive in any order.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from addin.adjudication import claim_key
from addin.posting import Ledger
from addin.remit.outgoing_models import Acknowledgment, SubmittedClaim, SubmittedLine
from addin.workbook.layout import CLAIMS, REMITS, Col

SENT, ACCEPTED, REJECTED, RESUBMITTED = "Sent", "Accepted", "Rejected", "Resubmitted"
REPLACEMENT_FREQUENCIES = frozenset({"7"})  # CLM05-3 7: replacement of a prior claim
_ACK_ORDER = {"999": 1, "277CA": 2}  # on one day: the 999 comes before the 277CA
_REASON_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Submission:
    """One sending of a claim: when, in which 837 set (GS06/ST02), and its frequency."""

    on: date | None
    group: str
    transaction: str
    frequency: str
    kind: str

    def encode(self) -> str:
        day = self.on.isoformat() if self.on else "-"
        return "|".join((day, self.group, self.transaction, self.frequency, self.kind))


@dataclass(frozen=True, slots=True)
class AckEvent:
    """One front-end answer to a claim: its source, Accepted/Rejected/Pending, in words."""

    on: date | None
    source: str
    status: str
    reason: str

    def encode(self) -> str:
        day = self.on.isoformat() if self.on else "-"
        words = re.sub(r"[|\n\r]+", " ", self.reason)[:_REASON_LIMIT]
        return "|".join((day, self.source, self.status, words))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def submissions_of(row: dict) -> list[Submission]:
    out = []
    for entry in str(row.get(Col.SUBMISSION_LOG) or "").splitlines():
        parts = entry.split("|")
        if len(parts) == 5:
            out.append(Submission(_day(parts[0]), *parts[1:]))
    return out


def acks_of(row: dict) -> list[AckEvent]:
    out = []
    for entry in str(row.get(Col.ACK_LOG) or "").splitlines():
        parts = entry.split("|", 3)
        if len(parts) == 4:
            out.append(AckEvent(_day(parts[0]), *parts[1:]))
    return out


def _add_entry(row: dict, column: str, entry: str) -> bool:
    """Add one log entry (kept sorted, so the log is the same whatever the order); False when
    it was there already."""
    entries = str(row.get(column) or "").splitlines()
    if entry in entries:
        return False
    row[column] = "\n".join(sorted([*entries, entry]))
    return True


# -- what the logs say ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrontEnd:
    status: str
    reason: str
    first_response: date | None
    waiting_since: date | None  # the latest submission, while nothing has answered it


def front_end(
    subs: list[Submission], acks: list[AckEvent], first_remit: date | None, last_remit: date | None
) -> FrontEnd:
    """Front-End Status from the claim's submissions and acknowledgments in date order.

    A remit means the payer took the claim in; an acceptance acknowledgment is a receipt, not an
    answer, so only a rejection or a remit counts as the first response.
    """
    events = sorted(
        [(s.on or date.min, 0, s) for s in subs]
        + [(a.on or date.min, _ACK_ORDER.get(a.source, 3), a) for a in acks],
        key=lambda e: (e[0], e[1]),
    )
    status, reason, sent = "", "", 0
    for _, _, event in events:
        if isinstance(event, Submission):
            replacing = event.frequency in REPLACEMENT_FREQUENCIES
            status, reason = (RESUBMITTED if sent or replacing else SENT), ""
            sent += 1
        elif event.status in (ACCEPTED, REJECTED):
            status, reason = event.status, (event.reason if event.status == REJECTED else "")
    latest = max((s.on for s in subs if s.on), default=None)
    if status in (SENT, RESUBMITTED) and last_remit and latest and last_remit >= latest:
        status = ACCEPTED  # the payer answered this submission with a remit
    rejections = [a.on for a in acks if a.status == REJECTED and a.on]
    responses = [d for d in (*rejections, first_remit) if d]
    answered = any(d >= latest for d in responses) if latest else True
    return FrontEnd(status, reason, min(responses, default=None), None if answered else latest)


def refresh_row(row: dict, as_of: date) -> None:
    """Work out the claim's front-end columns again from its logs, as of `as_of`."""
    subs = submissions_of(row)
    if not subs and not row.get(Col.ACK_LOG):
        return
    state = front_end(
        subs, acks_of(row), row.get(Col.FIRST_REMIT_DATE), row.get(Col.LAST_REMIT_DATE)
    )
    days = sorted(s.on for s in subs if s.on)
    row[Col.SUBMITTED_ON] = days[0] if days else None
    row[Col.RESUBMITTED_ON] = days[-1] if len(days) > 1 else None
    row[Col.SUBMISSIONS] = len(subs) or None
    row[Col.FRONT_END_STATUS] = state.status or None
    row[Col.FRONT_END_REASON] = state.reason or None
    row[Col.FIRST_RESPONSE_ON] = state.first_response
    waiting = state.waiting_since
    row[Col.DAYS_WITHOUT_RESPONSE] = max(0, (as_of - waiting).days) if waiting else None


def refresh_all(rows: list[dict], as_of: date) -> None:
    for row in rows:
        refresh_row(row, as_of)


# -- lines, compactly in one cell -------------------------------------------------------------

_LINE = re.compile(
    r"^(?P<n>\d+) (?:(?P<rev>\w+):)?(?P<proc>[^\s-]*)(?P<mods>(?:-[^\s-]+)*)"
    r"(?: x(?P<units>[\d.]+))?(?: dx(?P<dx>[\d,]+))?(?: =(?P<charge>-?[\d.]+))?$"
)
LINES_LIMIT = 30_000  # an Excel cell holds 32,767 characters


def encode_lines(lines: tuple[SubmittedLine, ...]) -> str | None:
    """The claim's service lines as text ("1 97110-GP x2 dx1,2 =120.00; 2 …")."""
    parts = []
    for line in lines:
        text = f"{line.number} " + (f"{line.revenue_code}:" if line.revenue_code else "")
        text += line.procedure + "".join(f"-{m}" for m in line.modifiers)
        if line.units is not None:
            text += f" x{line.units}"
        if line.diagnosis_pointers:
            text += " dx" + ",".join(str(p) for p in line.diagnosis_pointers)
        if line.charge is not None:
            text += f" ={line.charge}"
        parts.append(text)
    text = "; ".join(parts)
    return text if text and len(text) <= LINES_LIMIT else None


def decode_lines(text: object, service_date: date | None = None, pos: str = "") -> tuple:
    """The Submitted Lines cell back as SubmittedLines; parts that do not read are left out."""
    lines = []
    for part in str(text or "").split("; "):
        found = _LINE.match(part.strip())
        if not found:
            continue
        g = found.groupdict()
        lines.append(
            SubmittedLine(
                number=int(g["n"]),
                procedure=g["proc"],
                modifiers=tuple(m for m in (g["mods"] or "").split("-") if m),
                charge=Decimal(g["charge"]) if g["charge"] else None,
                units=Decimal(g["units"]) if g["units"] else None,
                place_of_service=pos,
                diagnosis_pointers=tuple(int(p) for p in (g["dx"] or "").split(",") if p),
                revenue_code=g["rev"] or "",
                service_date=service_date,
            )
        )
    return tuple(lines)


@functools.lru_cache(maxsize=1 << 16)
def line_codes(part: str) -> tuple[str, tuple[str, ...], tuple[int, ...]] | None:
    """One line of a Submitted Lines cell as (procedure, modifiers, diagnosis pointers), read
    as `decode_lines` reads it; None for a part it leaves out. Cached: lines repeat."""
    found = _LINE.match(part.strip())
    if not found:
        return None
    mods, dx = found.group("mods"), found.group("dx")
    return (
        found.group("proc"),
        tuple(m for m in (mods or "").split("-") if m),
        tuple(int(p) for p in (dx or "").split(",") if p),
    )


# -- posting -----------------------------------------------------------------------------------


def submission_key(claim: SubmittedClaim) -> str:
    """The claim key the 835 side gives the same claim (payer + CLM01/CLP01 + patient)."""
    return claim_key(claim.payer_key, claim.claim_id, claim.patient_ident)


def _patient(last: str, first: str) -> str:
    return f"{last}, {first}" if first else last


def _fill(row: dict, column: str, value: object) -> None:
    if value not in (None, "") and row.get(column) in (None, ""):
        row[column] = value


class Submissions:
    """Posts submitted claims and acknowledgments onto a Ledger's Claims rows and import log."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.rows = ledger._claims_by_key
        self.set_acks: dict[tuple[str, str], list[AckEvent]] = {}
        for row in ledger.remits:
            self._remember_set_ack(row)
        self.by_claim_id: dict[str, list[dict]] = {}
        for row in ledger.claims:
            self.by_claim_id.setdefault(str(row.get(Col.CLAIM_ID) or ""), []).append(row)
        self.new_submissions = 0
        self.acknowledged = 0
        self.rejected = 0

    def _row(self, key: str, claim_id: str) -> dict:
        row = self.rows.get(key)
        if row is None:
            row = self.ledger._row(
                CLAIMS, {Col.CLAIM_KEY: key, Col.CLAIM_ID: claim_id, Col.ADJUDICATIONS: 0}
            )
            self.ledger.claims.append(row)
            self.rows[key] = row
            self.by_claim_id.setdefault(claim_id, []).append(row)
        return row

    def post_claim(self, claim: SubmittedClaim) -> bool:
        """Post one submitted claim; False when this very submission was posted before."""
        row = self._row(submission_key(claim), claim.claim_id)
        sent = Submission(
            claim.submitted_on,
            claim.group_control,
            claim.transaction_control,
            claim.frequency or "1",
            claim.kind,
        )
        if not _add_entry(row, Col.SUBMISSION_LOG, sent.encode()):
            return False
        self.new_submissions += 1
        _describe(
            row,
            claim,
            latest=claim.submitted_on
            == max((s.on for s in submissions_of(row) if s.on), default=claim.submitted_on),
        )
        for event in self.set_acks.get((claim.group_control, claim.transaction_control), ()):
            _add_entry(row, Col.ACK_LOG, event.encode())
        return True

    def post_ack(self, ack: Acknowledgment) -> int:
        """Post one acknowledgment; how many claims it answered."""
        event = AckEvent(ack.on, ack.source, ack.status, ack.reason)
        self.acknowledged += 1
        self.rejected += ack.status == REJECTED
        if ack.source == "999":
            return self._post_set_ack(ack, event)
        row = self._claim_of(ack)
        _add_entry(row, Col.ACK_LOG, event.encode())
        _fill(row, Col.PAYER, ack.payer_name)
        _fill(row, Col.PAYER_ID, ack.payer_id)
        _fill(row, Col.MEMBER_ID, ack.member_id)
        _fill(row, Col.PATIENT, _patient(ack.patient_last, ack.patient_first))
        _fill(row, Col.PAYER_CLAIM_NUMBER, ack.payer_claim_number)
        return 1

    def _claim_of(self, ack: Acknowledgment) -> dict:
        """The claim a 277CA answers: by its key, else the only claim with its claim id."""
        ident = ack.member_id or f"{ack.patient_last}|{ack.patient_first}"
        key = claim_key(ack.payer_id or ack.payer_name.upper(), ack.claim_id, ident)
        if key in self.rows:
            return self.rows[key]
        same_id = self.by_claim_id.get(ack.claim_id, [])
        submitted = [r for r in same_id if r.get(Col.SUBMISSION_LOG)]
        if len(submitted) == 1:
            return submitted[0]
        return self._row(key, ack.claim_id)

    def _post_set_ack(self, ack: Acknowledgment, event: AckEvent) -> int:
        """A 999 answers a whole 837 transaction set, named by GS06 (AK102) and ST02 (AK202)."""
        where = (ack.group_control, ack.transaction_control)
        self.set_acks.setdefault(where, []).append(event)
        answered = 0
        for row in self.ledger.claims:
            if any((s.group, s.transaction) == where for s in submissions_of(row)):
                _add_entry(row, Col.ACK_LOG, event.encode())
                answered += 1
        return answered

    def _remember_set_ack(self, log_row: dict) -> None:
        """The 999s of earlier imports, from the import log (for an 837 imported after them)."""
        if log_row.get(Col.METHOD) != "999":
            return
        found = re.match(
            r"^(\S+) (Accepted|Rejected|Pending): ?(.*)$",
            str(log_row.get(Col.FINDINGS) or ""),
            re.S,
        )
        group, _, transaction = str(log_row.get(Col.TRANSACTION) or "").partition("/")
        if found:
            event = AckEvent(_day(found[1]), "999", found[2], found[3])
            self.set_acks.setdefault((group, transaction), []).append(event)


def set_ack_finding(ack: Acknowledgment) -> str:
    """How a 999's answer is kept on its import-log row (read back by Submissions)."""
    day = ack.on.isoformat() if ack.on else "-"
    return f"{day} {ack.status}: {ack.reason}"


def _describe(row: dict, claim: SubmittedClaim, latest: bool) -> None:
    """What the 837 says about the claim; the latest submission's content wins, and a remit's
    payer, patient and service date stay (the 837 fills them only when blank)."""
    _fill(row, Col.PAYER, claim.payer_name)
    _fill(row, Col.PAYER_ID, claim.payer_key)
    _fill(row, Col.PATIENT, _patient(claim.patient_last, claim.patient_first))
    _fill(row, Col.MEMBER_ID, claim.member_id)
    _fill(row, Col.SERVICE_DATE, claim.first_service_date)
    if not latest:
        return
    lines = claim.lines
    row[Col.BILLED] = claim.charge
    row[Col.CLAIM_TYPE] = claim.kind
    row[Col.SUBMITTED_LINES] = encode_lines(lines)
    row[Col.DIAGNOSES] = ", ".join(claim.diagnoses) or None
    row[Col.PLACE_OF_SERVICE] = claim.place_of_service or None
    row[Col.BILLING_NPI] = claim.billing_npi or None
    row[Col.RENDERING_NPI] = claim.rendering_npi or _first(x.rendering_npi for x in lines)
    row[Col.PRIOR_AUTH] = claim.prior_auth or _first(x.prior_auth for x in lines)
    row[Col.REFERRAL] = claim.referral or _first(x.referral for x in lines)
    row[Col.ORIGINAL_CLAIM_NUMBER] = claim.original_reference or None


def _first(values) -> str | None:
    return next((v for v in values if v), None)


def transaction_key(kind: str, parts: list[str]) -> str:
    """The import-log key of one 837/999/277CA transaction: its content, not its file."""
    digest = hashlib.sha256("\x1f".join([kind, *parts]).encode()).hexdigest()
    return f"X-{digest[:16].upper()}"


def log_row(ledger: Ledger, key: str, **values) -> dict:
    return ledger._row(REMITS, {Col.REMIT_KEY: key} | values)
