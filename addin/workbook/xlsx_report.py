"""Report sheets (KPIs, By Payer …) rebuilt whole inside the package: the sheet is drawn by the
openpyxl report writer in a one-sheet scratch workbook, then moved in — its cells, tables,
drawing and charts under fresh part names, its cell styles merged into the workbook's — while
every other part stays byte for byte."""

from __future__ import annotations

import copy
import io
import re
from xml.sax.saxutils import escape

from lxml import etree

from addin.workbook.xlsx_package import CT, MAIN, Package, parse_xml, rels_name
from addin.workbook.xlsx_sheet import Unsupported

_Q = f"{{{MAIN}}}"
_STYLE_ATTR = re.compile(rb'(<(?:c|row)\b[^>]*?\ss=")(\d+)(")')
_COL_STYLE = re.compile(rb'(<col\b[^>]*?\sstyle=")(\d+)(")')
_NUMBERED = re.compile(r"^(.*?)(\d+)(\.xml)$")


def write_report(book, report) -> None:
    """Replace the sheet `report.sheet` with a freshly drawn one (the sheet must exist)."""
    parts = dict(book.package.sheets())
    if report.sheet not in parts:
        raise Unsupported("a new report sheet changes the sheet list: openpyxl adds it")
    scratch = _scratch(report)
    target = parts[report.sheet]
    package = book.package
    old_data = package.read(target)
    _remove_old(package, target)
    source = scratch.sheets()[0][1]
    renamed = _move_parts(package, scratch, source)
    sheet = _restyle(book.styles, scratch, scratch.read(source))
    sheet = _keep_selection(old_data, sheet)
    package.write(target, sheet)
    rels = [
        (rid, kind, renamed[t])
        for rid, kind, t, mode in scratch.relationships(source)
        if mode != "External" and t in renamed
    ]
    if rels:
        package.write(rels_name(target), _rels_xml(rels))
    _content_types(package, scratch, renamed)
    book._tables = {t.name.lower(): t for t in package.tables()}


def _scratch(report) -> Package:
    from openpyxl import Workbook

    from addin.workbook.openpyxl_report import write_report as draw

    workbook = Workbook()
    draw(workbook, report)
    for name in workbook.sheetnames:
        if name != report.sheet:
            workbook.remove(workbook[name])
    out = io.BytesIO()
    workbook.save(out)
    return Package(out.getvalue())


def _reachable(package: Package, part: str) -> set[str]:
    found, todo = set(), [part]
    while todo:
        for _, _, target, mode in package.relationships(todo.pop()):
            if mode != "External" and target not in found and package.has(target):
                found.add(target)
                todo.append(target)
    return found


def _remove_old(package: Package, sheet: str) -> None:
    """Drop the old sheet's own parts (tables, drawing, charts …) that nothing else uses."""
    mine = _reachable(package, sheet)
    others = set()
    for name in package.names():
        if name.endswith(".rels") and name != rels_name(sheet):
            owner = name.replace("_rels/", "")[: -len(".rels")]
            if owner in mine:
                continue
            others |= {t for _, _, t, mode in package.relationships(owner) if mode != "External"}
    for name in mine - others:
        package.remove(name)
        package.remove(rels_name(name))
        _drop_override(package, name)
    package.remove(rels_name(sheet))


def _move_parts(package: Package, scratch: Package, source: str) -> dict[str, str]:
    """Copy the scratch sheet's tables, drawings and charts in under unused names; returns
    scratch name → new name."""
    renamed: dict[str, str] = {}
    taken = set(package.names())
    used_ids = {_table_id(package, t.part) for t in package.tables()}
    for part in sorted(_reachable(scratch, source)):
        match = _NUMBERED.match(part)
        stem, suffix = (match.group(1), match.group(3)) if match else (part, "")
        number = 1
        while f"{stem}{number}{suffix}" in taken:
            number += 1
        renamed[part] = f"{stem}{number}{suffix}"
        taken.add(renamed[part])
    for old, new in renamed.items():
        data = scratch.read(old)
        if "/tables/" in old:  # the smallest free id: a second refresh writes the same parts
            table_id = min(set(range(1, len(used_ids) + 2)) - used_ids)
            used_ids.add(table_id)
            data = re.sub(
                rb'(<table\b[^>]*?\sid=")\d+(")', rb"\g<1>%d\g<2>" % table_id, data, count=1
            )
        package.write(new, data)
        rels = [
            (rid, kind, renamed.get(t, t))
            for rid, kind, t, mode in scratch.relationships(old)
            if mode != "External"
        ]
        if rels:
            package.write(rels_name(new), _rels_xml(rels))
    return renamed


