"""Classify & Prioritize on a big tracker: 100,000 synthetic denial rows.

Run: python bench/classify_bench.py [--denials 100000] [--repeat 3]

Goal: classification (`plan_classification`: rules, deadlines, chances, scores, ranks and the
Work Queue, on the tables as DataFrames) under 10 s. The workbook's load, table reads, cell
writes and save are reported separately: that is openpyxl's share. The tracker is built once
and kept in the benchmark cache folder (see bench/_common.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, stage_timers  # noqa: E402

from addin import codebook, scoring  # noqa: E402
from addin.actions import classify_denials  # noqa: E402
from addin.actions.new_tracker import create_tracker  # noqa: E402
from addin.workbook import (
    layout,  # noqa: E402
    openpyxl_book,  # noqa: E402
)
from addin.workbook.layout import CODES, DENIALS, Col  # noqa: E402
from addin.workbook.openpyxl_book import OpenpyxlBook  # noqa: E402
from addin.workbook.tracker_file import open_for_update  # noqa: E402

TODAY = date(2026, 11, 28)
START = date(2025, 6, 1)
# (group, CARC, RARCs, claim status, weight): the mix of the demo's denials and more.
MIX = [
    ("CO", "16", "MA130", "Denied", 6),
    ("CO", "16", "N290", "Denied", 4),
    ("CO", "16", "M51", "Processed as primary", 4),
    ("CO", "29", "", "Denied", 4),
    ("CO", "50", "N115", "Processed as primary", 6),
    ("CO", "97", "M15", "Processed as primary", 8),
    ("CO", "197", "", "Denied", 6),
    ("OA", "18", "N111", "Denied", 6),
    ("CO", "18", "N111", "Denied", 2),
    ("CO", "22", "MA92", "Denied", 4),
    ("CO", "27", "N30", "Denied", 4),
    ("CO", "4", "N823", "Processed as primary", 4),
    ("CO", "11", "M76", "Processed as primary", 4),
    ("CO", "151", "N640", "Processed as primary", 4),
    ("CO", "96", "N130", "Processed as primary", 4),
    ("CO", "109", "", "Denied", 4),
    ("CO", "252", "N706", "Denied", 4),
    ("PR", "27", "N30", "Denied", 2),
    ("CO", "A1", "M127", "Denied", 2),
    ("CO", "B7", "N95", "Denied", 2),
    ("PI", "50", "", "Denied", 2),
    ("CO", "59", "", "Denied", 1),
    ("CO", "242", "N52", "Denied", 1),
    ("CO", "Z99", "", "Denied", 1),
]
PAYERS = [
    ("ACME HEALTH PLAN", "99101"),
    ("SUNRISE MEDICARE ADVANTAGE", "99102"),
    ("MEDICAID OF EXAMPLESTATE", "99103"),
    ("BLUE HERON PPO", "99104"),
    ("NORTHWIND COMMERCIAL", "99105"),
    ("UNITEDHEALTHCARE", "87726"),
    ("AETNA", "60054"),
    ("MEDICARE PART B", "MEDICARE PART B"),
]
OUTCOMES = [("New", None), ("In Review", None), ("Appeal Sent", None), ("Won", "Paid"),
            ("Lost", None), ("New", "Dropped, not paid"), ("Written Off", None)]  # fmt: skip
OUTCOME_WEIGHTS = [0.45, 0.1, 0.1, 0.15, 0.08, 0.07, 0.05]


def synthetic_denials(count: int, columns: list[str], seed: int = 11) -> pd.DataFrame:
    """`count` denial rows as import writes them, with people's statuses and outcomes."""
    rng = np.random.default_rng(seed)
    weights = np.array([m[4] for m in MIX], dtype=float)
    kinds = rng.choice(len(MIX), count, p=weights / weights.sum())
    payers = rng.integers(0, len(PAYERS), count)
    served = rng.integers(0, (TODAY - START).days - 20, count)
    lag = rng.integers(10, 60, count)
    cents = rng.integers(2_000, 90_000, count)
    outcome = rng.choice(len(OUTCOMES), count, p=OUTCOME_WEIGHTS)
    rows = []
    for n in range(count):
        group, carc, rarc, status, _ = MIX[kinds[n]]
        payer, payer_id = PAYERS[payers[n]]
        service = START + timedelta(days=int(served[n]))
        remit = service + timedelta(days=int(lag[n]))
        person, resolution = OUTCOMES[outcome[n]]
        rows.append(
            {
                Col.DENIAL_ID: f"D-{n:08d}",
                Col.CLAIM_ID: f"SYN{n:08d}",
                Col.PAYER: payer,
                Col.PAYER_ID: payer_id,
                Col.PATIENT: "TESTPATIENT, ALPHA",
                Col.SERVICE_DATE: service,
                Col.LEVEL: "line",
                Col.PAID: Decimal(0),
                Col.DENIED_AMOUNT: Decimal(int(cents[n])).scaleb(-2),
                Col.GROUP: group,
                Col.CARC: carc,
                Col.RARC: rarc or None,
                Col.CLAIM_STATUS: status,
                Col.REMIT_DATE: remit,
                Col.LAST_DENIED_ON: remit,
                Col.TIMES_DENIED: 1,
                Col.RESOLUTION: resolution,
                Col.RESOLVED_ON: remit + timedelta(days=30) if resolution else None,
                Col.STATUS: person,
            }
        )
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def big_tracker(count: int) -> Path:
    """A tracker holding `count` unclassified denials, built once and cached."""
    path = CACHE / f"classify-{count}.xlsx"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = CACHE / f"classify-{count}.partial.xlsx"
    partial.unlink(missing_ok=True)
    create_tracker(partial)
    book = OpenpyxlBook.open(partial)
    frame = synthetic_denials(count, list(book.read_table(DENIALS).columns))
    book.write_table(DENIALS, frame.astype(object))
    book.workbook.save(partial)
    partial.replace(path)
    return path


