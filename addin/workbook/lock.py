"""DenialDesk's own write lock beside the tracker: atomic take-over, a heartbeat, no age rule.

One lock file, `.NAME.denialdesk-lock`, beside the workbook (beside a symlink's target). It is
created in one step with its whole text (a hard link of a private file, or O_EXCL where the
share has no hard links) and names its holder: user, host, pid, when it started, a random
token and a heartbeat counter that the holder rewrites every HEARTBEAT_SECONDS while it works.

A lock is stale only when its holder is provably gone:
- same computer: its process no longer exists;
- another computer: its heartbeat has not moved for REMOTE_STALE_SECONDS, measured on this
  computer's own monotonic clock (so a file server's clock, or the holder's, being hours off
  changes nothing) — never by the lock's age.
A stale lock is taken over atomically: it is renamed aside under a name unique to this run,
and only deleted when the file renamed is the very one judged stale (same text); anything
else is put back. A holder checks that the lock is still its own just before it replaces the
workbook (`HeldLock.still_held`), and the fence in `files` catches whatever slips past.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from addin.errors import WorkbookBusyError, WorkbookWriteError

LOCK_WAIT_SECONDS = 30.0
HEARTBEAT_SECONDS = 2.0
REMOTE_STALE_SECONDS = 20.0  # ten missed heartbeats: a laptop asleep, a PC switched off
POLL_SECONDS = 0.2
_TEXT_BYTES = 240
_LINE = re.compile(
    r"^(?P<user>.*?)@(?P<host>[^ ]*) pid (?P<pid>\d+)(?: since (?P<since>[^|]*?))?"
    r"(?: token (?P<token>[0-9a-f]+))?(?: beat (?P<beat>\d+) at (?P<beat_at>.*))?\s*$"
)


def hostname() -> str:
    return socket.gethostname()


def lock_path(path: Path) -> Path:
    """The lock file of a workbook: beside the file itself (a symlink's target)."""
    path = Path(os.path.realpath(path))
    return path.with_name(f".{path.name}.denialdesk-lock")


@dataclass(frozen=True, slots=True)
class LockInfo:
    """What a lock file says about its holder (fields blank when an older DenialDesk or a
    damaged file did not say)."""

    text: str
    user: str = ""
    host: str = ""
    pid: int = 0
    since: str = ""
    token: str = ""
    beat: int = 0
    beat_at: str = ""

    @classmethod
    def parse(cls, text: str) -> LockInfo:
        found = _LINE.match(text.strip())
        if not found:
            return cls(text)
        return cls(
            text,
            found["user"],
            found["host"],
            int(found["pid"]),
            (found["since"] or "").strip(),
            found["token"] or "",
            int(found["beat"] or 0),
            (found["beat_at"] or "").strip(),
        )

    @property
    def on_this_computer(self) -> bool:
        return bool(self.host) and self.host == hostname()

    def describe(self) -> str:
        """One line for people: who, where, which process, since when, last heartbeat."""
        if not self.host:
            return self.text.strip()[:120] or "holder unknown"
        text = f"{self.user}@{self.host} pid {self.pid}"
        if self.since:
            text += f" since {self.since}"
        if self.beat_at:
            text += f", last heartbeat {self.beat_at}"
        return text


def read_lock(path: Path) -> LockInfo | None:
    """The lock on workbook `path` as its file says, or None when there is none."""
    text = _read(lock_path(path))
    return None if text is None else LockInfo.parse(text)


def _read(lock: Path) -> str | None:
    try:
        return lock.read_bytes()[:4096].decode("utf-8", "replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ""


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# -- holding the lock ---------------------------------------------------------------------


class HeldLock:
    """This run's lock: its file descriptor (the heartbeat writes through it, so it can only
    ever touch this run's own file), its token, and the heartbeat thread."""

    def __init__(self, lock: Path, descriptor: int, token: str, since: str):
        self.path, self.descriptor, self.token, self.since = lock, descriptor, token, since
        self.beat = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._heartbeat, name="denialdesk-lock", daemon=True)

    def text(self) -> str:
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        return (
            f"{getpass.getuser()}@{hostname()} pid {os.getpid()} since {self.since} "
            f"token {self.token} beat {self.beat} at {stamp}\n"
        )

    def write(self) -> None:
        """Rewrite the lock's text in place, always the same length (a reader never sees the
        tail of an older, longer text)."""
        data = self.text().encode().ljust(_TEXT_BYTES)
        if hasattr(os, "pwrite"):
            os.pwrite(self.descriptor, data, 0)
        else:
            os.lseek(self.descriptor, 0, os.SEEK_SET)
            os.write(self.descriptor, data)

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self.beat += 1
            with contextlib.suppress(OSError):
                self.write()

    def still_held(self) -> bool:
        """True while the lock file beside the workbook is this run's own."""
        text = _read(self.path)
        return text is not None and LockInfo.parse(text).token == self.token

    def release(self) -> None:
        """Stop the heartbeat and remove the lock, only if it is still this run's."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(HEARTBEAT_SECONDS + 1)
        with contextlib.suppress(OSError):
            os.close(self.descriptor)
        if self.still_held():
            _remove_if_same(self.path, self.token, by_token=True)


def _create(lock: Path) -> HeldLock | None:
    """Create the lock file with its whole text in one step; None when one exists already."""
    token = secrets.token_hex(8)
    own = lock.with_name(f"{lock.name}.{token}")
    descriptor = os.open(own, os.O_CREAT | os.O_EXCL | os.O_RDWR | getattr(os, "O_BINARY", 0))
    held = HeldLock(lock, descriptor, token, datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    try:
        held.write()
        try:
            os.link(own, lock)  # fails if a lock exists: the lock appears complete or not at all
        except FileExistsError:
            os.close(descriptor)
            return None
        except OSError:  # a share without hard links: exclusive create, then the text
            os.close(descriptor)
            return _create_exclusive(lock, token, held.since)
        return held
    finally:
        with contextlib.suppress(OSError):
            own.unlink()


def _create_exclusive(lock: Path, token: str, since: str) -> HeldLock | None:
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_RDWR | getattr(os, "O_BINARY", 0))
    except FileExistsError:
        return None
    held = HeldLock(lock, descriptor, token, since)
    held.write()
    return held


@contextlib.contextmanager
def write_lock(
    path: Path,
    wait_seconds: float | None = None,
    notify: Callable[[str], None] = lambda message: None,
) -> Iterator[HeldLock]:
    """Hold DenialDesk's write lock on workbook `path`; a second writer waits, then refuses.

    `notify` hears one line when the wait starts: who holds the lock and for how long this
    run will wait. Yields the HeldLock (its heartbeat runs until the block ends).
    """
    held = acquire(path, LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds, notify)
    try:
        yield held
    finally:
        held.release()


def acquire(path: Path, wait_seconds: float, notify: Callable[[str], None]) -> HeldLock:
    """Take the lock (taking over a stale one atomically), waiting up to `wait_seconds`."""
    lock = lock_path(path)
    deadline = time.monotonic() + wait_seconds
    watch = _Watch()
    waiting = False
    while True:
        try:
            held = _create(lock)
        except OSError as error:
            raise WorkbookWriteError(
                f"cannot create a lock file beside {path.name} ({error.strerror}). Check that "
                "the folder exists and that you may write to it; nothing was changed."
            ) from None
        if held is not None:
            held._thread.start()
            return held
        text = _read(lock)
        if text is None or (watch.is_stale(lock, text) and take_over(lock, text)):
            continue
        if time.monotonic() >= deadline:
            raise WorkbookBusyError(busy_message(path, text))
        if not waiting:
            waiting = True
            notify(_waiting_message(path, text, wait_seconds))
        time.sleep(POLL_SECONDS)


class _Watch:
    """How long this run has seen a lock's text stay exactly the same (its own clock)."""

    def __init__(self):
        self.text: str | None = None
        self.since = 0.0

    def is_stale(self, lock: Path, text: str) -> bool:
        info = LockInfo.parse(text)
        if info.on_this_computer:
            return not process_alive(info.pid)
        now = time.monotonic()
        if text != self.text:
            self.text, self.since = text, now
            return False
        return now - self.since >= REMOTE_STALE_SECONDS


def take_over(lock: Path, stale_text: str) -> bool:
    """Remove the lock judged stale, atomically: rename it aside under a name only this run
    uses, and delete it only if it is the file judged (same text); else put it back."""
    return _remove_if_same(lock, stale_text, by_token=False)


def _remove_if_same(lock: Path, expected: str, *, by_token: bool) -> bool:
    aside = lock.with_name(f"{lock.name}.aside-{secrets.token_hex(8)}")
    try:
        os.rename(lock, aside)
    except OSError:
        return False  # gone already (someone else took it over): try again from the start
    found = _read(aside) or ""
    same = LockInfo.parse(found).token == expected if by_token else found == expected
    if same:
        with contextlib.suppress(OSError):
            aside.unlink()
        return True
    try:
        os.link(aside, lock)  # not ours to remove: put it back, unless a new lock appeared
    except OSError:
        pass  # its holder will find its lock gone before it saves, and start again
    with contextlib.suppress(OSError):
        aside.unlink()
    return False


def release_confirmed(path: Path, seen: LockInfo) -> bool:
    """Remove the lock on `path` if it is still the one shown to a person (doctor --unlock):
    the same holder (token), even if its heartbeat moved meanwhile."""
    if seen.token:
        return _remove_if_same(lock_path(path), seen.token, by_token=True)
    return _remove_if_same(lock_path(path), seen.text, by_token=False)


def busy_message(path: Path, text: str) -> str:
    info = LockInfo.parse(text)
    return (
        f"{path.name} is being updated by another DenialDesk run ({info.describe()}). Wait "
        "for it to finish and try again; nothing was changed. If that run is gone (a PC "
        f"switched off mid-run), `denialdesk doctor {path.name} --unlock` releases the lock."
    )


def _waiting_message(path: Path, text: str, wait_seconds: float) -> str:
    holder = LockInfo.parse(text).describe() if text else "holder unknown"
    return (
        f"{path.name} is being updated by another DenialDesk run ({holder}); waiting up to "
        f"{wait_seconds:g} seconds for it to finish…"
    )
