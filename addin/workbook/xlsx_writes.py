"""What one write_table or apply_highlights changes in a worksheet part: the cells that differ
from what is there, the table's range, its drop-downs, links and highlights."""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

import pandas as pd

from addin.errors import WorkbookLayoutError
from addin.workbook import xlsx_sheet as sx
from addin.workbook.base import OUR_HIGHLIGHT, SPARE_ROWS, Highlight
from addin.workbook.layout import NUMBER_FORMATS, Kind, Owner, TableSpec
from addin.workbook.values import (
    LINE_POINTS,
    is_persons_formula,
    needs_text_guard,
    wrapped_lines,
    written_value,
)
from addin.workbook.xlsx_package import (
    EMPTY_RELS,
    HYPERLINK_TYPE,
    StreamedPart,
    next_rel_id,
    rels_name,
)
from addin.workbook.xlsx_sheet import Formula, column_letters, join_ref, split_ref

APPEND_CHUNK = 5_000  # appended rows taken from the frame at a time
REMEMBERED_ROWS = 20_000  # appended rows kept in memory for later reads in the same run
_NUMERIC = frozenset((Kind.MONEY, Kind.DATE, Kind.DATETIME, Kind.INT, Kind.NUMBER, Kind.PERCENT))


class TableWrite:
    """Replace a table's rows with `frame`, touching only the cells whose value changes."""

    def __init__(self, book, spec: TableSpec, grid, frame: pd.DataFrame):
        self.book, self.spec, self.grid, self.frame = book, spec, grid, frame
        self.first = grid.min_row + 1
        self.last_row = grid.min_row + max(len(frame), 1)
        self.max_col = grid.min_col + len(grid.header) - 1
        self.ref = join_ref(grid.min_col, grid.min_row, self.max_col, self.last_row)
        self.links: dict[str, str | None] = {}
        columns = [spec.column(name) for name in grid.header]
        self.wrapped = {  # column letters → width, of the columns whose text wraps
            column_letters(grid.min_col + i): c.width
            for i, c in enumerate(columns)
            if c is not None and c.wrap
        }

    def apply(self, chunks: Iterable[bytes]) -> StreamedPart:
        """The worksheet read from `chunks` with the frame written, as a streamed part: the rows
        already there are compared cell by cell, the rows past them rendered chunk by chunk
        straight into the part's file; neither the sheet nor the new rows are ever held whole."""
        edits = self._edits()
        kept = min(len(self.frame), len(self.grid.rows))
        self.rows = sx.RowSet(edits, [range(self.first + kept, self.first + len(self.frame))])
        retag = _retag(self._heights()) if self.wrapped else None  # rows as tall as their text
        everything = itertools.chain(sorted(edits.items()), self._appended(kept))
        sheet = sx.SheetRows(chunks)
        part = StreamedPart(b"", tempfile.TemporaryFile(prefix="denialdesk-"), b"")
        sx.stream_rows(sheet, everything, self._render, part.rows.write, retag)
        shell = _grow_dimension(self._validations(sheet.head + sheet.tail), self.ref)
        if self.links:
            shell = set_links(self.book, self.grid.table.sheet_part, shell, self.links)
        self.remembered = self._remember(edits, kept)
        cut = shell.rfind(b"</sheetData>")
        part.head, part.tail = shell[:cut], shell[cut:]
        return part

    def _columns(self) -> list[tuple[int, str, Kind | None, frozenset]]:
        """(sheet column, name, kind, the person's formulas in it) of each table column."""
        grid, found = self.grid, []
        for index, name in enumerate(grid.header):
            column = self.spec.column(name)
            ours = column is not None and column.owner is Owner.SYSTEM
            formulas = (
                frozenset()
                if ours
                else frozenset(grid.rows[r][index] for r, c in grid.formulas if c == index)
            )
            found.append((grid.min_col + index, name, column.kind if column else None, formulas))
        return found

    def _edits(self) -> dict[int, dict[int, object]]:
        """The changed cells of the rows the table already has (and those it no longer has)."""
        grid, rows = self.grid, self.grid.rows
        edits: dict[int, dict[int, object]] = {}
        count = len(self.frame)
        for index, (col, name, kind, formulas) in enumerate(self._columns()):
            new = self.frame[name].iloc[: len(rows)].tolist()
            old = [row[index] for row in rows]
            compared, text = old, set()
            typed = grid.typed.get(name)
            if kind in _NUMERIC and typed is not None and len(typed) == len(old):
                # typed Decimals and dates compare exactly; a text cell is rewritten anyway
                compared, text = typed, {i for i, v in enumerate(old) if type(v) is str}
            for offset in _candidates(new, compared, index, grid.formulas, text):
                wanted = _wanted(kind, new[offset], formulas)
                if _same(old[offset], wanted, (offset, index) in grid.formulas):
                    continue
                edits.setdefault(self.first + offset, {})[col] = (kind, wanted)
            for offset in range(count, len(old)):
                if old[offset] is not None:
                    edits.setdefault(self.first + offset, {})[col] = (kind, None)
        return edits

    def _appended(self, kept: int) -> Iterator[tuple[int, dict[int, object]]]:
        """The rows past those the table had, (sheet row, {column: (kind, value)}) one by one,
        taken from the frame APPEND_CHUNK rows at a time."""
        columns = self._columns()
        for begin in range(kept, len(self.frame), APPEND_CHUNK):
            chunk = self.frame.iloc[begin : begin + APPEND_CHUNK]
            values = [chunk[name].tolist() for _, name, _, _ in columns]
            for offset, row in enumerate(zip(*values, strict=True)):
                cells = {}
                for (col, _, kind, formulas), value in zip(columns, row, strict=True):
                    if value is not None:
                        wanted = _wanted(kind, value, formulas)
                        if wanted is not None:
                            cells[col] = (kind, wanted)
                yield self.first + begin + offset, cells

    def _heights(self) -> dict[int, float | None]:
        names = [c.name for c in self.spec.columns if c.wrap and c.name in self.frame]
        heights = {}
        for offset, texts in enumerate(zip(*(self.frame[n].tolist() for n in names), strict=True)):
            lines = max(
                wrapped_lines(text, self.spec.column(name).width)
                for text, name in zip(texts, names, strict=True)
            )
            heights[self.first + offset] = LINE_POINTS * lines if lines > 1 else None
        return heights

    def _render(self, ref: str, style: int, edit) -> bytes:
        kind, value = edit
        styles = self.book.styles
        if self.wrapped:  # wrapped text makes rows tall: every cell of the row reads from the top
            style = styles.with_wrap(style, ref.rstrip("0123456789") in self.wrapped)
        if kind is Kind.LINK:
            self.links[ref] = value if isinstance(value, str) and value else None
        if isinstance(value, str) and not isinstance(value, Formula):
            if kind is Kind.LINK:
                style = styles.hyperlink()
            elif needs_text_guard(value):
                style = styles.with_quote(style)
        elif value is not None and not isinstance(value, Formula) and kind in NUMBER_FORMATS:
            style = styles.with_format(style, NUMBER_FORMATS[kind])
        return sx.cell_xml(ref, style, value, self.book._date1904)

    def _validations(self, data: bytes) -> bytes:
        wanted = []
        for index, name in enumerate(self.grid.header):
            column = self.spec.column(name)
            if column is None or not column.choices:
                continue
            letter = column_letters(self.grid.min_col + index)
            last = max(self.last_row, self.first + SPARE_ROWS)
            wanted.append((letter, column.choices, f"{letter}{self.first}:{letter}{last}"))
        return set_validations(data, wanted) if wanted else data

    def _remember(self, edits, kept: int) -> bool:
        """Keep the grid as the sheet now is, for later reads and writes in this run; False
        when more than REMEMBERED_ROWS rows were appended (the book reads them back if asked)."""
        grid = self.grid
        width = len(grid.header)
        keep = max(len(self.frame), 1)
        if keep - len(grid.rows) > REMEMBERED_ROWS:
            return False
        del grid.rows[keep:]
        for number, cells in itertools.chain(edits.items(), self._appended(kept)):
            offset = number - self.first
            if offset >= keep:
                continue
            while len(grid.rows) <= offset:
                grid.rows.append([None] * width)
            for col, (_, value) in cells.items():
                index = col - grid.min_col
                grid.rows[offset][index] = str(value) if isinstance(value, Formula) else value
                if isinstance(value, Formula):
                    grid.formulas.add((offset, index))
                else:
                    grid.formulas.discard((offset, index))
        while len(grid.rows) < keep:
            grid.rows.append([None] * width)
        grid.formulas = {(r, c) for r, c in grid.formulas if r < keep}
        grid.typed, grid.filled = {}, None
        return True


