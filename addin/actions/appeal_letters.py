"""Generate Appeal Letters: a Word letter per selected denial, linked back into its row."""

from __future__ import annotations

import contextlib
import os
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from addin.actions import audit, queue_refresh
from addin.errors import AddinError, TemplateError
from addin.letters.context import (
    LetterFacts,
    addressee,
    effective_category,
    letter_context,
    missing_fields,
    missing_message,
)
from addin.letters.fields import FIELDS, Field, clean_text
from addin.letters.files import (
    NO_LIBREOFFICE,
    convert_to_pdf,
    find_soffice,
    letter_file,
    letter_file_name,
    load_manifest,
    place_letter,
    remove_stale_pdf,
    save_manifest,
)
from addin.letters.kinds import BUILT_IN_KINDS, KIND_USE, contracted_with, letter_kind
from addin.letters.open_fields import open_fields_in_file
from addin.letters.selection import select_for_letters, status_after_letter
from addin.letters.status import (
    draft_status,
    is_draft,
    is_ready,
    open_fields_in,
    status_for,
)
from addin.letters.templates import (
    ALL_CATEGORIES,
    LEGACY_TEMPLATES,
    LetterTemplates,
    UnknownTemplateError,
    choose_template,
    parse_template_choices,
)
from addin.payers import normalise_name
from addin.plans import PayerDirectory
from addin.remedies import Remedy, plan_type_of
from addin.workbook import frames
from addin.workbook.base import Book
from addin.workbook.layout import CLOSED_STATUSES, DENIALS, PAYERS, SETTINGS, Col, S

Progress = Callable[[Iterable], Iterable]


@dataclass(slots=True)
class LetterOutcome:
    """What happened to one letter (the denials of one claim, payer and remedy) or one skipped
    denial: written (with its file, open fields, and a warning if any), skipped or failed."""

    denial_id: str  # the first of the letter's denials
    outcome: str  # written | skipped | failed
    message: str = ""
    path: Path | None = None
    template: str = ""
    new_version: bool = False
    pdf: Path | None = None
    denial_ids: tuple[str, ...] = ()
    open_fields: int = 0

    def __post_init__(self) -> None:
        self.denial_ids = self.denial_ids or (self.denial_id,)


@dataclass(frozen=True, slots=True)
class LetterState:
    """A letter on file for open denials, as its Letter Status and its file say."""

    denial_ids: tuple[str, ...]
    status: str
    open_fields: int | None  # None: the file could not be read

    @property
    def ready(self) -> bool:
        """Ready: marked so, and no field left open in the file."""
        return is_ready(self.status) and not self.open_fields


