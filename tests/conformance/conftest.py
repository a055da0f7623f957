"""The Book adapters under one test suite: openpyxl always; xlwings only with a real Excel.

Each adapter opens a tracker file, works on it and saves it; the tests then look at the saved
file with openpyxl, the same oracle whichever program wrote it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from addin.workbook.openpyxl_book import OpenpyxlBook


class OpenpyxlAdapter:
    name = "openpyxl"

    def open(self, path: Path):
        return OpenpyxlBook.open(path)

    def close(self, book) -> None:
        pass


class XlwingsAdapter:
    """The live adapter on a hidden Excel instance started for the test session."""

    name = "xlwings"

    def __init__(self, app):
        self.app = app

    def open(self, path: Path):
        from addin.workbook.xlwings_book import XlwingsBook

        return XlwingsBook(self.app.books.open(str(path)))

    def close(self, book) -> None:
        book.book.close()


@pytest.fixture(scope="session")
def excel_app():
    """A hidden desktop Excel through xlwings, or a skip saying why there is none."""
    if not (sys.platform.startswith("win") or sys.platform == "darwin"):
        pytest.skip(f"desktop Excel runs on Windows and macOS only, not on {sys.platform}")
    xw = pytest.importorskip("xlwings", reason="xlwings is not installed (pip install .[excel])")
    try:
        app = xw.App(visible=False, add_book=False)
    except Exception as error:  # no Excel installed, or it cannot be automated here
        pytest.skip(f"xlwings cannot start Excel here: {error}")
    app.display_alerts = False
    yield app
    app.quit()


@pytest.fixture(params=["openpyxl", pytest.param("xlwings", marks=pytest.mark.excel)])
def adapter(request):
    if request.param == "openpyxl":
        return OpenpyxlAdapter()
    return XlwingsAdapter(request.getfixturevalue("excel_app"))
