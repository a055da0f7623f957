"""A new, empty tracker: the workbook template with DenialDesk's built-in payer profiles."""

from __future__ import annotations

from pathlib import Path

from addin.payers import built_in_rows
from addin.workbook.template import TEMPLATE_NAME, template_bytes, write_template


def create_tracker(path: Path) -> Path:
    """Write a new tracker to `path` (refusing to overwrite an existing file)."""
    return write_template(path, built_in_rows())


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