@dataclass(slots=True)
class LetterReport:
    """The result of one Generate Appeal Letters run."""

    letters: list[LetterOutcome] = field(default_factory=list)
    folder: Path | None = None
    pdf_note: str = ""  # why some or all PDF copies were not made
    saved: bool = False
    earlier_pdfs: int = 0  # --pdf: PDFs made of letters drafted by an earlier run
    states: list[LetterState] = field(default_factory=list)  # every open denial's letter

    @property
    def ready(self) -> list[LetterState]:
        return [state for state in self.states if state.ready]

    @property
    def drafts(self) -> list[LetterState]:
        """Letters not ready to send: drafts, and letters marked Ready with fields still open
        (never reported as done)."""
        return [state for state in self.states if not state.ready]

    def status_line(self) -> str:
        """`Letter Status: 1 Ready, 6 drafts need input (23 open fields).`"""
        if not self.states:
            return ""
        fields = sum(state.open_fields or 0 for state in self.drafts)
        return (
            f"Letter Status: {len(self.ready)} Ready, {len(self.drafts)} draft(s) need input "
            f"({fields} open field(s))."
        )

    def _with(self, outcome: str) -> list[LetterOutcome]:
        return [item for item in self.letters if item.outcome == outcome]

    @property
    def written(self) -> list[LetterOutcome]:
        return self._with("written")

    @property
    def skipped(self) -> list[LetterOutcome]:
        return self._with("skipped")

    @property
    def failed(self) -> list[LetterOutcome]:
        return self._with("failed")

    @property
    def warnings(self) -> list[str]:
        """What a person must still do about letters that were written (and the PDF step)."""
        notes = [item.message for item in self.written if item.message]
        return [*notes, self.pdf_note] if self.pdf_note else notes

    def skipped_by_reason(self) -> dict[str, list[str]]:
        """Reason → the Denial IDs skipped for it, most common reason first."""
        groups: dict[str, list[str]] = {}
        for item in self.skipped:
            groups.setdefault(item.message, []).append(item.denial_id)
        return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))

    def skip_counts(self) -> dict[str, int]:
        """How many were skipped for each kind of reason (a reason's first part, before any
        "; …"), most common first: a short account for a message box."""
        counts = Counter(item.message.split("; ")[0] for item in self.skipped)
        return dict(counts.most_common())

    def summary(self) -> str:
        written = self.written
        where = f" in {self.folder}" if written and self.folder else ""
        parts = [f"{len(written)} letter(s) written{where}"]
        versions = sum(item.new_version for item in written)
        if versions:
            parts[0] += f" ({versions} as new versions beside letters a person edited)"
        pdfs = sum(item.pdf is not None for item in written)
        if pdfs:
            parts.append(f"{pdfs} PDF(s)")
        if self.earlier_pdfs:
            parts.append(f"{self.earlier_pdfs} PDF(s) of letters drafted before")
        parts.append(f"{len(self.skipped)} skipped")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        covered = sum(len(item.denial_ids) for item in written)
        if covered != len(written):
            parts[0] += f" covering {covered} denials"
        return ", ".join(parts) + "."


def generate_letters(
    book: Book,
    *,
    rows: Sequence[str] | None = None,
    out_dir: Path | str | None = None,
    pdf: bool = False,
    progress: Progress = iter,
    today: date | None = None,
) -> LetterReport:
    """Draft a letter for each claim, payer and remedy among the selected denials, link it into
    every row it covers, and report the Letter Status of every open denial's letter.

    Default selection: open, classified denials whose remedy is a letter (an appeal or a
    reopening), in time, without a letter yet, plus rows whose Letter? is Yes (and whose letter
    file, if any, was deleted or moved), in priority order; `rows` names Denial IDs instead. A
    letter missing a field fails alone; the workbook is saved once, only if something changed.
    """
    today = today or date.today()
    settings = book.read_settings()
    denials = book.read_table(DENIALS)
    records = frames.records(denials)
    _check_ids(records, rows)
    directory = PayerDirectory.from_rows(frames.records(book.read_table(PAYERS)))
    selection = select_for_letters(
        records,
        wanted_ids=rows,
        directory=directory,
        letter_exists=lambda link: letter_file(book.folder, link).exists(),
        today=today,
    )
    report = LetterReport(
        [LetterOutcome(skip.denial_id, "skipped", skip.reason) for skip in selection.skipped]
    )
    if pdf:  # letters drafted before this run get their PDF too
        report.earlier_pdfs, report.pdf_note = _pdfs_of_earlier_letters(book, records, rows)
    if selection.chosen:
        report.folder = letters_folder(book, settings, out_dir)
        _make_folder(report.folder)
        _draft_all(report, book, settings, directory, selection.chosen, today, progress)
    if pdf and report.written:
        report.pdf_note = " ".join(filter(None, (report.pdf_note, _make_pdfs(report.written))))
    if report.written:
        _link_rows(denials, report.written, book.folder, today)
    just_written = _counted(report.written, book.folder)
    recounted = _recount(denials, book.folder, just_written)
    report.states = _states(denials, book.folder, just_written)
    if report.written or recounted:
        denials, _ = queue_refresh.refresh_queue(book, denials)  # the queue shows the letters
        book.write_table(DENIALS, denials)
        files = [item.path.name for item in report.written if item.path]
        audit.record(book, "Generate appeal letters", report.summary(), files)
        book.save()
        report.saved = True
    return report


