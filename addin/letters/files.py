"""Appeal letters on disk: names, versions, the manifest and journal that keep a person's
edits, PDFs."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from addin.letters.fields import clean_text
from addin.workbook.files import owner_files
from addin.workbook.layout import Col

MANIFEST = ".denialdesk-letters.json"  # file name → SHA-256 of the bytes DenialDesk wrote
# Written ahead of each letter, so a run killed mid-batch still knows its files as its own.
JOURNAL = ".denialdesk-letters.journal"
SOFFICE_SECONDS_PER_LETTER = 20
PDF_BATCH = 25  # files per soffice run: keeps the command line short on Windows


def letter_file(folder: Path | None, link: object) -> Path:
    """The file a Letter cell links to (a relative link starts at the workbook's folder)."""
    path = Path(str(link))
    return path if path.is_absolute() or folder is None else folder / path


# -- writing letters without losing a person's edits -------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_manifest(folder: Path) -> dict[str, str]:
    """What DenialDesk wrote into `folder` before, with what an interrupted run journaled.
    Unreadable: left out, so those files are treated as edited and never overwritten."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    files = data.get("files") if isinstance(data, dict) else None
    manifest = {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    return manifest | _journaled(folder)


def _journaled(folder: Path) -> dict[str, str]:
    """The journal's "digest name" lines (a later line wins; a torn last line is skipped)."""
    try:
        lines = (folder / JOURNAL).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return {}
    found = {}
    for line in lines:
        digest, _, name = line.partition(" ")
        if len(digest) == 64 and name:
            found[name] = digest
    return found


def save_manifest(folder: Path, manifest: Mapping[str, str]) -> None:
    """Record the letters DenialDesk wrote (those still there); the journal is then done."""
    kept = {name: digest for name, digest in sorted(manifest.items()) if (folder / name).exists()}
    text = json.dumps({"files": kept}, indent=1)
    _atomic_write(folder / MANIFEST, text.encode("utf-8"))
    (folder / JOURNAL).unlink(missing_ok=True)


def _journal(folder: Path, name: str, digest: str) -> None:
    """Note a letter about to be written, before writing it (one appended line)."""
    with (folder / JOURNAL).open("a", encoding="utf-8") as journal:
        journal.write(f"{digest} {name}\n")


def unchanged_since_written(path: Path, manifest: Mapping[str, str]) -> bool:
    """True when the file is exactly what DenialDesk wrote and nobody has it open."""
    recorded = manifest.get(path.name)
    if recorded is None or owner_files(path):
        return False
    return sha256(path.read_bytes()) == recorded


def place_letter(
    folder: Path, file_name: str, data: bytes, manifest: dict[str, str]
) -> tuple[Path, bool]:
    """Write a letter as `file_name`, or as the next free `_v2`, `_v3` … when a person edited
    (or has open) the file of that name. Returns the path and whether it is a new version."""
    target = folder / file_name
    new_version = target.exists() and not unchanged_since_written(target, manifest)
    if new_version:
        target = next_version(target)
    digest = sha256(data)
    _journal(folder, target.name, digest)
    _atomic_write(target, data)
    manifest[target.name] = digest
    return target, new_version


def remove_stale_pdf(letter: Path) -> str:
    """Delete the `name.pdf` beside a letter that was just (re)written, so an out-of-date copy
    is never sent; a fresh one is made later in the run if PDFs were asked for. Returns why it
    could not be deleted ("" when it is gone)."""
    try:
        letter.with_suffix(".pdf").unlink(missing_ok=True)
    except OSError as error:
        return error.strerror or type(error).__name__
    return ""


def next_version(path: Path) -> Path:
    number = 2
    while (candidate := path.with_name(f"{path.stem}_v{number}{path.suffix}")).exists():
        number += 1
    return candidate


def _atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target, then replace it in one step: never a half-written letter.

    The file is created 0666 less the umask, as any file a person saves (mkstemp's 0600
    would lock colleagues on a shared folder out of the letters and the manifest)."""
    temp = path.with_name(f".~{secrets.token_hex(6)}.tmp")
    handle = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


# -- PDF copies through LibreOffice ------------------------------------------------------

_SOFFICE_PLACES = (
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
)
NO_LIBREOFFICE = (
    "PDF copies not made: LibreOffice was not found. Install it from libreoffice.org (or put "
    "soffice on the PATH) and run again with --pdf; the Word letters were written."
)


def find_soffice() -> str | None:
    """The LibreOffice program, on the PATH or where its installers put it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((str(p) for p in _SOFFICE_PLACES if p.is_file()), None)


def convert_to_pdf(documents: Sequence[Path], soffice: str) -> dict[Path, str]:
    """Write `name.pdf` beside each document; returns the documents that failed, with why."""
    failed: dict[Path, str] = {}
    for start in range(0, len(documents), PDF_BATCH):
        batch = list(documents[start : start + PDF_BATCH])
        for document in batch:  # a stale copy must not pass for a fresh one
            with contextlib.suppress(OSError):
                document.with_suffix(".pdf").unlink()
        problem = _run_soffice(soffice, batch)
        for document in batch:
            if not document.with_suffix(".pdf").is_file():
                failed[document] = problem or "LibreOffice did not convert it"
    return failed


def _run_soffice(soffice: str, batch: list[Path]) -> str:
    # A private profile: works while the user has LibreOffice open, and leaves theirs alone.
    with tempfile.TemporaryDirectory(prefix="denialdesk-lo-") as profile:
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(batch[0].parent),
            *map(str, batch),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=60 + SOFFICE_SECONDS_PER_LETTER * len(batch),
                check=False,
                stdin=subprocess.DEVNULL,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0) if _windows() else 0,
            )
        except subprocess.TimeoutExpired:
            return "LibreOffice took too long and was stopped"
        except OSError as error:
            return f"LibreOffice could not be started ({error.strerror or error})"
    return ""


def _windows() -> bool:
    return sys.platform == "win32"


def _slug(text: object, limit: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", clean_text(text)).strip("-.")
    return slug[:limit].rstrip("-.") or "unknown"


def letter_file_name(row: Mapping[str, object], today: date) -> str:
    """`2026-03-05_ACME-HEALTH-PLAN_DD1001_D-12AB.docx`: date, payer, claim, denial; no spaces
    (the name is also a hyperlink target) and no patient name (it is seen in folder listings)."""
    parts = (
        f"{today:%Y-%m-%d}",
        _slug(row.get(Col.PAYER), 40),
        _slug(row.get(Col.CLAIM_ID), 30),
        _slug(row.get(Col.DENIAL_ID), 30),
    )
    return "_".join(parts) + ".docx"
