"""Test helpers: read the sample corpus's reference table, parse files into records."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from addin.remit import Claim, RemitReader, TransactionEnd

INDEX_COLUMNS = ("file", "bytes", "ISA", "ST", "claims", "SVC", "CAS", "denied", "rev", "PLB")


def index_rows(index_md: Path) -> dict[str, dict[str, int | None]]:
    """INDEX.md's reference counts per file; '–' (not given) becomes None."""
    rows = {}
    for line in index_md.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 10 or not re.search(r"\.(txt|835|edi)$", cells[0]):
            continue
        values = {}
        for name, cell in zip(INDEX_COLUMNS[1:], cells[1:10], strict=True):
            number = re.sub(r"[^0-9]", "", cell.split("(")[0])
            values[name] = int(number) if number else None
        rows[cells[0]] = values
    return rows


def read_all(path: Path) -> tuple[RemitReader, list[Claim], list[TransactionEnd]]:
    reader = RemitReader(path.read_bytes())
    records = list(reader)
    claims = [r for r in records if isinstance(r, Claim)]
    ends = [r for r in records if isinstance(r, TransactionEnd)]
    return reader, claims, ends


# LibreOffice CSV filter: comma, quote, UTF-8, …, values as shown, -1 = each sheet to its own file.
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def _soffice(soffice: str, source: Path, out_dir: Path, target: str) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def convert_with_libreoffice(soffice: str, source: Path, out_dir: Path, target: str) -> Path:
    """Convert a file with LibreOffice headless; returns the converted file's path."""
    output = _soffice(soffice, source, out_dir, target)
    converted = out_dir / f"{source.stem}.{target.split(':')[0]}"
    assert converted.exists(), output
    return converted


def sheets_as_csv(soffice: str, source: Path, out_dir: Path) -> dict[str, str]:
    """Every sheet of a workbook as LibreOffice computes and exports it: sheet name → CSV text."""
    output = _soffice(soffice, source, out_dir, ALL_SHEETS_CSV)
    prefix = f"{source.stem}-"
    found = {
        p.stem[len(prefix) :]: p.read_text(encoding="utf-8")
        for p in out_dir.glob(f"{source.stem}-*.csv")
    }
    assert found, output
    return found
