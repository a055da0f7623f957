"""Refresh KPIs on a big tracker: 100,000 claims and 15,000 denials written through the Book.

Run: python bench/kpis_bench.py [--claims 100000] [--denials 15000] [--repeat 5]

Goal: the KPI computation (`addin.kpis.compute` plus building the report model) under 2 s.
It also times the whole `denialdesk kpis` command in a fresh process and says where that
time goes (open, read tables, compute, write sheets, save). The tracker is built once and
kept in the benchmark cache folder (see bench/_common.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE  # noqa: E402

from addin.actions.new_tracker import create_tracker  # noqa: E402
from addin.kpis import compute as kpis  # noqa: E402
from addin.kpis import measures as kpi_data  # noqa: E402
from addin.kpis import report as kpi_report  # noqa: E402
from addin.remit.models import status_label  # noqa: E402
from addin.workbook.layout import CATEGORIES, CLAIMS, DENIALS, STATUSES, Col  # noqa: E402
from addin.workbook.openpyxl_book import OpenpyxlBook  # noqa: E402
from addin.workbook.tracker_file import open_for_update  # noqa: E402

TODAY = date(2026, 12, 31)
START = date(2025, 1, 1)
PAYERS = [f"SYNTHETIC PAYER {n}" for n in range(1, 13)]
CARCS = ["16", "18", "22", "27", "29", "50", "96", "97", "109", "151", "197", "252", "4", "11"]
OWNERS = [None, "Front Desk", "Billing", "Coder", "Clinical Reviewer", "Manager"]


def money(cents: np.ndarray) -> list[Decimal]:
    return [Decimal(int(c)).scaleb(-2) for c in cents]


def days(offsets: np.ndarray) -> list[date]:
    return [START + timedelta(days=int(d)) for d in offsets]


def synthetic_frames(claims: int, denials: int, seed: int = 7):
    """Claims over two years, `denials` of them initially denied, with realistic outcomes."""
    rng = np.random.default_rng(seed)
    remit = rng.integers(0, (TODAY - START).days - 30, claims)
    billed = rng.integers(5_000, 250_000, claims)
    denied_claim = rng.choice(claims, denials, replace=False)
    initially = np.zeros(claims, dtype=bool)
    initially[denied_claim] = True
    claim_frame = {
        Col.CLAIM_KEY: [f"C-{n:08d}" for n in range(claims)],
        Col.CLAIM_ID: [f"SYN{n:08d}" for n in range(claims)],
        Col.PAYER: rng.choice(PAYERS, claims),
        Col.BILLED: money(billed),
        Col.FIRST_STATUS: np.where(initially, status_label("4"), status_label("1")),
        Col.FIRST_REMIT_DATE: days(remit),
        Col.INITIALLY_DENIED: np.where(initially, "Yes", "No"),
        Col.INITIAL_DENIED_AMOUNT: [
            m if d else None for m, d in zip(money(billed), initially, strict=True)
        ],
    }
    status = rng.choice(STATUSES, denials, p=[0.3, 0.1, 0.1, 0.05, 0.1, 0.2, 0.1, 0.05])
    paid = status == "Won"
    resolved = remit[denied_claim] + rng.integers(10, 90, denials)
    letter = remit[denied_claim] + rng.integers(3, 40, denials)
    appealed = np.isin(status, ["Appeal Drafted", "Appeal Sent", "Won", "Lost"])
    denial_frame = {
        Col.DENIAL_ID: [f"D-{n:08d}" for n in range(denials)],
        Col.CLAIM_KEY: [f"C-{n:08d}" for n in denied_claim],
        Col.PAYER: np.asarray(claim_frame[Col.PAYER])[denied_claim],
        Col.DENIED_AMOUNT: money(billed[denied_claim]),
        Col.GROUP: "CO",
        Col.CARC: rng.choice(CARCS, denials),
        Col.CATEGORY: rng.choice([*CATEGORIES[:12], None], denials),
        Col.TYPE: rng.choice(["soft", "hard", None], denials),
        Col.REMIT_DATE: days(remit[denied_claim]),
        Col.APPEAL_DEADLINE: days(remit[denied_claim] + 90),
        Col.RESOLUTION: np.where(paid, "Paid", None),
        Col.RECOVERED_AMOUNT: [
            m if p else None for m, p in zip(money(billed[denied_claim]), paid, strict=True)
        ],
        Col.RESOLVED_ON: [d if p else None for d, p in zip(days(resolved), paid, strict=True)],
        Col.LETTER_GENERATED_ON: [
            d if s else None for d, s in zip(days(letter), appealed, strict=True)
        ],
        Col.STATUS: status,
        Col.OWNER: rng.choice(OWNERS, denials),
    }
    return claim_frame, denial_frame


def build_tracker(claims: int, denials: int) -> Path:
    """The big tracker, written through the Book once and cached."""
    path = CACHE / f"kpis-{claims}-{denials}.xlsx"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"partial-{path.name}")
    partial.unlink(missing_ok=True)
    create_tracker(partial)
    claim_data, denial_data = synthetic_frames(claims, denials)
    with open_for_update(partial) as book:
        for spec, data in ((CLAIMS, claim_data), (DENIALS, denial_data)):
            empty = book.read_table(spec)
            frame = pd.DataFrame({c: data.get(c) for c in empty.columns}, dtype=object)
            book.write_table(spec, frame.where(frame.notna(), None))
        book.save()
    partial.replace(path)
    return path


def time_compute(tracker: Path, repeat: int) -> dict[str, float]:
    """Best-of-`repeat` seconds of the pure steps on frames read once."""
    book = OpenpyxlBook.open(tracker)
    claims, denials = book.read_table(CLAIMS), book.read_table(DENIALS)
    settings = kpis.KpiSettings.from_settings(book.read_settings())
    typed = kpi_data.denial_table(denials)
    steps = {
        "type the denials (addin.denials.typed_frame)": lambda: kpi_data.denial_table(denials),
        "prepare claims": lambda: kpi_data.prepare_claims(claims, typed),
        "prepare denials": lambda: kpi_data.prepare_denials(typed, settings, TODAY),
        "compute (all KPI tables)": lambda: kpis.compute(claims, denials, settings, TODAY),
    }
    best = {name: min(_seconds(step) for _ in range(repeat)) for name, step in steps.items()}
    figures = kpis.compute(claims, denials, settings, TODAY)
    build = lambda: kpi_report.build_reports(figures, datetime.now())  # noqa: E731
    best["build the report model"] = min(_seconds(build) for _ in range(repeat))
    return best


def _seconds(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


CHILD = """
import json, sys, time
start = time.perf_counter()
from addin import actions
from addin.workbook.tracker_file import open_for_update
imported = time.perf_counter()
with open_for_update(sys.argv[1]) as book:
    opened = time.perf_counter()
    report = actions.refresh_kpis(book)
done = time.perf_counter()
print(json.dumps({"import Python modules": imported - start, "open workbook": opened - imported,
                  **report.seconds, "whole refresh": done - start}))
"""


def time_command(tracker: Path) -> dict[str, float]:
    """The whole refresh in a fresh process on a copy of the tracker, step by step."""
    import json
    import shutil

    copy = tracker.with_name(f"refresh-{tracker.name}")
    shutil.copy(tracker, copy)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(copy)], capture_output=True, text=True, check=True
    )
    total = time.perf_counter() - start
    copy.unlink()
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "process total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--denials", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    tracker = build_tracker(args.claims, args.denials)
    print(
        f"tracker: {tracker} ({tracker.stat().st_size / 1e6:.1f} MB, built/cached in "
        f"{time.perf_counter() - started:.1f} s)\n"
    )
    print(f"| KPI computation (best of {args.repeat}) | seconds |\n|---|---|")
    for name, seconds in time_compute(tracker, args.repeat).items():
        print(f"| {name} | {seconds:.2f} |")
    print("\n| `denialdesk kpis`, fresh process | seconds |\n|---|---|")
    for name, seconds in time_command(tracker).items():
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
