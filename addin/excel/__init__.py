"""Ribbon entry points (xlwings RunPython): the clicked workbook's file in, an action, a message.

A click saves the workbook, closes it, runs the action the command line runs on the file,
reopens it where the person was and shows the summary; Explain reads the open workbook. Excel
is reached only through the seam in `seams.py`. Nothing heavy (pandas, openpyxl, docx) is
imported until a button runs its action.
"""

from __future__ import annotations

import platform
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from addin import __version__
from addin.errors import AddinError, WorkbookBusyError
from addin.excel.seams import Excel, Place, workbook_file
from addin.workbook import files
from addin.workbook.layout import DENIALS, SETTING_DEFAULTS, WORK_QUEUE, Col, S

if TYPE_CHECKING:
    from addin.denials import Denial

LOG_NAME = "DenialDesk errors.log"
MAX_LOG_BYTES = 1_000_000
SHOWN_PROBLEMS = 10  # failures listed in a message box before "… and N more"


@dataclass(frozen=True, slots=True)
class Message:
    """What a button shows: the text, and whether something failed (then a critical alert)."""

    text: str
    failed: bool = False


Notify = Callable[[str], None]
# A writing button's work gets the TrackerFile (opened for update as the command line opens
# it); Explain's gets the Excel seam itself.
Work = Callable[[Any, Notify], "str | Message"]


# -- the buttons (macros/DenialDesk.bas calls these) ------------------------------------


def import_remittances() -> None:
    """Import Remittances: the 835 files in the Settings inbox that were not imported before."""
    run_button("Import Remittances", _import)


def classify_and_prioritize() -> None:
    """Classify & Prioritize: category, action, deadline and rank for every open denial."""
    run_button("Classify & Prioritize", _classify)


def generate_letters() -> None:
    """Generate Appeal Letters: Word letters for the denials that need one, linked in."""
    run_button("Generate Appeal Letters", _letters)


def refresh_kpis() -> None:
    """Refresh KPIs: the manager's report sheets rebuilt from Claims and Denials."""
    run_button("Refresh KPIs", _kpis)


def check_claims() -> None:
    """Check Claims: score the 837s in the Claims Outbox (Settings) before they are sent."""
    run_button("Check Claims", _check)


def run_all() -> None:
    """Run All: import, classify and prioritize, letters, KPIs, one after the other."""
    run_button("Run All", _all)


def explain_selection() -> None:
    """Explain: why the selected denial got its category, action and deadline (reads only)."""
    run_button("Explain", _explain, writes=False)


# -- one click: save, close, run on the file, reopen, tell ------------------------------------


def run_button(
    label: str,
    work: Work,
    *,
    writes: bool = True,
    excel: Callable[[], Excel] | None = None,
    fallback: Callable[[], Excel | None] | None = None,
) -> str:
    """Run `work` for the clicked workbook and tell the person how it went; returns the message.

    A writing button saves the workbook, closes it, runs `work` on the file (opened as the
    command line opens it), reopens the workbook where the person was and shows the summary;
    Explain (`writes=False`) reads the open workbook and closes nothing. `excel` gives the
    clicked workbook (default: xlwings' caller) and `fallback` an Excel to show a message in
    when that fails (default: the active one); tests pass doubles. An AddinError is shown as
    it is; anything else is logged beside the workbook (without patient data) and shown as a
    pointer to that log.
    """
    where = _Where()
    try:
        shown = (excel or _calling_excel)()
    except Exception as error:  # no calling workbook, or Excel let go of it
        message = _went_wrong(write_error_log(where, label, error), reached=False)
        _tell((fallback or _active_excel)(), label, message, True)
        return message
    try:
        where.find(shown)
        result = _on_file(shown, label, work, where) if writes else as_message(work(shown, None))
    except AddinError as error:
        result = Message(str(error), True)
    except Exception as error:  # a bug: the person gets a pointer, the log gets the detail
        result = Message(_went_wrong(write_error_log(where, label, error), reached=True), True)
    _tell(shown, label, result.text, result.failed)
    return result.text


