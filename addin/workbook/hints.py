"""What messages say about a tracker's path: commands to copy with the path quoted, and the
file types that are not a tracker."""

from __future__ import annotations

from pathlib import Path

from addin.errors import WorkbookLayoutError

TRACKER_SUFFIX = ".xlsx"
# Excel files and exports people pick by mistake: each says what to do instead.
NOT_A_TRACKER: dict[str, str] = {
    ".xls": "an Excel 97–2003 workbook",
    ".xlsm": "a macro-enabled workbook",
    ".xlsb": "a binary Excel workbook",
    ".csv": "a CSV file",
    ".ods": "an OpenDocument spreadsheet",
}
_SPECIAL = set(" \t'\"&()[]{};,$`|<>^%!")


def quoted(path: Path | str) -> str:
    """The path as typed on a command line: in double quotes when it has a space (or any
    character a shell would split or expand), as is otherwise."""
    text = str(path)
    if text and not any(ch in _SPECIAL for ch in text):
        return text
    return '"' + text.replace('"', '\\"') + '"'


def command(name: str, path: Path | str, *rest: str) -> str:
    """A `denialdesk …` command to copy from a message, the path quoted if it needs it."""
    return " ".join(("denialdesk", name, quoted(path), *rest))


def refuse_other_file_types(path: Path) -> None:
    """A tracker is a macro-free .xlsx: a .xls, .xlsm or .csv given as one is asked to be
    saved as .xlsx (not reported as a damaged workbook)."""
    kind = NOT_A_TRACKER.get(Path(path).suffix.lower())
    if kind is None:
        return
    raise WorkbookLayoutError(
        f"{Path(path).name} is {kind}, not a DenialDesk tracker: a tracker is a macro-free "
        f".xlsx workbook. Open it in Excel and save it as 'Excel Workbook (*.xlsx)', or "
        f"start a new tracker with `{command('new', Path(path).with_suffix(TRACKER_SUFFIX))}`."
    )