STAGES = [
    ("open workbook", openpyxl_book.OpenpyxlBook, "open"),
    ("read tables", openpyxl_book.OpenpyxlBook, "read_table"),
    ("classify (rules, deadlines, scores, queue)", scoring, "plan_classification"),
    ("compare with what is there", classify_denials, "same_frame"),
    ("write cells", openpyxl_book.OpenpyxlBook, "write_table"),
    ("highlights", openpyxl_book.OpenpyxlBook, "apply_highlights"),
    ("save (temp file, verify, replace)", openpyxl_book.OpenpyxlBook, "save"),
]  # fmt: skip


def run_once(source: Path, work: Path) -> tuple[float, dict[str, float], str]:
    work.write_bytes(source.read_bytes())
    totals: dict[str, float] = defaultdict(float)
    start = time.perf_counter()
    with stage_timers(STAGES, totals), open_for_update(work) as book:
        report = classify_denials.classify_and_prioritize(book, today=TODAY)
    return time.perf_counter() - start, totals, report.summary()


def pure_classification(source: Path, repeat: int) -> list[float]:
    """`plan_classification` alone, on frames read once."""
    book = OpenpyxlBook.open(source)
    frames = [book.read_table(spec) for spec in (DENIALS, layout.PAYERS)]
    practice = codebook.load(book.read_table(CODES))
    settings = book.read_settings()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        scoring.plan_classification(*frames, practice, settings, TODAY)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--denials", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    source = big_tracker(args.denials)
    print(f"tracker: {source.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - started:.0f} s)")
    pure = pure_classification(source, args.repeat)
    work = CACHE / "classify-run.xlsx"
    seconds, totals, summary = run_once(source, work)
    print(f"  {summary}", file=sys.stderr)
    again_start = time.perf_counter()
    with open_for_update(work) as book:
        again = classify_denials.classify_and_prioritize(book, today=TODAY)
    again_seconds = time.perf_counter() - again_start
    print(f"\n{args.denials:,} denial rows\n")
    print("| step | seconds |\n|---|---|")
    print(f"| classification alone (best of {args.repeat}) | {min(pure):.2f} |")
    print(f"| denialdesk classify, whole (first run) | {seconds:.1f} |")
    for label, _, _ in STAGES:
        print(f"| — {label} | {totals[label]:.1f} |")
    print(f"| second run, nothing changed: {again.changed=} | {again_seconds:.1f} |")
    print(f"\nclassification: {min(pure):.2f} s (goal < 10 s)")


if __name__ == "__main__":
    main()
