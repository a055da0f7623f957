"""Import throughput: `denialdesk import` of a big synthetic 835 into a fresh tracker, compared
with what openpyxl alone needs to load and save the workbook that results.

Run: python bench/import_bench.py [--claims 100000] [--seed 7]

The goal: the whole import within 3× openpyxl's own load + save of the resulting workbook.
It also reports where the import's time goes (each stage timed by wrapping its function).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import stage_timers, synthetic_835  # noqa: E402

from addin import actions, posting  # noqa: E402
from addin.actions import import_remits  # noqa: E402
from addin.actions.new_tracker import create_tracker  # noqa: E402
from addin.workbook import openpyxl_book  # noqa: E402
from addin.workbook.tracker_file import open_for_update  # noqa: E402

STAGES = [
    ("open workbook", openpyxl_book.OpenpyxlBook, "open"),
    ("read tables", openpyxl_book.OpenpyxlBook, "read_table"),
    ("parse 835 (+ reduce to postable facts)", import_remits, "read_remit_file"),
    ("post to ledger", posting.Ledger, "post_transaction"),
    ("build frames", posting.Ledger, "frames"),
    ("write cells", openpyxl_book.OpenpyxlBook, "write_table"),
    ("save (temp file, verify, replace)", openpyxl_book.OpenpyxlBook, "save"),
]


def timed_import(tracker: Path, remit: Path, totals: dict[str, float]) -> float:
    start = time.perf_counter()
    with stage_timers(STAGES, totals), open_for_update(tracker) as book:
        report = actions.import_remittances(book, [remit])
    seconds = time.perf_counter() - start
    print(f"  {report.summary()}", file=sys.stderr)
    return seconds


def openpyxl_round_trip(tracker: Path) -> tuple[float, float]:
    start = time.perf_counter()
    workbook = openpyxl.load_workbook(tracker)
    loaded = time.perf_counter()
    workbook.save(tracker.with_name("round-trip.xlsx"))
    return loaded - start, time.perf_counter() - loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    remit = synthetic_835(args.claims, args.seed)
    totals: dict[str, float] = defaultdict(float)
    with tempfile.TemporaryDirectory() as folder:
        tracker = create_tracker(Path(folder) / "tracker.xlsx")
        seconds = timed_import(tracker, remit, totals)
        load, save = openpyxl_round_trip(tracker)
        size = tracker.stat().st_size
    print(f"File: {remit.name} ({args.claims:,} claims); resulting tracker {size / 1e6:.1f} MB\n")
    print("| step | seconds |\n|---|---|")
    print(f"| denialdesk import, whole | {seconds:.1f} |")
    for label, _, _ in STAGES:
        print(f"| — {label} | {totals[label]:.1f} |")
    print(f"| openpyxl alone: load | {load:.1f} |\n| openpyxl alone: save | {save:.1f} |")
    print(f"\nimport ÷ (openpyxl load + save) = {seconds / (load + save):.2f} (goal ≤ 3)")


if __name__ == "__main__":
    main()
