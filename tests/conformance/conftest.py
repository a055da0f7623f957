"""The Book contract under one suite: the file engine opens a tracker, works on it and saves
it; the tests then look at the saved file with openpyxl.

(The live xlwings writer that once ran this suite too is retired: every Excel button now runs
the file engine, see addin/excel/.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.workbook.openpyxl_book import OpenpyxlBook


class OpenpyxlAdapter:
    name = "openpyxl"

    def open(self, path: Path):
        return OpenpyxlBook.open(path)

    def close(self, book) -> None:
        pass


@pytest.fixture
def adapter():
    return OpenpyxlAdapter()
