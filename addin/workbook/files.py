"""Safe writing of the shared tracker: owner-file checks, a write lock, a fence, atomic replace,
backups.

The safe save is a row of steps, each callable on its own (another engine can reuse them):
`write_lock` (lock.py) → `read_fingerprinted` (what this run read) → `write_temp` → `verify`
(the caller's) → `keep_identity` → `flush_to_disk` → `refuse_if_open` → `make_backup` →
`check_fence` + `HeldLock.still_held` → `replace`. `atomic_write` runs them in that order.
A symlinked tracker is written through: its target is replaced, beside the target.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from addin.errors import (
    WorkbookBusyError,
    WorkbookChangedError,
    WorkbookLayoutError,
    WorkbookWriteError,
)
from addin.workbook.limits import MAX_COMPRESSION_RATIO, MAX_UNZIPPED_BYTES
from addin.workbook.lock import (  # noqa: F401 - the lock is part of the safe save's API
    LOCK_WAIT_SECONDS,
    HeldLock,
    LockInfo,
    lock_path,
    process_alive,
    read_lock,
    release_confirmed,
    write_lock,
)

BACKUP_FOLDER = "DenialDesk Backups"


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
    path = real_path(path)
    for candidate in path.parent.glob(f".~{path.stem}.*.tmp{path.suffix}"):
        pid = candidate.name[len(f".~{path.stem}.") :].split(".")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def check_zip(source, name: str | None = None) -> None:
    """Refuse a file that is not a sound .xlsx zip, or that would unpack to an absurd size."""
    name = name or getattr(source, "name", "the workbook")
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
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


def real_path(path: Path) -> Path:
    """The file a tracker path names, symlinks followed: the one to replace, lock and back up
    beside (replacing the link itself would leave its target behind, never updated)."""
    return Path(os.path.realpath(path))


# -- the fence: is the workbook on disk still the one this run read? -----------------------


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A workbook file as one run read it: size, modification time and content hash."""

    size: int
    mtime_ns: int
    sha256: str

    def same_stat(self, path: Path) -> bool:
        try:
            found = path.stat()
        except OSError:
            return False
        return (found.st_size, found.st_mtime_ns) == (self.size, self.mtime_ns)


def read_fingerprinted(path: Path) -> tuple[bytes, Fingerprint]:
    """The workbook's bytes and their fingerprint, read so that the two always agree (a file
    replaced during the read is read again)."""
    path = real_path(path)
    for _ in range(5):
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
        if _same_file(before, after) and after.st_size == len(data):
            return data, Fingerprint(len(data), after.st_mtime_ns, hashlib.sha256(data).hexdigest())
    raise _kept_changing(path)


def fingerprint(path: Path) -> Fingerprint:
    """The workbook's fingerprint, its content hashed a megabyte at a time (a big tracker is
    never read whole for it)."""
    path = real_path(path)
    for _ in range(5):
        before = path.stat()
        digest, size = _sha256(path)
        after = path.stat()
        if _same_file(before, after) and after.st_size == size:
            return Fingerprint(size, after.st_mtime_ns, digest)
    raise _kept_changing(path)


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _same_file(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ino) == (
        after.st_size,
        after.st_mtime_ns,
        after.st_ino,
    )


def _kept_changing(path: Path) -> WorkbookBusyError:
    return WorkbookBusyError(
        f"{path.name} kept changing while it was read. Wait for whoever is saving it, then "
        "run this again; nothing was changed."
    )


def check_fence(path: Path, expected: Fingerprint | None, lock: HeldLock | None = None) -> None:
    """Refuse to replace a workbook that is no longer the one this run read, or when this
    run's lock is no longer its own (WorkbookChangedError: nothing was replaced)."""
    if lock is not None and not lock.still_held():
        raise WorkbookChangedError(
            f"this run's lock on {path.name} was taken over by another run, so its changes "
            "were not saved; nothing was replaced."
        )
    if expected is None:
        return
    target = real_path(path)
    if expected.same_stat(target):
        with contextlib.suppress(OSError):
            if _sha256(target)[0] == expected.sha256:
                return
    raise WorkbookChangedError(
        f"{path.name} was saved by someone else while this run worked, so its changes were "
        "not saved; nothing was replaced."
    )


