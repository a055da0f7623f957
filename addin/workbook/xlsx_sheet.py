"""One worksheet part rewritten as a byte stream: only the rows with edits are re-rendered; every
other row, and every element DenialDesk does not own, is copied as the bytes it was."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

_ROW = re.compile(rb"<row\b([^>]*?)(/?)>")
_ROW_R = re.compile(rb'\sr="(\d+)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_R = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_CELL_S = re.compile(rb'\ss="(\d+)"')
_FORMULA = re.compile(rb"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_F_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_DIMENSION = re.compile(rb'<dimension\s+ref="[^"]*"\s*/>')
# Worksheet children that come after sheetData, in the schema's order (CT_Worksheet).
AFTER_SHEET_DATA = (
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
EPOCH_1900, EPOCH_1904 = datetime(1899, 12, 30), datetime(1904, 1, 1)


class Unsupported(Exception):
    """A worksheet written in a form this streaming writer does not edit (the caller falls
    back to the full openpyxl load and save)."""


class Formula(str):
    """A formula to write as one ("=…" text), as opposed to text that looks like one."""


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def split_ref(ref: str) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of "A1:BF56" (or of one cell)."""
    first, _, last = ref.replace("$", "").partition(":")
    last = last or first
    a, b = (
        re.fullmatch(r"([A-Z]+)(\d+)", first).groups(),
        re.fullmatch(r"([A-Z]+)(\d+)", last).groups(),
    )
    return column_number(a[0]), int(a[1]), column_number(b[0]), int(b[1])


def join_ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    return f"{column_letters(min_col)}{min_row}:{column_letters(max_col)}{max_row}"


# -- cells ------------------------------------------------------------------------------


def text_xml(text: str) -> bytes:
    body = escape(text).replace("\r", "&#13;")
    return f'<is><t xml:space="preserve">{body}</t></is>'.encode()


