"""The file engine keeps what people add to a tracker: after import, classify, letters and KPIs,
their own sheet (a picture, a shape, a chart on the Denials data), a comment, a data bar and a
hidden formula column are there byte for byte, LibreOffice opens the workbook, and every table
holds what the whole-workbook openpyxl path writes."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import DataBarRule

from addin import actions
from addin.actions.new_tracker import create_tracker
from addin.demo.tracker import fill_demo_practice, write_demo_remits
from addin.errors import WorkbookLayoutError
from addin.workbook import layout
from addin.workbook.file_book import FileBook
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import ENGINE_ENV, open_for_update
from addin.workbook.xlsx_package import rels_name
from addin.workbook.xlsx_sheet import cell_xml
from tests.support import sheets_as_csv

TODAY = date(2026, 11, 28)
# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _people_add_their_parts(path: Path) -> None:
    """What people add in Excel: a comment, a data bar, a hidden formula column in the
    Denials table, and a sheet of their own with a chart of the Denials data."""
    workbook = openpyxl.load_workbook(path)
    denials = workbook["Denials"]
    table = denials.tables["tblDenials"]
    min_col, min_row, max_col, max_row = openpyxl.utils.range_boundaries(table.ref)
    denials.cell(2, 1).comment = Comment("Called the payer on Monday", "Biller")
    billed = openpyxl.utils.get_column_letter(12)
    denials.conditional_formatting.add(
        f"{billed}2:{billed}{max_row}",
        DataBarRule(start_type="min", end_type="max", color="638EC6"),
    )
    mine = max_col + 1
    letter = openpyxl.utils.get_column_letter(mine)
    denials.cell(1, mine, "My Check")
    for row in range(2, max_row + 1):
        denials.cell(row, mine, f"={billed}{row}*2")
    denials.column_dimensions[letter].hidden = True
    table.ref = f"A1:{letter}{max_row}"
    table.autoFilter.ref = table.ref
    table.tableColumns = []
    notes = workbook.create_sheet("My Notes")
    notes["A1"] = "Our own notes"
    chart = BarChart()
    chart.add_data(
        Reference(denials, min_col=12, min_row=1, max_row=min(max_row, 20)), titles_from_data=True
    )
    notes.add_chart(chart, "C3")
    workbook.save(path)


def _add_picture_and_shape(path: Path) -> None:
    """A picture and a shape on the people's sheet: openpyxl can write neither, so they go in
    as Excel writes them (drawing anchors, a media part, its content type)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    drawing = next(
        n
        for n in parts
        if n.startswith("xl/drawings/drawing") and n.endswith(".xml") and b"<c:chart" in parts[n]
    )
    rels = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdPic" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/image" Target="../media/image1.png"/></Relationships>',
    )
    anchor = (
        '<xdr:twoCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        "<xdr:from><xdr:col>{0}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>"
        "20</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{1}</xdr:col>"
        "<xdr:colOff>0</xdr:colOff><xdr:row>25</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>{2}"
        "<xdr:clientData/></xdr:twoCellAnchor>"
    )
    picture = (
        '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="90" name="Logo"/><xdr:cNvPicPr/></xdr:nvPicPr>'
        '<xdr:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships" r:embed="rIdPic"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
        '<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
    )
    shape = (
        '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="91" name="Reminder"/>'
        '<xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr><a:prstGeom prst="roundRect"><a:avLst/>'
        "</a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:p><a:r><a:t>Call payers Friday</a:t>"
        "</a:r></a:p></xdr:txBody></xdr:sp>"
    )
    extra = anchor.format(0, 2, picture) + anchor.format(3, 6, shape)
    parts[drawing] = re.sub(
        rb"</(\w+:)?wsDr>", lambda m: extra.encode() + m.group(0), parts[drawing]
    )
    parts["xl/media/image1.png"] = PNG
    types = "[Content_Types].xml"
    if b'Extension="png"' not in parts[types]:
        parts[types] = parts[types].replace(
            b"<Override", b'<Default Extension="png" ContentType="image/png"/><Override', 1
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _run_everything(tracker: Path, remits: list[Path]) -> None:
    with open_for_update(tracker) as book:
        actions.import_remittances(book, remits)
        actions.classify_and_prioritize(book, today=TODAY)
        fill_demo_practice(book)
        actions.generate_letters(book, today=TODAY)
        actions.refresh_kpis(book, today=TODAY)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _sheet_parts(parts: dict[str, bytes], sheet: str) -> dict[str, bytes]:
    """The parts of one sheet and everything it refers to (drawing, chart, media …)."""
    book = FileBook(Path("x.xlsx"), _zip_bytes(parts))
    start = dict(book.package.sheets())[sheet]
    found, todo = {start}, [start]
    while todo:
        for _, _, target, mode in book.package.relationships(todo.pop()):
            if mode != "External" and target not in found:
                found.add(target)
                todo.append(target)
    names = found | {rels_name(n) for n in found if rels_name(n) in parts}
    return {name: parts[name] for name in sorted(names)}


def _zip_bytes(parts: dict[str, bytes]) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _denials_part(parts: dict[str, bytes]) -> str:
    book = FileBook(Path("x.xlsx"), _zip_bytes(parts))
    return dict(book.package.sheets())["Denials"]


def _element(data: bytes, pattern: bytes) -> bytes:
    found = re.search(pattern, data, re.S)
    assert found, pattern
    return found.group(0)


def _tables(path: Path) -> dict[str, list[list[object]]]:
    """Every layout table's rows as read back, timestamps of the run masked."""
    book = OpenpyxlBook.open(path)
    tables = {}
    for spec in _specs():
        try:
            frame = book.read_table(spec)
        except WorkbookLayoutError:  # made on first use (Claim Check): absent in both
            tables[spec.name] = None
            continue
        rows = []
        for row in frame.itertuples(index=False, name=None):
            rows.append([_mask(value, str(path.parent)) for value in row])
        tables[spec.name] = rows
    return tables


def _specs():
    return [v for v in vars(layout).values() if isinstance(v, layout.TableSpec)]


def _mask(value: object, folder: str) -> object:
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return "<time>"
    if isinstance(value, str):
        value = value.replace(folder, "<folder>")
        return re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", "<time>", value)
    return value


@pytest.fixture
def worked_tracker(tmp_path) -> tuple[Path, list[Path]]:
    """A tracker with the first half of the demo remits imported and classified, then the
    parts people add with openpyxl; returns it and the remits still to import."""
    remits = sorted(write_demo_remits(tmp_path / "inbox"))
    tracker = create_tracker(tmp_path / "work" / "tracker.xlsx")
    with open_for_update(tracker) as book:
        actions.import_remittances(book, remits[:15])
        actions.classify_and_prioritize(book, today=TODAY)
    _people_add_their_parts(tracker)
    return tracker, remits[15:]


def test_what_people_add_survives_every_action_byte_for_byte(worked_tracker, tmp_path, soffice):
    tracker, remits = worked_tracker
    _add_picture_and_shape(tracker)  # (the openpyxl path cannot even save these: not the twin)
    before = _parts(tracker)
    _run_everything(tracker, remits)
    after = _parts(tracker)
    notes = _sheet_parts(before, "My Notes")
    assert any(n.startswith("xl/media/") for n in notes) and any("chart" in n for n in notes)
    for name, data in notes.items():
        assert after.get(name) == data, f"{name} changed"
    comments = [n for n in before if "comments" in n or n.endswith(".vml")]
    assert comments, "the comment's parts"
    for name in comments:
        assert after[name] == before[name], f"{name} changed"
    old, new = before[_denials_part(before)], after[_denials_part(after)]
    for pattern in (
        rb"<cols>.*?</cols>",
        rb"<conditionalFormatting\b[^>]*>(?:(?!</conditionalFormatting>).)*?"
        rb"dataBar.*?</conditionalFormatting>",
        rb"<legacyDrawing\b[^>]*/>",
    ):
        assert _element(new, pattern) == _element(old, pattern)
    assert b'hidden="1"' in _element(new, rb"<cols>.*?</cols>")
    frame = FileBook.open(tracker).read_table(layout.DENIALS)
    checks = [v for v in frame["My Check"] if isinstance(v, str) and v.startswith("=L")]
    assert len(checks) == len([v for v in before_formulas(before) if v])
    assert len(frame) > len(checks)  # the new denials were added below them
    csv = sheets_as_csv(soffice, tracker, tmp_path / "lo")
    assert "My Notes" in csv and csv["Denials"].startswith("Denial ID,")


def before_formulas(parts: dict[str, bytes]) -> list[bytes]:
    return re.findall(rb"<f>(L\d+\*2)</f>", parts[_denials_part(parts)])


def test_every_table_holds_what_the_openpyxl_path_writes(worked_tracker, monkeypatch):
    tracker, remits = worked_tracker
    twin = tracker.parent.parent / "twin" / tracker.name
    twin.parent.mkdir()
    shutil.copy(tracker, twin)
    _run_everything(tracker, remits)
    monkeypatch.setenv(ENGINE_ENV, "openpyxl")
    _run_everything(twin, remits)
    ours, theirs = _tables(tracker), _tables(twin)
    assert list(ours) == list(theirs)
    for name, rows in theirs.items():
        assert ours[name] == rows, f"{name} differs"


def test_text_that_looks_like_a_formula_is_written_as_text():
    cell = cell_xml("A2", 0, '=HYPERLINK("http://x")')
    assert b"<f>" not in cell and b"inlineStr" in cell and b"=HYPERLINK" in cell


def test_numbers_are_written_as_openpyxl_writes_them():
    from decimal import Decimal

    assert b"<v>245</v>" in cell_xml("G2", 6, Decimal("245.00"))
    assert b"<v>0.1</v>" in cell_xml("G2", 6, Decimal("0.10"))
    assert b"<v>46273</v>" in cell_xml("F2", 5, date(2026, 9, 8))


def test_a_changed_workbook_loses_its_stale_calculation_chain(tmp_path):
    """Excel's calcChain lists formula cells; a write may leave it naming a cell that is no
    longer one (Excel would offer a repair), so a save drops it and Excel rebuilds it."""
    remits = sorted(write_demo_remits(tmp_path / "inbox"))
    tracker = create_tracker(tmp_path / "tracker.xlsx")
    parts = _parts(tracker)
    parts["xl/calcChain.xml"] = (
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<c r="A2" i="3"/></calcChain>'
    )
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdCalc" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    types = "[Content_Types].xml"
    parts[types] = parts[types].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    tracker.write_bytes(_zip_bytes(parts))
    with open_for_update(tracker) as book:
        actions.import_remittances(book, remits[:3])
    after = _parts(tracker)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after[rels] and b"calcChain" not in after[types]
    assert len(OpenpyxlBook.open(tracker).read_table(layout.CLAIMS)) > 0


def test_column_is_blank_looks_at_the_column_without_reading_the_table(tmp_path):
    """Classify skips reading Claims when no claim was submitted (issue 15): the look says
    blank only when no cell of the column below the header holds a value."""
    path = create_tracker(tmp_path / "t.xlsx")
    with open_for_update(path) as book:
        write_demo_remits(tmp_path / "remits")
        actions.import_remittances(book, sorted((tmp_path / "remits").glob("*.835")))
    book = FileBook.open(path)
    claims = layout.CLAIMS
    assert book.column_is_blank(claims, layout.Col.SUBMISSION_LOG)
    assert not book.column_is_blank(claims, layout.Col.PAYER)  # every claim has its payer
    assert not book.column_is_blank(claims, "No Such Column")  # unsure: read the table
    assert not book.column_is_blank(layout.FOLLOW_UP, layout.Col.CLAIM_KEY)  # no such table
    frame = book.read_table(claims)
    frame.loc[frame.index[-1], layout.Col.SUBMISSION_LOG] = "837 of 2026-11-02"
    book.write_table(claims, frame)
    book.save()
    assert not FileBook.open(path).column_is_blank(claims, layout.Col.SUBMISSION_LOG)
    assert not OpenpyxlBook.open(path).column_is_blank(claims, layout.Col.SUBMISSION_LOG)
