"""Report sheets (KPIs, By Payer …) rebuilt whole inside the package: the sheet is drawn by the
openpyxl report writer in a one-sheet scratch workbook, then moved in — its cells, tables,
drawing and charts under fresh part names, its cell styles merged into the workbook's — while
every other part stays byte for byte. A table sheet made on first use (Claim Check) that goes
last is added the same way: drawn as openpyxl draws it, moved in, listed in the workbook."""

from __future__ import annotations

import copy
import io
import re
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from addin.workbook.layout import SHEET_ORDER, TableSpec
from addin.workbook.xlsx_package import (
    CT,
    MAIN,
    REL,
    Package,
    drop_content_type,
    next_rel_id,
    parse_xml,
    rels_name,
)
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


def add_table_sheet(book, spec: TableSpec) -> None:
    """Add `spec`'s sheet with its empty table after the last sheet, drawn as the openpyxl
    Book draws it (`openpyxl_tables.add_table`): its header, widths, panes, print setup and
    drop-downs. A sheet that goes between others (SHEET_ORDER) is left to openpyxl."""
    package = book.package
    names = [name for name, _ in package.sheets()]
    later = (
        set(SHEET_ORDER[SHEET_ORDER.index(spec.sheet) + 1 :]) if spec.sheet in SHEET_ORDER else ()
    )
    if spec.sheet in names or any(name in later for name in names):
        raise Unsupported("a new sheet between others renumbers sheet-local names: openpyxl")
    listing = package.read(package.workbook_part())
    if b"</sheets>" not in listing or re.search(
        rb"<(?:functionGroups|externalReferences)\b", listing
    ):
        raise Unsupported("a sheet list this writer does not edit: openpyxl adds the sheet")
    scratch = _scratch_table(spec)
    source = scratch.sheets()[0][1]
    renamed = _move_parts(package, scratch, source)
    taken, number = set(package.names()), 1
    while f"xl/worksheets/sheet{number}.xml" in taken:
        number += 1
    target = f"xl/worksheets/sheet{number}.xml"
    sheet = _restyle(book.styles, scratch, scratch.read(source))
    package.write(target, re.sub(rb'\stabSelected="(?:1|true)"', b"", sheet))
    rels = [
        (rid, kind, renamed[t])
        for rid, kind, t, mode in scratch.relationships(source)
        if mode != "External" and t in renamed
    ]
    if rels:
        package.write(rels_name(target), _rels_xml(rels))
    _content_types(package, scratch, {**renamed, source: target})
    _list_sheet(package, scratch, spec.sheet, target)
    book._tables = {t.name.lower(): t for t in package.tables()}


def _scratch_table(spec: TableSpec) -> Package:
    from openpyxl import Workbook

    from addin.workbook.openpyxl_tables import add_table

    workbook = Workbook()
    add_table(workbook.active, spec)
    workbook.active.title = spec.sheet
    out = io.BytesIO()
    workbook.save(out)
    return Package(out.getvalue())


def _list_sheet(package: Package, scratch: Package, name: str, target: str) -> None:
    """The new sheet last in the workbook's sheet list, with its relationship and the
    sheet-local names openpyxl gave it (print titles) under its new position."""
    book = package.workbook_part()
    rels = package.read(rels_name(book))
    rid = f"rId{next_rel_id(rels)}"
    entry = (
        f'<Relationship Type="{REL}/worksheet" Target="/{escape(target)}" Id="{rid}"/>'
    ).encode()
    package.write(rels_name(book), rels.replace(b"</Relationships>", entry + b"</Relationships>"))
    data = package.read(book)
    root = parse_xml(data)
    sheets = list(root.iter(f"{_Q}sheet"))
    sheet_id = max((int(s.get("sheetId", "0")) for s in sheets), default=0) + 1
    element = (
        f'<sheet xmlns:r="{REL}" name={quoteattr(name)} sheetId="{sheet_id}" '
        f'state="visible" r:id="{rid}"/>'
    ).encode()
    data = data.replace(b"</sheets>", element + b"</sheets>", 1)
    local = [
        f'<definedName name={quoteattr(d.get("name", ""))} localSheetId="{len(sheets)}">'
        f"{escape(d.text or '')}</definedName>".encode()
        for d in parse_xml(scratch.read(scratch.workbook_part())).iter(f"{_Q}definedName")
        if d.get("localSheetId") == "0"
    ]
    if local and b"</definedNames>" in data:
        data = data.replace(b"</definedNames>", b"".join(local) + b"</definedNames>", 1)
    elif local:
        names = b"<definedNames>" + b"".join(local) + b"</definedNames>"
        data, found = re.subn(rb"<definedNames\s*/>", names, data, count=1)
        data = data if found else data.replace(b"</sheets>", b"</sheets>" + names, 1)
    package.write(book, data)


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
        drop_content_type(package, name)
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
