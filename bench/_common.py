"""Helpers shared by the benchmarks: a cached synthetic 835, child processes that report."""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(
    os.environ.get("DENIALDESK_BENCH_CACHE", Path(tempfile.gettempdir()) / "denialdesk-bench")
)


def synthetic_835(claims: int, seed: int) -> Path:
    """A synthetic 835 with `claims` claims, generated once and kept in the cache folder."""
    from addin.demo import synth

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"synth-{claims}-{seed}.835"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="ascii", newline="") as handle:
            synth.write_835(handle, claims, seed)
        partial.replace(path)
    return path


def run_child(code: str, *args: str) -> dict:
    """Run `code` in a fresh interpreter (clean memory figures); it prints one JSON object."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def stage_timers(stages, totals: dict[str, float]):
    """Time each (label, owner, attribute) stage while the block runs, adding to `totals`."""
    originals = []
    for label, owner, name in stages:
        original = getattr(owner, name)
        originals.append((owner, name, inspect.getattr_static(owner, name)))

        def timed(*args, _original=original, _label=label, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_label] += time.perf_counter() - start

        # a classmethod's bound original needs no `cls`: keep the wrapper unbound
        bound_elsewhere = isinstance(originals[-1][2], classmethod | staticmethod)
        setattr(owner, name, staticmethod(timed) if bound_elsewhere else timed)
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
