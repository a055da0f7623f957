"""The Excel front door, as far as Linux can check it: ribbon XML, VBA subs, the zip-level
build, installation settings, and the button runner's messages (with named test doubles)."""

from __future__ import annotations

import contextlib
import inspect
import re
import shutil
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from addin import excel
from addin.cli import cli
from addin.errors import AddinError
from addin.excel import build as addin_build
from addin.workbook.layout import DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests.conftest import DATA, REMITS, ROOT
from tests.letter_support import denial_row, payer, write_denials

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


# -- the button runner, with test doubles (they stand in for xlwings objects, not for Excel) --


class TestDoubleApp:
    """Records what DenialDesk shows through xlwings' App (alerts, status bar); not Excel."""

    __test__ = False

    def __init__(self):
        self.alerts: list[tuple[str, str, str]] = []
        self.statuses: list[str] = []

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((prompt, title, mode))

    @property
    def status_bar(self):
        return self.statuses[-1] if self.statuses else False

    @status_bar.setter
    def status_bar(self, value):
        self.statuses.append(value)

    @contextlib.contextmanager
    def properties(self, **changes):
        yield self


class TestDoubleLiveBook(OpenpyxlBook):
    """The file adapter plus what the live adapter adds (read-only flag, selection); not Excel."""

    __test__ = False
    read_only = False
    selection: str | None = None

    def selected_key(self, specs):
        return (DENIALS, self.selection) if self.selection else None


def on_test_doubles(tracker: Path):
    """Runs a button on `tracker` through the test doubles; returns (book, app, run)."""
    book = TestDoubleLiveBook.open(tracker)
    app = TestDoubleApp()
    caller = SimpleNamespace(app=app)

    def run(label, work, **options):
        return excel.run_button(
            label, work, caller=lambda: caller, adapter=lambda _: book, **options
        )

    return book, app, run


@pytest.fixture
def live(tracker):
    return on_test_doubles(tracker)


def test_read_only_copy_is_refused_naming_who_has_it_open(live, tracker):
    book, app, run = live
    book.read_only = True
    name = b"Dana Biller"
    tracker.with_name("~$" + tracker.name).write_bytes(bytes([len(name)]) + name + b" " * 40)
    message = run("Import Remittances", excel._import)
    assert "read-only" in message and "Dana Biller" in message and "close" in message
    assert app.alerts == [(message, "DenialDesk – Import Remittances", "critical")]


def test_read_only_copy_without_an_owner_file_still_says_whom_to_ask(live):
    book, app, run = live
    book.read_only = True
    message = run("Refresh KPIs", lambda b, notify: pytest.fail("must not run"))
    assert "read-only" in message and "Someone else" in message


def test_explain_runs_on_a_read_only_copy(live):
    book, app, run = live
    book.read_only = True
    message = run("Explain", excel._explain, writes=False)
    assert "Select a row" in message


def test_addin_error_is_shown_as_its_message(live):
    book, app, run = live

    def work(b, notify):
        raise AddinError("the Payers table has no Payer column; put it back.")

    message = run("Classify & Prioritize", work)
    assert message == "the Payers table has no Payer column; put it back."
    assert app.alerts[-1][2] == "critical"
    assert not (book.folder / excel.LOG_NAME).exists()


def test_a_bug_shows_a_pointer_to_a_log_without_patient_data(live):
    book, app, run = live

    patient, member = "JOHN " + "SMITH", "W1234" + "56789"  # as a bug would meet them in data

    def work(b, notify):
        raise ValueError(f"could not parse {patient!r} member {member} in D-0A1B2C3D4E")

    message = run("Generate Appeal Letters", work)
    log = book.folder / excel.LOG_NAME
    assert message.startswith(f"Something went wrong; details were written to {log}")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "in work" in text and "ValueError" in text
    assert "JOHN SMITH" not in text and "W123456789" not in text
    assert "D-0A1B2C3D4E" in text  # our own keys stay, to find the row
    assert "Traceback" not in message


