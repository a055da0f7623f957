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
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.oxml import serialize_part_xml
from docx.opc.part import XmlPart
from docx.oxml.parser import parse_xml
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
    if not _mark(document):
        return data
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def mark_rendered(document) -> int:
    """Mark the [[fields]] of a python-docx document just rendered, in memory, and return how
    many it has (`count_open_fields` of it saved). Its body is read again as Word XML first,
    as saving and opening it would (one save, where mark_open_fields needs two and a read);
    with nothing to mark, the body stays as rendered (what saving it unmarked gives)."""
    parts = [document.part] + [
        part
        for part in document.part.package.iter_parts()
        if part.content_type == CT.OPC_CORE_PROPERTIES and isinstance(part, XmlPart)
    ]  # the parts a render changes other than by reading XML: the body, the properties
    rendered = [part._element for part in parts]
    for part in parts:
        part._element = parse_xml(serialize_part_xml(part._element))
    count, changed = 0, False
    for paragraph in _paragraphs(document.part.document):
        if "[" not in "".join(paragraph._p.itertext()):  # its text has no '[': nothing to do
            continue
        found = len(FIELD.findall(paragraph.text))  # a run's text is a piece of its paragraph's
        count += found
        if found and _mark_runs(paragraph):
            changed = True
    if not changed:
        for part, element in zip(parts, rendered, strict=True):
            part._element = element
    return count


def _mark(document) -> bool:
    """Each [[field]] of `document` in a run of its own, highlighted; True if any was."""
    changed = False
    for paragraph in _paragraphs(document):
        changed = _mark_runs(paragraph) or changed
    return changed


def _mark_runs(paragraph) -> bool:
    changed = False
    for run in list(paragraph.runs):
        if FIELD.search(run.text):
            _split(run)
            changed = True
    return changed


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
