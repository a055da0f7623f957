"""Safe writing of the shared tracker: owner-file checks, a write lock, atomic replace, backups."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import stat
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from addin.errors import WorkbookBusyError, WorkbookLayoutError, WorkbookWriteError

BACKUP_FOLDER = "DenialDesk Backups"
LOCK_WAIT_SECONDS = 30.0
STALE_LOCK_SECONDS = 3600.0
MAX_UNZIPPED_BYTES = 1_500_000_000  # a 1M-row tracker is well under this; a zip bomb is not
MAX_COMPRESSION_RATIO = 200


def owner_files(path: Path) -> list[Path]:
    """Lock files that show someone has the workbook open in Excel or LibreOffice."""
    name = path.name
    candidates = {
        path.with_name("~$" + name),  # Excel
        path.with_name("~$" + name[2:]) if len(name) > 2 else None,  # Excel, long names
        path.with_name(f".~lock.{name}#"),  # LibreOffice
    }
    return sorted(p for p in candidates if p is not None and p.exists())


def refuse_if_open(path: Path) -> None:
    """Raise WorkbookBusyError when Excel or LibreOffice has the workbook open."""
    found = owner_files(path)
    if found:
        who = _owner_name(found[0])
        raise WorkbookBusyError(
            f"{path.name} is open{f' by {who}' if who else ''} (lock file {found[0].name}). "
            "Ask them to close it, then run this again; nothing was changed."
        )


def _owner_name(lock: Path) -> str:
    """The user name recorded in an Excel or LibreOffice owner file, if readable."""
    try:
        raw = lock.read_bytes()[:200]
    except OSError:
        return ""
    if lock.name.startswith(".~lock."):
        parts = raw.decode("utf-8", "replace").split(",")
        return parts[1].strip() if len(parts) > 1 else ""
    if raw and 0 < raw[0] < len(raw):
        return raw[1 : 1 + raw[0]].decode("latin-1", "replace").strip()
    return ""


def refuse_if_read_only(path: Path) -> None:
    """Raise WorkbookWriteError when the workbook file or its folder cannot be written."""
    if not path.exists():
        return
    if not os.access(path, os.W_OK) or not (path.stat().st_mode & stat.S_IWUSR):
        raise WorkbookWriteError(
            f"{path.name} is read-only (file attribute or share permissions). Ask whoever "
            "manages the shared folder to make it writable; nothing was changed."
        )
    if not os.access(path.parent, os.W_OK):
        raise WorkbookWriteError(
            f"the folder of {path.name} is read-only, so a new copy cannot be saved beside it. "
            "Ask whoever manages the shared folder for write access; nothing was changed."
        )


def temp_path(path: Path, pid: int | None = None) -> Path:
    return path.with_name(f".~{path.stem}.{pid or os.getpid()}.tmp{path.suffix}")


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Delete temp files a crashed save left beside the workbook (their process is gone)."""
    removed = []
    for candidate in path.parent.glob(f".~{path.stem}.*.tmp{path.suffix}"):
        pid = candidate.name[len(f".~{path.stem}.") :].split(".")[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.denialdesk-lock")


@contextlib.contextmanager
def write_lock(
    path: Path,
    wait_seconds: float = LOCK_WAIT_SECONDS,
    notify: Callable[[str], None] = lambda message: None,
) -> Iterator[None]:
    """Hold DenialDesk's own write lock on the workbook; a second writer waits, then refuses.

    `notify` hears one line when the wait starts: who holds the lock and for how long this
    run will wait.
    """
    lock = lock_path(path)
    deadline = time.monotonic() + wait_seconds
    waiting = False
    while True:
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if _clear_if_stale(lock):
                continue
            if time.monotonic() >= deadline:
                raise WorkbookBusyError(
                    f"{path.name} is being updated by another DenialDesk run "
                    f"({_read_lock(lock) or 'unknown'}). Wait for it to finish and try again; "
                    "nothing was changed."
                ) from None
            if not waiting:
                waiting = True
                notify(_waiting_message(path, lock, wait_seconds))
            time.sleep(0.2)
        except OSError as error:
            raise WorkbookWriteError(
                f"cannot create a lock file beside {path.name} ({error.strerror}). Check that the "
                "folder exists and that you may write to it; nothing was changed."
            ) from None
    try:
        os.write(descriptor, _lock_text().encode())
        os.close(descriptor)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _waiting_message(path: Path, lock: Path, wait_seconds: float) -> str:
    holder = _read_lock(lock) or "holder unknown"
    return (
        f"{path.name} is being updated by another DenialDesk run ({holder}); waiting up to "
        f"{wait_seconds:g} seconds for it to finish…"
    )


def _lock_text() -> str:
    return (
        f"{getpass.getuser()}@{socket.gethostname()} pid {os.getpid()} since {datetime.now():%H:%M}"
    )


def _read_lock(lock: Path) -> str:
    try:
        return lock.read_text(errors="replace").strip()
    except OSError:
        return ""


def _clear_if_stale(lock: Path) -> bool:
    """Remove a lock left by a crashed run (its process is gone, or it is over an hour old)."""
    text = _read_lock(lock)
    try:
        age = time.time() - lock.stat().st_mtime
    except OSError:
        return True  # vanished meanwhile: try again
    host_ok = f"@{socket.gethostname()} pid " in text
    pid = text.split(" pid ")[-1].split(" ")[0] if host_ok else ""
    dead = host_ok and pid.isdigit() and not _process_alive(int(pid))
    if dead or age > STALE_LOCK_SECONDS:
        with contextlib.suppress(OSError):
            lock.unlink()
        return True
    return False


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def check_zip(source, name: str | None = None) -> None:
    """Refuse a file that is not a sound .xlsx zip, or that would unpack to an absurd size."""
    name = name or getattr(source, "name", "the workbook")
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise WorkbookLayoutError(
            f"{name} is not a readable .xlsx workbook ({error}). Restore a backup with "
            "`denialdesk restore` or create a new tracker with `denialdesk new`."
        ) from None
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > MAX_UNZIPPED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise WorkbookLayoutError(
            f"{name} would unpack to {unpacked:,} bytes ({unpacked / packed:,.0f}× its size): "
            "that is not a tracker DenialDesk can open safely."
        )


def atomic_write(
    path: Path, write: Callable[[Path], None], verify: Callable[[Path], None], backups_to_keep: int
) -> Path | None:
    """Write to a temp file beside `path`, verify it, back up the old file, then replace it.

    The temp file is flushed to disk before the replace, and the replace is refused when
    Excel or LibreOffice opened the workbook while it was being written. Returns the backup
    made (None for a new file). On any failure the original is untouched.
    """
    temp = temp_path(path)
    try:
        write(temp)
        verify(temp)
        _flush_to_disk(temp)
        refuse_if_open(path)  # opened in Excel during a long run: do not pull it from under them
        backup = make_backup(path, backups_to_keep) if path.exists() else None
        os.replace(temp, path)
        _flush_folder(path.parent)
        return backup
    except Exception as error:
        if not _write_failed(error):
            raise
        reason = getattr(error, "strerror", None) or error
        raise WorkbookWriteError(
            f"could not save {path.name}: {reason}. The workbook on disk is "
            "unchanged. Check free space and write permission on its folder."
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _write_failed(error: Exception) -> bool:
    """A failed write: an OSError, or lxml's own error for a full disk mid-write (lxml, under
    openpyxl, is loaded by then; it is not imported here so a CLI start stays light)."""
    etree = sys.modules.get("lxml.etree")
    return isinstance(error, OSError) or (
        etree is not None and isinstance(error, etree.SerialisationError)
    )


def _flush_to_disk(path: Path) -> None:
    """Make the file's bytes durable, so a power cut cannot leave a replaced, empty workbook."""
    descriptor = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _flush_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to flush)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def backup_folder(path: Path) -> Path:
    return path.parent / BACKUP_FOLDER / path.stem


def make_backup(path: Path, keep: int) -> Path | None:
    """Keep a timestamped copy of the current workbook, pruning the oldest beyond `keep`."""
    if keep <= 0:
        return None
    folder = backup_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d %H%M%S-%f")
    target = folder / f"{path.stem} {stamp}{path.suffix}"
    try:
        os.link(path, target)  # the old file's data stays put under the backup name
    except OSError:
        shutil.copy2(path, target)
    for old in list_backups(path)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def list_backups(path: Path) -> list[Path]:
    """Backups of this workbook, newest first."""
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.stem} *{path.suffix}"), reverse=True)
