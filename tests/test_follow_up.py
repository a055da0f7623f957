"""Follow-up: unanswered claims and front-end rejections, ranked, with next step and source."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from addin import actions, followup
from addin.actions import follow_up
from addin.workbook.layout import CLAIMS, FOLLOW_UP, WORK_QUEUE, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests import ledger_support as ls

SENT_ON, PAID_ON = date(2026, 2, 2), date(2026, 3, 2)


def _rows(path, spec):
    book = OpenpyxlBook.open(path)
    return book.read_table(spec).to_dict("records")


@pytest.fixture
def tracker_with_claims(tmp_path, tracker):
    """12 claims sent on 2 Feb: 8 paid on 2 Mar, claim 9 rejected by a 277CA, 3 unanswered."""
    claims = ls.claims(12)
    sent = ls.write_837(tmp_path / "sent.837", ls.outgoing(claims, SENT_ON), 7001, SENT_ON)
    paid = ls.write_835(tmp_path / "paid.835", claims[:8], PAID_ON)
    rejected = tmp_path / "rej.277"
    rejected.write_text(ls.ack_277ca(claims[8], ls.days(SENT_ON, 2), accepted=False))
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [sent, paid, rejected], now=datetime(2026, 2, 10))
    return tracker, claims


def _classify(path, on: date):
    with open_for_update(path) as book:
        return actions.classify_and_prioritize(book, today=on)


def test_unanswered_claims_join_the_rejection_after_the_follow_up_days(tracker_with_claims):
    tracker, claims = tracker_with_claims
    # imported on 10 Feb: only the rejection needs work yet
    rows = _rows(tracker, FOLLOW_UP)
    assert [r[Col.CLAIM_ID] for r in rows] == [claims[8].account]
    assert rows[0][Col.NEXT_STEP].startswith("Resubmit the corrected claim")
    assert "Pub. 100-04" in rows[0][Col.SOURCE] and "005010X214" in rows[0][Col.SOURCE]

    report = _classify(tracker, SENT_ON + timedelta(days=29))
    assert report.follow_ups == 1  # 29 days: the unanswered three are not due yet
    report = _classify(tracker, SENT_ON + timedelta(days=30))
    assert report.follow_ups == 4 and "4 claim(s) to follow up" in report.summary()
    rows = _rows(tracker, FOLLOW_UP)
    waiting = [r for r in rows if r[Col.FRONT_END_STATUS] != "Rejected"]
    assert sorted(r[Col.CLAIM_ID] for r in waiting) == sorted(c.account for c in claims[9:])
    assert {r[Col.DAYS_WITHOUT_RESPONSE] for r in waiting} == {30}
    on_claims = {r[Col.CLAIM_ID]: r for r in _rows(tracker, CLAIMS)}  # Claims counted again too
    assert {on_claims[c.account][Col.DAYS_WITHOUT_RESPONSE] for c in claims[9:]} == {30}
    assert all(r[Col.NEXT_STEP].startswith("Check claim status") for r in waiting)
    assert all("45 CFR 162.1401" in r[Col.SOURCE] for r in waiting)
    # ranked by days left to the filing limit, then dollars; the default owner
    keys = [(r[Col.DAYS_LEFT], -r[Col.BILLED]) for r in rows]
    assert keys == sorted(keys) and [r[Col.RANK] for r in rows] == [1, 2, 3, 4]
    assert {r[Col.OWNER] for r in rows} == {"Billing"}
    # the default profile: 90 days from the date of service (Settings › Default Timely Filing)
    first = rows[0]
    assert first[Col.FILING_DEADLINE] - first[Col.SERVICE_DATE] <= timedelta(days=90)
    assert "filing limit (default)" in first[Col.DEADLINE_RULE]


def test_follow_ups_are_at_the_end_of_the_work_queue(tracker_with_claims):
    tracker, claims = tracker_with_claims
    _classify(tracker, SENT_ON + timedelta(days=40))
    queue = _rows(tracker, WORK_QUEUE)
    chase = [r for r in queue if str(r[Col.DENIAL_ID]).startswith("FU-")]
    assert len(chase) == 4 and queue[-4:] == chase
    assert {r[Col.CATEGORY] for r in chase} == {"follow-up"}
    assert [r[Col.RANK] for r in queue] == list(range(1, len(queue) + 1))
    assert any("No payer answer 40 days" in r[Col.PRIORITY_REASON] for r in chase)
    # the same day again: nothing changes, nothing is saved
    assert _classify(tracker, SENT_ON + timedelta(days=40)).saved is False


def test_an_owner_a_person_sets_on_follow_up_stays(tracker_with_claims):
    tracker, claims = tracker_with_claims
    _classify(tracker, SENT_ON + timedelta(days=40))
    with open_for_update(tracker) as book:
        frame = book.read_table(FOLLOW_UP)
        frame.at[0, Col.OWNER] = "Front Desk"
        key = frame.at[0, Col.CLAIM_KEY]
        book.write_table(FOLLOW_UP, frame)
        book.save()
    _classify(tracker, SENT_ON + timedelta(days=41))
    owners = {r[Col.CLAIM_KEY]: r[Col.OWNER] for r in _rows(tracker, FOLLOW_UP)}
    assert owners[key] == "Front Desk"


def test_a_resubmitted_rejection_leaves_the_follow_up(tmp_path, tracker_with_claims):
    tracker, claims = tracker_with_claims
    again_on = SENT_ON + timedelta(days=5)
    again = ls.write_837(tmp_path / "again.837", ls.outgoing([claims[8]], again_on), 7002, again_on)
    with open_for_update(tracker) as book:
        actions.import_remittances(book, [again], now=datetime(2026, 2, 10))
    assert _rows(tracker, FOLLOW_UP) == []


def test_a_payer_profile_sets_the_filing_deadline():
    """Medicare's limit is one calendar year from the date of service (42 CFR 424.44)."""
    limit = follow_up.filing_limits(__import__("pandas").DataFrame(), {})
    due, rule = limit(
        {Col.PAYER: "MEDICARE PART B", Col.PAYER_ID: "", Col.SERVICE_DATE: date(2026, 1, 5)}
    )
    assert due == date(2027, 1, 5) and "Medicare (Original Part A/B)" in rule


def test_follow_ups_rank_fewest_days_left_then_dollars():
    rows = [
        {Col.CLAIM_KEY: k, Col.CLAIM_ID: k, Col.BILLED: Decimal(b), Col.DAYS_WITHOUT_RESPONSE: 40}
        for k, b in (("A", "100"), ("B", "900"), ("C", "50"))
    ]
    dues = {"A": date(2026, 5, 1), "B": date(2026, 5, 1), "C": date(2026, 4, 1)}
    items = followup.follow_ups(rows, date(2026, 3, 1), 30, lambda r: (dues[r[Col.CLAIM_KEY]], ""))
    assert [i.row[Col.CLAIM_KEY] for i in items] == ["C", "B", "A"]
    assert followup.follow_ups(rows, date(2026, 3, 1), 41, lambda r: (None, "")) == []