def _draft_all(report, book, settings, directory, chosen, today, progress) -> None:
    """One letter per group of rows. Every letter is filled in (in memory) before any is
    written: a template that fails (a broken or forbidden tag, a limit) stops the whole batch
    with nothing written or linked. The manifest is saved even if writing is interrupted."""
    drafter = _Drafter(book, settings, report.folder, today, directory)
    groups = drafter.groups(chosen)
    drafter.waiting = len(groups)
    drafts = []
    for group in progress(groups):
        drafts.append(drafter.prepare(group))
        if drafter.letterhead_blank:  # every letter needs it: said once, not per denial
            break
    try:
        for draft in drafts:
            report.letters.append(drafter.write(draft))
    finally:  # letters already on disk stay known as ours, even if the batch was interrupted
        # Without the manifest a later run treats these files as edited: safe, so not fatal.
        with contextlib.suppress(OSError):
            save_manifest(report.folder, drafter.manifest)


def _check_ids(records: list[dict], rows: Sequence[str] | None) -> None:
    """Unknown Denial IDs stop the run before anything is written (a typo, most likely)."""
    known = {str(r.get(Col.DENIAL_ID)) for r in records}
    unknown = [denial_id for denial_id in rows or () if denial_id not in known]
    if unknown:
        raise AddinError(
            f"no denial with ID {', '.join(unknown)} in the {DENIALS.sheet} sheet. Copy the "
            f"IDs from its '{Col.DENIAL_ID}' column; nothing was written."
        )


def letters_folder(book: Book, settings: Mapping[str, object], out_dir: Path | str | None) -> Path:
    """--out if given; otherwise Settings › Letters Folder, relative to the workbook."""
    if out_dir is not None:
        return Path(out_dir).resolve()
    if book.folder is None:
        raise AddinError(
            "the workbook has not been saved yet, so there is no folder to put letters in. "
            "Save it first (or give --out)."
        )
    return (book.folder / str(settings.get(S.LETTERS_FOLDER) or "letters")).resolve()


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AddinError(
            f"cannot create the letters folder {folder} ({error.strerror}). Check "
            f"{SETTINGS.sheet} › {S.LETTERS_FOLDER} (or --out) and that you may write there; "
            "nothing was changed."
        ) from None


def practice_templates_folder(book: Book | None, settings: Mapping[str, object]) -> Path | None:
    """Settings › Letter Templates Folder, relative to the workbook."""
    if book is None or book.folder is None:
        return None
    return book.folder / str(settings.get(S.LETTER_TEMPLATES_FOLDER) or "Letter Templates")


