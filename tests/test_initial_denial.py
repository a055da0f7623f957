"""HFMA's claim-level rule: a claim whose first adjudication is CLP02 = 4 is initially denied,
even when its only adjustment is the patient's share (HFMA Claim Integrity Task Force,
initial denial rate; ../shared/domain/kpis.md §0)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from addin import actions
from addin.kpis.compute import compute
from addin.kpis.measures import K, KpiSettings
from addin.workbook.layout import CLAIMS, DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.conftest import REMITS

DENIED = REMITS / "2026-03-co50-denied.835"


def test_a_denied_claim_with_only_patient_responsibility_codes_is_initially_denied(
    tracker, tmp_path
):
    text = DENIED.read_text()
    assert "CLP*DD1001*4*250*0**12" in text and "CAS*CO*50*250" in text
    remit = tmp_path / "pr-only-denied.835"  # the same denied claim, its only code PR-1
    remit.write_text(text.replace("CAS*CO*50*250", "CAS*PR*1*250"))
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [remit])
    book = OpenpyxlBook.open(tracker)
    claims, denials = book.read_table(CLAIMS), book.read_table(DENIALS)
    claim = claims[claims[Col.CLAIM_ID] == "DD1001"].iloc[0]
    assert claim[Col.FIRST_STATUS] == "Denied"
    assert claim[Col.INITIALLY_DENIED] == "Yes"  # HFMA: CLP02 = 4 is a denial
    assert claim[Col.INITIAL_DENIED_AMOUNT] == Decimal("250.00")
    assert not (denials[Col.CLAIM_ID] == "DD1001").any()  # PR-1 is no denial row to work
    kpis = compute(claims, denials, KpiSettings(), date(2026, 3, 31))
    month = kpis.monthly.iloc[0]
    assert (month[K.CLAIMS], month[K.INITIALLY_DENIED]) == (2, 1)  # DD1002 was paid


def test_a_first_status_of_denied_counts_in_a_tracker_posted_before_the_rule(tracker, tmp_path):
    """Claims posted by an earlier version say Initially Denied = No; First Status = Denied
    still makes them initially denied in the KPIs."""
    remit = tmp_path / "pr-only-denied.835"
    remit.write_text(DENIED.read_text().replace("CAS*CO*50*250", "CAS*PR*1*250"))
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [remit])
        claims = book.read_table(CLAIMS)
        claims[Col.INITIALLY_DENIED] = "No"
        book.write_table(CLAIMS, claims)
        book.save()
    book = OpenpyxlBook.open(tracker)
    kpis = compute(
        book.read_table(CLAIMS), book.read_table(DENIALS), KpiSettings(), date(2026, 3, 31)
    )
    assert kpis.monthly.iloc[0][K.INITIALLY_DENIED] == 1
