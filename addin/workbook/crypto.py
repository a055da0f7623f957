"""Password-protected trackers: decrypt on open and encrypt on save, with msoffcrypto-tool.

Excel's "Encrypt with Password" (Agile encryption) is what this reads and writes, so a
tracker protected in Excel opens here and one saved here opens in Excel with the same password.
"""

from __future__ import annotations

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
        if handle.read(8) != _OLE_MAGIC:
            return False
        handle.seek(0)
        try:
            return msoffcrypto.OfficeFile(handle).is_encrypted()
        except Exception:  # noqa: BLE001 - a damaged OLE file is simply "not ours to decrypt"
            return False


def decrypt(path: Path, password: str | None) -> io.BytesIO:
    """The decrypted .xlsx bytes of a password-protected workbook."""
    if not password:
        raise WorkbookLayoutError(
            f"{path.name} is password-protected. Give the password with --password or the "
            f"{PASSWORD_ENV} environment variable."
        )
    out = io.BytesIO()
    with path.open("rb") as handle:
        try:
            office = msoffcrypto.OfficeFile(handle)
            office.load_key(password=password, verify_password=True)
        except (DecryptionError, InvalidKeyError):
            raise WorkbookLayoutError(
                f"the password for {path.name} is not right; nothing was changed."
            ) from None
        except Exception as error:  # noqa: BLE001 - a damaged file: one line, no traceback
            raise _damaged(path, error) from None
        try:
            office.decrypt(out)
        except Exception as error:  # noqa: BLE001 - the key was right, the content is damaged
            raise _damaged(path, error) from None
    out.seek(0)
    return out


def _damaged(path: Path, error: Exception) -> WorkbookLayoutError:
    """The message for a password-protected tracker whose encrypted container is damaged
    (truncated, overwritten): its kind of failure, never its content."""
    return WorkbookLayoutError(
        f"{path.name} is damaged: its password-protected contents cannot be read "
        f"({type(error).__name__}). Restore a backup with `denialdesk restore {path.name} "
        "--list`."
    )


def encrypt(plain: bytes, password: str, target: Path) -> None:
    """Write `plain` .xlsx bytes to `target`, encrypted with `password`."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with target.open("wb") as out:
        OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