def _table_id(package: Package, part: str) -> int:
    found = re.search(rb'<table\b[^>]*?\sid="(\d+)"', package.read(part))
    return int(found.group(1)) if found else 0


def _rels_xml(rels) -> bytes:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="/{escape(target)}"/>'
        for rid, kind, target in rels
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        f'"http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'
    ).encode()


def _restyle(styles, scratch: Package, sheet: bytes) -> bytes:
    """The scratch sheet with its cell style numbers mapped to the workbook's styles."""
    theirs = parse_xml(scratch.read("xl/styles.xml"))
    mapping = {}

    def mapped(match: re.Match) -> bytes:
        number = int(match.group(2))
        if number not in mapping:
            mapping[number] = _merge_xf(styles, theirs, number)
        return match.group(1) + str(mapping[number]).encode() + match.group(3)

    sheet = _STYLE_ATTR.sub(mapped, sheet)
    return _COL_STYLE.sub(mapped, sheet)


def _merge_xf(styles, theirs, number: int) -> int:
    xfs = theirs.find(f"{_Q}cellXfs").findall(f"{_Q}xf")
    xf = copy.deepcopy(xfs[number])
    formats = {int(n.get("numFmtId")): n.get("formatCode") for n in theirs.iter(f"{_Q}numFmt")}
    fmt = int(xf.get("numFmtId", "0"))
    if fmt in formats:
        xf.set("numFmtId", str(styles._format_id(formats[fmt])))
    for attribute, parent, child in (
        ("fontId", "fonts", "font"),
        ("fillId", "fills", "fill"),
        ("borderId", "borders", "border"),
    ):
        element = theirs.find(f"{_Q}{parent}").findall(f"{_Q}{child}")[int(xf.get(attribute, 0))]
        xf.set(attribute, str(_find_or_add(styles, parent, child, element)))
    xf.set("xfId", "0")
    return _find_or_add(styles, "cellXfs", "xf", xf)


def _find_or_add(styles, parent: str, child: str, element) -> int:
    wanted = etree.tostring(element)
    for index, existing in enumerate(styles._list(parent, child)):
        if etree.tostring(existing) == wanted:
            return index
    index = styles._append(parent, child, copy.deepcopy(element))
    if parent == "cellXfs":
        styles.xfs = styles._list("cellXfs", "xf")
    return index


def _keep_selection(old: bytes, new: bytes) -> bytes:
    new = re.sub(rb'\stabSelected="(?:1|true)"', b"", new)
    if re.search(rb'<sheetView\b[^>]*\stabSelected="(?:1|true)"', old):
        new = re.sub(rb"<sheetView\b", b'<sheetView tabSelected="1"', new, count=1)
    return new


def _content_types(package: Package, scratch: Package, renamed: dict[str, str]) -> None:
    theirs = parse_xml(scratch.read("[Content_Types].xml"))
    kinds = {
        o.get("PartName", "").lstrip("/"): o.get("ContentType")
        for o in theirs.iter(f"{{{CT}}}Override")
    }
    data = package.read("[Content_Types].xml")
    added = "".join(
        f'<Override PartName="/{new}" ContentType="{kinds[old]}"/>'
        for old, new in renamed.items()
        if old in kinds
    )
    package.write("[Content_Types].xml", data.replace(b"</Types>", added.encode() + b"</Types>"))


def _drop_override(package: Package, part: str) -> None:
    data = package.read("[Content_Types].xml")
    pattern = rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>'.encode()
    package.write("[Content_Types].xml", re.sub(pattern, b"", data))