def test_import_reads_the_settings_inbox_and_skips_files_seen_before(live, tracker):
    book, app, run = live
    inbox = tracker.parent / "Remits Inbox"
    inbox.mkdir()
    shutil.copy(REMITS / "2026-03-co50-denied.835", inbox)
    first = run("Import Remittances", excel._import)
    again = run("Import Remittances", excel._import)
    assert first.startswith("1 file(s) imported") and "1 new denials" in first
    assert again.startswith("0 file(s) imported, 1 already imported")
    assert any("Reading remit 1 of 1" in status for status in app.statuses)
    assert app.statuses[-1].startswith("DenialDesk Import Remittances: 0 file(s) imported")


def test_import_lists_the_files_that_failed_in_a_critical_alert(live, tracker):
    book, app, run = live
    inbox = tracker.parent / "Remits Inbox"
    inbox.mkdir()
    shutil.copy(REMITS / "2026-03-co50-denied.835", inbox)
    (inbox / "notes.835").write_text("not a remit at all")
    message = run("Import Remittances", excel._import)
    lines = message.splitlines()
    assert "1 failed" in lines[0] and lines[1].startswith("notes.835: ")
    assert app.alerts[-1][2] == "critical"


def test_letters_show_each_failure_with_what_to_fill_in_and_why_others_were_skipped(tracker):
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-0000000001"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000002", Col.PAYER: "NORTHWIND", Col.PAYER_ID: "7"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000003", Col.PAYER: "NORTHWIND", Col.PAYER_ID: "7"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000004", Col.STATUS: "Won"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000005", Col.CARC: "18"}),
        denial_row(**{Col.DENIAL_ID: "D-0000000006", Col.ACTION: "Write it off"}),
    ]
    write_denials(tracker, rows, payers=[payer("ACME HEALTH PLAN", **{Col.PAYER_IDS: "99101"})])
    book, app, run = on_test_doubles(tracker)
    message = run("Generate Appeal Letters", excel._letters)
    assert message.splitlines() == [
        f"1 letter(s) written in {tracker.parent / 'letters'}, 3 skipped, 2 failed.",
        "D-0000000002: letter not written: fill in Payers › Appeal Address for NORTHWIND.",
        "D-0000000003: letter not written: fill in Payers › Appeal Address for NORTHWIND.",
        "Skipped:",
        "  2 × the recommended action is not an appeal",
        "  1 × closed (Won)",
        "Letter Status: 0 Ready, 1 draft(s) need input (7 open field(s)). See the Letter Status "
        "column on Denials.",
    ]
    assert app.alerts[-1] == (message, "DenialDesk – Generate Appeal Letters", "critical")
    assert "DOE" not in message and "SYN000111" not in message


def test_letters_without_problems_are_an_information_alert(tracker):
    write_denials(tracker, [denial_row()])
    book, app, run = on_test_doubles(tracker)
    message = run("Generate Appeal Letters", excel._letters)
    assert message.startswith("1 letter(s) written") and "Skipped" not in message
    assert app.alerts[-1][2] == "info"


def test_a_long_list_of_problems_shows_the_first_ten():
    problems = [
        f"D-{n:010d}: letter not written: fill in Settings › Practice NPI." for n in range(13)
    ]
    shown = excel.with_problems("0 letter(s) written, 13 failed.", problems, ["Skipped:"])
    lines = shown.text.splitlines()
    assert lines[1:11] == problems[:10] and lines[11] == "… and 3 more." and shown.failed
    assert not excel.with_problems("All done.", []).failed


def test_run_all_is_a_critical_alert_when_a_step_had_failures(live, monkeypatch):
    steps = (
        ("Import", lambda b, n: "3 file(s) imported."),
        ("Letters", lambda b, n: excel.Message("0 letter(s) written, 1 failed.\nD-1: …", True)),
        ("KPIs", lambda b, n: "KPIs refreshed."),
    )
    monkeypatch.setattr(excel, "STEPS", steps)
    book, app, run = live
    message = run("Run All", excel._all)
    assert message == (
        "Import: 3 file(s) imported.\n\nLetters: 0 letter(s) written, 1 failed.\nD-1: …\n\n"
        "KPIs: KPIs refreshed."
    )
    assert app.alerts[-1][2] == "critical"


def test_import_without_the_inbox_folder_says_how_to_fix_it(live, tracker):
    message = live[2]("Import Remittances", excel._import)
    assert str(tracker.parent / "Remits Inbox") in message and "Settings" in message


