"""The demo tracker, cell for cell: a refactor that changes no behaviour changes no cell.

The golden file holds every sheet's values of the demo built as of 2026-11-28. Only what a
run cannot repeat is masked: timestamps (Audit, Remits › Imported At, KPI headers) and the
temporary folder's path. A deliberate change of output is recorded with `pytest
--update-golden tests/test_demo_golden.py` and reviewed in the diff of the golden file.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from addin.demo.tracker import run_demo
from addin.workbook.template import TEMPLATE_NAME
from tests.conftest import DATA

GOLDEN = DATA / "expected" / "demo_tracker.json.gz"
AS_OF = date(2026, 11, 28)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?")


def _canonical(value: object, folder: str) -> object:
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return "<timestamp>"
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, Decimal | float):
        return repr(float(value))
    if isinstance(value, str):
        return _TIMESTAMP.sub("<timestamp>", value.replace(folder, "<demo>"))
    return value


def workbook_cells(path, folder: str) -> dict[str, list[list[object]]]:
    """Every sheet's values, row by row, trailing blanks dropped."""
    sheets = {}
    for sheet in openpyxl.load_workbook(path).worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            values = [_canonical(v, folder) for v in row]
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        while rows and not rows[-1]:
            rows.pop()
        sheets[sheet.title] = rows
    return sheets


def test_the_demo_tracker_is_the_same_cell_for_cell(tmp_path, update_golden):
    out = tmp_path / "demo"
    for _ in run_demo(out, today=AS_OF):
        pass
    cells = workbook_cells(out / TEMPLATE_NAME, str(out))
    if update_golden:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(gzip.compress(json.dumps(cells, indent=0).encode(), mtime=0))
    golden = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    assert list(cells) == list(golden), "the sheets differ"
    for sheet, rows in golden.items():
        assert len(cells[sheet]) == len(rows), f"{sheet}: {len(cells[sheet])} rows, not {len(rows)}"
        for number, (got, want) in enumerate(zip(cells[sheet], rows, strict=True), start=1):
            assert got == want, f"{sheet} row {number} differs"
