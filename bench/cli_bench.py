"""Whole commands as a person runs them: `denialdesk --help` and `denialdesk parse --json` of a
big synthetic 835, side by side with edi-835-parser's `parse()` of the same file, each a fresh
process (start, imports, output and all).

Run: python bench/cli_bench.py [--claims 50000] [--repeat 3] [--before /path/to/old/checkout]

`--before` also times the same commands from another checkout (e.g. main) in the same run.
Wall time is what a person waits; CPU time (user + system) is steadier on a shared machine.
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


def timed(command: list[str], tree: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of one run of `command`, its output thrown away."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # run from the checkout: `python -m` puts the working folder first on the path
    subprocess.run(command, stdout=subprocess.DEVNULL, env=env, cwd=tree, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(command: list[str], tree: Path, repeat: int) -> tuple[float, float]:
    runs = [timed(command, tree) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def contenders(path: Path, before: Path | None) -> list[tuple[str, list[str], Path]]:
    python = sys.executable
    trees = [("", ROOT)] + ([(" (before)", before)] if before else [])
    rows = []
    for suffix, tree in trees:
        rows.append((f"denialdesk --help{suffix}", [python, "-m", "addin", "--help"], tree))
    for suffix, tree in trees:
        command = [python, "-m", "addin", "parse", "--json", str(path)]
        rows.append((f"denialdesk parse --json{suffix}", command, tree))
    rows.append(("edi-835-parser 1.8.0 parse()", [python, "-c", EDI_835_PARSER, str(path)], ROOT))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to time the same way")
    args = parser.parse_args()
    path = synthetic_835(args.claims, args.seed)
    results = {}
    for name, command, tree in contenders(path, args.before):
        results[name] = best(command, tree, args.repeat)
        print(f"  {name}: {results[name][0]:.2f} s", file=sys.stderr)
    edi_wall, edi_cpu = results["edi-835-parser 1.8.0 parse()"]
    print(
        f"File: {path.name} ({path.stat().st_size / 1e6:.1f} MB, {args.claims:,} claims), "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| whole process | wall (best) | CPU (best) | × edi-835-parser (wall / CPU) |")
    print("|---|---|---|---|")
    for name, (wall, cpu) in results.items():
        ratio = "" if "--help" in name else f"{edi_wall / wall:.1f}× / {edi_cpu / cpu:.1f}×"
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {ratio} |")


if __name__ == "__main__":
    main()
