"""Builds and installs DenialDesk.xlam: xlwings' ribbon add-in template, our ribbon, our VBA.

The zip-level part (ribbon XML and its relationship) runs anywhere; importing the VBA module
needs Excel on Windows (COM, with access to the VBA project object model).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from addin.errors import AddinError

ADDIN_NAME = "DenialDesk.xlam"
PROJECT_NAME = "denialdesk"  # xlwings' PROJECT_NAME: names the .conf file and sheet it reads
TEMPLATE_PROJECT_NAME = "myaddin"  # what xlwings' quickstart template calls itself
VBA_MODULE = "DenialDeskRibbon"  # Attribute VB_Name of macros/DenialDesk.bas
TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"  # the template's demo callback module, removed
RIBBON_PART = "customUI/customUI14.xml"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
OLD_RIBBON_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CONF_SHEET = f"_{PROJECT_NAME}.conf"  # leading underscore: inactive, the .conf file rules
WINDOWS_STEP = (
    "import macros/DenialDesk.bas into the add-in's VBA project and name it DenialDesk, which "
    "needs Excel on Windows: run `denialdesk addin build` there (Excel: File > Options > Trust "
    "Center > Trust Center Settings > Macro Settings > 'Trust access to the VBA project object "
    "model', for the build only)"
)


@dataclass(slots=True)
class BuildReport:
    path: Path
    complete: bool
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.complete:
            return f"Built {self.path}: ribbon tab 'Denials' and the DenialDesk macros."
        return (
            f"Wrote {self.path} with the 'Denials' ribbon (zip-level part only). Not finished: "
            f"{WINDOWS_STEP}. Until then its buttons cannot run."
        )


def macros_folder() -> Path:
    """macros/ of a source checkout, else the copy installed as package data."""
    source = Path(__file__).resolve().parents[2] / "macros"
    if (source / "customUI14.xml").is_file():
        return source
    spec = importlib.util.find_spec("addin.macros")  # package data: a folder, no __init__
    if spec is None or not spec.submodule_search_locations:
        raise AddinError("macros/ is missing from this installation; reinstall DenialDesk.")
    return Path(list(spec.submodule_search_locations)[0])


def template_path() -> Path:
    """xlwings' own ribbon add-in template (BSD), shipped inside the xlwings package."""
    try:
        import xlwings
    except ImportError:
        raise AddinError(
            'building the add-in needs xlwings: pip install "denialdesk[excel]"'
        ) from None
    return Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


# -- zip level ----------------------------------------------------------------------------


def insert_ribbon(template: Path, ribbon_xml: bytes, out: Path) -> Path:
    """Copy `template` to `out` with `ribbon_xml` as its only ribbon (customUI14 part)."""
    ElementTree.fromstring(ribbon_xml)  # refuse malformed XML before writing anything
    with zipfile.ZipFile(template) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    ribbons = _ribbon_targets(parts["_rels/.rels"])
    for name in [n for n in parts if n.lstrip("/") in ribbons or n.startswith("customUI/")]:
        del parts[name]
    parts["_rels/.rels"] = _with_ribbon_relationship(parts["_rels/.rels"])
    parts["[Content_Types].xml"] = _with_xml_content_type(parts["[Content_Types].xml"])
    parts[RIBBON_PART] = ribbon_xml
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", parts.pop("[Content_Types].xml"))
        for name, data in parts.items():
            target.writestr(name, data)
    os.replace(temp, out)
    return out


def _ribbon_targets(rels: bytes) -> set[str]:
    root = ElementTree.fromstring(rels)
    return {
        rel.get("Target", "").lstrip("/")
        for rel in root
        if rel.get("Type") in (RIBBON_REL, OLD_RIBBON_REL)
    }


def _with_ribbon_relationship(rels: bytes) -> bytes:
    """The package relationships with one ribbon relationship, to customUI/customUI14.xml."""
    ElementTree.register_namespace("", RELS_NS)
    root = ElementTree.fromstring(rels)
    for rel in [r for r in root if r.get("Type") in (RIBBON_REL, OLD_RIBBON_REL)]:
        root.remove(rel)
    used = {rel.get("Id") for rel in root}
    number = next(n for n in range(1, len(used) + 2) if f"rId{n}" not in used)
    ElementTree.SubElement(
        root, f"{{{RELS_NS}}}Relationship", Id=f"rId{number}", Type=RIBBON_REL, Target=RIBBON_PART
    )
    return _xml(root)


def _with_xml_content_type(types: bytes) -> bytes:
    """Content types where a .xml part (the ribbon) is application/xml, as Office expects."""
    ElementTree.register_namespace("", TYPES_NS)
    root = ElementTree.fromstring(types)
    for item in [i for i in root if i.get("PartName", "").startswith("/customUI/")]:
        root.remove(item)
    if not any(i.get("Extension", "").lower() == "xml" for i in root):
        ElementTree.SubElement(
            root, f"{{{TYPES_NS}}}Default", Extension="xml", ContentType="application/xml"
        )
    return _xml(root)


def _xml(root) -> bytes:
    """A package part as Office writes one: UTF-8 with a standalone declaration."""
    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    return (declaration + ElementTree.tostring(root, encoding="unicode")).encode("utf-8")


def is_complete(xlam: Path) -> bool:
    """Whether the Windows step ran: it renames the template's config sheet to ours."""
    with zipfile.ZipFile(xlam) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
    return f'name="{CONF_SHEET}"' in workbook