class _Drafter:
    """Drafts one letter at a time with what the whole batch shares."""

    def __init__(
        self,
        book: Book,
        settings: Mapping[str, object],
        folder: Path,
        today: date,
        directory: PayerDirectory,
    ):
        self.settings = settings
        self.folder = folder
        self.today = today
        self.templates = LetterTemplates(practice_templates_folder(book, settings))
        self.directory = directory
        self.manifest = load_manifest(folder)
        self.letterhead_blank = False  # a Settings field every letter needs is blank
        self.waiting = 1

    def plan(self, row: Mapping[str, object]) -> tuple[Mapping | None, LetterFacts, object]:
        """The payer's row, the letter's facts (plan, remedy, kind) and the template choice."""
        payer, profile = self.directory.find_row(row.get(Col.PAYER_ID), row.get(Col.PAYER))
        facts = letter_facts(row, payer, profile)
        choice = choose_template(
            effective_category(row),
            payer=payer,
            practice_choices=self.settings.get(S.LETTER_TEMPLATES_BY_CATEGORY),
            kind=facts.kind.name,
            practice_names=self.templates.practice_names,
        )
        return payer, facts, choice

    def groups(self, rows: Sequence[Mapping[str, object]]) -> list[list[Mapping[str, object]]]:
        """The chosen rows by claim, payer and letter (priority order of each group's first)."""
        found: dict[tuple, list[Mapping[str, object]]] = {}
        for row in rows:
            _, facts, choice = self.plan(row)
            claim = clean_text(row.get(Col.CLAIM_KEY)) or clean_text(row.get(Col.CLAIM_ID))
            key = (claim, normalise_name(row.get(Col.PAYER)), facts.kind.name, choice.name)
            found.setdefault(key, []).append(row)
        return list(found.values())

    def prepare(self, rows: Sequence[Mapping[str, object]]) -> _Draft | LetterOutcome:
        """The letter filled in (in memory), or why these denials get none: a missing field
        or an unknown template name fails this letter alone; any other template error stops
        the batch (raised as an AddinError, before anything is written)."""
        ids = tuple(str(row.get(Col.DENIAL_ID)) for row in rows)
        denial_id = ids[0]
        payer, facts, choice = self.plan(rows[0])
        try:
            context = letter_context(rows, self.settings, payer, today=self.today, facts=facts)
            missing = missing_fields(context, self.templates.fields(choice.name))
            blank = [f for f in missing if isinstance(f, Field) and f.source == "settings"]
            if blank:  # the practice's own details: no letter of this run can be written
                self.letterhead_blank = True
                message = letterhead_message(blank, self.waiting)
                return LetterOutcome(
                    denial_id, "failed", f"{denial_id}: {message}", template=choice.name,
                    denial_ids=ids,
                )  # fmt: skip
            if missing:
                payer_name = addressee(rows[0], payer) or "this payer"
                message = missing_message(missing, payer=payer_name, template=choice.name)
                return LetterOutcome(
                    denial_id,
                    "failed",
                    f"{denial_id}: {message}",
                    template=choice.name,
                    denial_ids=ids,
                )
            data, open_fields = self.templates.draft(choice.name, context)
        except UnknownTemplateError as error:
            message = f"{denial_id}: {error}, chosen in {choice.origin}."
            return LetterOutcome(denial_id, "failed", message, template=choice.name, denial_ids=ids)
        except TemplateError as error:
            raise AddinError(
                f"{error} (letter for {denial_id}). No letter was written or linked; fix the "
                "template and run again."
            ) from None
        return _Draft(ids, choice.name, letter_file_name(rows[0], self.today), data, open_fields)

    def write(self, draft: _Draft | LetterOutcome) -> LetterOutcome:
        if isinstance(draft, LetterOutcome):
            return draft
        denial_id, ids = draft.denial_ids[0], draft.denial_ids
        try:
            path, new_version = place_letter(
                self.folder, draft.file_name, draft.data, self.manifest
            )
        except OSError as error:
            message = f"{denial_id}: could not write into {self.folder} ({error.strerror})."
            return LetterOutcome(
                denial_id, "failed", message, template=draft.template, denial_ids=ids
            )
        warning = _stale_pdf_warning(denial_id, path)
        return LetterOutcome(
            denial_id,
            "written",
            warning,
            path,
            draft.template,
            new_version,
            None,
            ids,
            draft.open_fields,
        )


@dataclass(frozen=True, slots=True)
class _Draft:
    """A letter filled in and held in memory until the whole batch has been."""

    denial_ids: tuple[str, ...]
    template: str
    file_name: str
    data: bytes
    open_fields: int  # its [[fields]] (count_open_fields of `data`)


def letter_facts(
    row: Mapping[str, object], payer: Mapping[str, object] | None, profile: object
) -> LetterFacts:
    """Plan type (Denials › Plan Type, else the payer's profile), remedy, contract and the
    letter that follows from them (kinds.py)."""
    plan = plan_type_of(row.get(Col.PLAN_TYPE)) or plan_type_of(
        (payer or {}).get(Col.PLAN_TYPE) or getattr(profile, "plan_type", "")
    )
    remedy = Remedy.from_label(row.get(Col.REMEDY))
    contracted = contracted_with((payer or {}).get(Col.CONTRACTED), getattr(profile, "name", ""))
    kind = letter_kind(
        remedy,
        plan,
        category=effective_category(row),
        contracted=contracted,
        first_appeal=getattr(profile, "first_appeal", ""),
    )
    return LetterFacts(kind, plan, remedy, contracted)


