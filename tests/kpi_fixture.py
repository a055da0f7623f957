"""A small synthetic tracker whose KPIs were worked out by hand (the figures are in test_kpis.py).

Ten claims over January–June 2026 (Q1: C1–C4, Q2: C5–C10) and six denials; today is
2026-07-15. Payer B's name looks like a formula on purpose: it must stay text on every sheet.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from addin.remit.models import status_label
from addin.workbook.layout import CLAIMS, DENIALS, Col, TableSpec
from addin.workbook.tracker_file import open_for_update

TODAY = date(2026, 7, 15)
PAYER_A = "ALPHA HEALTH"
PAYER_B = "=1+1 HEALTH"
PAID, DENIED, REVERSAL = status_label("1"), status_label("4"), status_label("22")


def _claim(key, payer, remit, billed, denied_amount=None, first_status=None):
    return {
        Col.CLAIM_KEY: key,
        Col.CLAIM_ID: f"ID-{key}",
        Col.PAYER: payer,
        Col.PATIENT: "SYNTHETIC, PATIENT",
        Col.BILLED: Decimal(billed),
        # CLP02 = 4 only for a claim denied whole; a partly denied claim was processed
        Col.FIRST_STATUS: first_status or (DENIED if denied_amount == billed else PAID),
        Col.FIRST_REMIT_DATE: remit,
        Col.INITIALLY_DENIED: "Yes" if denied_amount else "No",
        Col.INITIAL_DENIED_AMOUNT: Decimal(denied_amount) if denied_amount else None,
    }


CLAIM_ROWS = [
    _claim("C1", PAYER_A, date(2026, 1, 10), "100", "100"),
    _claim("C2", PAYER_A, date(2026, 1, 20), "200"),
    _claim("C3", PAYER_B, date(2026, 2, 5), "300"),
    _claim("C4", PAYER_B, date(2026, 3, 1), "400"),
    _claim("C5", PAYER_A, date(2026, 4, 2), "100", "50"),
    _claim("C6", PAYER_A, date(2026, 4, 10), "100"),
    _claim("C7", PAYER_B, date(2026, 5, 3), "300", "250"),
    _claim("C8", PAYER_B, date(2026, 5, 20), "100"),  # denied only later (D5): not initially
    _claim("C9", PAYER_B, date(2026, 6, 1), "500", "500"),  # only a duplicate (CARC 18)
    _claim("C10", PAYER_B, date(2026, 6, 5), "80", first_status=REVERSAL),
]


def _denial(denial_id, claim, payer, remit, amount, carc, status, **more):
    return {
        Col.DENIAL_ID: denial_id,
        Col.CLAIM_KEY: claim,
        Col.PAYER: payer,
        Col.PATIENT: "SYNTHETIC, PATIENT",
        Col.REMIT_DATE: remit,
        Col.DENIED_AMOUNT: Decimal(amount),
        Col.GROUP: "CO",
        Col.CARC: carc,
        Col.STATUS: status,
        **more,
    }


DENIAL_ROWS = [
    _denial(
        "D1",
        "C1",
        PAYER_A,
        date(2026, 1, 10),
        "100",
        "50",
        "Won",
        **{
            Col.RESOLUTION: "Paid",
            Col.RECOVERED_AMOUNT: Decimal("100"),
            Col.RESOLVED_ON: date(2026, 2, 9),
            Col.LETTER_GENERATED_ON: date(2026, 1, 20),
            Col.APPEAL_SENT_ON: date(2026, 1, 20),
            Col.TYPE: "hard",
            Col.OWNER: "Billing",
            Col.CATEGORY: "medical_necessity",
        },
    ),
    _denial(
        "D2",
        "C5",
        PAYER_A,
        date(2026, 4, 2),
        "50",
        "16",
        "Lost",
        **{Col.TYPE: "soft", Col.OWNER: "Billing", Col.APPEAL_SENT_ON: date(2026, 4, 20)},
    ),
    _denial(
        "D3",
        "C7",
        PAYER_B,
        date(2026, 5, 3),
        "200",
        "197",
        "Appeal Sent",
        **{
            Col.LETTER_GENERATED_ON: date(2026, 5, 23),
            Col.APPEAL_SENT_ON: date(2026, 5, 23),
            Col.TYPE: "hard",
            Col.OWNER: "Front Desk",
            Col.CATEGORY: "authorization",
            Col.APPEAL_DEADLINE: date(2026, 7, 25),
            Col.NOTES: "called payer",
        },
    ),
    _denial(
        "D4",
        "C9",
        PAYER_B,
        date(2026, 6, 1),
        "500",
        "18",
        "New",
        **{Col.TYPE: "soft", Col.CATEGORY: "duplicate"},
    ),
    _denial(
        "D5",
        "C8",
        PAYER_B,
        date(2026, 6, 20),
        "100",
        "96",
        "Written Off",
        **{
            Col.TYPE: "hard",
            Col.OWNER: "Billing",
            Col.CATEGORY: "other",
            Col.CATEGORY_OVERRIDE: "non_covered",
        },
    ),
    _denial(
        "D6",
        "C7",
        PAYER_B,
        date(2026, 5, 3),
        "50",
        "16",
        "Won",
        **{
            Col.RESOLUTION: "Partially paid",
            Col.RECOVERED_AMOUNT: Decimal("20"),
            Col.RESOLVED_ON: date(2026, 6, 12),
            Col.TYPE: "soft",
            Col.OWNER: "Front Desk",
            Col.CATEGORY: "claim_data",
        },
    ),
]


def frame_for(template: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """Rows as a table frame with every column the table has (blanks where not given)."""
    return pd.DataFrame(
        [dict.fromkeys(template.columns) | row for row in rows], columns=template.columns
    ).astype(object)


def write_rows(tracker: Path, spec: TableSpec, rows: list[dict]) -> None:
    with open_for_update(tracker) as book:
        book.write_table(spec, frame_for(book.read_table(spec), rows))
        book.save()


def fill(tracker: Path, claims=CLAIM_ROWS, denials=DENIAL_ROWS) -> Path:
    """Write the fixture's claims and denials into a fresh tracker, through the Book."""
    write_rows(tracker, CLAIMS, claims)
    write_rows(tracker, DENIALS, denials)
    return tracker


def build_demo(folder: Path) -> Path:
    """The `denialdesk demo` tracker, built in `folder`."""
    from addin.demo.tracker import run_demo
    from addin.workbook.template import TEMPLATE_NAME

    list(run_demo(folder))
    return folder / TEMPLATE_NAME