def _wanted(kind: Kind | None, value: object, formulas: frozenset) -> object:
    """What to write for `value`: a person's formula as a formula, anything else as a value."""
    return Formula(value) if is_persons_formula(value, formulas) else written_value(kind, value)


def _retag(heights: dict[int, float | None]):
    """A row's opening tag with its height set from `heights` (rows not named: as they were)."""

    def retag(number: int, row: bytes) -> bytes:
        if number not in heights:
            return row
        head = sx.ROW_OPEN.match(row)
        attrs = _HEIGHT_ATTRS.sub(b"", head.group(1))
        if heights[number]:
            attrs += f' ht="{heights[number]:g}" customHeight="1"'.encode()
        return b"<row" + attrs + head.group(2) + b">" + row[head.end() :]

    return retag


def _candidates(new: list, old: list, index: int, formulas, text: set[int]) -> list[int]:
    """Row offsets whose value may change: a different value, or a formula cell."""
    padded = old[: len(new)] + [None] * (len(new) - len(old))
    try:
        found = [
            i
            for i, (a, b) in enumerate(zip(new, padded, strict=False))
            if a is not b and not a == b
        ]
    except (TypeError, ValueError):  # pd.NA and friends refuse to be compared
        found = [
            i
            for i, (a, b) in enumerate(zip(new, padded, strict=False))
            if a is not b and not _eq(a, b)
        ]
    extra = {r for r, c in formulas if c == index and r < len(new)}
    extra |= {r for r in text if r < len(new)}
    return sorted(set(found) | extra) if extra else found


