"""The workbook's styles part: the number format of a cell style, and the few styles the
streaming writer needs (a number format, a quote prefix, a link, a highlight) added only
when the workbook lacks them."""

from __future__ import annotations

import copy

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_REVERSE

from addin.workbook.xlsx_package import MAIN, parse_xml

_Q = f"{{{MAIN}}}"


class Styles:
    """styles.xml parsed once; `changed` tells whether it must be written back."""

    def __init__(self, data: bytes | None):
        self.root = parse_xml(data) if data else _empty()
        self.changed = False
        self._cache: dict[tuple, int] = {}
        self.xfs = self._list("cellXfs", "xf")
        self.formats = {
            int(n.get("numFmtId")): n.get("formatCode", "") for n in self.root.iter(f"{_Q}numFmt")
        }

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def number_format(self, index: int) -> str:
        if index >= len(self.xfs):
            return "General"
        number = int(self.xfs[index].get("numFmtId", "0"))
        return self.formats.get(number) or BUILTIN_FORMATS.get(number, "General")

    def with_format(self, index: int, code: str) -> int:
        """A cell style like `index` but showing numbers as `code`."""
        if self.number_format(index) == code:
            return index
        return self._derived(
            index, ("numFmtId", str(self._format_id(code))), ("applyNumberFormat", "1")
        )

    def with_quote(self, index: int) -> int:
        """A cell style like `index` that shows text as typed text (Excel's leading ')."""
        xf = self.xfs[index] if index < len(self.xfs) else None
        if xf is not None and xf.get("quotePrefix") in ("1", "true"):
            return index
        return self._derived(index, ("quotePrefix", "1"))

    def with_wrap(self, index: int, wrap: bool = True) -> int:
        """A cell style like `index`, top-aligned, whose text wraps within the column (or, with
        `wrap` False, only top-aligned: the rest of a row whose wrapped text makes it tall)."""
        key = ("wrap", index, wrap)
        if key not in self._cache:
            base = self.xfs[index] if index < len(self.xfs) else self.xfs[0]
            found = base.find(f"{_Q}alignment")
            wraps = found is not None and found.get("wrapText") in ("1", "true")
            if found is not None and wraps == wrap and found.get("vertical") == "top":
                return index
            xf = copy.deepcopy(base)
            for old in xf.findall(f"{_Q}alignment"):
                xf.remove(old)
            xf.set("applyAlignment", "1")
            alignment = etree.Element(f"{_Q}alignment", vertical="top")
            if wrap:
                alignment.set("wrapText", "1")
            xf.insert(0, alignment)
            self._cache[key] = self._append("cellXfs", "xf", xf)
            self.xfs = self._list("cellXfs", "xf")
        return self._cache[key]

    def hyperlink(self) -> int:
        """A cell style for a link: the workbook's Hyperlink style, or blue underlined text."""
        key = ("hyperlink",)
        if key not in self._cache:
            named = [s for s in self.root.iter(f"{_Q}cellStyle") if s.get("name") == "Hyperlink"]
            style_xf = named[0].get("xfId") if named else None
            found = next(
                (
                    i
                    for i, xf in enumerate(self.xfs)
                    if style_xf is not None and xf.get("xfId") == style_xf
                ),
                None,
            )
            if found is None:
                font = self._append(
                    "fonts",
                    "font",
                    _element(
                        '<font><u/><sz val="11"/><color theme="10"/><name val="Calibri"/>'
                        '<family val="2"/></font>'
                    ),
                )
                found = self._derived(0, ("fontId", str(font)), ("applyFont", "1"))
            self._cache[key] = found
        return self._cache[key]

    def dxf(self, fill: str, font: str) -> int:
        """The differential style (conditional format) with this fill and font colour."""
        xml = (
            f'<dxf><font><color rgb="00{font}"/></font><fill><patternFill patternType="solid">'
            f'<fgColor rgb="00{fill}"/><bgColor rgb="00{fill}"/></patternFill></fill></dxf>'
        )
        wanted = etree.tostring(_element(xml))
        for index, dxf in enumerate(self._list("dxfs", "dxf")):
            if etree.tostring(dxf) == wanted:
                return index
        return self._append("dxfs", "dxf", _element(xml))

    # -- helpers ------------------------------------------------------------------------

    def _list(self, parent: str, child: str) -> list:
        holder = self.root.find(f"{_Q}{parent}")
        return [] if holder is None else list(holder.findall(f"{_Q}{child}"))

    def _derived(self, index: int, *attributes: tuple[str, str]) -> int:
        key = (index, *attributes)
        if key not in self._cache:
            base = self.xfs[index] if index < len(self.xfs) else self.xfs[0]
            xf = copy.deepcopy(base)
            for name, value in attributes:
                xf.set(name, value)
            self._cache[key] = self._append("cellXfs", "xf", xf)
            self.xfs = self._list("cellXfs", "xf")
        return self._cache[key]

    def _format_id(self, code: str) -> int:
        if code in BUILTIN_FORMATS_REVERSE:
            return BUILTIN_FORMATS_REVERSE[code]
        for number, existing in self.formats.items():
            if existing == code:
                return number
        number = max([163, *self.formats]) + 1
        self.formats[number] = code
        node = etree.Element(f"{_Q}numFmt", numFmtId=str(number), formatCode=code)
        self._append("numFmts", "numFmt", node, first=True)
        return number

    def _append(self, parent: str, child: str, node, first: bool = False) -> int:
        holder = self.root.find(f"{_Q}{parent}")
        if holder is None:
            holder = etree.Element(f"{_Q}{parent}")
            position = 0 if first else _position(self.root, parent)
            self.root.insert(position, holder)
        holder.append(node)
        count = len(holder.findall(f"{_Q}{child}"))
        holder.set("count", str(count))
        self.changed = True
        return count - 1


_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)


def _position(root, parent: str) -> int:
    later = _ORDER[_ORDER.index(parent) + 1 :]
    for index, child in enumerate(root):
        if etree.QName(child).localname in later:
            return index
    return len(root)


def _element(xml: str):
    """An element written without a namespace, put in the spreadsheet namespace."""
    wrapped = etree.fromstring(f'<w xmlns="{MAIN}">{xml}</w>')
    return wrapped[0]


def _empty():
    return etree.fromstring(
        f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts><fills count="1"><fill/>'
        '</fills><borders count="1"><border/></borders><cellXfs count="1"><xf numFmtId="0" '
        'fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>'
    )
