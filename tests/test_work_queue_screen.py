"""The Work Queue a biller works from (issue 14), on the demo: it matches Denials after every
action, carries what a biller needs to act, keeps a claim's lines together, and is set up to
scroll and print."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from addin import actions
from addin.actions.follow_up import FOLLOW_UP_PREFIX
from addin.actions.new_tracker import create_tracker
from addin.demo.tracker import INBOX, fill_demo_practice, write_demo_remits
from addin.workbook.layout import (
    CLOSED_STATUSES,
    DENIALS,
    FOLLOW_UP,
    SUGGESTED_MARK,
    WORK_QUEUE,
    Col,
)
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update

AS_OF = date(2026, 11, 28)
# Cells the queue copies from the Denials row as they are.
SAME = (
    Col.CLAIM_ID, Col.PATIENT, Col.MEMBER_ID, Col.PAYER, Col.PAYER_CLAIM_NUMBER,
    Col.SERVICE_DATE, Col.PROCEDURE, Col.DENIED_AMOUNT, Col.ACTION, Col.REMEDY,
    Col.APPEAL_DEADLINE, Col.CORRECTED_CLAIM_DEADLINE, Col.DAYS_LEFT, Col.LETTER,
    Col.LETTER_STATUS, Col.STATUS,
    Col.RANK,
)  # fmt: skip


def _tables(path):
    """Denials and the queue's denial rows (the follow-ups of unanswered claims at its end
    are checked against the Follow-up sheet)."""
    book = OpenpyxlBook.open(path)
    queue = book.read_table(WORK_QUEUE)
    follow_ups = queue[Col.DENIAL_ID].astype(str).str.startswith(FOLLOW_UP_PREFIX)
    if follow_ups.any():
        assert not follow_ups[follow_ups.idxmax() :].eq(False).any()  # all after the denials
        keys = {FOLLOW_UP_PREFIX + k for k in book.read_table(FOLLOW_UP)[Col.CLAIM_KEY]}
        assert set(queue.loc[follow_ups, Col.DENIAL_ID]) == keys
    return book.read_table(DENIALS), queue[~follow_ups].reset_index(drop=True)


def assert_queue_matches_denials(path) -> int:
    denials, queue = _tables(path)
    rows = denials.set_index(Col.DENIAL_ID)
    for _, queued in queue.iterrows():
        row = rows.loc[queued[Col.DENIAL_ID]]
        for name in SAME:
            assert queued[name] == row[name] or (queued[name] is None and row[name] is None), (
                name,
                queued[name],
                row[name],
                queued[Col.DENIAL_ID],
                row[Col.STATUS],
                queued[Col.STATUS],
            )
        assert row[Col.STATUS] not in CLOSED_STATUSES and row[Col.RESOLVED_ON] is None
        owner = row[Col.OWNER] or f"{row[Col.SUGGESTED_OWNER]}{SUGGESTED_MARK}"
        assert queued[Col.OWNER] == owner
    ranked_open = denials[
        denials[Col.RANK].notna()
        & ~denials[Col.STATUS].isin(CLOSED_STATUSES)
        & denials[Col.RESOLVED_ON].isna()
    ]
    assert sorted(queue[Col.DENIAL_ID]) == sorted(ranked_open[Col.DENIAL_ID])
    return len(queue)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("queue")
    remits = write_demo_remits(folder / INBOX)
    path = create_tracker(folder / "tracker.xlsx")
    return folder, path, remits


def test_the_queue_matches_denials_after_every_action(demo):
    folder, path, remits = demo
    early, late = remits[:20], remits[20:]
    with open_for_update(path) as book:
        actions.import_remittances(book, early)
    assert assert_queue_matches_denials(path) == 0  # nothing ranked yet
    with open_for_update(path) as book:
        actions.classify_and_prioritize(book, today=AS_OF)
    queued = assert_queue_matches_denials(path)
    assert queued > 0
    with open_for_update(path) as book:
        fill_demo_practice(book)
        asked = list(book.read_table(WORK_QUEUE)[Col.DENIAL_ID][:3])
        denials = book.read_table(DENIALS)  # a biller asks for letters on three queued rows
        denials.loc[denials[Col.DENIAL_ID].isin(asked), Col.LETTER_WANTED] = "Yes"
        book.write_table(DENIALS, denials)
        book.save()
        report = actions.generate_letters(book, today=AS_OF)
    assert report.written
    assert_queue_matches_denials(path)
    denials, queue = _tables(path)
    drafted = queue[queue[Col.STATUS] == "Appeal Drafted"]
    lettered = {i for item in report.written for i in item.denial_ids}
    assert set(drafted[Col.DENIAL_ID]) == lettered  # not "New" until Classify runs again
    assert drafted[Col.LETTER].str.endswith(".docx").all()
    assert drafted[Col.LETTER_STATUS].str.startswith(("Draft", "Ready")).all()
    with open_for_update(path) as book:  # later remits settle some queued rows
        actions.import_remittances(book, late)
    assert assert_queue_matches_denials(path) <= queued + 0
    with open_for_update(path) as book:
        actions.classify_and_prioritize(book, today=AS_OF)
    assert_queue_matches_denials(path)


def test_the_queue_has_what_a_biller_needs_to_act(demo):
    _, path, _ = demo
    denials, queue = _tables(path)
    for name in (
        Col.MEMBER_ID, Col.PAYER_CLAIM_NUMBER, Col.CODES, Col.PROCEDURE, Col.LETTER,
        Col.LETTER_STATUS, Col.REMEDY, Col.APPEAL_DEADLINE, Col.CORRECTED_CLAIM_DEADLINE,
    ):  # fmt: skip
        assert name in queue.columns
    rows = denials.set_index(Col.DENIAL_ID)
    for _, queued in queue.iterrows():
        row = rows.loc[queued[Col.DENIAL_ID]]
        codes = f"{row[Col.GROUP]}-{row[Col.CARC]}"
        if row[Col.RARC]:
            codes += f" + {row[Col.RARC]}"
        assert queued[Col.CODES] == codes  # e.g. CO-16 + N290
        words = queued[Col.CATEGORY]
        assert "_" not in words and words[0].isupper()
        assert words.lower().replace(" ", "_") == (row[Col.CATEGORY_OVERRIDE] or row[Col.CATEGORY])
    # a claim's lines are together: each claim's rows form one run
    claims = list(queue[Col.CLAIM_ID])
    runs = [c for i, c in enumerate(claims) if i == 0 or claims[i - 1] != c]
    assert len(runs) == len(set(claims))
    assert any(claims.count(c) > 1 for c in claims)  # the demo has claims with two lines


def test_the_queue_and_denials_are_set_up_to_scroll_and_print(demo):
    _, path, _ = demo
    workbook = openpyxl.load_workbook(path)
    queue, denials = workbook[WORK_QUEUE.sheet], workbook[DENIALS.sheet]
    assert queue.freeze_panes == "D2" and [c.value for c in queue[1][:3]] == [
        Col.RANK, Col.CLAIM_ID, Col.PATIENT,
    ]  # fmt: skip
    assert denials.freeze_panes == "D2" and denials["C1"].value == Col.CLAIM_ID
    for sheet in (queue, denials):
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1"
    action = [c.value for c in queue[1]].index(Col.ACTION) + 1
    cell = queue.cell(2, action)
    assert cell.alignment.wrap_text and len(cell.value) > 60
    assert queue.row_dimensions[2].height >= 30  # the row shows the wrapped text
    assert queue.cell(2, 1).alignment.vertical == "top"  # the rank beside its Action's top


def test_the_printed_queue_is_one_readable_page_wide(demo):
    """Landscape, one page wide, on narrow margins: Rank … Status print (what a biller works
    from on paper); Owner, Follow-up Date, Category, the letter's link and status, the
    priority's score and reason and the Denial ID stay on screen. Their width at 100 %
    (7 px a unit + 5) on a letter page's 10.5 printable inches (96 px each) gives the scale
    Excel's fit-to-width prints at: at least 60 % (LibreOffice's render of the demo: 61 %)."""
    _, path, _ = demo
    queue = openpyxl.load_workbook(path)[WORK_QUEUE.sheet]
    header = [c.value for c in queue[1]]
    last = header.index(Col.STATUS) + 1
    assert queue.print_area == f"'{WORK_QUEUE.sheet}'!$A$1:${get_column_letter(last)}$1048576"
    printed = header[:last]
    for name in (Col.RANK, Col.CLAIM_ID, Col.PATIENT, Col.MEMBER_ID, Col.PAYER_CLAIM_NUMBER,
                 Col.DENIED_AMOUNT, Col.CODES, Col.ACTION, Col.REMEDY, Col.APPEAL_DEADLINE,
                 Col.CORRECTED_CLAIM_DEADLINE, Col.DAYS_LEFT, Col.STATUS):  # fmt: skip
        assert name in printed
    for name in (Col.LETTER, Col.PRIORITY_REASON, Col.DENIAL_ID, Col.OWNER):
        assert name in header[last:]
    pixels = sum(
        int(queue.column_dimensions[get_column_letter(c)].width * 7 + 5) for c in range(1, last + 1)
    )
    margins = queue.page_margins
    assert (margins.left, margins.right) == (0.25, 0.25)
    printable = (11 - margins.left - margins.right) * 96
    assert 0.60 <= printable / pixels <= 0.70
    setup = queue.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert queue.oddFooter.center.text == "Page &P of &N"


def test_letters_keep_the_follow_ups_on_the_queue(demo):
    _, path, _ = demo  # after the first test: the 837s are imported and classified

    def follow_ups():
        queue = OpenpyxlBook.open(path).read_table(WORK_QUEUE)
        return list(queue[queue[Col.DENIAL_ID].str.startswith(FOLLOW_UP_PREFIX)][Col.DENIAL_ID])

    before = follow_ups()
    assert before  # the demo's unanswered October claims
    with open_for_update(path) as book:
        denials = book.read_table(DENIALS)
        open_rows = denials[denials[Col.LETTER].isna() & denials[Col.RANK].notna()]
        denials.loc[open_rows.index[:1], Col.LETTER_WANTED] = "Yes"
        book.write_table(DENIALS, denials)
        book.save()
        assert actions.generate_letters(book, today=AS_OF).written
    assert follow_ups() == before
    assert_queue_matches_denials(path)
