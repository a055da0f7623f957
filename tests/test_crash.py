"""Crash trials: actions killed (SIGKILL) at random moments leave the old workbook or the new
one — never a damaged or half-written one — and two writers at once lose nothing."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from addin import actions
from addin.demo import write_demo_remits
from addin.workbook.layout import CLAIMS, DENIALS, REMITS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook, open_for_update
from addin.workbook.template import write_template
from tests.support import sheets_as_csv

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="crash trials need os.fork")
TRIALS = int(os.environ.get("DENIALDESK_CRASH_TRIALS", "200"))


def import_action(tracker: Path, inputs: list[Path]) -> None:
    with open_for_update(tracker) as book:
        actions.import_remittances(book, inputs)


def run_killed(action, delay: float) -> int:
    """Run `action` in a forked child and SIGKILL it after `delay` seconds; its exit status."""
    pid = os.fork()
    if pid == 0:  # the child: do the work, then leave without any Python clean-up
        try:
            action()
            os._exit(0)
        except BaseException:  # noqa: BLE001 - report failure through the exit status
            os._exit(1)
    time.sleep(delay)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return os.waitpid(pid, 0)[1]


def state(tracker: Path) -> tuple:
    """What must survive: the keys of every claim, denial and remit row."""
    book = OpenpyxlBook.open(tracker)
    return tuple(tuple(book.read_table(spec)[spec.key]) for spec in (CLAIMS, DENIALS, REMITS))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """A tracker holding the first months of the demo, the later months still to import,
    and the state a completed import reaches."""
    folder = tmp_path_factory.mktemp("crash")
    remits = write_demo_remits(folder / "inbox")
    early, late = remits[:12], remits[12:20]
    base = write_template(folder / "base.xlsx")
    import_action(base, early)
    done = folder / "done.xlsx"
    shutil.copy(base, done)
    started = time.perf_counter()
    import_action(done, late)
    duration = time.perf_counter() - started
    return base, late, state(base), state(done), duration


def test_killed_imports_leave_the_old_or_the_new_workbook(scenario, tmp_path):
    base, late, old, new, duration = scenario
    rng = random.Random(2026)
    outcomes: Counter = Counter()
    samples: dict[str, Path] = {}
    for trial in range(TRIALS):
        tracker = tmp_path / f"t{trial % 4}" / "tracker.xlsx"
        if tracker.parent.exists():
            shutil.rmtree(tracker.parent)
        tracker.parent.mkdir()
        shutil.copy(base, tracker)
        # half the kills fall anywhere, half in the last stretch: the save and the replace
        window = (0, 1.3) if trial % 2 else (0.75, 1.05)
        run_killed(lambda t=tracker: import_action(t, late), duration * rng.uniform(*window))
        found = state(tracker)
        assert found in (old, new), f"trial {trial}: neither the old nor the new workbook"
        outcomes["old" if found == old else "new"] += 1
        digest = hashlib.sha256(tracker.read_bytes()).hexdigest()
        if digest not in samples and len(samples) < 6:
            samples[digest] = tracker.parent.rename(tmp_path / f"sample{len(samples)}") / (
                "tracker.xlsx"
            )
            continue
        # the next run clears what the killed one left (lock, temp file) and completes
        if trial % 10 == 0:
            import_action(tracker, late)
            assert state(tracker) == new
    assert outcomes["old"] and outcomes["new"], outcomes
    soffice = shutil.which("soffice")
    for number, path in enumerate(samples.values() if soffice else ()):
        sheets = sheets_as_csv(soffice, path, tmp_path / f"csv{number}")  # another engine
        assert sheets["Denials"].startswith(Col.DENIAL_ID)
    print(f"crash trials: {TRIALS}, outcomes {dict(outcomes)}, {len(samples)} distinct files")


def test_two_writers_at_once_lose_nothing(tmp_path):
    remits = write_demo_remits(tmp_path / "inbox")
    tracker = write_template(tmp_path / "tracker.xlsx")
    halves = (remits[: len(remits) // 2], remits[len(remits) // 2 :])
    pids = []
    for half in halves:
        pid = os.fork()
        if pid == 0:
            try:
                import_action(tracker, half)
                os._exit(0)
            except BaseException:  # noqa: BLE001
                os._exit(1)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    assert statuses == [0, 0]  # the second waited for the first's lock, then went on
    one_run = write_template(tmp_path / "one-run.xlsx")
    import_action(one_run, remits)
    book, expected = OpenpyxlBook.open(tracker), OpenpyxlBook.open(one_run)
    for spec in (CLAIMS, DENIALS):
        assert set(book.read_table(spec)[spec.key]) == set(expected.read_table(spec)[spec.key])
    assert len(book.read_table(REMITS)) == len(remits)
    assert openpyxl.load_workbook(tracker)["Denials"].max_row > 40
