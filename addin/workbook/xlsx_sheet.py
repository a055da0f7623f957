"""One worksheet part rewritten as a byte stream: only the rows with edits are re-rendered; every
other row, and every element DenialDesk does not own, is copied as the bytes it was."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

ROW_OPEN = re.compile(rb"<row\b([^>]*?)(/?)>")  # a row's opening tag: attributes, self-closing
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


class RowSet:
    """Sheet row numbers: a few listed one by one, and whole runs (rows appended in bulk)."""

    def __init__(self, numbers: Iterable[int] = (), runs: Iterable[range] = ()):
        self.numbers, self.runs = set(numbers), [run for run in runs if run]

    def __contains__(self, number: int) -> bool:
        return number in self.numbers or any(number in run for run in self.runs)

    def update(self, other: RowSet) -> None:
        self.numbers |= other.numbers
        self.runs.extend(other.runs)


Edits = Iterable[tuple[int, dict[int, object]]]  # (row, {column: new value}), rows ascending


class SheetRows:
    """A worksheet read as a stream: `head` (its XML up to and with the sheetData opening tag),
    then its rows one by one as (number, the bytes before it, the row's bytes), then `gap` and
    `tail` (from `</sheetData>` on). Only one megabyte-sized chunk is held at a time."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        buffer = b""
        while (found := _SHEET_DATA_OPEN.search(buffer)) is None:
            chunk = next(self._chunks, None)
            if chunk is None:
                raise Unsupported("no sheetData (or a prefixed namespace)")
            buffer += chunk
        if found.group(0).endswith(b"/>"):  # <sheetData/>: written open and closed
            self.head = buffer[: found.start()] + found.group(0)[:-2].rstrip() + b">"
            self._buffer = b"</sheetData>" + buffer[found.end() :]
        else:
            self.head, self._buffer = buffer[: found.end()], buffer[found.end() :]
        self.gap, self.tail = b"", b""

    def __iter__(self) -> Iterator[tuple[int, bytes, bytes]]:
        buffer, pos, last = self._buffer, 0, 0
        self._buffer = b""
        while True:
            row = _next_row(buffer, pos)
            if row is None:
                chunk = next(self._chunks, None)
                if chunk is None:
                    raise Unsupported("the rows do not end")
                buffer, pos = buffer[pos:] + chunk, 0
                continue
            start, end, number = row
            if end is None:
                break
            if number is None:
                raise Unsupported("a row without its number")
            if number <= last:
                raise Unsupported("rows out of order")
            yield number, buffer[pos:start], buffer[start:end]
            pos, last = end, number
        self.gap, self.tail = buffer[pos:start], buffer[start:] + b"".join(self._chunks)


def stream_rows(
    rows: SheetRows,
    edits: Edits,
    render: Render,
    write: Callable[[bytes], object],
    retag: Callable[[int, bytes], bytes] | None = None,
) -> None:
    """Write `rows` with each row of `edits` re-rendered (rows the sheet lacks inserted in
    order) to `write`, a megabyte at a time: rows without edits are copied as bytes.
    `retag(number, row)` may change a row's attributes (its height)."""
    out = _Chunks(write)
    existing = iter(rows)
    pending = next(existing, None)
    for number, cells in edits:
        while pending is not None and pending[0] < number:
            out.add(pending[1])
            out.add(retag(pending[0], pending[2]) if retag is not None else pending[2])
            pending = next(existing, None)
        if pending is not None and pending[0] == number:
            out.add(pending[1])
            row = _patched_row(pending[2], number, cells, render)
            pending = next(existing, None)
        else:
            row = _new_row(number, cells, render)
        if row:
            out.add(retag(number, row) if retag is not None else row)
    while pending is not None:
        out.add(pending[1])
        out.add(retag(pending[0], pending[2]) if retag is not None else pending[2])
        pending = next(existing, None)
    out.add(rows.gap)
    out.flush()


class _Chunks:
    """Pieces of output gathered and passed on a megabyte at a time."""

    def __init__(self, write: Callable[[bytes], object]):
        self._write, self._pieces, self._held = write, [], 0

    def add(self, piece: bytes) -> None:
        self._pieces.append(piece)
        self._held += len(piece)
        if self._held >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self._pieces:
            self._write(b"".join(self._pieces))
        self._pieces, self._held = [], 0


_ROW_OR_END = re.compile(rb"<row\b|</sheetData>")
_SHEET_DATA_OPEN = re.compile(rb"<sheetData\b[^>]*>")


def only_rows_stream(chunks: Iterable[bytes], keep: RowSet) -> Iterator[bytes]:
    """A worksheet streamed in `chunks`, passed on with only the rows in `keep` left in its
    sheetData (to check what was written without re-parsing the rows copied as they were)."""
    chunks = iter(chunks)
    buffer = b""
    while (found := _SHEET_DATA_OPEN.search(buffer)) is None:  # the part before the rows
        chunk = next(chunks, None)
        if chunk is None:
            yield buffer
            return
        buffer += chunk
    yield buffer[: found.end()]
    pos, empty = found.end(), found.group(0).endswith(b"/>")
    while not empty:  # the rows, one whole row at a time
        row = _next_row(buffer, pos)
        if row is None:
            chunk = next(chunks, None)
            if chunk is None:
                break  # cut short: what is left goes to the parser, which says so
            buffer, pos = buffer[pos:] + chunk, 0
            continue
        row_start, row_end, number = row
        if row_end is None:  # </sheetData>
            break
        yield buffer[pos:row_start]
        if number is None or number in keep:
            yield buffer[row_start:row_end]
        pos = row_end
    yield buffer[pos:]
    yield from chunks


def _next_row(buffer: bytes, pos: int) -> tuple[int, int | None, int | None] | None:
    """(start, end, number) of the next whole row at or after `pos`; (start, None, None) where
    the rows end; None when `buffer` does not yet hold all of what comes next."""
    found = _ROW_OR_END.search(buffer, pos)
    if found is None:
        return None
    if found.group(0) == b"</sheetData>":
        return found.start(), None, None
    head = ROW_OPEN.match(buffer, found.start())
    if head is None:  # not a row tag after all (or not whole yet)
        return None if buffer.find(b">", found.start()) < 0 else (found.start(), found.end(), None)
    end = head.end() if head.group(2) else buffer.find(b"</row>", head.end())
    if end < 0:
        return None
    end += 0 if head.group(2) else 6
    number = _ROW_R.search(head.group(1))
    return found.start(), end, int(number.group(1)) if number else None


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


def _patched_row(row: bytes, number: int, edits: dict[int, object], render: Render) -> bytes:
    head = ROW_OPEN.match(row)
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
