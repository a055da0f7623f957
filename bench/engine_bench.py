"""The file engine on a big tracker: each button's action against openpyxl's own load + save.

Run: python bench/engine_bench.py [--claims 50000] [--remit-claims 2000]

Builds (once, cached) a tracker of `--claims` synthetic claims imported and classified, then,
in one run: openpyxl alone loads and saves it; import of a `--remit-claims` remit, Classify,
Letters for the new denials and Refresh KPIs each run on it through `open_for_update` (the
file engine), timed from open to saved. Goal: each ≤ 1/4 of openpyxl's load + save.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, stage_timers, synthetic_835  # noqa: E402

from addin import actions  # noqa: E402
from addin.actions.new_tracker import create_tracker  # noqa: E402
from addin.demo.tracker import fill_demo_practice  # noqa: E402
from addin.workbook.file_book import FileBook  # noqa: E402
from addin.workbook.layout import DENIALS, Col  # noqa: E402
from addin.workbook.tracker_file import ENGINE_ENV, open_for_update  # noqa: E402

TODAY = date(2026, 11, 28)


def big_tracker(claims: int) -> Path:
    """A tracker with `claims` claims imported and classified (built with openpyxl, cached)."""
    path = CACHE / f"tracker-{claims}.xlsx"
    if not path.exists():
        os.environ[ENGINE_ENV] = "openpyxl"
        partial = create_tracker(CACHE / f"partial-{claims}.xlsx")
        with open_for_update(partial) as book:
            actions.import_remittances(book, [synthetic_835(claims, 7)])
            actions.classify_and_prioritize(book, today=TODAY)
            fill_demo_practice(book)
        os.environ.pop(ENGINE_ENV)
        partial.replace(path)
    return path


# The workbook's share of an action: the file engine's open, table reads, writes and save.
STAGES = [
    ("open", FileBook, "open"),
    ("read", FileBook, "read_table"),
    ("write", FileBook, "write_table"),
    ("reports", FileBook, "write_report"),
    ("save", FileBook, "save"),
]


def timed(label: str, tracker: Path, run, results: list) -> object:
    totals = dict.fromkeys((s[0] for s in STAGES), 0.0)
    start = time.perf_counter()
    with stage_timers(STAGES, totals), open_for_update(tracker) as book:
        outcome = run(book)
    results.append((label, time.perf_counter() - start, totals))
    print(f"  {label}: {results[-1][1]:.1f} s", file=sys.stderr)
    return outcome


def denial_ids(tracker: Path) -> set[str]:
    with open_for_update(tracker) as book:
        return set(book.read_table(DENIALS)[Col.DENIAL_ID])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--remit-claims", type=int, default=2_000)
    args = parser.parse_args()
    source = big_tracker(args.claims)
    remit = synthetic_835(args.remit_claims, 11)
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        tracker = Path(folder) / "tracker.xlsx"
        shutil.copy(source, tracker)
        start = time.perf_counter()
        workbook = openpyxl.load_workbook(tracker)
        loaded = time.perf_counter()
        workbook.save(Path(folder) / "round-trip.xlsx")
        load, save = loaded - start, time.perf_counter() - loaded
        del workbook
        before = denial_ids(tracker)
        timed(
            "Import remittances",
            tracker,
            lambda book: actions.import_remittances(book, [remit]),
            results,
        )
        new = sorted(denial_ids(tracker) - before)
        timed(
            "Classify & prioritize",
            tracker,
            lambda book: actions.classify_and_prioritize(book, today=TODAY),
            results,
        )
        with open_for_update(tracker) as book:  # appeal addresses for new payers (untimed)
            fill_demo_practice(book)
            book.save()
        letters = timed(
            f"Generate letters ({len(new)} new denials)",
            tracker,
            lambda book: actions.generate_letters(book, rows=new, today=TODAY),
            results,
        )
        if letters.failed:
            print(f"  first failure: {letters.failed[0].message}", file=sys.stderr)
        timed(
            "Refresh KPIs", tracker, lambda book: actions.refresh_kpis(book, today=TODAY), results
        )
        size = tracker.stat().st_size
    budget = (load + save) / 4
    print(
        f"Tracker: {args.claims:,} claims ({size / 1e6:.1f} MB); remit: {args.remit_claims:,}"
        f" claims; {letters.summary()}\n"
    )
    print(
        f"openpyxl alone: load {load:.1f} s + save {save:.1f} s = {load + save:.1f} s; "
        f"goal per action ≤ {budget:.1f} s\n"
    )
    print(
        "| action (file engine, open → saved) | seconds | ÷ openpyxl load + save | "
        "workbook: open / read / write / reports / save |"
    )
    print("|---|---|---|---|")
    for label, seconds, totals in results:
        parts = " / ".join(f"{totals[name]:.1f}" for name, _, _ in STAGES)
        print(f"| {label} | {seconds:.1f} | {seconds / (load + save):.2f} | {parts} |")


if __name__ == "__main__":
    main()