def test_explain_shows_category_rule_action_and_deadline(live, tracker):
    book, app, run = live
    inbox = tracker.parent / "Remits Inbox"
    inbox.mkdir()
    shutil.copy(REMITS / "2026-03-co50-denied.835", inbox)
    run("Import Remittances", excel._import)
    denials = book.read_table(DENIALS)
    denials[Col.CATEGORY] = "medical_necessity"
    denials[Col.RULE] = "carc-50"
    denials[Col.ACTION] = "Appeal with records"
    book.write_table(DENIALS, denials)
    book.selection = denials[Col.DENIAL_ID].iloc[0]
    message = run("Explain", excel._explain, writes=False)
    assert "CO-50" in message and "medical_necessity" in message
    assert "Rule that fired: carc-50" in message and "Action: Appeal with records" in message
    assert "Appeal deadline:" in message


def test_run_all_stops_at_the_first_step_that_cannot_finish(live, monkeypatch):
    def fails(book, notify):
        raise AddinError("no denials table")

    monkeypatch.setattr(excel, "STEPS", (("Import", lambda b, n: "ok"), ("Classify", fails)))
    message = live[2]("Run All", excel._all)
    assert message == "Import: ok\n\nClassify stopped: no denials table"


def test_a_failure_before_the_workbook_is_reached_is_still_a_message(monkeypatch, tmp_path):
    monkeypatch.setattr(excel.tempfile, "gettempdir", lambda: str(tmp_path))
    app = TestDoubleApp()

    def broken_adapter(xlbook):
        raise RuntimeError("adapter failed")

    message = excel.run_button(
        "Refresh KPIs", excel._kpis, caller=lambda: SimpleNamespace(app=app), adapter=broken_adapter
    )
    assert message.startswith(f"Something went wrong; details were written to {tmp_path}")
    assert "RuntimeError" in (tmp_path / excel.LOG_NAME).read_text(encoding="utf-8")


class TestDoubleNoCaller:
    """Stands in for xlwings' `Book.caller()` when no workbook called (or Excel refused)."""

    __test__ = False

    def __call__(self):
        raise RuntimeError("Book.caller() must not be called directly")


class TestDoubleDetachedBook:
    """A calling book whose App cannot be reached (Excel closed it mid-call); not Excel."""

    __test__ = False
    name = "tracker.xlsx"

    @property
    def app(self):
        raise RuntimeError("the object invoked has disconnected from its clients")


def test_without_a_calling_book_the_active_excel_shows_the_message(monkeypatch, tmp_path):
    monkeypatch.setattr(excel.tempfile, "gettempdir", lambda: str(tmp_path))
    active = TestDoubleApp()
    message = excel.run_button(
        "Generate Appeal Letters",
        lambda b, n: pytest.fail("must not run"),
        caller=TestDoubleNoCaller(),
        active_app=lambda: active,
    )
    log = tmp_path / excel.LOG_NAME
    assert message.startswith("DenialDesk could not reach the workbook whose button was clicked")
    assert f"details were written to {log}." in message and "Traceback" not in message
    assert active.alerts == [(message, "DenialDesk – Generate Appeal Letters", "critical")]
    assert active.statuses[-1].startswith("DenialDesk Generate Appeal Letters: DenialDesk could")
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError: Book.caller() must not be called directly" in text


def test_a_book_whose_app_is_gone_is_logged_and_reported_through_the_active_excel(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(excel.tempfile, "gettempdir", lambda: str(tmp_path))
    active = TestDoubleApp()
    message = excel.run_button(
        "Refresh KPIs",
        excel._kpis,
        caller=TestDoubleDetachedBook,
        active_app=lambda: active,
    )
    assert active.alerts[-1] == (message, "DenialDesk – Refresh KPIs", "critical")
    text = (tmp_path / excel.LOG_NAME).read_text(encoding="utf-8")
    assert "on tracker.xlsx" in text and "disconnected from its clients" in text


def test_without_any_excel_the_log_is_still_written(monkeypatch, tmp_path):
    monkeypatch.setattr(excel.tempfile, "gettempdir", lambda: str(tmp_path))
    message = excel.run_button(
        "Run All", excel._all, caller=TestDoubleNoCaller(), active_app=lambda: None
    )
    assert str(tmp_path / excel.LOG_NAME) in message
    assert "RuntimeError" in (tmp_path / excel.LOG_NAME).read_text(encoding="utf-8")