def letterhead_message(blank: Sequence[Field], waiting: int) -> str:
    """One message for a blank letterhead or signature, however many letters wait for it."""
    names = ", ".join(f.key for f in blank)
    return (
        f"letters not written: fill in {SETTINGS.sheet} › {names} (the letterhead and "
        f"signature of every letter), then run letters again; {waiting} letter(s) wait for it."
    )


def _pdfs_of_earlier_letters(
    book: Book, records: list[dict], rows: Sequence[str] | None
) -> tuple[int, str]:
    """PDF copies of letters already linked in Denials (only `rows`, if given) that have
    none, or an older one than the letter; returns how many were made and what went wrong."""
    wanted = set(rows or ())
    letters = []
    for record in records:
        link = record.get(Col.LETTER)
        if not link or (wanted and str(record.get(Col.DENIAL_ID)) not in wanted):
            continue
        path = letter_file(book.folder, link)
        pdf = path.with_suffix(".pdf")
        if path.is_file() and (not pdf.exists() or pdf.stat().st_mtime < path.stat().st_mtime):
            letters.append(path)
    if not letters:
        return 0, ""
    soffice = find_soffice()
    if soffice is None:
        return 0, NO_LIBREOFFICE
    failed = convert_to_pdf(letters, soffice)
    reasons = "; ".join(sorted(set(failed.values())))
    note = f"no PDF copy of {len(failed)} earlier letter(s): {reasons}."
    return len(letters) - len(failed), note if failed else ""


def _stale_pdf_warning(denial_id: str, letter: Path) -> str:
    """Remove the PDF of the letter's previous draft; say so if it could not be removed."""
    problem = remove_stale_pdf(letter)
    if not problem:
        return ""
    pdf = letter.with_suffix(".pdf")
    return (
        f"{denial_id}: the PDF of the previous draft, {pdf}, could not be deleted ({problem}). "
        "Close it and delete it, so the out-of-date copy is not sent."
    )


def _make_pdfs(written: list[LetterOutcome]) -> str:
    """PDF copies beside the letters; returns what went wrong, if anything."""
    soffice = find_soffice()
    if soffice is None:
        return NO_LIBREOFFICE
    failed = convert_to_pdf([item.path for item in written if item.path], soffice)
    for item in written:
        if item.path and item.path not in failed:
            item.pdf = item.path.with_suffix(".pdf")
    if not failed:
        return ""
    reasons = sorted(set(failed.values()))
    ids = [item.denial_id for item in written if item.path in failed]
    return f"no PDF copy for {', '.join(ids)}: {'; '.join(reasons)}."


def _link_rows(
    denials: pd.DataFrame, written: list[LetterOutcome], workbook_folder: Path | None, today: date
) -> None:
    """Letter link, date, Status and Letter Status for every row a letter covers (in the frame,
    not saved)."""
    position = {
        denial_id: i for i, denial_id in zip(denials.index, denials[Col.DENIAL_ID], strict=True)
    }
    for item in written:
        for denial_id in item.denial_ids:
            index = position[denial_id]
            denials.at[index, Col.LETTER] = relative_link(item.path, workbook_folder)
            denials.at[index, Col.LETTER_GENERATED_ON] = today
            denials.at[index, Col.STATUS] = status_after_letter(denials.at[index, Col.STATUS])
            denials.at[index, Col.LETTER_STATUS] = status_for(item.open_fields)


def _open_letters(denials: pd.DataFrame) -> dict[str, list]:
    """Letter link → the frame indexes of the open rows it covers (rows with a Letter Status)."""
    found: dict[str, list] = {}
    for index, row in zip(denials.index, frames.records(denials), strict=True):
        link = clean_text(row.get(Col.LETTER))
        closed = clean_text(row.get(Col.STATUS)) in CLOSED_STATUSES
        if link and clean_text(row.get(Col.LETTER_STATUS)) and not closed:
            found.setdefault(link, []).append(index)
    return found


def _counted(written: list[LetterOutcome], workbook_folder: Path | None) -> dict[str, int]:
    """Letter link → open fields, of the letters this run wrote (their files need no reading)."""
    return {relative_link(item.path, workbook_folder): item.open_fields for item in written}


