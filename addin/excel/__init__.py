"""Ribbon entry points (xlwings RunPython): the calling workbook in, one action, a message out."""

from __future__ import annotations

import platform
import re
import tempfile
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from addin import __version__
from addin.errors import AddinError, WorkbookBusyError
from addin.workbook import files
from addin.workbook.layout import DENIALS, WORK_QUEUE, Col, S

LOG_NAME = "DenialDesk errors.log"
MAX_LOG_BYTES = 1_000_000
SHOWN_PROBLEMS = 10  # failures listed in a message box before "… and N more"


@dataclass(frozen=True, slots=True)
class Message:
    """What a button shows: the text, and whether something failed (then a critical alert)."""

    text: str
    failed: bool = False


Notify = Callable[[str], None]
Work = Callable[[object, Notify], str | Message]


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


def run_all() -> None:
    """Run All: import, classify and prioritize, letters, KPIs, one after the other."""
    run_button("Run All", _all)


def explain_selection() -> None:
    """Explain: why the selected denial got its category, action and deadline (reads only)."""
    run_button("Explain", _explain, writes=False)


# -- one run: workbook in, message out ---------------------------------------------------


def run_button(
    label: str, work: Work, *, writes: bool = True, caller=None, adapter=None, active_app=None
) -> str:
    """Run `work` on the calling workbook and tell the person how it went; returns the message.

    `caller`, `adapter` and `active_app` default to xlwings' `Book.caller()`, the xlwings Book
    and xlwings' active App; tests pass test doubles. An AddinError is shown as it is;
    anything else is logged beside the workbook (without patient data) and shown as a
    pointer to that log. Without a calling workbook the log goes to the temp folder and the
    message to the active Excel, if there is one.
    """
    xlbook = app = book = None
    try:
        xlbook = (caller or _caller)()
        app = xlbook.app
        status = _status_bar(app)
        book = (adapter or _adapter)(xlbook)
        if writes:
            refuse_read_only(book)
        status(f"DenialDesk: {label}…")
        with app.properties(screen_updating=False):
            shown = as_message(work(book, status))
        message, mode = shown.text, "critical" if shown.failed else "info"
    except AddinError as error:
        message, mode = str(error), "critical"
    except Exception as error:  # a bug: the person gets a pointer, the log gets the detail
        log = write_error_log(book or _Unnamed(xlbook), label, error)
        message, mode = _went_wrong(log, reached=app is not None), "critical"
    _tell(app if app is not None else (active_app or _active_app)(), label, message, mode)
    return message


def _went_wrong(log: Path, *, reached: bool) -> str:
    if not reached:
        return (
            "DenialDesk could not reach the workbook whose button was clicked. Click in the "
            f"tracker's window and click the button again; details were written to {log}."
        )
    return (
        f"Something went wrong; details were written to {log}. If the sheets look half "
        "updated, close the workbook without saving and open it again."
    )


def _tell(app, label: str, message: str, mode: str) -> None:
    """The message in the status bar and a message box; nowhere when there is no Excel."""
    if app is None:
        return
    _status_bar(app)(f"DenialDesk {label}: {message.splitlines()[0]}")
    app.alert(message, title=f"DenialDesk – {label}", mode=mode)


class _Unnamed:
    """Where to log when even the workbook adapter could not be made."""

    def __init__(self, xlbook):
        try:
            self.name = str(xlbook.name) if xlbook is not None else "the workbook"
        except Exception:  # the workbook is gone (or Excel is): any name will do
            self.name = "the workbook"
        self.folder = None


def _caller():
    import xlwings as xw

    return xw.Book.caller()


def _active_app():
    """xlwings' active Excel, or None when there is none (or xlwings cannot say)."""
    try:
        import xlwings as xw

        return xw.apps.active
    except Exception:  # no Excel, or xlwings missing: the message cannot be shown
        return None


def _adapter(xlbook):
    from addin.workbook.xlwings_book import XlwingsBook

    return XlwingsBook(xlbook)


def _status_bar(app) -> Notify:
    def show(text: str) -> None:
        app.status_bar = text[:250]

    return show


def refuse_read_only(book) -> None:
    """Refuse a read-only copy: saying who has the shared workbook open, when Excel knows."""
    if not book.read_only:
        return
    lead = f"This copy of {book.name} is read-only, so DenialDesk cannot save its work in it."
    path = book.folder / book.name if book.folder else None
    try:
        if path is not None:
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


def _import(book, notify: Notify) -> str | Message:
    from addin.actions.import_remits import import_remittances as run

    inbox = inbox_folder(book)
    report = run(book, [inbox], progress=_progress(notify, "Reading remit"), notify=notify)
    if not report.files:
        return f"No remit files in {inbox}. Put the 835 files there and click again."
    failed = [f"{item.path.name}: {item.message}" for item in report.failed]
    return with_problems(report.summary(), failed)


