"""Letter throughput: Generate Appeal Letters for a batch of synthetic denials, letters per second.

Run: python bench/letters_bench.py [--letters 500] [--pdf]

The goal: ≥ 20 letters/s for a batch of 500, the whole action (read the tracker, render, write
the .docx files, link the rows, save the tracker). Also reports rendering alone, with and
without the compiled-template cache, and (with --pdf) LibreOffice's PDF conversion.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addin import actions  # noqa: E402
from addin.actions.new_tracker import create_tracker  # noqa: E402
from addin.demo.tracker import DEMO_PRACTICE, set_settings  # noqa: E402
from addin.letters.context import letter_context  # noqa: E402
from addin.letters.files import find_soffice
from addin.letters.templates import LetterTemplates  # noqa: E402
from addin.workbook.layout import DENIALS, PAYERS, Col  # noqa: E402
from addin.workbook.tracker_file import open_for_update  # noqa: E402

TODAY = date(2026, 3, 20)
PAYER_NAMES = ("ACME HEALTH PLAN", "BLUE HERON PPO", "NORTHWIND COMMERCIAL")
# (CARC, category) per denial type, cycled through the batch: every template is exercised.
TYPES = (
    ("50", "medical_necessity"),
    ("197", "authorization"),
    ("11", "coding"),
    ("97", "bundling"),
    ("29", "timely_filing"),
    ("27", "eligibility"),
    ("252", "documentation"),
    ("96", "non_covered"),
    ("147", "pricing"),
)
PRACTICE = DEMO_PRACTICE  # the demo practice's fictional letterhead


def synthetic_denial(number: int, columns) -> dict:
    carc, category = TYPES[number % len(TYPES)]
    row = dict.fromkeys(columns)
    row.update(
        {
            Col.DENIAL_ID: f"D-{number:010d}",
            Col.CLAIM_ID: f"DD{100000 + number}",
            Col.PAYER: PAYER_NAMES[number % len(PAYER_NAMES)],
            Col.PATIENT: f"SYNTHETIC, PATIENT{number}",
            Col.MEMBER_ID: f"SYN{number:09d}",
            Col.SERVICE_DATE: date(2026, 1, 1) + timedelta(days=number % 60),
            Col.PROCEDURE: "99214",
            Col.BILLED: Decimal(100 + number % 900),
            Col.PAID: Decimal(0),
            Col.DENIED_AMOUNT: Decimal(100 + number % 900),
            Col.GROUP: "CO",
            Col.CARC: carc,
            Col.CATEGORY: category,
            Col.TYPE: "hard",
            Col.ACTION: "Appeal with supporting records",
            Col.CHECKLIST: "Records; Notes",
            Col.PAYER_CLAIM_NUMBER: f"26{number:014d}",
            Col.REMIT_DATE: date(2026, 3, 5),
            Col.CHECK_NUMBER: "EFT0001",
            Col.RANK: number + 1,
            Col.STATUS: "New",
        }
    )
    return row


def prepare_tracker(folder: Path, count: int) -> Path:
    tracker = create_tracker(folder / "tracker.xlsx")
    with open_for_update(tracker) as book:
        frame = book.read_table(DENIALS)
        rows = [synthetic_denial(n, frame.columns) for n in range(count)]
        book.write_table(DENIALS, pd.DataFrame(rows, columns=frame.columns, dtype=object))
        set_settings(book, PRACTICE)
        payers = book.read_table(PAYERS)
        address = "Appeals Unit\nPO Box 1\nAnytown, ST 00002"
        payer_rows = [
            dict.fromkeys(payers.columns) | {Col.PAYER: name, Col.APPEAL_ADDRESS: address}
            for name in PAYER_NAMES
        ]
        book.write_table(PAYERS, pd.DataFrame(payer_rows, columns=payers.columns, dtype=object))
        book.save()
    return tracker


def time_action(tracker: Path, pdf: bool) -> tuple[float, actions.LetterReport]:
    start = time.perf_counter()
    with open_for_update(tracker) as book:
        report = actions.generate_letters(book, today=TODAY, pdf=pdf)
    return time.perf_counter() - start, report


def time_pdfs(tracker: Path, count: int) -> tuple[str, float, float]:
    """Draft `count` letters again, each with its PDF copy."""
    ids = [f"D-{n:010d}" for n in range(count)]
    start = time.perf_counter()
    with open_for_update(tracker) as book:
        report = actions.generate_letters(book, rows=ids, today=TODAY, pdf=True)
    assert not report.pdf_note, report.pdf_note
    seconds = time.perf_counter() - start
    return f"{count} letters with PDF copies (LibreOffice)", seconds, count / seconds


def time_rendering(count: int, cached: bool) -> float:
    """Render `count` letters in memory only (no files, no workbook)."""
    templates = LetterTemplates()
    context = letter_context(
        synthetic_denial(0, DENIALS.column_names), PRACTICE, {}, today=TODAY
    ) | {"payer_appeal_address": "PO Box 1"}
    source = templates.source("appeal_medical_necessity")
    plain = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
    plain.filters.update(context.FILTERS)
    start = time.perf_counter()
    for _ in range(count):
        if cached:
            templates.render("appeal_medical_necessity", context)
        else:  # what docxtpl does by default: compile the document's XML every time
            document = DocxTemplate(io.BytesIO(source))
            document.render(context, plain, autoescape=True)
            document.save(io.BytesIO())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--pdf", action="store_true", help="also time PDF copies (LibreOffice)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tracker = prepare_tracker(Path(folder), args.letters)
        seconds, report = time_action(tracker, pdf=False)
        assert len(report.written) == args.letters, report.summary()
        rendered = time_rendering(100, cached=True)
        uncached = time_rendering(100, cached=False)
        rows = [
            (f"whole action, {args.letters} letters", seconds, args.letters / seconds),
            ("render only, compiled template kept (100)", rendered, 100 / rendered),
            ("render only, docxtpl default: compile per letter (100)", uncached, 100 / uncached),
        ]
        if args.pdf and find_soffice():
            rows.append(time_pdfs(tracker, min(args.letters, 50)))
    print("| step | seconds | letters/s |\n|---|---|---|")
    for label, spent, rate in rows:
        print(f"| {label} | {spent:.2f} | {rate:.0f} |")
    print(f"\nGoal: ≥ 20 letters/s for the whole action; measured {rows[0][2]:.0f}/s.")


if __name__ == "__main__":
    main()
