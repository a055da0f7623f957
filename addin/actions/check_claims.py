"""Check Claims: score outgoing 837s before they are sent and write the Claim Check sheet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from addin.actions import follow_up
from addin.adjudication import Adjudication, adjudication
from addin.check.history import history_from, paired, submitted_key
from addin.check.run import check_claims
from addin.check.score import CheckResult, Model
from addin.check.tracker import CLAIM_COLUMNS, DENIAL_COLUMNS, tracker_history
from addin.errors import RemitParseError
from addin.remit import Claim, RemitReader
from addin.remit.outgoing_models import SubmittedClaim
from addin.remit.x12 import REMIT, X12Reader, sniff
from addin.workbook import frames
from addin.workbook.base import Book
from addin.workbook.bulk import collector_paused
from addin.workbook.layout import CLAIM_CHECK, CLAIMS, DENIALS, PAYERS, Col


@dataclass
class CheckReport:
    results: list[tuple[CheckResult, str]]
    history_claims: int

    def summary(self) -> str:
        flagged = sum(1 for r, _ in self.results if r.flagged)
        return (
            f"Checked {len(self.results):,} outgoing claim(s) against {self.history_claims:,} "
            f"past claim(s): {flagged:,} flagged (see the Claim Check sheet)."
        )


def read_files(
    paths: Iterable[Path],
) -> tuple[list[tuple[SubmittedClaim, str]], list[Adjudication]]:
    """Submitted claims (with their file's name) and 835 answers from X12 files of any kind."""
    claims: list[tuple[SubmittedClaim, str]] = []
    answered: list[Adjudication] = []
    for path in paths:
        data = path.read_bytes()
        try:
            if sniff(data) == REMIT:
                answered += [
                    adjudication(c, path.name) for c in RemitReader(data) if isinstance(c, Claim)
                ]
            else:
                claims += [(r, path.name) for r in X12Reader(data) if isinstance(r, SubmittedClaim)]
        except RemitParseError as error:
            raise RemitParseError(f"{path.name}: {error}") from None
    return claims, answered


def filing_limits(payer_rows: pd.DataFrame, settings: dict[str, object]):
    """The filing limit of each claim, from its payer's profile (Payers sheet over built-ins)."""
    due = follow_up.filing_limit_lookup(payer_rows, settings, name_profile=False)

    def limit(claim: SubmittedClaim) -> tuple[date | None, str]:
        return due(claim.payer_id, claim.payer_name, claim.first_service_date)  # one per payer+day

    return limit


def check_outgoing(
    book: Book | None,
    outgoing: list[Path],
    history: list[Path],
    today: date,
    payer_rows: pd.DataFrame | None = None,
    settings: dict[str, object] | None = None,
) -> CheckReport:
    """Score every claim of `outgoing` against the tracker's own submitted claims and their
    answers, and the claims and answers of the `history` files."""
    with collector_paused():  # a year of claim lines and their counts are built here
        return _check_outgoing(book, outgoing, history, today, payer_rows, settings)


def _check_outgoing(book, outgoing, history, today, payer_rows, settings) -> CheckReport:
    sent, answered = read_files(history)
    pairs = paired([c for c, _ in sent], answered)
    lines, past = history_from(pairs)
    if book is not None:
        own_lines, own_past = tracker_history(
            book.read_table(CLAIMS, CLAIM_COLUMNS),
            book.read_table(DENIALS, DENIAL_COLUMNS),
            skip={submitted_key(c) for c, _ in pairs},
        )
        lines, past = own_lines + lines, own_past + past
    model = Model.learn(lines, past)
    claims = read_files(outgoing)[0]
    if not claims:
        raise RemitParseError("no outgoing 837 claims were found in the files given")
    limit = filing_limits(payer_rows if payer_rows is not None else pd.DataFrame(), settings or {})
    results = check_claims(model, [c for c, _ in claims], today, limit)
    return CheckReport(list(zip(results, [name for _, name in claims], strict=True)), len(past))


def check_frame(report: CheckReport, today: date) -> pd.DataFrame:
    """The Claim Check table: one row per claim, riskiest first; every flag with its points."""
    rows = []
    ordered = sorted(report.results, key=lambda pair: -pair[0].risk)
    for n, (result, file_name) in enumerate(ordered, start=1):
        rows.append(
            {
                Col.CHECK_ROW: n,
                Col.RISK: result.risk,
                Col.CLAIM_ID: result.claim_id,
                Col.PAYER: result.payer_name or result.payer,
                Col.SERVICE_DATE: result.service_date,
                Col.BILLED: result.billed,
                Col.FLAGS: ", ".join(f.code for f in result.flags if f.severity == "warn"),
                Col.WHY: "\n".join(f"[{f.points}] {f.reason}" for f in result.flags),
                Col.EVIDENCE: "\n".join(f.evidence for f in result.flags),
                Col.FILE: file_name,
                Col.CHECKED_ON: today,
            }
        )
    return frames.frame_of(rows, list(CLAIM_CHECK.column_names))


def check_into_book(
    book: Book, outgoing: list[Path], history: list[Path], today: date
) -> CheckReport:
    """Check Claims on a tracker: read its payers and settings, write its Claim Check sheet."""
    book.ensure_table(CLAIM_CHECK)
    report = check_outgoing(
        book, outgoing, history, today, book.read_table(PAYERS), book.read_settings()
    )
    book.write_table(CLAIM_CHECK, check_frame(report, today))
    book.save()
    return report
