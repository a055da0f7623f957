"""A hidden desktop Excel for the tests marked `excel` (Windows and macOS only)."""

from __future__ import annotations

import sys

import pytest


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
