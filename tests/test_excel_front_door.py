"""The Excel front door, as far as Linux can check it: ribbon XML, VBA subs, the zip-level
build and installation settings. What a click does is in tests/test_excel_click.py."""

from __future__ import annotations

import inspect
import re
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from addin import excel
from addin.cli import cli
from addin.excel import build as addin_build
from tests.conftest import DATA, ROOT

MACROS = ROOT / "macros"
RIBBON = MACROS / "customUI14.xml"
BAS = MACROS / "DenialDesk.bas"
XSD = DATA / "ribbon" / "customUI14-subset.xsd"
NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}
SUB = re.compile(r"^Sub (\w+)\(control As IRibbonControl\)\s*$", re.MULTILINE)
CALL = re.compile(r'^Sub (\w+)\(.*?\)\s*\n\s*RunPython "(.*?)"\s*\nEnd Sub', re.MULTILINE)
ENTRY = re.compile(r"^import addin\.excel as x; x\.(\w+)\(\)$")


def ribbon() -> etree._Element:
    return etree.parse(str(RIBBON)).getroot()


def buttons() -> list[etree._Element]:
    return ribbon().findall(".//ui:button", NS)


def bas_text() -> str:
    return BAS.read_text(encoding="utf-8").replace("\r\n", "\n")


# -- the ribbon and the macros -------------------------------------------------------------


def test_ribbon_is_valid_against_the_customui_2009_schema_subset():
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.parse(str(RIBBON))
    assert schema.validate(document), schema.error_log


def test_ribbon_is_a_denials_tab_with_a_group_per_stage():
    tab = ribbon().find(".//ui:tab", NS)
    assert tab.get("label") == "Denials"
    labels = [group.get("label") for group in tab.findall("ui:group", NS)]
    assert labels[:4] == ["1 · Import", "2 · Work the denials", "3 · Appeal", "4 · Report"]


@pytest.mark.parametrize("button", buttons(), ids=lambda b: b.get("id"))
def test_every_button_is_large_with_an_icon_tips_and_a_key_tip(button):
    assert button.get("size") == "large"
    assert button.get("imageMso") and button.get("screentip") and button.get("supertip")
    assert 1 <= len(button.get("keytip")) <= 3


def test_key_tips_are_unique_on_the_tab():
    tips = [button.get("keytip") for button in buttons()]
    assert len(tips) == len(set(tips))


def test_every_on_action_names_a_sub_of_the_bas_module():
    module = re.search(r'^Attribute VB_Name = "(\w+)"', bas_text(), re.MULTILINE)[1]
    subs = set(SUB.findall(bas_text()))
    actions = [button.get("onAction") for button in buttons()]
    assert {action.split(".")[0] for action in actions} == {module}
    assert {action.split(".")[1] for action in actions} == subs


def test_every_sub_is_one_run_python_line_calling_its_entry_point():
    calls = dict(CALL.findall(bas_text()))
    assert set(calls) == set(SUB.findall(bas_text()))
    for sub, command in calls.items():
        function = ENTRY.match(command)[1]
        entry = getattr(excel, function)
        assert callable(entry) and not inspect.signature(entry).parameters
        assert sub.lower() == function.replace("_", "").lower(), (sub, function)


def test_every_entry_point_has_a_button():
    called = {ENTRY.match(command)[1] for _, command in CALL.findall(bas_text())}
    assert called == {
        "import_remittances",
        "classify_and_prioritize",
        "generate_letters",
        "refresh_kpis",
        "run_all",
        "explain_selection",
        "check_claims",
    }


# -- the zip-level build ---------------------------------------------------------------------


@pytest.fixture
def built(tmp_path) -> Path:
    pytest.importorskip("xlwings")
    report = addin_build.build(tmp_path / "DenialDesk.xlam", on_windows=False)
    assert not report.complete and "Not finished" in report.summary()
    return report.path


