"""`denialdesk demo`: a fresh tracker built from bundled synthetic remits, end to end."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from addin import actions, synth
from addin.errors import AddinError
from addin.workbook.openpyxl_book import open_for_update
from addin.workbook.template import TEMPLATE_NAME, write_template

MARKER = ".denialdesk-demo"
INBOX = "Remits Inbox"
DEMO_SEED = 2026


def prepare_folder(out: Path) -> None:
    """Empty a previous demo folder; refuse to touch a folder that is not one."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise AddinError(
                f"{out} already exists and is not a DenialDesk demo folder; choose another "
                "--out folder so nothing of yours is overwritten."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Created by `denialdesk demo`; safe to delete.\n")


def write_demo_remits(inbox: Path, seed: int = DEMO_SEED) -> list[Path]:
    inbox.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in synth.demo_remits(seed):
        path = inbox / name
        path.write_text(text, encoding="ascii", newline="")
        written.append(path)
    return written


def run_demo(out: Path) -> Iterator[str]:
    """Build the demo and yield the lines of its summary."""
    prepare_folder(out)
    remits = write_demo_remits(out / INBOX)
    workbook = write_template(out / TEMPLATE_NAME)
    with open_for_update(workbook) as book:
        report = actions.import_remittances(book, [out / INBOX])
    yield f"Demo tracker: {workbook}"
    yield f"Remits: {len(remits)} synthetic 835 files in {out / INBOX}"
    yield f"Import: {report.summary()}"
