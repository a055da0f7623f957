"""Lock soak: rounds of four writers released together (a barrier) on one tracker, with stale
locks planted, holders that claim another PC with a clock hours off, and holders paused
(SIGSTOP/SIGCONT); checks that every claim a writer reported imported is in the tracker.

    python bench/lock_soak.py --rounds 250          # 1,000 runs (not CI; ~10 min)
    python bench/lock_soak.py --rounds 10 --json    # what tests/test_locks.py runs in CI

Each writer imports its own small synthetic 835 through the CLI's path (`update`, which
retries a run whose save the fence refused). Run it with PYTHONPATH pointing at an older
checkout to count that code's losses (DENIALDESK_CODE=/path/to/checkout; it falls back to
`open_for_update` there).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("DENIALDESK_CODE", str(ROOT)))  # another checkout, to compare

from addin import actions  # noqa: E402
from addin.actions.new_tracker import create_tracker  # noqa: E402
from addin.demo import synth  # noqa: E402
from addin.workbook import files, tracker_file  # noqa: E402
from addin.workbook import openpyxl_book as opb  # noqa: E402
from addin.workbook.layout import CLAIMS, Col  # noqa: E402

WRITERS = 4
CLAIMS_PER_WRITER = 3
SCENARIOS = ("dead lock", "skewed remote holder", "paused remote holder", "paused holder",
             "silent remote lock")  # fmt: skip
PAUSE_SECONDS = 1.5


def _speed_up_the_lock() -> None:
    """Heartbeats and the remote-silence limit scaled down, so a round takes seconds."""
    try:
        from addin.workbook import lock
    except ImportError:  # an older checkout: its own rules apply
        return
    lock.HEARTBEAT_SECONDS = 0.2
    lock.REMOTE_STALE_SECONDS = 1.0
    lock.LOCK_WAIT_SECONDS = 120.0


def _remit(folder: Path, round_: int, writer: int) -> Path:
    path = folder / f"r{round_}-w{writer}.835"
    with path.open("w", encoding="ascii", newline="") as handle:
        synth.write_835(handle, CLAIMS_PER_WRITER, seed=round_ * WRITERS + writer + 1)
    return path


def _claim_keys(remit: Path) -> set[str]:
    from addin.adjudication import adjudication
    from addin.remit import Claim, RemitReader

    with remit.open("rb") as handle:
        items = list(RemitReader(handle))
    return {adjudication(item, remit.name).claim_key for item in items if isinstance(item, Claim)}


def _pretend_remote(tracker: Path, skew_seconds: float) -> None:
    """This process says it runs on another PC, whose clock (or file server's) is off: the
    lock file's time is pushed `skew_seconds` back whenever this process holds it."""
    socket.gethostname = lambda: "OTHERPC"
    lock_file = files.lock_path(tracker)

    def skew() -> None:
        while True:
            try:
                if f"pid {os.getpid()} " in lock_file.read_text(errors="replace"):
                    past = time.time() - skew_seconds
                    os.utime(lock_file, (past, past))
            except OSError:
                pass
            time.sleep(0.05)

    threading.Thread(target=skew, daemon=True).start()


def _writer(tracker: Path, remit: Path, barrier, remote: bool, results) -> None:
    if remote:
        _pretend_remote(tracker, 7200)
    barrier.wait()

    def run(book):
        return actions.import_remittances(book, [remit])

    try:
        if hasattr(opb, "update"):
            tracker_file.update(tracker, run)
        else:
            with tracker_file.open_for_update(tracker) as book:
                run(book)
        results.put((remit.name, "ok"))
    except Exception as error:  # noqa: BLE001 - counted as a refusal, not a loss
        results.put((remit.name, f"refused: {type(error).__name__}"))


def _plant(tracker: Path, scenario: str) -> None:
    lock_file = files.lock_path(tracker)
    if scenario == "dead lock":
        lock_file.write_text(f"crashed@{socket.gethostname()} pid 2000000000 since 09:00")
    elif scenario == "silent remote lock":
        lock_file.write_text("gone@OTHERPC pid 4242 since 2026-11-28 09:00:00")
        future = time.time() + 3 * 3600  # its file server's clock runs hours ahead
        os.utime(lock_file, (future, future))


def one_round(folder: Path, template: Path, round_: int, rng: random.Random) -> dict:
    scenario = SCENARIOS[round_ % len(SCENARIOS)]
    tracker = folder / f"round-{round_}.xlsx"
    shutil.copyfile(template, tracker)
    remits = [_remit(folder, round_, w) for w in range(WRITERS)]
    _plant(tracker, scenario)
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(WRITERS + 1), context.Queue()
    remote = rng.randrange(WRITERS) if "remote holder" in scenario else -1
    children = [
        context.Process(target=_writer, args=(tracker, remit, barrier, w == remote, results))
        for w, remit in enumerate(remits)
    ]
    for child in children:
        child.start()
    barrier.wait()
    if "paused" in scenario:
        _pause_a_holder(tracker, children, rng)
    for child in children:
        child.join(300)
    outcome = dict(results.get(timeout=5) for _ in children)
    expected = set().union(*(_claim_keys(r) for r in remits if outcome.get(r.name) == "ok"))
    found = set(opb.OpenpyxlBook.open(tracker).read_table(CLAIMS)[Col.CLAIM_KEY])
    for remit in remits:
        remit.unlink()
    tracker.unlink()
    shutil.rmtree(files.backup_folder(tracker), ignore_errors=True)
    return {
        "scenario": scenario,
        "runs": WRITERS,
        "refused": sum(v != "ok" for v in outcome.values()),
        "expected": len(expected),
        "found": len(expected & found),
        "lost": len(expected - found),
    }


def _pause_a_holder(tracker: Path, children, rng: random.Random) -> None:
    """SIGSTOP whichever writer holds the lock (mid-run), for PAUSE_SECONDS, then SIGCONT."""
    deadline = time.monotonic() + 10
    pids = {child.pid for child in children}
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0.05, 0.2))
        try:
            text = files.lock_path(tracker).read_text(errors="replace")
        except OSError:
            continue
        holder = next((pid for pid in pids if f"pid {pid} " in text), None)
        if holder is not None:
            os.kill(holder, signal.SIGSTOP)
            time.sleep(PAUSE_SECONDS)
            os.kill(holder, signal.SIGCONT)
            return


