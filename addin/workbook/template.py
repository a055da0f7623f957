"""Builds the empty tracker workbook from layout.py, reproducibly (same bytes every build)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from addin import __version__
from addin.workbook.layout import (
    ABOUT_SHEET,
    LISTS,
    LISTS_SHEET,
    PAYERS,
    REPORT_SHEETS,
    SETTING_DEFAULTS,
    SETTINGS,
    SHEET_ORDER,
    STATUSES,
    TABLES,
    WORK_QUEUE,
    sheet_setup,
)
from addin.workbook.openpyxl_tables import add_table, apply_print_setup

TEMPLATE_NAME = "DenialDesk Tracker.xlsx"
_FIXED_TIME = datetime(2026, 1, 1)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_TITLE = Font(bold=True, size=16)
_HEADING = Font(bold=True, size=12)

ABOUT_LINES = (
    ("DenialDesk tracker", _TITLE),
    ("One shared workbook to catch, explain, appeal and track claim denials.", None),
    ("", None),
    ("Sheets", _HEADING),
    ("Work Queue — open denials in priority order, rebuilt by Classify & Prioritize.", None),
    (
        "Denials — one row per denied amount. You own Status, Owner, Follow-up Date, Category "
        "Override, Letter? and Notes; DenialDesk never overwrites them.",
        None,
    ),
    ("Claims — one row per claim adjudicated, the denominator of the denial rate.", None),
    (
        "Remits — the import log: one row per 835 payment (file, check/EFT number, amount, date).",
        None,
    ),
    (
        "KPIs, By Payer, By Category, By CARC, By Month — the manager's report, rebuilt by "
        "Refresh KPIs.",
        None,
    ),
    ("Payers — appeal deadlines and addresses per payer; fill in what your contracts say.", None),
    ("Codes — your own descriptions or category overrides for CARC/RARC codes.", None),
    ("Settings — practice details and options used by the buttons.", None),
    ("Audit — one row per action that changed this workbook: when, who, what, which files.", None),
    ("", None),
    ("Rules of the road", _HEADING),
    (
        "Keep this file a macro-free .xlsx. Add your own columns at the right of any table; they "
        "are "
        "kept. Do not rename the tables (tblDenials, tblClaims …).",
        None,
    ),
    (
        "DenialDesk refuses to write while someone has the file open, and keeps backups in the "
        "'DenialDesk Backups' folder beside it.",
        None,
    ),
)


def build_template(payer_rows: Sequence[Mapping[str, object]]) -> Workbook:
    """A fresh, empty tracker: every table of layout.py on its sheet, lists, settings, About,
    and the Payers table started with `payer_rows` (column name → value)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEET_ORDER:
        workbook.create_sheet(sheet)
    _fill_about(workbook[ABOUT_SHEET])
    for spec in TABLES:
        add_table(workbook[spec.sheet], spec)
    _fill_settings(workbook[SETTINGS.sheet])
    _fill_payers(workbook[PAYERS.sheet], payer_rows)
    _fill_lists(workbook)
    for sheet in REPORT_SHEETS:
        workbook[sheet]["A1"] = "Run Refresh KPIs (or `denialdesk kpis`) to fill this sheet."
        setup = sheet_setup(sheet)
        if setup is not None:  # print titles are the workbook's: there from the start
            apply_print_setup(workbook[sheet], setup)
    workbook.active = workbook.sheetnames.index(WORK_QUEUE.sheet)
    workbook.properties.creator = f"DenialDesk {__version__}"
    workbook.properties.created = workbook.properties.modified = _FIXED_TIME
    return workbook


def _fill_about(sheet) -> None:
    sheet.column_dimensions["A"].width = 110
    for row, (text, font) in enumerate(ABOUT_LINES, start=1):
        cell = sheet.cell(row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font


def _fill_payers(sheet, rows: Sequence[Mapping[str, object]]) -> None:
    """Start the Payers table with the given payer profiles, for people to edit."""
    for row, values in enumerate(rows, start=2):
        for col, column in enumerate(PAYERS.columns, start=1):
            sheet.cell(row, col, values.get(column.name))
    last = get_column_letter(len(PAYERS.columns))
    sheet.tables[PAYERS.name].ref = f"A1:{last}{len(rows) + 1}"


def _fill_settings(sheet) -> None:
    for row, setting in enumerate(SETTING_DEFAULTS, start=2):
        sheet.cell(row, 1, setting.name)
        sheet.cell(row, 2, setting.default if setting.default != "" else None)
        sheet.cell(row, 3, setting.description)
    last = get_column_letter(len(SETTINGS.columns))
    sheet.tables[SETTINGS.name].ref = f"A1:{last}{len(SETTING_DEFAULTS) + 1}"


def _fill_lists(workbook: Workbook) -> None:
    sheet = workbook[LISTS_SHEET]
    for col, (list_name, values) in enumerate(LISTS.items(), start=1):
        letter = get_column_letter(col)
        sheet.cell(1, col, list_name).font = _HEADING
        sheet.column_dimensions[letter].width = 26
        for row, value in enumerate(values, start=2):
            sheet.cell(row, col, value)
        ref = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        workbook.defined_names[list_name] = DefinedName(list_name, attr_text=ref)
    sheet.cell(len(STATUSES) + 3, 1, "Insert rows inside a list to extend its drop-down.")


def template_bytes(payer_rows: Sequence[Mapping[str, object]]) -> bytes:
    """The template as .xlsx bytes, with fixed zip timestamps so builds are byte-identical."""
    raw = io.BytesIO()
    build_template(payer_rows).save(raw)
    return normalise_zip(raw.getvalue())


def normalise_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" at save time
                data = _MODIFIED.sub(rb"\g<1>2026-01-01T00:00:00Z\g<2>", data)
            target.writestr(fixed, data)
    return out.getvalue()


def write_template(path: Path, payer_rows: Sequence[Mapping[str, object]]) -> Path:
    """Write a new, empty tracker to `path` (refusing to overwrite an existing file)."""
    path = Path(path)
    if path.exists():
        from addin.errors import AddinError

        raise AddinError(f"{path} already exists; choose another name or move the old file first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_bytes(payer_rows))
    return path