def _eq(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _same(raw: object, wanted: object, was_formula: bool) -> bool:
    """Whether the cell already holds `wanted` (as openpyxl would read it back)."""
    if was_formula or isinstance(wanted, Formula):
        return was_formula and isinstance(wanted, Formula) and raw == wanted
    if wanted is None or raw is None:
        return wanted is None and raw is None
    if isinstance(wanted, bool) or isinstance(raw, bool):
        return type(wanted) is type(raw) and wanted == raw
    if isinstance(wanted, str) or isinstance(raw, str):
        return isinstance(wanted, str) and isinstance(raw, str) and wanted == raw
    if isinstance(wanted, int | float | Decimal):
        return isinstance(raw, int | float) and float(wanted) == float(raw)
    if isinstance(wanted, date) and isinstance(raw, date):
        return abs((_moment(raw) - _moment(wanted)).total_seconds()) < 0.001
    return _eq(raw, wanted)


def _moment(value: date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


_HEIGHT_ATTRS = re.compile(rb'\s(?:ht|customHeight)="[^"]*"')


def _grow_dimension(data: bytes, ref: str) -> bytes:
    current = sx.dimension(data)
    if current is None:
        return data
    a = split_ref(current if ":" in current or current[-1].isdigit() else "A1")
    b = split_ref(ref)
    return sx.set_dimension(
        data, join_ref(min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
    )


# -- drop-downs -------------------------------------------------------------------------

_SQREF = re.compile(rb'(\ssqref=")([^"]*)(")')
_FORMULA1 = re.compile(rb"<formula1>(.*?)</formula1>", re.S)


def set_validations(data: bytes, wanted: list[tuple[str, str, str]]) -> bytes:
    """Point each column's list drop-down (column letter, list name, range) at `range`,
    adding the drop-down where the column has none; other validations stay as they are."""
    where = sx.block(data, "dataValidations")
    inner = data[where[0] : where[1]] if where else b""
    items = [m.group(0) for m in sx.elements(inner, "dataValidation")]
    for letter, name, sqref in wanted:
        for number, item in enumerate(items):
            formula = _FORMULA1.search(item)
            refs = _SQREF.search(item)
            if (
                formula
                and formula.group(1).decode() in (f"={name}", name)
                and refs
                and re.match(rf"{letter}\d", refs.group(2).decode())
            ):
                items[number] = _SQREF.sub(rb"\g<1>" + sqref.encode() + rb"\g<3>", item, count=1)
                break
        else:
            items.append(
                f'<dataValidation type="list" errorStyle="warning" allowBlank="1" '
                f'showErrorMessage="1" errorTitle="Not in the list" error="Pick a value from '
                f'the {name} list (sheet Lists)." sqref="{sqref}"><formula1>{name}</formula1>'
                f"</dataValidation>".encode()
            )
    fragment = f'<dataValidations count="{len(items)}">'.encode() + b"".join(items)
    fragment += b"</dataValidations>"
    if where:
        return data[: where[0]] + fragment + data[where[1] :]
    return sx.insert_after_sheet_data(data, "dataValidations", fragment)


# -- links ------------------------------------------------------------------------------

_LINK_REF = re.compile(rb'\sref="([^"]*)"')
_LINK_ID = re.compile(rb'\s[\w]+:id="([^"]*)"')


def set_links(book, sheet_part: str, data: bytes, links: dict[str, str | None]) -> bytes:
    """Replace the hyperlinks of the cells in `links` (ref → target, None: no link)."""
    package = book.package
    rels_part = rels_name(sheet_part)
    rels = package.read(rels_part) if package.has(rels_part) else EMPTY_RELS
    where = sx.block(data, "hyperlinks")
    inner = data[where[0] : where[1]] if where else b""
    kept, dropped = [], []
    for match in sx.elements(inner, "hyperlink"):
        ref = _LINK_REF.search(match.group(0))
        if ref and ref.group(1).decode() in links:
            rid = _LINK_ID.search(match.group(0))
            if rid:
                dropped.append(rid.group(1).decode())
            continue
        kept.append(match.group(0))
    for rid in dropped:
        rels = re.sub(rf'<Relationship\b[^>]*\sId="{re.escape(rid)}"[^>]*/>'.encode(), b"", rels)
    number = next_rel_id(rels)
    added = []
    for ref, target in links.items():
        if not target:
            continue
        rid = f"rId{number}"
        number += 1
        added.append(
            f'<Relationship Id="{rid}" Type="{HYPERLINK_TYPE}" '
            f'Target="{escape(target, {chr(34): "&quot;"})}" TargetMode="External"/>'
        )
        kept.append(
            f'<hyperlink xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships" ref="{ref}" r:id="{rid}"/>'.encode()
        )
    if added:
        rels = rels.replace(b"</Relationships>", "".join(added).encode() + b"</Relationships>")
    package.write(rels_part, rels)
    fragment = b"<hyperlinks>" + b"".join(kept) + b"</hyperlinks>" if kept else b""
    if where:
        return data[: where[0]] + fragment + data[where[1] :]
    return sx.insert_after_sheet_data(data, "hyperlinks", fragment) if fragment else data


# -- highlights -------------------------------------------------------------------------

_CF_RULE = re.compile(rb"<cfRule\b[^>]*?(?:/>|>.*?</cfRule>)", re.S)
_CF_FORMULA = re.compile(rb"<formula>(.*?)</formula>", re.S)
_PRIORITY = re.compile(rb'\spriority="(\d+)"')


def highlight_rules(book, grid, data: bytes, highlights: Sequence[Highlight]) -> bytes:
    """Replace the row highlights DenialDesk set on the table with `highlights`; every rule a
    person added (a data bar, their own colours) stays as it is."""
    _, min_row, max_col, max_row = split_ref(grid.table.ref)
    positions = grid.positions
    first, last = min_row + 1, max(max_row, min_row + 1 + SPARE_ROWS)
    area = f"{column_letters(grid.min_col)}{first}:{column_letters(max_col)}{last}"
    data = _without_our_rules(data)
    priority = max((int(p) for p in _PRIORITY.findall(data)), default=0)
    rules = []
    for highlight in highlights:
        if highlight.column not in positions:
            raise WorkbookLayoutError(
                f"table {grid.table.name} on sheet '{grid.table.sheet}' has no "
                f"'{highlight.column}' column to highlight by; put the column back."
            )
        cell = f"${column_letters(positions[highlight.column])}{first}"
        priority += 1
        dxf = book.styles.dxf(highlight.fill, highlight.font)
        rules.append(
            f'<cfRule type="expression" dxfId="{dxf}" priority="{priority}" '
            f'stopIfTrue="1"><formula>{escape(highlight.condition(cell))}</formula>'
            "</cfRule>"
        )
    if not rules:
        return data
    fragment = f'<conditionalFormatting sqref="{area}">{"".join(rules)}</conditionalFormatting>'
    return sx.insert_after_sheet_data(data, "conditionalFormatting", fragment.encode())


def _without_our_rules(data: bytes) -> bytes:
    blocks = [(s, e) for name, s, e in sx.top_level(data) if name == "conditionalFormatting"]
    for start, end in reversed(blocks):
        original = data[start:end]
        kept = original
        for rule in reversed(list(_CF_RULE.finditer(original))):
            formula = _CF_FORMULA.search(rule.group(0))
            if formula and OUR_HIGHLIGHT.match(formula.group(1).decode()):
                kept = kept[: rule.start()] + kept[rule.end() :]
        if kept is not original:
            kept = b"" if not _CF_RULE.search(kept) else kept
            data = data[:start] + kept + data[end:]
    return data
