"""Import memory: peak RSS of `denialdesk import` of a big synthetic remit into a tracker, and
how much of it is DenialDesk's own (read tables → post → frames) vs the workbook engine's
(the file engine by default, which streams the rows it writes; DENIALDESK_ENGINE=openpyxl for
the openpyxl Book, which holds the whole workbook).

Run: python bench/import_memory.py --tracker T.xlsx --remit R.835
     (make them with `denialdesk synth --claims 500000 R.835`, and a 50,000-claim tracker by
     importing `denialdesk synth --claims 50000` into `denialdesk new T.xlsx`).

Each figure comes from a fresh child process (ru_maxrss of the child): "whole import" runs the
real command on a copy of the tracker; "DenialDesk's part" runs the same action on a Book that
holds the tracker's tables as DataFrames (unpickled, no openpyxl workbook), so the difference
is what the workbook engine costs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEMORY_BOOK = r"""
import pickle, sys
from pathlib import Path
from addin import actions
from addin.workbook.base import settings_from_rows

class MemoryBook:
    name, folder = "memory.xlsx", None
    def __init__(self, tables): self.tables = tables
    def read_table(self, spec): return self.tables[spec.name]
    def write_table(self, spec, frame): self.tables[spec.name] = frame
    def ensure_table(self, spec): pass
    def read_settings(self): return settings_from_rows([])
    def save(self): pass

tables = pickle.loads(Path(sys.argv[1]).read_bytes())
report = actions.import_remittances(MemoryBook(tables), [sys.argv[2]])
print(report.summary())
"""

READ_TABLES = r"""
import pickle, sys
from pathlib import Path
from addin.workbook.layout import TABLES
from addin.workbook.openpyxl_book import OpenpyxlBook
book = OpenpyxlBook.open(sys.argv[1])
tables = {spec.name: book.read_table(spec) for spec in TABLES}
Path(sys.argv[2]).write_bytes(pickle.dumps(tables))
"""


PEAK = (
    "import resource, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__') if sys.argv[0] != '-m' else "
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)\n"
    "finally:\n"
    "    print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def child_peak(args: list[str]) -> tuple[float, float, str]:
    """Run `python ARGS` in a child; its own peak RSS in MB, wall seconds, last output line."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", PEAK, *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    peaks = [line for line in result.stderr.splitlines() if line.startswith("PEAK ")]
    if result.returncode != 0 or not peaks:
        raise RuntimeError(result.stderr[-2000:])
    return (
        int(peaks[-1].split()[1]) / 1024,
        seconds,
        (result.stdout.strip().splitlines() or [""])[-1],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracker", type=Path, required=True)
    parser.add_argument("--remit", type=Path, required=True)
    parser.add_argument("--part", choices=["whole", "ours"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = []
        if args.part in (None, "ours"):
            pickled = Path(folder) / "tables.pickle"
            subprocess.run(
                [sys.executable, "-c", READ_TABLES, str(args.tracker), str(pickled)], check=True
            )
            script = Path(folder) / "memory_book.py"
            script.write_text(MEMORY_BOOK)
            rows.append(
                ("DenialDesk's part (tables as frames, no workbook)",)
                + child_peak([str(script), str(pickled), str(args.remit)])
            )
        if args.part in (None, "whole"):
            copy = Path(folder) / "tracker.xlsx"
            shutil.copy(args.tracker, copy)
            command = ["-m", "addin", "import", str(copy), str(args.remit)]
            engine = os.environ.get("DENIALDESK_ENGINE") or "file engine"
            rows.append((f"whole import ({engine})",) + child_peak(command))
    print(f"Remit: {args.remit.name}; tracker: {args.tracker.name}\n")
    print("| run | peak RSS MB | seconds | summary |\n|---|---|---|---|")
    for label, peak, seconds, summary in rows:
        print(f"| {label} | {peak:,.0f} | {seconds:,.0f} | {summary} |")


if __name__ == "__main__":
    main()
