"""The small Book protocol that actions need, whichever program holds the workbook."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from addin.errors import WorkbookLayoutError
from addin.workbook.layout import ADDED_LATER, SETTING_DEFAULTS, TableSpec

if TYPE_CHECKING:  # the report model lives with the KPI sheets
    from addin.workbook.report import Report

# Rows people may add below a table in Excel stay covered by drop-downs and highlights.
SPARE_ROWS = 500
# Our highlight rules are recognisable by shape (Highlight.condition), so re-running replaces
# them and keeps people's own.
OUR_HIGHLIGHT = re.compile(r"^AND\(ISNUMBER\(\$[A-Z]+\d+\)")


@dataclass(frozen=True, slots=True)
class Highlight:
    """Colour whole rows of a table whose `column` value lies in [minimum, maximum].

    Rendered as conditional formatting, so Excel and LibreOffice keep it current as people
    edit; `minimum` None means no lower bound. With `days_from_today` the column holds a date
    and its distance from TODAY() is compared, so the colour moves with the calendar between
    runs. Colours are hex RGB ("FFC7CE").
    """

    label: str
    column: str
    maximum: float
    minimum: float | None = None
    fill: str = "FFC7CE"
    font: str = "9C0006"
    days_from_today: bool = False

    def condition(self, cell: str) -> str:
        """The rule's formula (without "=") for the row whose `column` cell is `cell`
        ("$AH2"); blank cells never match. Both Book adapters write exactly this."""
        value = f"({cell}-TODAY())" if self.days_from_today else cell
        tests = [f"ISNUMBER({cell})", f"{value}<={_number(self.maximum)}"]
        if self.minimum is not None:
            tests.append(f"{value}>={_number(self.minimum)}")
        return f"AND({','.join(tests)})"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Book(Protocol):
    """A tracker workbook: named tables in and out as DataFrames, settings, a place on disk."""

    @property
    def name(self) -> str: ...

    @property
    def folder(self) -> Path | None:
        """The folder the workbook lives in (relative settings paths start here)."""

    def read_table(self, spec: TableSpec, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """All rows of a table: layout columns typed by kind, then any columns people added.
        With `columns`, only those (in that order; one the sheet lacks comes back empty): a
        reader that needs a few columns of a big table is spared typing the others."""

    def column_is_blank(self, spec: TableSpec, column: str) -> bool:
        """True only when certain that no cell of the table's `column` holds a value (a cheap
        look that spares reading a big table); False when unsure."""

    def write_table(self, spec: TableSpec, frame: pd.DataFrame) -> None:
        """Replace a table's rows with `frame`, which carries every column `read_table` gave."""

    def ensure_table(self, spec: TableSpec) -> None:
        """Create the sheet and empty table of `spec` when the workbook lacks them."""

    def apply_highlights(self, spec: TableSpec, highlights: Sequence[Highlight]) -> None:
        """Replace the table's row highlights (conditional formats) with `highlights`."""

    def write_report(self, report: Report) -> None:
        """Rewrite a report sheet (KPI tiles, tables, charts) completely from `report`."""

    def read_settings(self) -> dict[str, object]:
        """Setting name → value, with defaults for settings the sheet lacks."""

    def save(self) -> None:
        """Make the changes durable (a file: atomic replace with a backup)."""


def missing_table(spec: TableSpec) -> WorkbookLayoutError:
    """The error for a tracker whose table `spec` is gone (both adapters raise it)."""
    return WorkbookLayoutError(
        f"the workbook has no table named {spec.name} (expected on sheet '{spec.sheet}'). "
        "It may have been deleted or converted to a plain range; run `denialdesk doctor` on "
        "the workbook to repair it."
    )


def merged_cells_error(sheet: str, spec: TableSpec, merged: str) -> WorkbookLayoutError:
    """Merged cells inside a table: values hidden under a merge would be lost or misread."""
    return WorkbookLayoutError(
        f"sheet '{sheet}' has merged cells ({merged}) inside table {spec.name}. Unmerge them "
        "(Home › Merge & Center › Unmerge Cells), then run again; nothing was changed."
    )


