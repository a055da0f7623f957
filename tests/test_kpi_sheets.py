"""Refresh KPIs on real workbook files: sheets, charts, idempotence, safety, CLI, LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from addin import actions, codes
from addin.cli import cli
from addin.codes import SHORT_MEANING_CHARS
from addin.kpis.measures import K
from addin.workbook.layout import (
    AUDIT,
    BY_PAYER_SHEET,
    DENIALS,
    KPIS_SHEET,
    REPORT_SHEETS,
    SETTINGS,
    SHEET_ORDER,
    TABLES,
    Col,
    S,
)
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.openpyxl_report import CHART_WIDTH_CM, header_names
from addin.workbook.tracker_file import open_for_update
from tests import kpi_fixture
from tests.kpi_fixture import PAYER_B, TODAY

NOW = datetime(2026, 7, 15, 8, 0)


def refresh(tracker: Path, **options) -> actions.KpiReport:
    with open_for_update(tracker) as book:
        return actions.refresh_kpis(book, today=TODAY, now=NOW, **options)


@pytest.fixture
def filled(tracker) -> Path:
    return kpi_fixture.fill(tracker)


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory) -> Path:
    return kpi_fixture.build_demo(tmp_path_factory.mktemp("demo"))


def cells(sheet) -> list[tuple]:
    return [tuple(c for c in r) for r in sheet.iter_rows(values_only=True)]


def tile_row(sheet, label: str) -> list:
    for values in sheet.iter_rows(values_only=True):
        if values[0] == label:
            return list(values)
    raise AssertionError(f"no tile {label!r} on {sheet.title}")


def test_refresh_writes_each_report_sheet_in_its_place(filled):
    report = refresh(filled)
    workbook = openpyxl.load_workbook(filled)
    assert report.saved and report.sheets == REPORT_SHEETS
    assert [s for s in workbook.sheetnames if s in SHEET_ORDER] == [
        s for s in SHEET_ORDER if s in workbook.sheetnames
    ]
    kpi = workbook[KPIS_SHEET]
    assert kpi.cell(1, 1).value == "Denial KPIs"
    assert kpi.cell(2, 1).value.startswith("Data: remits from 2026-01-10 to 2026-06-20; 8 claims")
    assert kpi.cell(3, 1).value.startswith("Refreshed at 2026-07-15 08:00")


def test_tiles_show_value_target_change_trend_and_definition(filled):
    refresh(filled)
    kpi = openpyxl.load_workbook(filled)[KPIS_SHEET]
    label, value, target, previous, change, trend, counted, source = tile_row(
        kpi, "Initial denial rate (claims, by remits)"
    )[:8]
    # one short row: the same-span previous quarter, the change in points coloured worse
    assert (value, target, previous, trend) == (0.5, 0.1, 0.25, "worsening")
    assert change == "+25.0 pts" and counted == "2 of 4 claims"
    assert source == "HFMA Claim Integrity Task Force"
    found = next(r for r in kpi.iter_rows() if r[0].value == label)
    assert found[1].number_format == "0.0%" and found[4].font.color.rgb.endswith("9C0006")
    assert kpi.row_dimensions[found[0].row].height is None  # no tall definition beside it
    assert tile_row(kpi, "Dollars denied")[1] == 900
    assert next(r for r in kpi.iter_rows() if r[0].value == "Dollars denied")[1].number_format == (
        '"$"#,##0.00;[Red]-"$"#,##0.00'
    )
    assert tile_row(kpi, "Average days, remit → appeal sent")[1] == 19
    assert tile_row(kpi, "Appeal overturn rate")[6] == (
        "0 of 1 appeals decided; 1 paid without appeal"
    )
    notes = [r[0].value for r in kpi.iter_rows() if isinstance(r[0].value, str)]
    assert any(n.startswith("Initial denial rate (claims): Claims whose first") for n in notes)
    assert any("MAP Key AR-6" in n for n in notes)
    assert kpi.print_title_rows == "$1:$1" and kpi.page_setup.orientation == "landscape"


def test_tables_are_excel_tables_with_totals_rows_on_pivot_sheets(filled):
    refresh(filled)
    workbook = openpyxl.load_workbook(filled)
    for name in REPORT_SHEETS[1:]:
        tables = workbook[name].tables
        assert len(tables) == 2, name
        for table in tables.values():
            assert table.totalsRowCount == 1
            last = workbook[name][table.ref.split(":")[1]].row
            assert workbook[name].cell(last, 1).value == "Total"
    by_payer = workbook[BY_PAYER_SHEET]
    payer_table = by_payer.tables["pvtPayer"]
    header = next(r for r in by_payer.iter_rows() if r[0].value == Col.PAYER)
    names = [c.value for c in header if c.value]
    last = by_payer[payer_table.ref.split(":")[1]].row
    total = dict(zip(names, (c.value for c in by_payer[last]), strict=False))
    assert total["Claims adjudicated"] == 8 and total["Denial rate (claims)"] == 0.375
    kpi_tables = workbook[KPIS_SHEET].tables
    assert {"kpiMonthly", "kpiTopReasons", "kpiTopPayers", "kpiAging"} <= set(kpi_tables)


def test_kpis_sheet_has_five_native_charts(filled):
    refresh(filled)
    sheet = openpyxl.load_workbook(filled)[KPIS_SHEET]
    charts = sheet._charts
    kinds = [(type(c).__name__, getattr(c, "type", None)) for c in charts]
    assert kinds == [
        ("LineChart", None),
        ("BarChart", "col"),  # open denials by age, beside the rate
        ("BarChart", "col"),
        ("BarChart", "col"),
        ("BarChart", "bar"),
    ]
    for pareto in charts[2:4]:  # by count, by dollars: columns with a cumulative-share line
        assert [type(c).__name__ for c in pareto._charts] == ["BarChart", "LineChart"]
        width_cm = pareto.anchor.ext.width / 360_000  # EMU
        assert width_cm == pytest.approx(2 * CHART_WIDTH_CM + 0.5)  # the band's whole width
        assert pareto.anchor._from.col == 0
        assert pareto.x_axis.txPr.bodyPr.rot == 0  # labels level, broken over lines


def test_chart_axes_name_each_reason_with_its_meaning(filled):
    """The Pareto's axis shows "CO-16 Claim lacks info", not a bare "16"; the full meaning
    is in its table (DenialDesk's wording, addin/data/carc.csv)."""
    refresh(filled)
    sheet = openpyxl.load_workbook(filled)[KPIS_SHEET]
    pareto = sheet._charts[2]
    categories = pareto.series[0].cat.numRef or pareto.series[0].cat.strRef
    cells_ = sheet[categories.f.split("!")[1].replace("$", "")]
    labels = [row[0].value for row in cells_]
    assert labels[:3] == ["CO-16 Claim lacks info", "CO-18 Exact duplicate", "CO-197 Auth absent"]
    assert all(len(label) <= len("CO-197 ") + SHORT_MEANING_CHARS + 4 for label in labels)
    header = next(r for r in sheet.iter_rows() if r[0].value == K.REASON)
    names = [c.value for c in header if c.value]
    assert names[-1] == K.MEANING
    row = header[0].row + 1
    assert sheet.cell(row, len(names)).value == codes.carc_table()["16"].description
    assert sheet.cell(row, len(names)).alignment.wrap_text  # wraps within the screen


def px(sheet, col: int) -> int:
    """A column's width in pixels at 100 % zoom (Excel: 7 px a unit of Calibri 11, plus 5)."""
    return int((sheet.column_dimensions[get_column_letter(col)].width or 8.43) * 7 + 5)


def test_the_headline_block_fits_one_1366_wide_screen(filled):
    """KPI, value, target, previous, change, trend, counted over and source: all within the
    ~1,300 px a 1366×768 screen shows at 100 % (7 px a width unit + 5, Calibri 11)."""
    refresh(filled)
    sheet = openpyxl.load_workbook(filled)[KPIS_SHEET]
    header = next(r for r in sheet.iter_rows() if r[0].value == "KPI")
    names = [c.value for c in header if c.value]
    assert names == [
        "KPI", "Value", "Target", "Previous (same span)", "Change", "Trend", "Counted over",
        "Definition (in full below)",
    ]  # fmt: skip
    widths = [sheet.column_dimensions[get_column_letter(c)].width for c in range(1, 9)]
    assert sum(px(sheet, c) for c in range(1, 9)) <= 1300
    assert widths[0] >= len("At risk of missing the deadline in 14 days") - 2
    assert header[3].alignment.wrap_text  # "Previous (same span)" over two lines
    counted = tile_row(sheet, "Appeal overturn rate")[6]
    found = next(r for r in sheet.iter_rows() if r[0].value == "Appeal overturn rate")
    assert len(counted) > widths[6] and found[6].alignment.wrap_text
    assert sheet.row_dimensions[found[0].row].height == 30  # two lines, not hundreds of points
    notes = [r[0] for r in sheet.iter_rows() if str(r[0].value).startswith("Initial denial rate")]
    merged = [m for m in sheet.merged_cells.ranges if m.min_row == notes[-1].row][0]
    spanned = range(1, merged.max_col + 1)  # definitions wrap within the screen
    assert sum(px(sheet, c) for c in spanned) <= 1300 < sum(px(sheet, c) for c in range(1, 30))


def test_settings_on_the_sheet_set_the_target_and_the_cost(filled):
    with open_for_update(filled) as book:
        settings = book.read_table(SETTINGS)
        values = {S.DENIAL_RATE_TARGET: "5%", S.MINUTES_PER_HARD_DENIAL: 30}
        for name, value in values.items():
            settings.loc[settings[Col.SETTING] == name, Col.VALUE] = value
        book.write_table(SETTINGS, settings)
        book.save()
    tiles = {tile.label: tile for tile in refresh(filled).tiles}
    assert tiles["Initial denial rate (claims, by remits)"].target == 0.05
    # Q2 staff cost: soft 3 × 20 min + hard 2 × 30 min at $30/h
    assert tiles["Cost to recover (staff time)"].value == Decimal("60.00")


def test_table_headers_from_data_are_unique_and_never_blank():
    assert header_names(["Payer", "ACME", "Acme", "", "=X"]) == [
        "Payer", "ACME", "Acme (2)", "(blank)", "=X",
    ]  # fmt: skip


def test_text_that_looks_like_a_formula_stays_text(filled):
    refresh(filled)
    sheet = openpyxl.load_workbook(filled)[BY_PAYER_SHEET]
    found = [c for r in sheet.iter_rows() for c in r if c.value == PAYER_B]
    assert found and all(c.data_type == "s" for c in found)


def _report_parts(path: Path) -> dict[str, bytes]:
    """The report sheets' XML with their tables, charts and drawings, byte for byte."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    names = workbook.sheetnames
    workbook.close()
    sheets = {f"xl/worksheets/sheet{names.index(s) + 1}.xml" for s in REPORT_SHEETS}
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    return {
        name: data
        for name, data in parts.items()
        if name in sheets
        or name.startswith(("xl/charts/", "xl/drawings/"))
        or (name.startswith("xl/tables/") and b"tblAudit" not in data)  # the log grows
    }


def test_refreshing_twice_gives_identical_sheets(filled):
    refresh(filled)
    first = _report_parts(filled)
    refresh(filled)
    assert _report_parts(filled) == first
    assert len([n for n in first if n.startswith("xl/charts/")]) == 5


def test_data_tables_and_user_columns_are_untouched(filled):
    with open_for_update(filled) as book:  # a column and a sheet of the user's own
        frame = book.read_table(DENIALS)
        frame["My Flag"] = ["check"] + [None] * (len(frame) - 1)
        book.write_table(DENIALS, frame)
        book.workbook.create_sheet("My Notes")["A1"] = "=1+1"
        book.save()
    before = OpenpyxlBook.open(filled)
    data_tables = [spec for spec in TABLES if spec is not AUDIT and _has(before, spec)]
    tables = {spec.name: before.read_table(spec) for spec in data_tables}
    refresh(filled)
    after = OpenpyxlBook.open(filled)
    for spec in data_tables:
        assert after.read_table(spec).equals(tables[spec.name]), spec.name
    assert after.read_table(AUDIT)[Col.ACTION_NAME].iloc[-1] == "Refresh KPIs"  # the log only
    denials = after.read_table(DENIALS)
    assert denials.loc[denials[Col.DENIAL_ID] == "D3", Col.NOTES].item() == "called payer"
    assert denials["My Flag"].iloc[0] == "check"
    assert after.workbook["My Notes"]["A1"].value == "=1+1"


def _has(book: OpenpyxlBook, spec) -> bool:
    try:
        book.locate(spec)
    except Exception:
        return False
    return True


def test_an_empty_tracker_shows_no_data(tracker):
    report = refresh(tracker)
    kpi = openpyxl.load_workbook(tracker)[KPIS_SHEET]
    assert tile_row(kpi, "Initial denial rate (claims, by remits)")[1] == "no data"
    assert kpi._charts == [] and len(kpi.tables) == 2  # turnaround and aging: zero rows
    assert sum(1 for r in cells(kpi) if r[0] == "no data") >= 5
    assert "no remits imported yet" in report.summary()


def test_a_deleted_report_sheet_comes_back_in_its_place(filled):
    with open_for_update(filled) as book:
        book.workbook.remove(book.workbook[BY_PAYER_SHEET])
        book.save()
    refresh(filled)
    names = openpyxl.load_workbook(filled).sheetnames
    assert names.index(BY_PAYER_SHEET) == names.index(KPIS_SHEET) + 1


def test_summary_lists_the_headline_kpis(filled):
    summary = refresh(filled).summary()
    assert "data 2026-01-10 to 2026-06-20, 8 claims, 6 denials" in summary
    assert (
        "Initial denial rate (claims, by remits): 50.0% in 2026 Q2 to date (Apr 1 – Jun 20) "
        "(target 10.0%; +25.0 pts vs previous quarter; worsening)" in summary
    )
    assert "Dollars still at risk (open): $700.00 (today, 2026-07-15)" in summary


def test_cli_refreshes_prints_and_draws_pngs(runner, filled, tmp_path):
    charts = tmp_path / "charts"
    result = runner.invoke(
        cli, ["kpis", str(filled), "--png", str(charts), "--as-of", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "Appeal overturn rate: 0.0% in 2026 Q2 to date" in result.output
    assert "SYNTHETIC" not in result.output  # never a patient name
    pngs = sorted(p.name for p in charts.glob("*.png"))
    assert pngs == [
        "denial-rate-by-month.png",
        "denied-dollars-by-payer.png",
        "open-denials-by-age.png",
        "top-reasons-dollars-pareto.png",
        "top-reasons-pareto.png",
    ]
    assert all((charts / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in pngs)


def test_png_without_matplotlib_explains_and_changes_nothing(runner, filled, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    before = filled.read_bytes()
    result = runner.invoke(cli, ["kpis", str(filled), "--png", str(tmp_path / "charts")])
    assert result.exit_code == 1
    assert "Error: PNG charts need matplotlib" in result.output
    assert 'pip install "denialdesk[charts]"' in result.output
    assert filled.read_bytes() == before


@pytest.mark.libreoffice
def test_libreoffice_renders_the_demo_kpis_sheet(demo_source, tmp_path, soffice):
    from tests.support import convert_with_libreoffice

    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("poppler's pdftotext/pdftoppm are not installed")
    tracker = tmp_path / demo_source.name
    shutil.copy(demo_source, tracker)
    with open_for_update(tracker) as book:
        actions.refresh_kpis(book, today=date(2026, 11, 28), now=datetime(2026, 11, 28, 9, 0))
    pdf = convert_with_libreoffice(soffice, tracker, tmp_path / "pdf", "pdf")
    page = _page_with(pdf, "Denial KPIs")
    text = _pdf_text(pdf, page)
    assert "Initial denial rate (claims)" in text and "Top denial reasons by CARC" in text
    png = tmp_path / "kpis-page"  # kept under the test's tmp folder (a CI artifact)
    subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "80", "-png", "-singlefile",
         str(pdf), str(png)],
        check=True,
    )  # fmt: skip
    assert png.with_suffix(".png").stat().st_size > 20_000  # tiles, tables and four charts


def _pdf_text(pdf: Path, page: int) -> str:
    command = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _page_with(pdf: Path, title: str) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
    for page in range(1, pages + 1):
        if _pdf_text(pdf, page).lstrip().startswith(title):
            return page
    raise AssertionError(f"no page of {pdf.name} starts with {title!r}")
