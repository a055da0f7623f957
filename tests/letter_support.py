"""Test helpers for appeal letters: classified denial rows, a practice's letterhead, payers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
from docx import Document
from docx.table import Table

from addin.workbook.base import Book
from addin.workbook.layout import DENIALS, PAYERS, SETTINGS, Col, S
from addin.workbook.tracker_file import open_for_update

# A synthetic practice (every value made up).
LETTERHEAD = {
    S.PRACTICE_NAME: "Riverbend Family Medicine",
    S.PRACTICE_ADDRESS: "100 Example Way, Suite 2",
    S.PRACTICE_CITY_STATE_ZIP: "Springfield, ST 00001",
    S.PRACTICE_NPI: "1234567893",
    S.PRACTICE_TIN: "00-0000001",
    S.PRACTICE_PHONE: "555-0100",
    S.PRACTICE_FAX: "555-0101",
    S.SIGNER_NAME: "Pat Example",
    S.SIGNER_TITLE: "Billing Manager",
}

# What Classify & Prioritize would write, per CARC (wording after ../shared/domain research).
CLASSIFIED: dict[str, tuple[str, str, str, str]] = {
    "50": (
        "medical_necessity",
        "hard",
        "Appeal with records + policy criteria; bill patient only if valid ABN/waiver",
        "Letter of medical necessity; Progress notes; Criteria crosswalk",
    ),
    "197": (
        "authorization",
        "hard",
        "Check for auth on file; else retro-auth/emergency exception appeal",
        "Authorization record; Clinical notes",
    ),
    "11": (
        "coding",
        "soft",
        "Correct dx pointer/linkage; if correct, appeal",
        "Coding rationale; Op note",
    ),
    "97": (
        "bundling",
        "hard",
        "Appeal with distinct-service documentation (modifier indicator 1)",
        "Procedure notes",
    ),
    "29": (
        "timely_filing",
        "hard",
        "Appeal ONLY with proof of timely original submission",
        "Clearinghouse acceptance report (999/277CA)",
    ),
    "18": (
        "duplicate",
        "soft",
        "Do not appeal: locate original claim/payment",
        "",
    ),
    "22": (
        "coordination_of_benefits",
        "soft",
        "Update COB with patient; bill primary then secondary with primary EOB",
        "Primary EOB",
    ),
    "27": (
        "eligibility",
        "hard",
        "Verify coverage; appeal with eligibility proof",
        "270/271 response; Member ID card copy",
    ),
    "16": (
        "claim_data",
        "soft",
        "Fix per RARC and submit new/corrected claim (no appeal rights for MA130)",
        "",
    ),
    "252": (
        "documentation",
        "soft",
        "Send records/attachment to the claim; else appeal",
        "Requested records",
    ),
    "96": (
        "non_covered",
        "hard",
        "Verify benefits; appeal if plan actually covers",
        "Plan document",
    ),
    "4": ("coding", "soft", "Correct modifier & resubmit (corrected claim freq 7)", ""),
    "151": ("medical_necessity", "hard", "Appeal with necessity for extra services", "Notes"),
}


def classify_rows(frame: pd.DataFrame, table: Mapping[str, tuple] = CLASSIFIED) -> pd.DataFrame:
    """Fill Category, Type, Action and Checklist as Classify & Prioritize would."""
    frame = frame.copy()
    for index, carc in zip(frame.index, frame[Col.CARC], strict=True):
        category, kind, action, checklist = table.get(str(carc), ("other", "hard", "", ""))
        frame.at[index, Col.CATEGORY] = category
        frame.at[index, Col.TYPE] = kind
        frame.at[index, Col.ACTION] = action or None
        frame.at[index, Col.CHECKLIST] = checklist or None
    return frame


def set_settings(book: Book, values: Mapping[str, object]) -> None:
    frame = book.read_table(SETTINGS)
    for name, value in values.items():
        matches = frame.index[frame[Col.SETTING] == name]
        if len(matches):
            frame.at[matches[0], Col.VALUE] = value
        else:
            row = dict.fromkeys(frame.columns) | {Col.SETTING: name, Col.VALUE: value}
            frame = pd.concat([frame, pd.DataFrame([row], dtype=object)], ignore_index=True)
    book.write_table(SETTINGS, frame)


def set_payers(book: Book, payers: list[Mapping[str, object]]) -> None:
    frame = book.read_table(PAYERS)
    rows = [dict.fromkeys(frame.columns) | dict(p) for p in payers]
    book.write_table(PAYERS, pd.DataFrame(rows, columns=frame.columns, dtype=object))


def payer(name: str, **values: object) -> dict[str, object]:
    address = f"{name.title()} Appeals\nPO Box 1000\nAnytown, ST 00002"
    return {Col.PAYER: name, Col.APPEAL_ADDRESS: address, Col.PLAN_TYPE: "Commercial"} | values


def denial_row(**values: object) -> dict[str, object]:
    """One synthetic Denials row with every column, classified, open, without a letter."""
    row = dict.fromkeys(DENIALS.column_names)
    row.update(
        {
            Col.DENIAL_ID: "D-0000000001",
            Col.CLAIM_KEY: "C-0000000001",
            Col.CLAIM_ID: "DD1001",
            Col.PAYER: "ACME HEALTH PLAN",
            Col.PAYER_ID: "99101",
            Col.PATIENT: "DOE, JANE",
            Col.MEMBER_ID: "SYN000111",
            Col.SERVICE_DATE: date(2026, 2, 10),
            Col.PROCEDURE: "99214",
            Col.LEVEL: "line",
            Col.LINE: 1,
            Col.BILLED: Decimal("1234.50"),
            Col.PAID: Decimal("0.00"),
            Col.DENIED_AMOUNT: Decimal("1234.50"),
            Col.GROUP: "CO",
            Col.CARC: "50",
            Col.RARC: "N115",
            Col.CLAIM_STATUS: "Denied",
            Col.PAYER_CLAIM_NUMBER: "2606199101000001",
            Col.REMIT_DATE: date(2026, 3, 5),
            Col.CHECK_NUMBER: "EFT0001",
            Col.STATUS: "New",
        }
    )
    carc = str(values.get(Col.CARC, row[Col.CARC]))
    category, kind, action, checklist = CLASSIFIED.get(carc, ("other", "hard", "Appeal", ""))
    row.update({Col.CATEGORY: category, Col.TYPE: kind, Col.ACTION: action})
    row[Col.CHECKLIST] = checklist or None
    row.update(values)
    if Col.CLAIM_KEY not in values:  # one claim per denial, unless a test shares one
        row[Col.CLAIM_KEY] = f"C-{row[Col.DENIAL_ID]}"
    return row


def write_denials(tracker: Path, rows: list[Mapping[str, object]], **setup) -> None:
    """Put `rows` in the tracker's Denials table, with letterhead and payers unless told not to."""
    with open_for_update(tracker) as book:
        frame = book.read_table(DENIALS)
        book.write_table(DENIALS, pd.DataFrame(rows, columns=frame.columns, dtype=object))
        set_settings(book, setup.get("settings", LETTERHEAD))
        set_payers(
            book, setup.get("payers", [payer("ACME HEALTH PLAN", **{Col.PAYER_IDS: "99101"})])
        )
        book.save()


def assert_matches_golden(text: str, golden: Path, update: bool) -> None:
    """Compare with the golden file (rewrite it with `pytest --update-golden`)."""
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}; create it with `pytest --update-golden`"
    assert text == golden.read_text(encoding="utf-8"), f"differs from {golden.name}"


def docx_text(path: Path) -> str:
    """Every paragraph of a letter (body, tables, footer) as python-docx reads it back."""
    document = Document(str(path))
    lines = []
    for block in document.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(block, Table):
            lines.extend(" | ".join(cell.text for cell in row.cells) for row in block.rows)
        else:
            lines.append(block.text)
    for section in document.sections:
        lines.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(lines)