def _open_fields(workbook_folder: Path | None, link: str, counted: dict[str, int]) -> int | None:
    if link in counted:
        return counted[link]
    return open_fields_in_file(letter_file(workbook_folder, link))


def _recount(denials: pd.DataFrame, workbook_folder: Path | None, counted: dict[str, int]) -> bool:
    """Count each open draft's [[fields]] in its file again (a person completes them in Word)
    and update its Letter Status; Ready, a person's word, is left alone. True if any changed.
    `counted`: the letters this run wrote, whose fields are known."""
    changed = False
    for link, indexes in _open_letters(denials).items():
        status = clean_text(denials.at[indexes[0], Col.LETTER_STATUS])
        if not is_draft(status):
            continue
        count = _open_fields(workbook_folder, link, counted)
        if count is None or open_fields_in(status) == count:
            continue
        for index in indexes:
            denials.at[index, Col.LETTER_STATUS] = draft_status(count)
        changed = True
    return changed


def _states(
    denials: pd.DataFrame, workbook_folder: Path | None, counted: dict[str, int]
) -> list[LetterState]:
    """The Letter Status of every open denial's letter, with the open fields of its file."""
    states = []
    for link, indexes in _open_letters(denials).items():
        status = clean_text(denials.at[indexes[0], Col.LETTER_STATUS])
        count = open_fields_in(status)
        if is_ready(status):  # read again: fields left open keep it from counting as done
            count = _open_fields(workbook_folder, link, counted)
        ids = tuple(str(denials.at[i, Col.DENIAL_ID]) for i in indexes)
        states.append(LetterState(ids, status, count))
    return states


def relative_link(path: Path, base: Path | None) -> str:
    """The path as the workbook should link it: relative (survives a moved share), with `/`."""
    if base is None:
        return str(path)
    try:
        return Path(os.path.relpath(path, base.resolve())).as_posix()
    except ValueError:  # another drive on Windows: only an absolute link can reach it
        return str(path)


# -- `denialdesk letters --list-templates` -------------------------------------------------


def describe_templates(book: Book | None = None) -> Iterator[str]:
    """Lines listing every template (with the categories it serves and the fields it uses),
    then what each field means and where it is filled in."""
    settings = book.read_settings() if book is not None else {}
    folder = practice_templates_folder(book, settings)
    templates = LetterTemplates(folder)
    served = _served(settings, templates)
    yield f"Letter templates (your own go in {folder or 'the Letter Templates folder'}):"
    for name, origin in templates.names().items():
        yield ""
        yield f"{name}  [{origin}]"
        yield f"  for: {', '.join(served.get(name, [])) or '(chosen by name on Payers/Settings)'}"
        try:
            used = ", ".join(sorted(templates.fields(name)))
        except TemplateError as error:
            yield f"  cannot be read: {error}"
            continue
        yield from textwrap.wrap(used, 96, initial_indent="  fields: ", subsequent_indent=" " * 10)
    yield ""
    yield "In your own templates, mark what a person must complete as [[…]]: DenialDesk"
    yield "highlights it and counts it in Letter Status (a letter with none left can be Ready)."
    yield "Fields (filters: |money → $1,234.50, |long_date → March 5, 2026):"
    for item in FIELDS:
        need = "required" if item.required else "optional"
        yield f"  {item.name:<24} {item.meaning}; {need}; from {item.where.format(payer='…')}"


def _served(settings: Mapping[str, object], templates: LetterTemplates) -> dict[str, list[str]]:
    """Template name → what it serves: built-in letters, a practice's files of a former
    category name, and the choices on Settings."""
    served: dict[str, list[str]] = {kind: [KIND_USE[kind]] for kind in BUILT_IN_KINDS}
    for category, name in LEGACY_TEMPLATES.items():
        if name in templates.practice_names:
            served.setdefault(name, []).append(f"{category} (commercial appeals)")
    choices = parse_template_choices(settings.get(S.LETTER_TEMPLATES_BY_CATEGORY))
    for key, name in choices.items():
        served.setdefault(name, []).append("every letter" if key == ALL_CATEGORIES else key)
    return served
