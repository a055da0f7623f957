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

from addin.actions import audit
from addin.errors import AddinError, TemplateError
from addin.letters.context import (
    addressee,
    effective_category,
    letter_context,
    missing_fields,
    missing_message,
)
from addin.letters.fields import FIELDS
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
from addin.letters.selection import find_payer, select_for_letters, status_after_letter
from addin.letters.templates import (
    CATEGORY_TEMPLATES,
    LetterTemplates,
    UnknownTemplateError,
    choose_template,
)
from addin.plans import PayerDirectory
from addin.workbook import frames
from addin.workbook.base import Book
from addin.workbook.layout import DENIALS, PAYERS, SETTINGS, Col, S

Progress = Callable[[Iterable], Iterable]


@dataclass(slots=True)
class LetterOutcome:
    """What happened to one denial: written (with its file, and a warning if any), skipped or
    failed (with why)."""

    denial_id: str
    outcome: str  # written | skipped | failed
    message: str = ""
    path: Path | None = None
    template: str = ""
    new_version: bool = False
    pdf: Path | None = None


@dataclass(slots=True)
class LetterReport:
    """The result of one Generate Appeal Letters run."""

    letters: list[LetterOutcome] = field(default_factory=list)
    folder: Path | None = None
    pdf_note: str = ""  # why some or all PDF copies were not made
    saved: bool = False

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
        parts.append(f"{len(self.skipped)} skipped")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
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
    """Draft an appeal letter for each selected denial and link it into the Denials sheet.

    Default selection: open, classified denials whose action is an appeal and that have no
    letter yet, plus rows whose Letter? is Yes (and whose letter file, if any, was deleted or
    moved), in priority order; `rows` names Denial IDs instead. A letter missing a field
    fails alone; the workbook is saved once, only if a letter was written.
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
    )
    report = LetterReport(
        [LetterOutcome(skip.denial_id, "skipped", skip.reason) for skip in selection.skipped]
    )
    if not selection.chosen:
        return report
    report.folder = letters_folder(book, settings, out_dir)
    _make_folder(report.folder)
    drafter = _Drafter(book, settings, report.folder, today, directory)
    try:
        for row in progress(selection.chosen):
            report.letters.append(drafter.draft(row))
    finally:  # letters already on disk stay known as ours, even if the batch was interrupted
        # Without the manifest a later run treats these files as edited: safe, so not fatal.
        with contextlib.suppress(OSError):
            save_manifest(report.folder, drafter.manifest)
    if pdf and report.written:
        report.pdf_note = _make_pdfs(report.written)
    if report.written:
        _link_rows(denials, report.written, book.folder, today)
        book.write_table(DENIALS, denials)
        files = [item.path.name for item in report.written if item.path]
        audit.record(book, "Generate appeal letters", report.summary(), files)
        book.save()
        report.saved = True
    return report


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

    def draft(self, row: Mapping[str, object]) -> LetterOutcome:
        denial_id = str(row.get(Col.DENIAL_ID))
        payer = find_payer(self.directory, row)
        choice = choose_template(
            effective_category(row),
            payer=payer,
            practice_choices=self.settings.get(S.LETTER_TEMPLATES_BY_CATEGORY),
        )
        try:
            path, new_version = self._write(row, payer, choice)
        except UnknownTemplateError as error:
            message = f"{denial_id}: {error}, chosen in {choice.origin}."
            return LetterOutcome(denial_id, "failed", message, template=choice.name)
        except TemplateError as error:
            return LetterOutcome(denial_id, "failed", f"{denial_id}: {error}", template=choice.name)
        except OSError as error:
            message = f"{denial_id}: could not write into {self.folder} ({error.strerror})."
            return LetterOutcome(denial_id, "failed", message, template=choice.name)
        warning = _stale_pdf_warning(denial_id, path)
        return LetterOutcome(denial_id, "written", warning, path, choice.name, new_version)

    def _write(self, row, payer, choice) -> tuple[Path, bool]:
        context = letter_context(row, self.settings, payer, today=self.today)
        missing = missing_fields(context, self.templates.fields(choice.name))
        if missing:
            payer_name = addressee(row, payer) or "this payer"
            raise TemplateError(missing_message(missing, payer=payer_name, template=choice.name))
        data = self.templates.render(choice.name, context)
        file_name = letter_file_name(row, self.today)
        return place_letter(self.folder, file_name, data, self.manifest)


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
    """Letter link, date and status for each row that got a letter (in the frame, not saved)."""
    position = {
        denial_id: i for i, denial_id in zip(denials.index, denials[Col.DENIAL_ID], strict=True)
    }
    for item in written:
        index = position[item.denial_id]
        denials.at[index, Col.LETTER] = relative_link(item.path, workbook_folder)
        denials.at[index, Col.LETTER_GENERATED_ON] = today
        denials.at[index, Col.STATUS] = status_after_letter(denials.at[index, Col.STATUS])


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
    served = _categories_served(settings)
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
    yield "Fields (filters: |money → $1,234.50, |long_date → March 5, 2026):"
    for item in FIELDS:
        need = "required" if item.required else "optional"
        yield f"  {item.name:<24} {item.meaning}; {need}; from {item.where.format(payer='…')}"


def _categories_served(settings: Mapping[str, object]) -> dict[str, list[str]]:
    served: dict[str, list[str]] = {}
    categories = [*CATEGORY_TEMPLATES, "other categories"]
    for category in categories:
        key = category if category in CATEGORY_TEMPLATES else "other"
        choice = choose_template(
            key, payer=None, practice_choices=settings.get(S.LETTER_TEMPLATES_BY_CATEGORY)
        )
        served.setdefault(choice.name, []).append(category)
    return served