def test_build_puts_the_ribbon_where_excel_looks_for_it(built):
    with zipfile.ZipFile(built) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        rels = etree.fromstring(archive.read("_rels/.rels"))
        types = etree.fromstring(archive.read("[Content_Types].xml"))
        ribbon_part = archive.read(addin_build.RIBBON_PART)
    ribbons = [r for r in rels if "/ui/extensibility" in r.get("Type")]
    assert [(r.get("Type"), r.get("Target")) for r in ribbons] == [
        (addin_build.RIBBON_REL, "customUI/customUI14.xml")
    ]
    assert len({r.get("Id") for r in rels}) == len(rels)
    assert "customUI/customUI.xml" not in names  # the template's demo ribbon is gone
    assert ribbon_part == RIBBON.read_bytes()
    defaults = {d.get("Extension"): d.get("ContentType") for d in types if d.get("Extension")}
    assert defaults["xml"] == "application/xml"
    assert names[0] == "[Content_Types].xml"


def test_build_keeps_the_template_add_in_and_its_vba(built):
    template = addin_build.template_path()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(built) as archive:
        for name in ("xl/vbaProject.bin", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            assert archive.read(name) == source.read(name)
        types = archive.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    assert not addin_build.is_complete(built)  # the VBA import is the Windows step


def test_a_second_build_replaces_the_ribbon_rather_than_adding_one(built, tmp_path):
    again = addin_build.insert_ribbon(built, b"<customUI xmlns='x'/>", tmp_path / "again.xlam")
    with zipfile.ZipFile(again) as archive:
        rels = archive.read("_rels/.rels").decode()
        assert archive.read(addin_build.RIBBON_PART) == b"<customUI xmlns='x'/>"
    assert rels.count("ui/extensibility") == 1


def test_malformed_ribbon_xml_is_refused_before_writing(tmp_path):
    pytest.importorskip("xlwings")
    with pytest.raises(Exception, match="mismatched|not well-formed|syntax"):
        addin_build.insert_ribbon(
            addin_build.template_path(), b"<customUI><ribbon></customUI>", tmp_path / "x.xlam"
        )
    assert not (tmp_path / "x.xlam").exists()


@pytest.mark.skipif(sys.platform.startswith("win"), reason="on Windows the build opens Excel")
def test_cli_build_says_what_remains_off_windows(runner, tmp_path):
    pytest.importorskip("xlwings")
    out = tmp_path / "DenialDesk.xlam"
    result = runner.invoke(cli, ["addin", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Not finished" in result.output and "Windows" in result.output and out.is_file()


@pytest.mark.skipif(sys.platform != "linux", reason="explains the Linux case only")
def test_cli_install_explains_it_needs_windows_or_macos(runner, tmp_path):
    result = runner.invoke(cli, ["addin", "install", str(tmp_path / "DenialDesk.xlam")])
    assert result.exit_code == 1
    assert "Windows or macOS" in result.output


# -- installation settings ----------------------------------------------------------------------


def test_conf_paths_follow_xlwings(tmp_path):
    assert addin_build.conf_path("win32", tmp_path) == tmp_path / ".denialdesk/denialdesk.conf"
    mac = addin_build.conf_path("darwin", tmp_path)
    assert mac == tmp_path / "Library/Containers/com.microsoft.Excel/Data/denialdesk.conf"


def test_conf_file_points_at_this_python_and_keeps_other_settings(tmp_path):
    conf = tmp_path / "denialdesk.conf"
    conf.write_text('"INTERPRETER_WIN","C:\\old\\python.exe"\n"SHOW CONSOLE","True"\n')
    addin_build.write_conf(conf, addin_build.interpreter_settings("win32"))
    lines = conf.read_text().splitlines()
    assert lines[0] == '"SHOW CONSOLE","True"'
    assert f'"INTERPRETER_WIN","{sys.executable}"' in lines
    assert f'"PYTHONPATH","{ROOT}"' in lines and len(lines) == 3


def test_mac_settings_name_the_mac_interpreter():
    assert "INTERPRETER_MAC" in addin_build.interpreter_settings("darwin")
