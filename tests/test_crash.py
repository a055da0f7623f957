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
from datetime import date
from pathlib import Path

import pytest

from addin import actions
from addin.actions.new_tracker import create_tracker
from addin.demo.tracker import fill_demo_practice, write_demo_remits
from addin.workbook.layout import AUDIT, CLAIMS, DENIALS, PAYERS, REMITS, WORK_QUEUE, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.support import sheets_as_csv

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="crash trials need os.fork")
TRIALS = int(os.environ.get("DENIALDESK_CRASH_TRIALS", "200"))
TODAY = date(2026, 11, 28)


def run(tracker: Path, step: str, inputs: list[Path] = ()) -> None:
    """One button, as the CLI runs it: lock, act, save."""
    with open_for_update(tracker) as book:
        if step == "import":
            actions.import_remittances(book, inputs)
        elif step == "classify":
            actions.classify_and_prioritize(book, today=TODAY)
        elif step == "letters":
            fill_demo_practice(book)
            ask_for_every_letter(book)
            actions.generate_letters(book, today=TODAY)
        elif step == "kpis":
            actions.refresh_kpis(book, today=TODAY)


def ask_for_every_letter(book) -> None:
    """A biller sets Letter? = Yes on every denial, so the letters step drafts some letters even
    where every deadline has passed (without them it would change nothing a kill could spoil)."""
    denials = book.read_table(DENIALS)
    denials[Col.LETTER_WANTED] = "Yes"
    book.write_table(DENIALS, denials)


def run_killed(work, delay: float) -> None:
    """Run `work` in a forked child and SIGKILL it after `delay` seconds."""
    pid = os.fork()
    if pid == 0:  # the child: do the work, then leave without any Python clean-up
        try:
            work()
            os._exit(0)
        except BaseException:  # noqa: BLE001 - report failure through the exit status
            os._exit(1)
    time.sleep(delay)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def state(tracker: Path) -> tuple:
    """Everything that must survive: every data row (less the import time stamp, which differs
    from run to run), and how many actions the Audit logged."""
    book = OpenpyxlBook.open(tracker)
    tables = tuple(
        tuple(
            tuple(sorted((k, str(v)) for k, v in row.items() if k != Col.IMPORTED_AT))
            for row in book.read_table(spec).to_dict("records")
        )
        for spec in (CLAIMS, DENIALS, REMITS, WORK_QUEUE, PAYERS)
    )
    return tables, len(book.read_table(AUDIT))


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    """For each button: a tracker before it, what it needs, and the state a full run reaches."""
    folder = tmp_path_factory.mktemp("crash")
    remits = write_demo_remits(folder / "inbox")
    early, late = remits[:12], remits[12:20]
    built = {}
    previous = create_tracker(folder / "start.xlsx")
    run(previous, "import", early)
    for step, inputs in (("import", late), ("classify", []), ("letters", []), ("kpis", [])):
        before = folder / f"{step}-before.xlsx"
        shutil.copy(previous, before)
        done = folder / f"{step}-done.xlsx"
        shutil.copy(previous, done)
        started = time.perf_counter()
        run(done, step, inputs)
        built[step] = (before, inputs, state(before), state(done), time.perf_counter() - started)
        assert built[step][2] != built[step][3], f"{step} changed nothing: no kill could tell"
        previous = done
    return built


SHARES = {"import": 0.4, "classify": 0.2, "letters": 0.2, "kpis": 0.2}


@pytest.mark.parametrize("step", list(SHARES))
def test_killed_buttons_leave_the_old_or_the_new_workbook(scenarios, tmp_path, step):
    base, inputs, old, new, duration = scenarios[step]
    assert old != new, f"{step} changes nothing here, so a killed run cannot be told apart"
    trials = max(10, int(TRIALS * SHARES[step]))
    rng = random.Random(f"{step}-2026")
    outcomes: Counter = Counter()
    samples: dict[str, Path] = {}
    stretch = 1.0
    for trial in range(trials):
        folder = tmp_path / f"t{trial}"
        folder.mkdir()
        tracker = folder / "tracker.xlsx"
        shutil.copy(base, tracker)
        # half the kills fall anywhere, half in the last stretch (the save and the replace);
        # on a loaded machine runs take longer, so the window grows until some finish
        window = (0, 1.3) if trial % 2 else (0.75, 1.05)
        delay = duration * stretch * rng.uniform(*window)
        run_killed(lambda t=tracker: run(t, step, inputs), delay)
        found = state(tracker)
        assert found in (old, new), f"{step} trial {trial}: neither the old nor the new workbook"
        outcomes["old" if found == old else "new"] += 1
        if trial >= trials // 2 and not outcomes["new"]:
            stretch = min(stretch * 1.5, 20.0)  # a run that never finishes must not sleep for ever
        digest = hashlib.sha256(tracker.read_bytes()).hexdigest()
        if digest not in samples and len(samples) < 3:
            samples[digest] = tracker
        elif trial % 10 == 0:  # the next run clears what the killed one left, and completes
            run(tracker, step, inputs)
            assert state(tracker)[0] == new[0]
        if tracker not in samples.values():
            shutil.rmtree(folder)
    soffice = shutil.which("soffice")
    for number, path in enumerate(samples.values() if soffice else ()):
        sheets = sheets_as_csv(soffice, path, tmp_path / f"csv{number}")  # another engine
        assert sheets["Denials"].startswith(Col.DENIAL_ID)
    print(f"\n{step}: {trials} kills, outcomes {dict(outcomes)}, {len(samples)} files checked")
    assert outcomes["old"] + outcomes["new"] == trials


def test_two_writers_at_once_lose_nothing(tmp_path):
    remits = write_demo_remits(tmp_path / "inbox")
    tracker = create_tracker(tmp_path / "tracker.xlsx")
    halves = (remits[: len(remits) // 2], remits[len(remits) // 2 :])
    pids = []
    for half in halves:
        pid = os.fork()
        if pid == 0:
            try:
                run(tracker, "import", half)
                os._exit(0)
            except BaseException:  # noqa: BLE001
                os._exit(1)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    assert statuses == [0, 0]  # the second waited for the first's lock, then went on
    one_run = create_tracker(tmp_path / "one-run.xlsx")
    run(one_run, "import", remits)
    book, expected = OpenpyxlBook.open(tracker), OpenpyxlBook.open(one_run)
    for spec in (CLAIMS, DENIALS):
        assert set(book.read_table(spec)[spec.key]) == set(expected.read_table(spec)[spec.key])
    assert len(book.read_table(REMITS)) == len(remits)
    assert len(book.read_table(AUDIT)) == 2