def _on_file(excel: Excel, label: str, work: Work, where: _Where) -> Message:
    """The click of a writing button: save → close → run on the file → reopen → select.

    Whatever happens once the workbook is closed, it is opened again: a run that fails
    leaves the file as it was (it is replaced only after a complete, checked save)."""
    path = the_file(excel)
    refuse_read_only(excel, path)
    password = _password_for(path)
    place = excel.place()
    if excel.has_unsaved_changes():
        excel.status(f"DenialDesk: saving {path.name}…")
        excel.save()
    excel.status(f"DenialDesk: {label}: {path.name} is closed while it runs…")
    excel.close()
    try:
        _wait_for_excel_to_let_go(path)
        excel.status(f"DenialDesk: {label}…")
        result = as_message(work(TrackerFile(path, password, excel.status), excel.status))
    except AddinError as error:
        result = Message(str(error), True)
    except Exception as error:  # a bug: logged; the workbook still comes back
        result = Message(_went_wrong(write_error_log(where, label, error), reached=True), True)
    trouble = _reopen(excel, path, place, password)
    return Message(f"{result.text}\n\n{trouble}", True) if trouble else result


def _reopen(excel: Excel, path: Path, place: Place | None, password: str | None) -> str:
    """Open the workbook again where the person was; what to do when Excel cannot."""
    try:
        excel.reopen(path, place, password)
    except Exception as error:  # the result stands; the person only has to open the file
        return (
            f"Excel could not open {path.name} again ({type(error).__name__}). Open it "
            f"yourself from {path.parent}."
        )
    return ""


def the_file(excel: Excel) -> Path:
    """The clicked workbook's file, or an AddinError saying how to give it one."""
    fullname = excel.fullname()
    path = workbook_file(fullname)
    if path is None and "://" in fullname:
        raise AddinError(
            "This workbook is open from a web address (OneDrive or SharePoint in the browser "
            "sense), not from a folder on this computer or a shared drive. Open it from the "
            "synced or shared folder instead, then click again."
        )
    if path is None:
        raise AddinError(
            "This workbook has never been saved. Save it as an Excel Workbook (.xlsx) in its "
            "shared folder first (File › Save As), then click again."
        )
    if path.suffix.lower() != ".xlsx":
        raise AddinError(
            f"{path.name} is not an Excel Workbook (.xlsx). Save it as one (File › Save As, "
            "Excel Workbook) and click again in that copy."
        )
    return path


def _password_for(path: Path) -> str | None:
    """The password of an encrypted tracker (DENIALDESK_PASSWORD); refuse before closing when
    there is none, since Excel does not hand over the one it was opened with."""
    from addin.workbook import crypto

    if not path.is_file() or not crypto.is_encrypted(path):
        return None
    password = crypto.password_from_env(None)
    if not password:
        raise AddinError(
            f"{path.name} is password-protected. Set the DENIALDESK_PASSWORD environment "
            "variable to its password for your Windows or macOS user, restart Excel, and click "
            "again; nothing was changed."
        )
    return password


OWNER_FILE_WAIT = 10.0  # seconds for Excel (and a network share) to drop its ~$ owner file


def _wait_for_excel_to_let_go(path: Path, seconds: float = OWNER_FILE_WAIT) -> None:
    """Closing a workbook removes Excel's owner file, on a share after a moment; the run
    (which refuses while an owner file exists) starts once it is gone or the wait is over."""
    deadline = time.monotonic() + seconds
    while files.owner_files(path) and time.monotonic() < deadline:
        time.sleep(0.1)


class TrackerFile:
    """Hands `work` the tracker opened for update, as the command line opens it."""

    def __init__(self, path: Path, password: str | None, notify: Notify):
        self.path, self.password, self.notify = path, password, notify

    def open(self):
        from addin.workbook.tracker_file import open_for_update

        return open_for_update(self.path, self.password, self.notify)

    def update(self, action):
        """Run `action(book)` as the command line does: older keys upgraded first (once), and
        run again on the new workbook if someone saved it meanwhile (nothing replaced)."""
        from addin.actions.keys import upgrade_keys
        from addin.workbook.tracker_file import update

        def run(book):
            upgraded = upgrade_keys(book)
            if upgraded:
                self.notify(upgraded)
            return action(book)

        return update(self.path, run, self.password, self.notify)