# -- the Windows step ---------------------------------------------------------------------


def import_vba(xlam: Path, bas: Path) -> None:
    """Import our VBA module into the add-in and name it DenialDesk (Excel on Windows, COM)."""
    import xlwings as xw

    app = xw.App(visible=False, add_book=False)
    try:
        book = app.books.open(str(xlam))
        project = _vba_project(book)
        for name in (TEMPLATE_RIBBON_MODULE, VBA_MODULE):
            if name in [component.Name for component in project.VBComponents]:
                project.VBComponents.Remove(project.VBComponents(name))
        project.VBComponents.Import(str(bas))
        _rename_project(project.VBComponents("xlwings").CodeModule)
        project.Name = "DenialDesk"
        book.sheets[f"_{TEMPLATE_PROJECT_NAME}.conf"].name = CONF_SHEET
        book.save()
    finally:
        app.quit()


def _vba_project(book):
    try:
        return book.api.VBProject
    except Exception as error:  # pywintypes.com_error: only importable on Windows
        raise AddinError(
            "Excel does not allow access to the add-in's VBA project. In Excel: File > Options "
            "> Trust Center > Trust Center Settings > Macro Settings, tick 'Trust access to the "
            "VBA project object model', run the build again, then untick it "
            f"({type(error).__name__})."
        ) from None


def _rename_project(module) -> None:
    """xlwings' PROJECT_NAME decides which .conf file and sheet the add-in reads."""
    pattern = re.compile(rf'PROJECT_NAME As String = "{TEMPLATE_PROJECT_NAME}"', re.IGNORECASE)
    for number in range(1, module.CountOfDeclarationLines + 1):
        line = module.Lines(number, 1)
        if pattern.search(line):
            module.ReplaceLine(
                number, pattern.sub(f'PROJECT_NAME As String = "{PROJECT_NAME}"', line)
            )
            return
    raise AddinError("xlwings' add-in template has no PROJECT_NAME line; update xlwings.")


def build(out: Path, *, on_windows: bool | None = None) -> BuildReport:
    """Assemble the add-in at `out`: everywhere the zip level, on Windows also the VBA."""
    on_windows = sys.platform.startswith("win") if on_windows is None else on_windows
    folder = macros_folder()
    ribbon = (folder / "customUI14.xml").read_bytes()
    insert_ribbon(template_path(), ribbon, Path(out))
    if not on_windows:
        return BuildReport(Path(out), complete=False)
    import_vba(Path(out).resolve(), (folder / "DenialDesk.bas").resolve())
    return BuildReport(Path(out), complete=True)


# -- installing ---------------------------------------------------------------------------


def conf_path(platform: str | None = None, home: Path | None = None) -> Path:
    """Where the add-in's xlwings reads its user settings (as xlwings' GetConfigFilePath)."""
    platform = platform or sys.platform
    home = home or Path.home()
    if platform.startswith("darwin"):
        return home / "Library/Containers/com.microsoft.Excel/Data" / f"{PROJECT_NAME}.conf"
    return home / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def write_conf(path: Path, settings: dict[str, str]) -> Path:
    """Set `settings` in an xlwings .conf file ("KEY","value" lines), keeping other keys."""
    kept = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            key = line.split(",")[0].strip().strip('"').upper()
            if line.strip() and key not in settings:
                kept.append(line)
    lines = kept + [f'"{key}","{value}"' for key, value in settings.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def interpreter_settings(platform: str | None = None) -> dict[str, str]:
    """This Python environment, as the add-in's xlwings settings."""
    platform = platform or sys.platform
    key = "INTERPRETER_MAC" if platform.startswith("darwin") else "INTERPRETER_WIN"
    return {key: sys.executable, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


@dataclass(slots=True)
class InstallReport:
    addin: Path
    conf: Path

    def summary(self) -> str:
        return (
            f"Installed {self.addin.name} in {self.addin.parent} and pointed it at this Python "
            f"({sys.executable}) in {self.conf}. Restart Excel: the 'Denials' tab appears."
        )


def install(xlam: Path) -> InstallReport:
    """Copy the add-in into Excel's startup folder and write its xlwings settings."""
    if not (sys.platform.startswith("win") or sys.platform == "darwin"):
        raise AddinError(
            "the add-in runs in desktop Excel, which needs Windows or macOS. Copy "
            f"{xlam.name} to such a computer (with DenialDesk installed) and run "
            "`denialdesk addin install` there."
        )
    if not xlam.is_file():
        raise AddinError(f"no add-in at {xlam}. Build it first with `denialdesk addin build`.")
    if not is_complete(xlam):
        raise AddinError(f"{xlam.name} was not finished: {WINDOWS_STEP}.")
    import xlwings as xw
    from xlwings import cli as xlwings_cli

    for app in xw.apps:  # an open copy would block the file (as `xlwings addin install`)
        if xlam.name in [b.name for b in app.books]:
            app.books[xlam.name].close()
    target = Path(xlwings_cli.get_addin_dir()) / xlam.name
    shutil.copyfile(xlam, target)
    if sys.platform == "darwin":
        xlwings_cli.runpython_install(None)  # the AppleScript RunPython needs on macOS
    conf = write_conf(conf_path(), interpreter_settings())
    return InstallReport(target, conf)
