"""The small Book protocol that actions need, whichever program holds the workbook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from addin.errors import WorkbookLayoutError
from addin.workbook.layout import SETTING_DEFAULTS, TableSpec

if TYPE_CHECKING:  # the report model lives with the KPI sheets
    from addin.workbook.report import Report


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

    def read_table(self, spec: TableSpec) -> pd.DataFrame:
        """All rows of a table: layout columns typed by kind, then any columns people added."""

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


def table_frame(spec: TableSpec, columns: dict[str, list], rows: int) -> pd.DataFrame:
    """A read table as a DataFrame: the sheet's columns in sheet order (object dtype, typed
    values), then any layout column the sheet lacks, empty (an older tracker)."""
    for name in spec.column_names:
        columns.setdefault(name, [None] * rows)
    return pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()},
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