def _went_wrong(log: Path, *, reached: bool) -> str:
    if not reached:
        return (
            "DenialDesk could not reach the workbook whose button was clicked. Click in the "
            f"tracker's window and click the button again; details were written to {log}."
        )
    return (
        f"Something went wrong; details were written to {log}. The workbook on disk is as it "
        "was before the click (DenialDesk replaces it only after a complete, checked save)."
    )


def _tell(excel: Excel | None, label: str, message: str, failed: bool) -> None:
    """The message in the status bar and a message box; nowhere when there is no Excel."""
    if excel is None:
        return
    excel.status(f"DenialDesk {label}: {message.splitlines()[0]}")
    excel.alert(message, f"DenialDesk – {label}", failed)


class _Where:
    """Where a run's error log goes: beside the workbook once its file is known."""

    def __init__(self):
        self.name = "the workbook"
        self.folder: Path | None = None

    def find(self, excel: Excel) -> None:
        path = workbook_file(excel.fullname())
        if path is not None:
            self.name, self.folder = path.name, path.parent


def _calling_excel() -> Excel:
    from addin.excel.seams import XlwingsExcel

    return XlwingsExcel.calling()


def _active_excel() -> Excel | None:
    from addin.excel.seams import XlwingsExcel

    return XlwingsExcel.active()


def refuse_read_only(excel: Excel, path: Path) -> None:
    """Refuse a read-only copy before closing it, saying who has the shared workbook open."""
    if not excel.is_read_only():
        return
    lead = f"This copy of {path.name} is read-only, so DenialDesk cannot save its work in it."
    try:
        files.refuse_if_open(path)
    except WorkbookBusyError as busy:
        raise WorkbookBusyError(
            f"{lead} {busy} Then close this copy and open the workbook again."
        ) from None
    raise WorkbookBusyError(
        f"{lead} Someone else probably has the shared workbook open: ask your team (or whoever "
        "manages the shared folder) who does, have them close it, then close this copy and open "
        "the workbook again."
    )


# -- what each button does ------------------------------------------------------------------


def as_message(result: str | Message) -> Message:
    return result if isinstance(result, Message) else Message(result)


def with_problems(summary: str, problems: Sequence[str], notes: Sequence[str] = ()) -> Message:
    """The summary, the first problems (each names what failed and what to do), then notes;
    a critical alert when there is a problem."""
    shown = list(problems[:SHOWN_PROBLEMS])
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"… and {len(problems) - SHOWN_PROBLEMS} more.")
    return Message("\n".join([summary, *shown, *notes]), failed=bool(problems))


def _import(tracker: TrackerFile, notify: Notify) -> str | Message:
    from addin.actions.import_remits import import_remittances as run

    found: list[Path] = []

    def work(book):
        found[:] = [inbox_folder(book)]
        return run(book, found, progress=_progress(notify, "Reading remit"), notify=notify)

    report = tracker.update(work)
    inbox = found[0]
    if not report.files:
        return f"No remit files in {inbox}. Put the 835 files there and click again."
    failed = [f"{item.path.name}: {item.message}" for item in report.failed]
    return with_problems(report.summary(), failed)


def settings_folder(book, key: str, holds: str) -> Path:
    """The folder the Settings row `key` names (relative to the workbook's folder), which
    `holds` the files a button reads ("the 835 files", "the 837 files about to be sent")."""
    default = next(s.default for s in SETTING_DEFAULTS if s.name == key)
    setting = str(book.read_settings().get(key) or default).strip()
    folder = Path(setting).expanduser()
    if not folder.is_absolute():
        if book.folder is None:
            raise AddinError(
                f"{book.name} is not saved in a folder on this computer or a shared drive, so "
                f"the folder '{setting}' cannot be found. Save it there, or put the full path "
                f"of the folder on the Settings sheet ({key})."
            )
        folder = book.folder / folder
    if not folder.is_dir():
        raise AddinError(
            f"The {key} folder {folder} does not exist. Create it and put {holds} in it, or "
            f"set {key} on the Settings sheet to the folder they are in."
        )
    return folder