def soak(rounds: int, seed: int = 1) -> dict:
    _speed_up_the_lock()
    rng = random.Random(seed)
    totals = {"rounds": 0, "runs": 0, "refused": 0, "expected": 0, "found": 0, "lost": 0}
    lossy_rounds: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="denialdesk-soak-") as tmp:
        folder = Path(tmp)
        template = create_tracker(folder / "template.xlsx")
        for round_ in range(rounds):
            result = one_round(folder, template, round_, rng)
            totals["rounds"] += 1
            for key in ("runs", "refused", "expected", "found", "lost"):
                totals[key] += result[key]
            if result["lost"]:
                lossy_rounds[result["scenario"]] = lossy_rounds.get(result["scenario"], 0) + 1
    return totals | {"rounds_with_losses_by_scenario": lossy_rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=250, help="rounds of four writers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    started = time.perf_counter()
    totals = soak(args.rounds, args.seed) | {"seconds": round(time.perf_counter() - started, 1)}
    if args.json:
        print(json.dumps(totals))
        return
    print("| rounds | runs | refused | claims expected | claims found | lost | seconds |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {totals['rounds']} | {totals['runs']} | {totals['refused']} | {totals['expected']} "
        f"| {totals['found']} | {totals['lost']} | {totals['seconds']} |"
    )
    print(f"rounds with losses, by scenario: {totals['rounds_with_losses_by_scenario']}")


if __name__ == "__main__":
    main()
