"""An .xlsx as a zip of parts: read any part, replace a few (a big worksheet streamed from its
own temporary file), and write the rest byte for byte."""

from __future__ import annotations

import io
import posixpath
import pyexpat
import re
import struct
import time
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from lxml import etree

from addin.errors import WorkbookWriteError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
TABLE_TYPE = REL + "/table"
HYPERLINK_TYPE = REL + "/hyperlink"
# A changed part is deflated at this level: 1 is ~3× faster than zlib's default and the
# worksheet XML it writes is only ~10 % larger.
DEFLATE_LEVEL = 1
CHUNK = 1 << 20  # bytes read, compressed or parsed at a time when a part streams
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def parse_xml(data: bytes) -> etree._Element:
    """A small part (workbook, rels, table, styles) as an element tree; entities never expand."""
    return etree.fromstring(data, _PARSER)


def check_xml_stream(chunks) -> None:
    """Check that a part fed in chunks (a worksheet of any size) is well-formed XML, holding
    nothing of it in memory (expat, no tree; no external or parameter entities). Raises
    xml.etree's ParseError (a SyntaxError) naming the line where it is not."""
    parser = pyexpat.ParserCreate()
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except pyexpat.ExpatError as error:
        raise ParseError(f"the written XML is not well-formed ({error})") from None


class StreamedPart:
    """A worksheet written as a stream: the XML before and after its rows held as bytes (small),
    its rows in an anonymous temporary file (hundreds of megabytes for a big import). The head
    ends with the sheetData opening tag and the tail starts with its closing tag."""

    def __init__(self, head: bytes, rows: BinaryIO, tail: bytes):
        self.head, self.rows, self.tail = head, rows, tail
        weakref.finalize(self, rows.close)  # the file goes with the part

    def chunks(self) -> Iterator[bytes]:
        yield self.head
        self.rows.seek(0)
        while chunk := self.rows.read(CHUNK):
            yield chunk
        yield self.tail


_ZIP32_LIMIT = 0xFFFFFFFF  # sizes and offsets of a zip entry without Zip64


@dataclass(frozen=True, slots=True)
class TablePart:
    """An Excel table: its name, range, part and the worksheet it lives on."""

    name: str
    ref: str
    part: str
    sheet: str
    sheet_part: str
    totals: bool