def inbox_folder(book) -> Path:
    """The Remits Inbox folder of Settings."""
    return settings_folder(book, S.REMITS_INBOX, "the 835 files")


def outbox_folder(book) -> Path:
    """The Claims Outbox folder of Settings."""
    return settings_folder(book, S.CLAIMS_OUTBOX, "the 837 files you are about to send")


def _check(tracker: TrackerFile, notify: Notify) -> str:
    from datetime import date

    from addin.actions.check_claims import check_into_book
    from addin.actions.import_remits import remit_files

    with tracker.open() as book:
        outbox = outbox_folder(book)
        files = remit_files([outbox])
        if not files:
            return f"No claim files in {outbox}. Put the 837 files to send there and click again."
        notify(f"Checking the claims of {len(files)} file(s)…")
        return check_into_book(book, files, [], date.today()).summary()


def _classify(tracker: TrackerFile, notify: Notify) -> str:
    from addin.actions.classify_denials import classify_and_prioritize as run

    return tracker.update(lambda book: run(book, notify=notify)).summary()


def _letters(tracker: TrackerFile, notify: Notify) -> Message:
    from addin.actions.appeal_letters import generate_letters as run

    report = tracker.update(lambda book: run(book, progress=_progress(notify, "Drafting letter")))
    problems = [item.message for item in report.failed] + report.warnings
    skipped = [f"  {count} × {reason}" for reason, count in report.skip_counts().items()]
    notes = ["Skipped:", *skipped] if skipped else []
    if report.states:  # drafts with [[fields]] left are never reported as done
        notes.append(report.status_line() + " See the Letter Status column on Denials.")
    return with_problems(report.summary(), problems, notes)


def _kpis(tracker: TrackerFile, notify: Notify) -> str:
    from addin.actions.kpi_refresh import refresh_kpis as run

    return tracker.update(run).summary()


STEPS: tuple[tuple[str, Work], ...] = (
    ("Import", _import),
    ("Classify & Prioritize", _classify),
    ("Letters", _letters),
    ("KPIs", _kpis),
)


def _all(tracker: TrackerFile, notify: Notify) -> Message:
    """Each step as its own button would run it (opened, saved and released in turn)."""
    done: list[Message] = []
    for label, step in STEPS:
        notify(f"DenialDesk Run All: {label}…")
        try:
            result = as_message(step(tracker, notify))
        except AddinError as error:
            texts = [item.text for item in done]
            raise AddinError("\n\n".join([*texts, f"{label} stopped: {error}"])) from None
        done.append(Message(f"{label}: {result.text}", result.failed))
    return Message("\n\n".join(item.text for item in done), any(item.failed for item in done))


def _explain(excel: Excel, notify: Notify | None) -> str:
    """A live read of the open workbook: the selected Denials (or Work Queue) row."""
    found = excel.selected_row((DENIALS.name, WORK_QUEUE.name))
    if found is None:
        raise AddinError(
            "Select a row of the Denials (or Work Queue) table first, then click Explain."
        )
    table, row = found
    denial_id = str(row.get(Col.DENIAL_ID) or "").strip()
    if not denial_id:
        raise AddinError("The selected row has no Denial ID: select a denial's row, then click.")
    if table.lower() != DENIALS.name.lower():
        row = excel.find_row(DENIALS.name, Col.DENIAL_ID, denial_id)
        if row is None:
            raise AddinError(
                f"Denial {denial_id} is no longer on the Denials sheet. Click Classify & "
                "Prioritize to rebuild the Work Queue."
            )
    from addin.denials import Denial

    return explain_row(Denial.from_row(typed_row(DENIALS, row)))


def typed_row(spec, row: dict[str, object]) -> dict[str, object]:
    """A row as Excel hands it over (dates as datetimes, numbers as floats), typed by the
    layout as the file engine would read it; a value that does not fit stays as it is."""
    from addin.workbook.values import CellValueError, from_cell

    typed = {}
    for name, value in row.items():
        column = spec.column(str(name))
        try:
            typed[name] = value if column is None else from_cell(column.kind, value)
        except CellValueError:
            typed[name] = value
    return typed


