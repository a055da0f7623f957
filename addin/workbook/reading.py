"""A tracker file's bytes as an action reads them: checked, fingerprinted, decrypted."""

from __future__ import annotations

import io
from pathlib import Path

from addin.errors import WorkbookLayoutError
from addin.workbook import crypto, files, hints, limits


def read_tracker(path: Path, password: str | None) -> tuple[bytes, files.Fingerprint, str | None]:
    """(plain .xlsx bytes, the fingerprint of the file as read — the save's fence, the password
    it is encrypted with or None). A missing file, an oversized one or a wrong password is one
    clear error; `password` falls back on DENIALDESK_PASSWORD."""
    hints.refuse_other_file_types(path)
    if not path.is_file():
        raise WorkbookLayoutError(
            f"no workbook at {path}. Create one with `{hints.command('new', path)}`."
        )
    limits.refuse_oversized(path)
    password = crypto.password_from_env(password)
    data, read_as = files.read_fingerprinted(path)
    if not crypto.is_encrypted_bytes(data):
        return data, read_as, None
    return crypto.decrypt(io.BytesIO(data), password, path.name).getvalue(), read_as, password