class Package:
    """The parts of one .xlsx held in memory; `write` replaces a part, `save` writes the zip
    with every part nobody replaced copied as its original compressed bytes."""

    def __init__(self, data: bytes | BinaryIO):
        self._data = data  # the zip's bytes, or a seekable file holding them
        self._zip = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        self._infos = {info.filename: info for info in self._zip.infolist()}
        self._order = list(self._infos)
        self._changed: dict[str, bytes | StreamedPart] = {}

    @property
    def changed(self) -> frozenset[str]:
        return frozenset(self._changed)

    def names(self) -> list[str]:
        return list(self._order)

    def has(self, name: str) -> bool:
        return name in self._changed or name in self._infos

    def read(self, name: str) -> bytes:
        """A part's bytes (a streamed worksheet is joined whole: only rare paths do that)."""
        if name in self._changed:
            part = self._changed[name]
            return b"".join(part.chunks()) if isinstance(part, StreamedPart) else part
        return self._zip.read(self._infos[name])

    def write(self, name: str, data: bytes | StreamedPart) -> None:
        if name not in self._infos and name not in self._changed:
            self._order.append(name)
        self._changed[name] = data

    def edit_outside_rows(self, name: str, edit: Callable[[bytes], bytes]) -> None:
        """Apply `edit` to a worksheet's XML around its rows (its conditional formats, drop-downs,
        links): a streamed worksheet's rows stay in their file and never pass through `edit`."""
        part = self._changed.get(name)
        if not isinstance(part, StreamedPart):
            self.write(name, edit(self.read(name)))
            return
        data = edit(part.head + part.tail)
        cut = data.rfind(b"</sheetData>")
        if cut < 0 or not data[:cut].rstrip().endswith(b">"):
            raise ValueError(f"the edit of {name} removed its rows")
        part.head, part.tail = data[:cut], data[cut:]

    def remove(self, name: str) -> None:
        self._changed.pop(name, None)
        self._infos.pop(name, None)
        if name in self._order:
            self._order.remove(name)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()

    def save(self, out) -> None:
        """Write the zip: replaced parts deflated anew, the others copied compressed as-is."""
        central, offset, base = [], 0, out.tell()
        stamp = _dos_time(time.localtime())
        for name in self._order:
            if isinstance(self._changed.get(name), StreamedPart):
                central.append(self._save_streamed(out, name, stamp, offset))
                offset = out.tell() - base
                continue
            if name in self._changed:
                raw, crc, size, method = _deflate(self._changed[name])
                when, flags = stamp, 0
            else:
                info = self._infos[name]
                raw, crc, size, method = (
                    self._raw(info),
                    info.CRC,
                    info.file_size,
                    info.compress_type,
                )
                when, flags = _dos_time(info.date_time + (0, 0, 0)), info.flag_bits & ~0x08
            encoded = name.encode("utf-8")
            flags |= 0x800 if not name.isascii() else 0
            head = (20, flags, method, when[0], when[1], crc, len(raw), size, len(encoded))
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *head, 0) + encoded)
            out.write(raw)
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *head, 0, 0, 0, 0, 0, offset)
                + encoded
            )
            offset += 30 + len(encoded) + len(raw)
        directory = b"".join(central)
        out.write(directory)
        count = len(central)
        out.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), offset, 0)
        )

    def _save_streamed(self, out, name: str, stamp: tuple[int, int], offset: int) -> bytes:
        """Write a streamed worksheet's entry, deflated chunk by chunk; its checksum and sizes
        are filled into the local header afterwards (`out` is a seekable file). Returns the
        entry's central-directory record."""
        encoded = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        start = out.tell()
        head = (20, flags, zipfile.ZIP_DEFLATED, stamp[0], stamp[1], 0, 0, 0, len(encoded))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *head, 0) + encoded)
        packer = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
        crc = size = packed = 0
        for chunk in self._changed[name].chunks():
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            raw = packer.compress(chunk)
            packed += len(raw)
            out.write(raw)
        raw = packer.flush()
        packed += len(raw)
        out.write(raw)
        end = out.tell()
        if max(size, packed, end) > _ZIP32_LIMIT:  # past what a zip without Zip64 can say
            raise WorkbookWriteError(
                f"could not save: the part {name} would be over 4 GB, more than an .xlsx "
                "written by DenialDesk can hold. The workbook on disk is unchanged."
            )
        out.seek(start + 14)
        out.write(struct.pack("<III", crc, packed, size))
        out.seek(end)
        head = head[:5] + (crc, packed, size, len(encoded))
        return (
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *head, 0, 0, 0, 0, 0, offset)
            + encoded
        )

    def _raw(self, info: zipfile.ZipInfo) -> bytes:
        start = info.header_offset
        if isinstance(self._data, bytes):
            name_length, extra_length = struct.unpack("<HH", self._data[start + 26 : start + 30])
            begin = start + 30 + name_length + extra_length
            return self._data[begin : begin + info.compress_size]
        self._data.seek(start + 26)
        name_length, extra_length = struct.unpack("<HH", self._data.read(4))
        self._data.seek(start + 30 + name_length + extra_length)
        return self._data.read(info.compress_size)

    def stream(self, name: str) -> Iterator[bytes]:
        """A part's bytes in chunks, never all at once."""
        part = self._changed.get(name)
        if isinstance(part, StreamedPart):
            yield from part.chunks()
        elif part is not None:
            yield part
        else:
            with self._zip.open(self._infos[name]) as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

    # -- relationships and the workbook map ---------------------------------------------

    def relationships(self, part: str) -> list[tuple[str, str, str, str]]:
        """(id, type, target part or URL, target mode) of a part's relationships."""
        rels = rels_name(part)
        if not self.has(rels):
            return []
        found = []
        for rel in parse_xml(self.read(rels)):
            mode = rel.get("TargetMode", "")
            target = rel.get("Target", "")
            if mode != "External":
                target = resolve(part, target)
            found.append((rel.get("Id", ""), rel.get("Type", ""), target, mode))
        return found

    def workbook_part(self) -> str:
        for _, kind, target, _ in self.relationships(""):
            if kind.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    def sheets(self) -> list[tuple[str, str]]:
        """(sheet name, worksheet part) in tab order; chart sheets are left out."""
        book = self.workbook_part()
        targets = {
            rid: target
            for rid, kind, target, _ in self.relationships(book)
            if kind.endswith("/worksheet")
        }
        root = parse_xml(self.read(book))
        found = []
        for sheet in root.iter(f"{{{MAIN}}}sheet"):
            rid = sheet.get(f"{{{REL}}}id")
            if rid in targets:
                found.append((sheet.get("name", ""), targets[rid]))
        return found

    def date1904(self) -> bool:
        root = parse_xml(self.read(self.workbook_part()))
        pr = root.find(f"{{{MAIN}}}workbookPr")
        return pr is not None and pr.get("date1904", "0") in ("1", "true")

    def tables(self) -> list[TablePart]:
        found = []
        for sheet, part in self.sheets():
            for _, kind, target, _ in self.relationships(part):
                if kind != TABLE_TYPE or not self.has(target):
                    continue
                root = parse_xml(self.read(target))
                found.append(
                    TablePart(
                        name=root.get("displayName") or root.get("name", ""),
                        ref=root.get("ref", ""),
                        part=target,
                        sheet=sheet,
                        sheet_part=part,
                        totals=int(root.get("totalsRowCount", "0") or 0) > 0,
                    )
                )
        return found


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def _deflate(data: bytes) -> tuple[bytes, int, int, int]:
    packer = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    raw = packer.compress(data) + packer.flush()
    return raw, zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED


def _dos_time(when) -> tuple[int, int]:
    year, month, day, hour, minute, second = when[:6]
    year = max(year, 1980)
    return (hour << 11 | minute << 5 | second // 2), ((year - 1980) << 9 | month << 5 | day)


_REL_ID = re.compile(rb'Id="rId(\d+)"')


def next_rel_id(rels: bytes) -> int:
    """The next free numeric rIdN in a relationships part."""
    return max((int(n) for n in _REL_ID.findall(rels)), default=0) + 1


EMPTY_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b"</Relationships>"
)


def drop_content_type(package: Package, part: str) -> None:
    """Remove the content-type Override of a part that is no longer in the package."""
    data = package.read("[Content_Types].xml")
    pattern = rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>'.encode()
    package.write("[Content_Types].xml", re.sub(pattern, b"", data))