def cell_xml(ref: str, style: int, value: object, date1904: bool = False) -> bytes:
    """A `<c>` element for `value`: text inline (never a formula), numbers, dates as serial
    numbers, booleans; a Formula as a formula. None keeps only the cell's style."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>'.encode() if style else b""
    if isinstance(value, Formula):
        return f'<c r="{ref}"{s}><f>{escape(value[1:])}</f></c>'.encode()
    if isinstance(value, str):
        return f'<c r="{ref}"{s} t="inlineStr">'.encode() + text_xml(value) + b"</c>"
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, datetime | date | time | timedelta):
        return f'<c r="{ref}"{s}><v>{f"{_serial(value, date1904):.16g}"}</v></c>'.encode()
    if isinstance(value, int | float | Decimal):
        number = value if not isinstance(value, float) or value == value else None
        if number is None or (isinstance(value, float) and value in (float("inf"), float("-inf"))):
            return f'<c r="{ref}"{s} t="inlineStr">'.encode() + text_xml(str(value)) + b"</c>"
        text = str(value) if isinstance(value, int) else f"{float(value):.16g}"  # as openpyxl
        return f'<c r="{ref}"{s}><v>{text}</v></c>'.encode()
    return f'<c r="{ref}"{s} t="inlineStr">'.encode() + text_xml(str(value)) + b"</c>"


def _serial(value, date1904: bool) -> float | int:
    epoch = EPOCH_1904 if date1904 else EPOCH_1900
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if not isinstance(value, datetime):
        return (datetime(value.year, value.month, value.day) - epoch).days
    delta = value.replace(tzinfo=None) - epoch
    days = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return int(days) if days == int(days) else days


# -- rows -------------------------------------------------------------------------------

Render = Callable[[str, int, object], bytes]  # (cell ref, current style, new value) → <c>


def rewrite_rows(data: bytes, edits: dict[int, dict[int, object]], render: Render) -> bytes:
    """`data` with each row of `edits` ({row: {column: new value}}) re-rendered; rows the
    edits name that the sheet lacks are inserted in order. Other rows are copied as bytes."""
    if not edits:
        return data
    start, end, empty = _sheet_data(data)
    rows = _row_spans(data, start, end)
    numbers = [number for number, _, _ in rows]
    out, cursor = [data[:start]], start
    if empty:
        out = [data[:start], b"<sheetData>"]
    for number in sorted(edits):
        at = bisect.bisect_left(numbers, number)
        if at < len(rows) and rows[at][0] == number:
            _, row_start, row_end = rows[at]
            out.append(data[cursor:row_start])
            out.append(_patched_row(data[row_start:row_end], number, edits[number], render))
            cursor = row_end
        else:
            before = rows[at][1] if at < len(rows) else end
            out.append(data[cursor:before])
            out.append(_new_row(number, edits[number], render))
            cursor = before
    if empty:
        out.append(b"</sheetData>")
        out.append(data[end:])
    else:
        out.append(data[cursor:])
    return b"".join(out)


def only_rows(data: bytes, numbers: set[int]) -> bytes:
    """The worksheet with only the rows `numbers` in its sheetData (to check what was written
    without re-parsing the rows copied as they were)."""
    start, end, empty = _sheet_data(data)
    if empty:
        return data
    rows = [data[a:b] for number, a, b in _row_spans(data, start, end) if number in numbers]
    return data[:start] + b"".join(rows) + data[end:]


def _sheet_data(data: bytes) -> tuple[int, int, bool]:
    """(start of the rows, end of the rows, whether sheetData was the empty <sheetData/>)."""
    empty = re.search(rb"<sheetData\s*/>", data)
    if empty:
        return empty.start(), empty.end(), True
    opening = re.search(rb"<sheetData\b[^>]*>", data)
    closing = data.rfind(b"</sheetData>")
    if opening is None or closing < 0:
        raise Unsupported("no sheetData (or a prefixed namespace)")
    return opening.end(), closing, False


def _row_spans(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    rows = []
    for match in _ROW.finditer(data, start, end):
        number = _ROW_R.search(match.group(1))
        if number is None:
            raise Unsupported("a row without its number")
        if match.group(2):
            rows.append((int(number.group(1)), match.start(), match.end()))
            continue
        close = data.find(b"</row>", match.end(), end)
        rows.append((int(number.group(1)), match.start(), close + 6))
    if any(a[0] >= b[0] for a, b in zip(rows, rows[1:], strict=False)):
        raise Unsupported("rows out of order")
    return rows


def _patched_row(row: bytes, number: int, edits: dict[int, object], render: Render) -> bytes:
    head = _ROW.match(row)
    attrs = _SPANS.sub(b"", head.group(1))
    cells = []
    for match in _CELL.finditer(row, head.end()):
        ref = _CELL_R.search(match.group(1))
        if ref is None:
            raise Unsupported("a cell without its reference")
        column = column_number(ref.group(1).decode())
        if column in edits:
            style = _CELL_S.search(match.group(1))
            cells.append(
                (
                    column,
                    render(
                        f"{ref.group(1).decode()}{number}",
                        int(style.group(1)) if style else 0,
                        edits[column],
                    ),
                )
            )
        else:
            cells.append((column, match.group(0)))
    have = {column for column, _ in cells}
    for column, value in edits.items():
        if column not in have:
            cells.append((column, render(f"{column_letters(column)}{number}", 0, value)))
    cells.sort(key=lambda item: item[0])
    return b"<row" + attrs + b">" + b"".join(cell for _, cell in cells) + b"</row>"


def _new_row(number: int, edits: dict[int, object], render: Render) -> bytes:
    cells = b"".join(
        render(f"{column_letters(column)}{number}", 0, edits[column]) for column in sorted(edits)
    )
    return f'<row r="{number}">'.encode() + cells + b"</row>" if cells else b""


def formula_cells(data: bytes) -> dict[tuple[int, int], str]:
    """(row, column) → "=formula" for every formula cell, shared formulas spelled out per cell
    as openpyxl reads them."""
    found: dict[tuple[int, int], str] = {}
    if b"<f" not in data:
        return found
    masters: dict[bytes, tuple[str, str]] = {}
    position = data.find(b"<f", 0)
    while position >= 0:
        formula = _FORMULA.match(data, position)
        cell_start = data.rfind(b"<c ", 0, position)
        ref = _CELL_R.search(data, cell_start, position) if formula and cell_start >= 0 else None
        if ref is not None:
            letters, row = ref.group(1).decode(), int(ref.group(2))
            attrs = dict(_F_ATTR.findall(formula.group(1)))
            text = _unescape(formula.group(2) or b"")
            if attrs.get(b"t") == b"shared":
                index = attrs.get(b"si", b"")
                if text:
                    masters[index] = (text, f"{letters}{row}")
                elif index in masters:
                    text = _translate(*masters[index], f"{letters}{row}")
            if text:
                found[(row, column_number(letters))] = "=" + text
        position = data.find(b"<f", (formula.end() if formula else position + 2))
    return found


def _translate(formula: str, origin: str, target: str) -> str:
    from openpyxl.formula.translate import Translator

    return Translator("=" + formula, origin=origin).translate_formula(target)[1:]


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" not in text:
        return text
    from xml.sax.saxutils import unescape

    text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
    text = re.sub(r"&#x([0-9a-fA-F]+);", lambda m: chr(int(m.group(1), 16)), text)
    return unescape(text, {"&quot;": '"', "&apos;": "'"})


# -- elements after sheetData -----------------------------------------------------------


def set_dimension(data: bytes, ref: str) -> bytes:
    return _DIMENSION.sub(f'<dimension ref="{ref}"/>'.encode(), data, count=1)


def dimension(data: bytes) -> str | None:
    match = re.search(rb'<dimension\s+ref="([^"]*)"', data)
    return match.group(1).decode() if match else None


_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.:-]*)\b[^>]*?(/?)>")


def top_level(data: bytes) -> list[tuple[str, int, int]]:
    """(name, start, end) of each worksheet child after sheetData, nested elements skipped."""
    _, end, empty = _sheet_data(data)
    start = end if empty else data.index(b"</sheetData>", end) + len(b"</sheetData>")
    found, depth, opened = [], 0, (None, 0)
    for match in _TAG.finditer(data, start):
        closing, name, single = match.group(1), match.group(2).decode(), match.group(3)
        if closing:
            depth -= 1
            if depth == 0:
                found.append((opened[0], opened[1], match.end()))
            if depth < 0:
                break  # </worksheet>
        elif single:
            if depth == 0:
                found.append((name, match.start(), match.end()))
        else:
            if depth == 0:
                opened = (name, match.start())
            depth += 1
    return found


def block(data: bytes, tag: str) -> tuple[int, int] | None:
    """Where the worksheet child `tag` is (start, end), or None."""
    for name, start, end in top_level(data):
        if name == tag:
            return start, end
    return None


def insert_after_sheet_data(data: bytes, tag: str, fragment: bytes) -> bytes:
    """Insert `fragment` (a worksheet child `tag`) where the schema puts it: after the last
    `tag` there is, else before the first child that must follow it."""
    later = set(AFTER_SHEET_DATA[AFTER_SHEET_DATA.index(tag) + 1 :])
    children = top_level(data)
    same = [end for name, _, end in children if name == tag]
    if same:
        at = same[-1]
    else:
        at = next((start for name, start, _ in children if name in later), None)
        if at is None:
            at = data.rfind(b"</worksheet>")
            if at < 0:
                raise Unsupported("no closing worksheet tag")
    return data[:at] + fragment + data[at:]


def elements(data: bytes, tag: str) -> Iterable[re.Match]:
    """Every `tag` element (with its content) in `data`, in order."""
    return re.finditer(rf"<{tag}\b[^>]*?(?:/>|>.*?</{tag}>)".encode(), data, re.S)
