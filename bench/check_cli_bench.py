"""`denialdesk check` as a person runs it: 10,000 outgoing claims against a tracker that imported
50,000 submitted claims (837P) and their answers (835), each run a fresh process.

Run: python bench/check_cli_bench.py [--per-month 10000 --months 6 --train 5] [--repeat 3]
     [--before /path/to/old/checkout]

The tracker is built once (planted months 1..train imported with `denialdesk import`) and
cached; month train+1's 837 is the outgoing file. Three ways of running the check are timed:
the first check of the tracker (no Claim Check sheet yet), a later one the next day (the sheet
is there; every row changes, if only its Checked On date) and `--json` (nothing written).
Wall time is what a person waits; CPU time (user + system) is steadier while other jobs share
the machine; the load average is printed per run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLI = ["-c", "from addin.cli import cli; cli()"]


def build(per_month: int, months: int, train: int, seed: int) -> tuple[Path, list[Path]]:
    """The cached tracker with the first `train` months imported, and the outgoing 837s."""
    from addin.demo.planted import planted_months

    folder = CACHE / f"check-{seed}-{per_month}x{months}-train{train}"
    tracker = folder / "tracker.xlsx"
    outgoing = [folder / f"month{m + 1}.837" for m in range(train, months)]
    if tracker.exists() and all(p.exists() for p in outgoing):
        return tracker, outgoing
    folder.mkdir(parents=True, exist_ok=True)
    history = []
    for month in planted_months(seed, per_month, months):
        sent = folder / f"month{month.index + 1}.837"
        sent.write_text(month.claims_837(9000 + month.index), encoding="ascii")
        if month.index < train:
            history.append(sent)
            for n, text in enumerate(month.remits_835(seed)):
                remit = folder / f"month{month.index + 1}-{n}.835"
                remit.write_text(text, encoding="ascii")
                history.append(remit)
    partial = folder / "partial.xlsx"
    partial.unlink(missing_ok=True)
    run([*CLI, "new", str(partial)], ROOT)
    run([*CLI, "import", str(partial), *map(str, history)], ROOT)
    partial.replace(tracker)
    return tracker, outgoing


def run(args: list[str], tree: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of one fresh `python …` process from checkout `tree`."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], stdout=subprocess.DEVNULL, env=env, cwd=tree, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timings(tree: Path, tracker: Path, outgoing: list[Path], repeat: int, as_of: str):
    """Each way of running the check `repeat` times: (wall, cpu, load average before)."""
    work = CACHE / "check-run.xlsx"
    check = [*CLI, "check", str(work), *map(str, outgoing), "--as-of", as_of]
    later = as_of[:-2] + "02"  # the next day (as_of is a first of the month)
    found: dict[str, list] = {"first check": [], "later check": [], "--json": []}
    for _ in range(repeat):
        shutil.copy(tracker, work)
        for name, args in (
            ("first check", check),
            ("later check", [*check[:-1], later]),  # another day: every row is rewritten
            ("--json", [*check, "--json"]),
        ):
            load = os.getloadavg()[0]
            found[name].append((*run(args, tree), load))
    work.unlink(missing_ok=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-month", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--train", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to time the same way")
    args = parser.parse_args()
    tracker, outgoing = build(args.per_month, args.months, args.train, args.seed)
    print(f"tracker {tracker.stat().st_size / 1e6:.1f} MB; outgoing {len(outgoing)} file(s)\n")
    print("| code | run | wall, each run (s) | CPU, each run (s) | load average |")
    print("|---|---|---|---|---|")
    as_of = f"{2026 + args.months // 12}-{args.months % 12 + 1:02d}-01"  # after the last month
    trees = [("this", ROOT)] + ([("before", args.before)] if args.before else [])
    for label, tree in trees:
        for name, runs in timings(tree, tracker, outgoing, args.repeat, as_of).items():
            walls = " / ".join(f"{w:.1f}" for w, _, _ in runs)
            cpus = " / ".join(f"{c:.1f}" for _, c, _ in runs)
            loads = " / ".join(f"{x:.1f}" for _, _, x in runs)
            print(f"| {label} | {name} | {walls} | {cpus} | {loads} |")


if __name__ == "__main__":
    main()
