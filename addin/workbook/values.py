"""Cell values ↔ typed Python values for each column kind; text from files is never a formula."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from addin.workbook.layout import Kind

CENT = Decimal("0.01")
# Characters that make Excel (or a CSV reader) treat typed text as a formula or command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "|")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class CellValueError(ValueError):
    """A cell holds a value that does not fit its column (e.g. text in a money column).

    The message names the kind of value expected, never the cell's content: a cell can hold a
    patient's name or member id, and messages end up in logs and support emails.
    """


NOT_AN_AMOUNT = "is not an amount (write it like 1250.00)"
NOT_A_DATE = "is not a date (use YYYY-MM-DD)"
NOT_A_DATETIME = "is not a date and time (use YYYY-MM-DD HH:MM)"
NOT_A_WHOLE_NUMBER = "is not a whole number"
NOT_A_NUMBER = "is not a number"


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value != value


def to_money(value: object) -> Decimal | None:
    if is_blank(value):
        return None
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, bool):
        raise CellValueError(NOT_AN_AMOUNT)
    if isinstance(value, int | float):
        return Decimal(repr(float(value))).quantize(CENT)
    try:
        return Decimal(str(value).replace(",", "").replace("$", "").strip()).quantize(CENT)
    except InvalidOperation:
        raise CellValueError(NOT_AN_AMOUNT) from None


def to_date(value: object) -> date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise CellValueError(NOT_A_DATE) from None


def to_datetime(value: object) -> datetime | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise CellValueError(NOT_A_DATETIME) from None


def to_int(value: object) -> int | None:
    if is_blank(value):
        return None
    try:
        number = float(value)
        whole = int(number)  # "nan" and "inf" read as floats but are no whole number
    except (TypeError, ValueError, OverflowError):
        raise CellValueError(NOT_A_WHOLE_NUMBER) from None
    if number != whole:
        raise CellValueError(NOT_A_WHOLE_NUMBER)
    return whole


def to_number(value: object) -> float | None:
    if is_blank(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CellValueError(NOT_A_NUMBER) from None


def to_text(value: object) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


_READERS = {
    Kind.MONEY: to_money,
    Kind.DATE: to_date,
    Kind.DATETIME: to_datetime,
    Kind.INT: to_int,
    Kind.NUMBER: to_number,
    Kind.PERCENT: to_number,
    Kind.TEXT: to_text,
    Kind.LINK: to_text,
}


def from_cell(kind: Kind, value: object) -> object:
    """The typed Python value of a cell in a column of `kind` (raises CellValueError)."""
    return _READERS[kind](value)


def safe_text(text: str) -> str:
    """Text with the characters a spreadsheet file cannot hold removed."""
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def needs_text_guard(text: str) -> bool:
    """True when text would look like a formula if a person re-entered the cell."""
    return text.startswith(FORMULA_TRIGGERS)


def is_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")


def is_persons_formula(value: object, formulas: frozenset[str]) -> bool:
    """True for a formula a person typed in the column: one of `formulas`, the column's formula
    cells before DenialDesk writes it. Any other "=…" text (a payer name from a remit, a code
    description from a CSV) is written as text, whatever the column's owner."""
    return is_formula(value) and value in formulas


def to_cell(kind: Kind, value: object) -> object:
    """The value to store in a cell: Decimal money, dates as dates, everything else as text."""
    if is_blank(value):
        return None
    if kind is Kind.MONEY:
        return to_money(value)
    if kind in (Kind.DATE, Kind.DATETIME, Kind.INT, Kind.NUMBER, Kind.PERCENT):
        return value
    return safe_text(value if isinstance(value, str) else str(value))


def written_value(kind: Kind | None, value: object) -> object:
    """What DenialDesk stores for a value that is not a person's formula: `to_cell` for the
    column's kind, except that "=…" text stays text whatever the kind, and a column people
    added (kind None) keeps its values as they are."""
    if isinstance(value, str) and (kind is None or is_formula(value)):
        return safe_text(value)
    return value if kind is None else to_cell(kind, value)


def typed_column(spec, sheet: str, name: str, values: list) -> list:
    """A table column's cell values typed by its layout kind; people's formulas in their own
    columns stay formulas, and columns people added stay as they are.

    Raises WorkbookLayoutError naming the sheet, column and row of a value that does not fit
    (and what was expected there, never the value itself).
    """
    from addin.errors import WorkbookLayoutError
    from addin.workbook.layout import Owner

    column = spec.column(name)
    if column is None:
        return values
    keep_formulas = column.owner is Owner.USER
    fast = _typed_fast(column.kind, values, keep_formulas)
    if fast is not None:
        return fast
    typed = []
    for offset, value in enumerate(values):
        if keep_formulas and is_formula(value):
            typed.append(value)
            continue
        try:
            typed.append(from_cell(column.kind, value))
        except CellValueError as error:
            raise WorkbookLayoutError(
                f"sheet '{sheet}', column '{name}', data row {offset + 1}: the cell {error}. "
                "Correct or clear that cell, then run again; nothing was changed."
            ) from None
    return typed


def _typed_fast(kind: Kind, values: list, keep_formulas: bool) -> list | None:
    """`typed_column`'s result computed once per distinct value (a tracker repeats the same
    payers, codes, amounts and dates endlessly), or None when some value does not fit (the
    slow path then names the row)."""
    if kind in (Kind.TEXT, Kind.LINK):  # a formula is text here too: no special case
        return [v if type(v) is str and v and not v.isspace() else to_text(v) for v in values]
    convert = _READERS[kind]
    seen: dict = {}
    typed = []
    for value in values:
        key = (type(value), value)
        try:
            typed.append(seen[key])
            continue
        except KeyError:
            pass
        except TypeError:  # unhashable: leave it to the slow path
            return None
        if keep_formulas and is_formula(value):
            result = value
        else:
            try:
                result = convert(value)
            except CellValueError:
                return None
        if value == value:  # NaN never equals itself: no caching
            seen[key] = result
        typed.append(result)
    return typed


# Wrapped text (the Work Queue's Action): how tall a row must be to show it, for every writer.
LINE_POINTS = 15.0  # one line of 11-point text
# Characters of ordinary text per unit of column width: a unit is a "0" (7 px in Calibri 11),
# and mixed text averages under 6 px a character (a width-40 Action holds 48 of them in
# LibreOffice's render of the demo), so 1.15 leaves a little to spare.
CHARS_PER_WIDTH = 1.15


def wrapped_lines(value: object, width: int) -> int:
    """How many lines `value` takes wrapped at word breaks in a column `width` wide."""
    if not isinstance(value, str) or not value:
        return 1
    room = max(int(width * CHARS_PER_WIDTH), 1)
    lines, used = 1, 0
    for word in value.split():
        if used and used + 1 + len(word) > room:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines
