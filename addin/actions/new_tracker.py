"""A new, empty tracker: the workbook template with DenialDesk's built-in payer profiles."""

from __future__ import annotations

from pathlib import Path

from addin.errors import AddinError
from addin.payers import built_in_rows
from addin.workbook import crypto, hints
from addin.workbook.template import TEMPLATE_NAME, template_bytes, write_template


def create_tracker(path: Path, password: str | None = None) -> Path:
    """Write a new tracker to `path` (refusing to overwrite an existing file), encrypted with
    `password` when one is given (it opens in Excel with the same password)."""
    path = Path(path)
    hints.refuse_other_file_types(path)
    if not password:
        return write_template(path, built_in_rows())
    if path.exists():
        raise AddinError(f"{path} already exists; choose another name or move the old file first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    crypto.encrypt(tracker_bytes(), password, path)
    return path


def tracker_bytes() -> bytes:
    """The new tracker as .xlsx bytes, the same on every build."""
    return template_bytes(built_in_rows())


def main() -> None:  # pragma: no cover - developer command
    """Rebuild workbook_templates/ from layout.py: `python -m addin.actions.new_tracker`."""
    target = Path(__file__).resolve().parents[2] / "workbook_templates" / TEMPLATE_NAME
    target.write_bytes(tracker_bytes())
    print(f"Wrote {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
