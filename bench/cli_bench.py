"""Whole commands as a person runs them: `denialdesk --help` and `denialdesk parse --json` of a
big synthetic 835, side by side with edi-835-parser's `parse()` of the same file, each a fresh
process (start, imports, output and all).

Run: python bench/cli_bench.py [--claims 50000] [--repeat 3] [--before /path/to/old/checkout]
                               [--one-core]

Runs are side by side: each round runs every contender once, in turn, so that the load of a
shared machine weighs on all of them alike; the ratio to edi-835-parser is taken within each
round. `--before` also times the same commands from another checkout (e.g. main); `--one-core`
also times parse --json read in one process (DENIALDESK_WORKERS=1). Wall time is what a person
waits; CPU time (user + system, worker processes included) is steadier on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import synthetic_835  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EDI_835_PARSER = (
    "import sys, warnings; warnings.simplefilter('ignore'); "
    "from edi_835_parser import parse; parse(sys.argv[1])"
)


def timed(command: list[str], tree: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run of `command`, its output thrown away."""
    env = os.environ | {"PYTHONPATH": str(tree)} | env
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # run from the checkout: `python -m` puts the working folder first on the path
    subprocess.run(command, stdout=subprocess.DEVNULL, env=env, cwd=tree, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers included (waited for)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


EDI = "edi-835-parser 1.8.0 parse()"


def contenders(path: Path, before: Path | None, one_core: bool) -> list[tuple]:
    python = sys.executable
    trees = [("", ROOT)] + ([(" (before)", before)] if before else [])
    rows = []
    for suffix, tree in trees:
        rows.append((f"denialdesk --help{suffix}", [python, "-m", "addin", "--help"], tree, {}))
    for suffix, tree in trees:
        command = [python, "-m", "addin", "parse", "--json", str(path)]
        rows.append((f"denialdesk parse --json{suffix}", command, tree, {}))
    if one_core:
        command = [python, "-m", "addin", "parse", "--json", str(path)]
        rows.append(
            ("denialdesk parse --json, one process", command, ROOT, {"DENIALDESK_WORKERS": "1"})
        )
    rows.append((EDI, [python, "-c", EDI_835_PARSER, str(path)], ROOT, {}))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to time the same way")
    parser.add_argument(
        "--one-core", action="store_true", help="also time parse --json with DENIALDESK_WORKERS=1"
    )
    args = parser.parse_args()
    path = synthetic_835(args.claims, args.seed)
    rows = contenders(path, args.before, args.one_core)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in rows}
    loads = [os.getloadavg()[0]]
    for round_ in range(args.repeat):  # side by side: each round runs every contender once
        for name, command, tree, env in rows:
            runs[name].append(timed(command, tree, env))
            print(f"  round {round_ + 1} {name}: {runs[name][-1][0]:.2f} s", file=sys.stderr)
        loads.append(os.getloadavg()[0])
    print(
        f"File: {path.name} ({path.stat().st_size / 1e6:.1f} MB, {args.claims:,} claims), "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, {args.repeat} rounds, "
        f"load average {min(loads):.1f}–{max(loads):.1f}\n"
    )
    print(
        "| whole process | wall: best (range) | CPU: best (range) "
        "| × edi-835-parser, wall: same round (range) | × edi-835-parser, CPU |"
    )
    print("|---|---|---|---|---|")
    edi = runs[EDI]
    for name, times in runs.items():
        walls, cpus = [t[0] for t in times], [t[1] for t in times]
        ratio = ""
        if "--help" not in name:
            by_round = [e[0] / t[0] for e, t in zip(edi, times, strict=True)]
            ratio = (
                f"{min(by_round):.1f}–{max(by_round):.1f}× | "
                f"{min(e[1] for e in edi) / min(cpus):.1f}×"
            )
        else:
            ratio = " | "
        print(
            f"| {name} | {min(walls):.2f} s ({min(walls):.2f}–{max(walls):.2f}) "
            f"| {min(cpus):.2f} s ({min(cpus):.2f}–{max(cpus):.2f}) | {ratio} |"
        )


if __name__ == "__main__":
    main()