def explain_row(denial: Denial) -> str:
    """What a person asks about a denial: why this category, what to do, by when."""

    def shown(value: object) -> str:
        return "" if value is None else str(value)

    code = "-".join(filter(None, (denial.group, denial.carc)))
    lines = [f"Denial {denial.denial_id}: {code} {', '.join(denial.rarcs)}".rstrip()]
    if denial.description:
        lines.append(denial.description)
    if denial.classified_category is None:
        return "\n".join([*lines, "Not classified yet: click Classify & Prioritize."])
    override = denial.category_override
    lines.append(
        f"Category: {denial.classified_category}"
        + (f" (your override: {override})" if override else "")
    )
    kind = " / ".join(shown(k) for k in (denial.type, denial.stage, denial.nature) if k)
    if kind:
        lines.append(f"Type: {kind}")
    lines.append(f"Rule that fired: {denial.rule or 'none recorded'}")
    lines.append(f"Action: {denial.action or 'none recorded'}")
    if denial.checklist:
        lines.append(f"Checklist: {denial.checklist}")
    deadline, days = shown(denial.appeal_deadline), shown(denial.days_left)
    lines.append(
        f"Appeal deadline: {deadline or 'unknown'}" + (f" ({days} days left)" if days else "")
    )
    if denial.priority_reason:
        lines.append(f"Priority: {denial.priority_reason}")
    return "\n".join(lines)


def _progress(notify: Notify, what: str) -> Callable[[Iterable], Iterable]:
    def wrap(items: Iterable) -> Iterable:
        items = list(items)
        for number, item in enumerate(items, start=1):
            notify(f"DenialDesk: {what} {number:,} of {len(items):,}…")
            yield item

    return wrap


# -- the error log ----------------------------------------------------------------------------

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_OUR_KEYS = re.compile(r"^[CDR]-[0-9A-F]{10,16}$")
# Any word with a digit in it: ids of any length (A12, 4471), dates (1970-01-01, 01/02/70,
# 1.2.1970) and amounts; month-name dates (Jan 5, 1970) go with their day and year.
_ID_LIKE = re.compile(r"\b(?:[A-Za-z]+-)?[A-Za-z0-9]*\d[A-Za-z0-9]*(?:[-/.:][A-Za-z0-9]+)*\b")
_MONTH_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r",?\s+\d{2,4}\b",
    re.IGNORECASE,
)


def scrub(text: str) -> str:
    """An error message without patient data: quoted values and id-like words are masked.

    DenialDesk's own keys (D-…, C-…, R-… hashes) stay, so a log still says which row failed.
    """
    text = _QUOTED.sub("'…'", text)
    text = _MONTH_DATE.sub("#…", text)
    return _ID_LIKE.sub(lambda m: m[0] if _OUR_KEYS.match(m[0]) else "#…", text)


def error_report(label: str, book_name: str, error: BaseException) -> str:
    """The log entry for a failed run: where it failed in our code, never cell contents."""
    lines = [
        f"==== {datetime.now():%Y-%m-%d %H:%M:%S} {label} on {book_name} "
        f"(DenialDesk {__version__}, Python {platform.python_version()}, {platform.platform()})\n"
    ]
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_list(traceback.extract_tb(error.__traceback__))
        lines.append(f"{type(error).__module__}.{type(error).__qualname__}: {scrub(str(error))}\n")
        error = error.__cause__ or error.__context__
        if error is not None:
            lines.append("-- raised while handling:\n")
    return "".join(lines) + "\n"


def write_error_log(book, label: str, error: BaseException) -> Path:
    """Append the error to the log beside the workbook (or in the temp folder); its path."""
    entry = error_report(label, book.name, error)
    for folder in (book.folder, Path(tempfile.gettempdir())):
        if folder is None:
            continue
        log = Path(folder) / LOG_NAME
        try:
            if log.is_file() and log.stat().st_size > MAX_LOG_BYTES:
                log.replace(log.with_suffix(".old.log"))
            with log.open("a", encoding="utf-8") as handle:
                handle.write(entry)
            return log
        except OSError:
            continue
    return Path(tempfile.gettempdir()) / LOG_NAME
