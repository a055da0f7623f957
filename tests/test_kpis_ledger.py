"""KPIs of the claim ledger: by claims submitted (HFMA 1a), clean-claim rate (HFMA MAP CL-1),
front-end rejections and claims without response — counted on a tracker with 837s imported."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from addin import actions
from addin.actions.kpi_refresh import describe
from addin.kpis import ledger
from addin.kpis.compute import KpiSettings, compute
from addin.kpis.report import tile
from addin.workbook.layout import CLAIMS, DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests import ledger_support as ls

SENT_ON, PAID_ON, TODAY = date(2026, 2, 2), date(2026, 3, 2), date(2026, 3, 12)


def _tracker(tmp_path, tracker):
    """12 claims sent: 8 answered by a remit, claim 9 rejected by a 277CA, 3 unanswered;
    claim 2 was sent a second time."""
    claims = ls.claims(12)
    sent = ls.write_837(tmp_path / "sent.837", ls.outgoing(claims, SENT_ON), 7001, SENT_ON)
    again = ls.write_837(
        tmp_path / "again.837",
        ls.outgoing(claims[1:2], ls.days(SENT_ON, 3)),
        7002,
        ls.days(SENT_ON, 3),
    )
    paid = ls.write_835(tmp_path / "paid.835", claims[:8], PAID_ON)
    rejected = tmp_path / "rej.277"
    rejected.write_text(ls.ack_277ca(claims[8], ls.days(SENT_ON, 2), accepted=False))
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [sent, again, paid, rejected], now=datetime(2026, 3, 5))
    book = OpenpyxlBook.open(tracker)
    return claims, book.read_table(CLAIMS), book.read_table(DENIALS)


def test_ledger_figures_count_what_was_submitted(tmp_path, tracker):
    claims, frame, _ = _tracker(tmp_path, tracker)
    rows = {r[Col.CLAIM_ID]: r for r in frame.to_dict("records")}
    denied = sum(rows[c.account][Col.INITIALLY_DENIED] == "Yes" for c in claims[:8])
    found = ledger.figures(frame, TODAY)
    assert (found.submitted, found.answered, found.rejected) == (12, 9, 1)
    assert found.denied == denied
    # clean: paid on the first remit, sent once, never rejected (claim 2 was sent twice)
    clean = sum(
        rows[c.account][Col.INITIALLY_DENIED] == "No" for c in claims[:8] if c is not claims[1]
    )
    assert found.clean == clean and found.rate(ledger.CLEAN_RATE) == clean / 9
    assert found.rate(ledger.SUBMITTED_RATE) == denied / 12  # HFMA 1a: ÷ claims submitted
    assert found.rate(ledger.REJECTION_RATE) == 1 / 12
    assert found.counted(ledger.REJECTION_RATE) == "1 of 12 claims submitted"
    assert found.counted(ledger.CLEAN_RATE) == f"{clean} of 9 answered claims"
    assert found.waiting == 3 and found.oldest == (TODAY - SENT_ON).days
    assert found.waiting_billed == sum((c.charge for c in claims[9:]), Decimal(0))


def test_every_ledger_definition_names_its_hfma_source():
    assert "HFMA Claim Integrity Task Force" in ledger.DEFINITIONS[ledger.SUBMITTED_RATE]
    assert "initial denial rate 1a" in ledger.DEFINITIONS[ledger.SUBMITTED_RATE]
    assert "HFMA MAP Key CL-1" in ledger.DEFINITIONS[ledger.CLEAN_RATE]
    assert "HFMA MAP Key CL-1" in ledger.DEFINITIONS[ledger.REJECTION_RATE]
    assert "HFMA" in ledger.DEFINITIONS[ledger.WAITING]


def test_kpis_say_by_remits_without_837s_and_add_the_ledger_with_them(tmp_path, tracker):
    _, frame, denials = _tracker(tmp_path, tracker)
    kpis = compute(frame, denials, KpiSettings(), TODAY)
    labels = {h.label: h for h in kpis.headlines}
    assert "Initial denial rate (claims)" in labels
    assert labels[ledger.SUBMITTED_RATE].value == ledger.figures(frame, TODAY).rate(
        ledger.SUBMITTED_RATE
    )
    assert labels[ledger.WAITING].value == 3
    rejection = describe(tile(labels[ledger.REJECTION_RATE]))  # the summary line
    assert rejection == "8.3% (1 of 12 claims submitted)"
    remits_only = frame[frame[Col.SUBMISSION_LOG].isna()]
    plain = {h.label for h in compute(remits_only, denials, KpiSettings(), TODAY).headlines}
    assert ledger.BY_REMITS_LABEL in plain and ledger.SUBMITTED_RATE not in plain