def inbox_folder(book) -> Path:
    """The Remits Inbox folder of Settings (relative to the workbook's folder)."""
    setting = str(book.read_settings().get(S.REMITS_INBOX) or "Remits Inbox").strip()
    inbox = Path(setting).expanduser()
    if not inbox.is_absolute():
        if book.folder is None:
            raise AddinError(
                f"{book.name} is not saved in a folder on this computer or a shared drive, so "
                f"the inbox '{setting}' cannot be found. Save it there, or put the full path "
                "of the inbox on the Settings sheet (Remits Inbox)."
            )
        inbox = book.folder / inbox
    if not inbox.is_dir():
        raise AddinError(
            f"The remits inbox {inbox} does not exist. Create it and put the 835 files in it, "
            "or set Remits Inbox on the Settings sheet to the folder your remits arrive in."
        )
    return inbox


def _classify(book, notify: Notify) -> str:
    from addin.actions.classify_denials import classify_and_prioritize as run

    return run(book).summary()


def _letters(book, notify: Notify) -> Message:
    from addin.actions.appeal_letters import generate_letters as run

    report = run(book, progress=_progress(notify, "Drafting letter"))
    problems = [item.message for item in report.failed] + report.warnings
    skipped = [f"  {count} × {reason}" for reason, count in report.skip_counts().items()]
    return with_problems(report.summary(), problems, ["Skipped:", *skipped] if skipped else [])


def _kpis(book, notify: Notify) -> str:
    from addin.actions.refresh_kpis import refresh_kpis as run

    return run(book).summary()


STEPS: tuple[tuple[str, Work], ...] = (
    ("Import", _import),
    ("Classify & Prioritize", _classify),
    ("Letters", _letters),
    ("KPIs", _kpis),
)


def _all(book, notify: Notify) -> Message:
    done: list[Message] = []
    for label, step in STEPS:
        notify(f"DenialDesk Run All: {label}…")
        try:
            result = as_message(step(book, notify))
        except AddinError as error:
            texts = [item.text for item in done]
            raise AddinError("\n\n".join([*texts, f"{label} stopped: {error}"])) from None
        done.append(Message(f"{label}: {result.text}", result.failed))
    return Message("\n\n".join(item.text for item in done), any(item.failed for item in done))


def _explain(book, notify: Notify) -> str:
    found = book.selected_key((DENIALS, WORK_QUEUE))
    if found is None:
        raise AddinError(
            "Select a row of the Denials (or Work Queue) table first, then click Explain."
        )
    denial_id = found[1]
    denials = book.read_table(DENIALS)
    match = denials[denials[Col.DENIAL_ID] == denial_id]
    if match.empty:
        raise AddinError(
            f"Denial {denial_id} is no longer on the Denials sheet. Click Classify & Prioritize "
            "to rebuild the Work Queue."
        )
    return explain_row(match.iloc[0].to_dict())


def explain_row(row: dict) -> str:
    """What a person asks about a denial: why this category, what to do, by when."""

    def shown(name: str) -> str:
        value = row.get(name)
        return "" if value is None or value != value else str(value)

    code = "-".join(filter(None, (shown(Col.GROUP), shown(Col.CARC))))
    lines = [f"Denial {shown(Col.DENIAL_ID)}: {code} {shown(Col.RARC)}".rstrip()]
    if shown(Col.DESCRIPTION):
        lines.append(shown(Col.DESCRIPTION))
    if not shown(Col.CATEGORY):
        return "\n".join([*lines, "Not classified yet: click Classify & Prioritize."])
    override = shown(Col.CATEGORY_OVERRIDE)
    lines.append(
        f"Category: {shown(Col.CATEGORY)}" + (f" (your override: {override})" if override else "")
    )
    kind = " / ".join(filter(None, (shown(Col.TYPE), shown(Col.STAGE), shown(Col.NATURE))))
    if kind:
        lines.append(f"Type: {kind}")
    lines.append(f"Rule that fired: {shown(Col.RULE) or 'none recorded'}")
    lines.append(f"Action: {shown(Col.ACTION) or 'none recorded'}")
    if shown(Col.CHECKLIST):
        lines.append(f"Checklist: {shown(Col.CHECKLIST)}")
    deadline, days = shown(Col.APPEAL_DEADLINE), shown(Col.DAYS_LEFT)
    lines.append(
        f"Appeal deadline: {deadline or 'unknown'}" + (f" ({days} days left)" if days else "")
    )
    if shown(Col.PRIORITY_REASON):
        lines.append(f"Priority: {shown(Col.PRIORITY_REASON)}")
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
