"""Parse throughput and peak memory: our 835 reader side by side with edi-835-parser.

Run: python bench/parse_bench.py [--claims 100000] [--seed 7] [--repeat 3]

Each contender parses the same synthetic file in a fresh process (so peak memory is its own)
`--repeat` times; the best time counts. "claims/s" is claims fully read into records.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_child, synthetic_835  # noqa: E402

CHILD_PRELUDE = """
import json, resource, sys, time
def peak_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def report(claims, seconds, baseline):
    figures = {"claims": claims, "seconds": seconds, "baseline_kb": baseline}
    print(json.dumps(figures | {"peak_kb": peak_kb()}))
"""

OURS_STREAMING = (
    CHILD_PRELUDE
    + """
from addin.remit import Claim, read_remit
baseline = peak_kb()
start = time.perf_counter()
claims, paid = 0, 0
with open(sys.argv[1], "rb") as handle:
    for record in read_remit(handle):
        if isinstance(record, Claim):
            claims += 1
            paid += record.paid or 0
seconds = time.perf_counter() - start
report(claims, seconds, baseline)
"""
)

OURS_ALL_IN_MEMORY = (
    CHILD_PRELUDE
    + """
from addin.remit import Claim, read_remit
baseline = peak_kb()
start = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    records = list(read_remit(handle))
claims = sum(isinstance(r, Claim) for r in records)
seconds = time.perf_counter() - start
report(claims, seconds, baseline)
"""
)

EDI_835_PARSER = (
    CHILD_PRELUDE
    + """
import warnings
warnings.simplefilter("ignore")
from edi_835_parser import parse
baseline = peak_kb()
start = time.perf_counter()
sets = parse(sys.argv[1])
claims = sum(len(s.claims) for s in sets.transaction_sets)
seconds = time.perf_counter() - start
report(claims, seconds, baseline)
"""
)

CONTENDERS = {
    "denialdesk (streaming)": OURS_STREAMING,
    "denialdesk (all records kept)": OURS_ALL_IN_MEMORY,
    "edi-835-parser 1.8.0": EDI_835_PARSER,
}
REFERENCE = "edi-835-parser 1.8.0"


def measure(path: Path, repeat: int) -> dict[str, dict]:
    results = {}
    for name, code in CONTENDERS.items():
        runs = [run_child(code, str(path)) for _ in range(repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        best["peak_kb"] = max(r["peak_kb"] for r in runs)
        results[name] = best
        print(f"  {name}: {best['seconds']:.2f} s", file=sys.stderr)
    return results


def report(results: dict[str, dict], path: Path) -> str:
    reference = results[REFERENCE]
    lines = [
        f"File: {path.name} ({path.stat().st_size / 1e6:.1f} MB), "
        f"Python {platform.python_version()} on {platform.machine()}",
        "",
        "| reader | claims | best time | claims/s | × edi-835-parser | peak RSS "
        "| ÷ edi-835-parser |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        speed = r["claims"] / r["seconds"]
        lines.append(
            f"| {name} | {r['claims']:,} | {r['seconds']:.2f} s | {speed:,.0f} | "
            f"{reference['seconds'] / r['seconds']:.1f}× | {r['peak_kb'] / 1024:,.0f} MB | "
            f"{reference['peak_kb'] / r['peak_kb']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = synthetic_835(args.claims, args.seed)
    results = measure(path, args.repeat)
    counts = {r["claims"] for r in results.values()}
    if counts != {args.claims}:
        raise SystemExit(f"the readers disagree on the claim count: {results}")
    print(report(results, path))


if __name__ == "__main__":
    main()
