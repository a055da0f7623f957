"""Letter Status: a letter with [[fields]] to complete is a draft; a person marks it Ready
(pure)."""

from __future__ import annotations

import re

from addin.letters.fields import clean_text
from addin.workbook.layout import LETTER_DRAFT, LETTER_READY

_COUNT = re.compile(r"\((\d+) open fields?\)")


def status_for(open_fields: int) -> str:
    """What Letter Status says of a letter just drafted: Ready when nothing is left for a
    person, else `Draft — needs input (3 open fields)`."""
    return LETTER_READY if open_fields == 0 else draft_status(open_fields)


def draft_status(open_fields: int) -> str:
    """A draft's Letter Status with its count (a completed draft waits for a person's Ready)."""
    if open_fields == 0:
        return f"{LETTER_DRAFT} (no open fields left: review it and mark it {LETTER_READY})"
    plural = "s" if open_fields != 1 else ""
    return f"{LETTER_DRAFT} ({open_fields} open field{plural})"


def is_ready(status: object) -> bool:
    """A person (or a letter drafted complete) marked it Ready."""
    return clean_text(status).lower().startswith(LETTER_READY.lower())


def is_draft(status: object) -> bool:
    return clean_text(status).lower().startswith("draft")


def open_fields_in(status: object) -> int | None:
    """The count a draft's Letter Status shows (None when it shows none)."""
    found = _COUNT.search(clean_text(status))
    return int(found[1]) if found else None
