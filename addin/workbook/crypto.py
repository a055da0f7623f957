"""Password-protected trackers: decrypt on open and encrypt on save, with msoffcrypto-tool.

Excel's "Encrypt with Password" (Agile encryption) is what this reads and writes, so a
tracker protected in Excel opens here and one saved here opens in Excel with the same password.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import msoffcrypto
from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

from addin.errors import WorkbookLayoutError

PASSWORD_ENV = "DENIALDESK_PASSWORD"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML is an OLE compound file


def password_from_env(password: str | None) -> str | None:
    """The given password, else the DENIALDESK_PASSWORD environment variable, else None."""
    return password if password is not None else os.environ.get(PASSWORD_ENV) or None


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return _is_encrypted_stream(handle)


def is_encrypted_bytes(data: bytes) -> bool:
    return data[:8] == _OLE_MAGIC and _is_encrypted_stream(io.BytesIO(data))


def _is_encrypted_stream(handle) -> bool:
    if handle.read(8) != _OLE_MAGIC:
        return False
    handle.seek(0)
    try:
        return msoffcrypto.OfficeFile(handle).is_encrypted()
    except Exception:  # noqa: BLE001 - a damaged OLE file is simply "not ours to decrypt"
        return False


def decrypt_file(path: Path, password: str | None) -> io.BytesIO:
    return decrypt(path, password)


def decrypt(source, password: str | None, name: str | None = None) -> io.BytesIO:
    """The decrypted .xlsx bytes of a password-protected workbook (a path, or its bytes as a
    binary stream named `name`)."""
    name = name or Path(source).name
    if not password:
        raise WorkbookLayoutError(
            f"{name} is password-protected. Give the password with --password or the "
            f"{PASSWORD_ENV} environment variable."
        )
    out = io.BytesIO()
    with _opened(source) as handle:
        try:
            office = msoffcrypto.OfficeFile(handle)
            office.load_key(password=password, verify_password=True)
        except (DecryptionError, InvalidKeyError):
            raise WorkbookLayoutError(
                f"the password for {name} is not right; nothing was changed."
            ) from None
        except Exception as error:  # noqa: BLE001 - a damaged file: one line, no traceback
            raise _damaged(name, error) from None
        try:
            office.decrypt(out)
        except Exception as error:  # noqa: BLE001 - the key was right, the content is damaged
            raise _damaged(name, error) from None
    out.seek(0)
    return out


def _damaged(name: str, error: Exception) -> WorkbookLayoutError:
    """The message for a password-protected tracker whose encrypted container is damaged
    (truncated, overwritten): its kind of failure, never its content."""
    return WorkbookLayoutError(
        f"{name} is damaged: its password-protected contents cannot be read "
        f"({type(error).__name__}). Restore a backup with `denialdesk restore {name} "
        "--list`."
    )


def encrypt(plain, password: str, target: Path) -> None:
    """Write a plain .xlsx (its bytes, or a binary file holding them) to `target`, encrypted
    with `password`."""
    from msoffcrypto.format.ooxml import OOXMLFile

    source = io.BytesIO(plain) if isinstance(plain, bytes) else plain
    with target.open("wb") as out:
        OOXMLFile(source).encrypt(password, out)


@contextlib.contextmanager
def _opened(source):
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            yield handle
    else:
        source.seek(0)
        yield source


def protect_backups(path: Path, password: str) -> list[Path]:
    """Encrypt, with the tracker's password, every backup of it still in plain text (made
    before the tracker was protected), each replaced in one step. Returns those encrypted."""
    from addin.workbook import files

    done = []
    for backup in files.list_backups(path):
        if is_encrypted(backup):
            continue
        temp = backup.with_name(f".~{backup.name}.{os.getpid()}.tmp")
        try:
            encrypt(backup.read_bytes(), password, temp)
            files.keep_identity(backup, temp)
            files.flush_to_disk(temp)
            os.replace(temp, backup)
            done.append(backup)
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()
    return done