# -- the save, step by step -----------------------------------------------------------------


def atomic_write(
    path: Path,
    write: Callable[[Path], None],
    verify: Callable[[Path], None],
    backups_to_keep: int,
    *,
    expected: Fingerprint | None = None,
    lock: HeldLock | None = None,
) -> Path | None:
    """Write to a temp file beside `path`, verify it, back up the old file, then replace it.

    The temp file takes the tracker's mode and group and is flushed to disk before the
    replace; the replace is refused when Excel or LibreOffice opened the workbook while it
    was being written, and (given `expected`, the fingerprint of what this run read, and its
    `lock`) when the workbook is no longer the one this run read. Returns the backup made
    (None for a new file). On any failure the original is untouched.
    """
    target = real_path(path)
    temp = temp_path(target)
    try:
        write_temp(temp, write)
        verify(temp)
        keep_identity(target, temp)
        flush_to_disk(temp)
        refuse_if_open(path)  # opened in Excel during a long run: do not pull it from under them
        check_fence(path, expected, lock)
        backup = make_backup(target, backups_to_keep) if target.exists() else None
        if expected is not None and not expected.same_stat(target):
            raise WorkbookChangedError(
                f"{path.name} was saved by someone else a moment ago, so this run's changes "
                "were not saved; nothing was replaced."
            )
        replace(temp, target)
        return backup
    except Exception as error:
        if not _write_failed(error):
            raise
        raise write_error(path.name, error) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def write_error(name: str, error: Exception, where: str = "its folder") -> WorkbookWriteError:
    """The one line for a save that failed writing (a full disk, no permission)."""
    reason = getattr(error, "strerror", None) or error
    return WorkbookWriteError(
        f"could not save {name}: {reason}. The workbook on disk is unchanged. Check free "
        f"space and write permission on {where}."
    )


def _write_failed(error: Exception) -> bool:
    """A failed write: an OSError, or lxml's own error for a full disk mid-write (lxml, under
    openpyxl, is loaded by then; it is not imported here so a CLI start stays light)."""
    etree = sys.modules.get("lxml.etree")
    return isinstance(error, OSError) or (
        etree is not None and isinstance(error, etree.SerialisationError)
    )


def write_temp(temp: Path, write: Callable[[Path], None]) -> Path:
    """Run `write` on the temp path beside the workbook (a new file: it takes the folder's
    default permissions and, on Windows, the ACL the folder gives its files)."""
    write(temp)
    return temp


def keep_identity(target: Path, temp: Path) -> None:
    """Give the new file the tracker's permission bits, group and (where allowed) owner, so a
    save never locks a colleague out of a shared folder."""
    try:
        old = target.stat()
    except OSError:
        return  # a new tracker: the umask and the folder decide
    with contextlib.suppress(OSError):
        os.chmod(temp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):
            os.chown(temp, -1, old.st_gid)  # any member of the group may do this
        with contextlib.suppress(OSError):
            os.chown(temp, old.st_uid, -1)  # only root may; the group is what shares rely on


def flush_to_disk(path: Path) -> None:
    """Make the file's bytes durable, so a power cut cannot leave a replaced, empty workbook."""
    descriptor = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def replace(temp: Path, target: Path) -> None:
    """Put the temp file in the workbook's place in one step, durably."""
    os.replace(temp, target)
    flush_folder(target.parent)


def flush_folder(folder: Path) -> None:
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
    path = real_path(path)
    return path.parent / BACKUP_FOLDER / path.stem


def make_backup(path: Path, keep: int) -> Path | None:
    """Keep a timestamped copy of the current workbook, pruning the oldest beyond `keep`."""
    if keep <= 0:
        return None
    path = real_path(path)
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
    path = real_path(path)
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.stem} *{path.suffix}"), reverse=True)
