"""A letter template read once: its letters share the parts a render never changes (styles,
settings, fonts, theme …), so each letter is opened and saved without parsing, writing or
deflating those parts again — the same .docx parts, byte for byte, as opening the template
and saving the letter with python-docx."""

from __future__ import annotations

import io

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.package import Unmarshaller
from docx.opc.part import Part, PartFactory, XmlPart
from docx.opc.pkgreader import PackageReader
from docx.opc.pkgwriter import PackageWriter
from docx.package import Package as DocxPackage

from addin.workbook.xlsx_package import Package as ZipParts

# The parts a docxtpl render, or marking the [[fields]], may change: all others are shared.
RENDERED = frozenset(
    {
        CT.WML_DOCUMENT_MAIN,
        CT.WML_HEADER,
        CT.WML_FOOTER,
        CT.WML_FOOTNOTES,
        CT.OPC_CORE_PROPERTIES,
    }
)


class TemplatePackage:
    """A .docx template read once; `open()` gives a fresh python-docx Document of it whose
    unchanging XML parts hold their bytes as written (not a parsed tree), and `save()` writes
    a letter reusing the template's compressed bytes of every part the letter shares."""

    def __init__(self, data: bytes):
        self._reader = PackageReader.from_file(io.BytesIO(data))
        self._shared: dict[str, bytes] = {}  # part name → its XML as python-docx writes it
        for partname, content_type, reltype, blob in self._reader.iter_sparts():
            if content_type not in RENDERED:
                part = PartFactory(partname, content_type, reltype, blob, None)
                if isinstance(part, XmlPart):
                    self._shared[partname] = part.blob
        blank = self.open().part.package
        self._entries = _entries(blank)
        self._zip = _zip(blank)

    def open(self) -> Document:
        """A new Document of the template (as python-docx's `Document(template)`)."""
        package = DocxPackage()
        Unmarshaller.unmarshal(self._reader, package, self._part)
        part = package.main_document_part
        if part.content_type != CT.WML_DOCUMENT_MAIN:
            raise ValueError(f"not a Word file, content type is '{part.content_type}'")
        return part.document

    def _part(self, partname, content_type, reltype, blob, package) -> Part:
        shared = self._shared.get(partname)
        if shared is not None:
            return Part(partname, content_type, shared, package)
        return PartFactory(partname, content_type, reltype, blob, package)

    def save(self, document: Document) -> bytes:
        """The letter as .docx bytes: the entries python-docx would write; those equal to the
        template's copied compressed as they are, the others deflated."""
        package = document.part.package
        for part in package.parts:
            part.before_marshal()
        entries = _entries(package)
        if list(entries) != list(self._entries):  # a part more or less: python-docx's way
            return _zip(package)
        letter = ZipParts(self._zip)
        for name, blob in entries.items():
            if blob is not self._entries[name] and blob != self._entries[name]:
                letter.write(name, blob)
        return letter.to_bytes()


class _Entries:
    """A PhysPkgWriter that keeps each entry's bytes (zip member name → blob)."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def write(self, pack_uri, blob: bytes) -> None:
        self.entries[pack_uri.membername] = blob

    def close(self) -> None:
        pass


def _entries(package) -> dict[str, bytes]:
    """What PackageWriter.write puts in the zip, in its order."""
    writer = _Entries()
    PackageWriter._write_content_types_stream(writer, package.parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, package.parts)
    return writer.entries


def _zip(package) -> bytes:
    out = io.BytesIO()
    package.save(out)
    return out.getvalue()
