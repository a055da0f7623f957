"""The [[fields]] of a letter a person still has to complete: highlighted, and counted.

A field is `[[…]]` in the letter's text, whoever put it there (a built-in template, the
letter's context, a practice's own template). Word keeps it searchable (Ctrl+F "[["), the
highlight makes it plain on the page, and the count decides the Letter Status.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.opc.exceptions import PackageNotFoundError
from docx.text.run import Run

FIELD = re.compile(r"\[\[.*?\]\]", re.DOTALL)


def _paragraphs(document) -> Iterator:
    """Every paragraph: body, tables (nested too), headers and footers."""

    def walk(container):
        yield from container.paragraphs
        for table in getattr(container, "tables", ()):
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)

    yield from walk(document)
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                yield from walk(part)


def mark_open_fields(data: bytes) -> bytes:
    """The letter with each [[field]] in a run of its own, highlighted yellow."""
    document = Document(io.BytesIO(data))
    changed = False
    for paragraph in _paragraphs(document):
        for run in list(paragraph.runs):
            if FIELD.search(run.text):
                _split(run)
                changed = True
    if not changed:
        return data
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _split(run) -> None:
    """Cut a run at its fields: the pieces copy its formatting, the fields are highlighted."""
    pieces = [p for p in re.split(r"(\[\[.*?\]\])", run.text, flags=re.DOTALL) if p]
    element = run._r
    for piece in pieces[1:][::-1]:
        clone = deepcopy(element)
        element.addnext(clone)
        _set(clone, piece, run)
    _set(element, pieces[0], run)


def _set(element, text: str, run) -> None:
    piece = Run(element, run._parent)
    piece.text = text
    piece.font.highlight_color = WD_COLOR_INDEX.YELLOW if FIELD.fullmatch(text) else None


def count_open_fields(data: bytes) -> int:
    """How many [[fields]] the letter still has (a person's Word edits split runs: the text of
    each paragraph is read whole)."""
    document = Document(io.BytesIO(data))
    return sum(len(FIELD.findall(p.text)) for p in _paragraphs(document))


def open_fields_in_file(path: Path) -> int | None:
    """The open fields of a letter on disk; None when it cannot be read (gone, not a .docx)."""
    try:
        return count_open_fields(path.read_bytes())
    except (OSError, PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        return None