def too_many_rows_error(sheet: str, spec: TableSpec, rows: int) -> WorkbookLayoutError:
    from addin.workbook import limits

    return WorkbookLayoutError(
        f"table {spec.name} on sheet '{sheet}' has {rows:,} rows, more than the "
        f"{limits.MAX_TABLE_ROWS:,} DenialDesk reads in one table. Move older rows to an "
        "archive copy of the tracker, then run again; nothing was changed."
    )


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether two (min_col, min_row, max_col, max_row) ranges share a cell."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def check_columns(spec: TableSpec, header: Sequence[str], sheet: str) -> None:
    """Refuse a table whose layout column a person renamed or removed (both adapters call it).

    A column only a newer DenialDesk has (`ADDED_LATER`) may be missing: it is added blank.
    Any other missing column, or one whose place holds a header DenialDesk does not know,
    was renamed or removed: adding it blank would silently lose what it held.
    """
    problem = column_problem(spec, header, sheet)
    if problem:
        raise WorkbookLayoutError(problem)


def column_problem(spec: TableSpec, header: Sequence[str], sheet: str) -> str | None:
    """The one-line message for a renamed or removed layout column, or None."""
    names = list(spec.column_names)
    later = ADDED_LATER.get(spec.name, frozenset())
    for index, name in enumerate(names):
        if name in header:
            continue
        stranger = _in_its_place(names, index, header, strict=name in later)
        if stranger is not None:
            shown = f"'{stranger[:40]}'" if not _is_blank_header(stranger) else "(blank)"
            return (
                f"column '{name}' of table {spec.name} was renamed to {shown}: rename column "
                f"{shown} back to '{name}' on sheet '{sheet}' (DenialDesk finds its data by "
                "that name), then run again; nothing was changed."
            )
        if name not in later:
            return (
                f"column '{name}' is missing from table {spec.name} on sheet '{sheet}': put "
                "it back (or restore a backup with `denialdesk restore`), then run again; "
                "nothing was changed."
            )
    return None


BLANK_HEADER = "Column"  # how an adapter names a blank header cell: Column1, Column2, …


def _is_blank_header(name: str) -> bool:
    return name.startswith(BLANK_HEADER) and name[len(BLANK_HEADER) :].isdigit()


def _in_its_place(
    names: list[str], index: int, header: Sequence[str], *, strict: bool
) -> str | None:
    """An unknown header standing where layout column `names[index]` belongs: between the
    nearest layout columns before and after it that the sheet has. `strict` (a column an
    older tracker may lack) asks for exactly as many unknown headers there as missing
    layout columns, both neighbours present: columns people added at the right and
    columns an upgrade appended never count as a rename."""
    position = {name: i for i, name in enumerate(header)}
    before = [position[n] for n in names[:index] if n in position]
    after = [position[n] for n in names[index + 1 :] if n in position]
    low = before[-1] if before else -1
    high = after[0] if after else len(header)
    if high <= low or (strict and not (before and after)):
        return None
    known = set(names)
    strangers = [h for h in header[low + 1 : high] if h not in known]
    missing = [n for n in names if n not in position and low < _slot(names, n, position) < high]
    if not strangers or (strict and len(strangers) != len(missing)):
        return None
    return strangers[missing.index(names[index])] if names[index] in missing else strangers[0]


def _slot(names: list[str], name: str, position: dict[str, int]) -> float:
    """Where a missing layout column would sit in the sheet: just after its nearest present
    predecessor."""
    earlier = [position[n] for n in names[: names.index(name)] if n in position]
    return (earlier[-1] if earlier else -1) + 0.5


def table_frame(spec: TableSpec, columns: dict[str, list], rows: int) -> pd.DataFrame:
    """A read table as a DataFrame: the sheet's columns in sheet order (object dtype, typed
    values), then any layout column the sheet lacks, empty (an older tracker)."""
    for name in spec.column_names:
        columns.setdefault(name, [None] * rows)
    return pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()},
        columns=list(columns),
    )


def selected_frame(found: dict[str, list], columns: Sequence[str], rows: int) -> pd.DataFrame:
    """A read table's `columns` only, in that order (a column not `found` is empty)."""
    return pd.DataFrame(
        {name: pd.Series(found.get(name, [None] * rows), dtype=object) for name in columns},
        columns=list(columns),
    )


def settings_from_rows(rows: list[tuple[object, object]]) -> dict[str, object]:
    """Settings from (name, value) rows, typed like their defaults; blanks take the default."""
    settings = {s.name: s.default for s in SETTING_DEFAULTS}
    for name, value in rows:
        if name is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        key = str(name).strip()
        default = settings.get(key)
        settings[key] = _like(default, value)
    return settings


def _like(default: object, value: object) -> object:
    if isinstance(default, bool):
        return str(value).strip().lower() in ("yes", "true", "1", "y")
    if isinstance(default, int):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return default
    if isinstance(default, float):
        try:
            return float(str(value).strip().rstrip("%")) / (
                100 if str(value).strip().endswith("%") else 1
            )
        except ValueError:
            return default
    return value.strip() if isinstance(value, str) else value
