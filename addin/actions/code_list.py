"""The Codes sheet: a practice's own code mappings, `denialdesk explain`, and loading the
official CARC/RARC wording with `denialdesk codes import`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from addin import codebook, codes
from addin.actions import audit
from addin.advice import Advice, advise
from addin.classify import Case, Decision, classify
from addin.deadlines import Dates
from addin.errors import AddinError
from addin.payers import Defaults
from addin.plans import PayerDirectory, PlanMatch
from addin.remedies import PlanType
from addin.workbook import frames
from addin.workbook.base import Book
from addin.workbook.layout import CODES, PAYERS, Col

# -- explain and the Codes sheet -------------------------------------------------------


def explain_code(
    carc: str,
    *,
    group: str = "CO",
    rarcs: tuple[str, ...] = (),
    book: Book | None = None,
    plan: PlanType | None = None,
) -> Decision:
    """The decision for a code combination, as `denialdesk explain` prints it.

    Assumes the service was paid nothing (a denial). With a workbook, its Codes sheet applies.
    CARC may carry its group ("CO-16", "PR-1"); that group wins over `group`.
    """
    practice = codebook.load(book.read_table(CODES)) if book is not None else codebook.CodeBook()
    group, carc = split_group(carc, group)
    group = codes.group_code(group).value
    code = codes.normalise_code(carc)
    if not practice.knows_carc(code):
        codes.carc(code)  # raises UnknownCodeError naming the code
    remarks = codes.split_codes(" ".join(rarcs))
    for remark in remarks:
        if practice.override(codes.RARC_TYPE, remark) is None:
            codes.rarc(remark)
    return classify(Case(group, code, remarks, plan=plan.key if plan else ""), practice)


def split_group(carc: str, group: str) -> tuple[str, str]:
    """ "CO-16" → ("CO", "16"); a bare code keeps `group`."""
    head, dash, tail = str(carc).strip().partition("-")
    if dash and head.strip().upper() in ("CO", "PR", "OA", "PI", "CR"):
        return head.strip().upper(), tail.strip()
    return group, str(carc)


@dataclass(frozen=True, slots=True)
class Explained:
    """`denialdesk explain` with a payer context: the decision, the plan, the advice."""

    decision: Decision
    match: PlanMatch
    advice: Advice


def explain_with_plan(
    carc: str,
    *,
    group: str = "CO",
    rarcs: tuple[str, ...] = (),
    payer: str = "",
    payer_id: str = "",
    remit_date: date | None = None,
    service_date: date | None = None,
    as_of: date | None = None,
    book: Book | None = None,
) -> Explained:
    """How a code combination is classified for this payer's plan, its remedy and deadlines.

    The remit date is taken as the notice's production date (DTM*405). With a workbook, its
    Codes and Payers sheets apply; without one, DenialDesk's built-in payer rows.
    """
    rows = frames.records(book.read_table(PAYERS)) if book is not None else []
    directory = PayerDirectory.from_rows(rows)
    match = directory.match(payer_id, payer)
    decision = explain_code(carc, group=group, rarcs=rarcs, book=book, plan=match.plan)
    dates = Dates(produced=remit_date, paid=remit_date, service=service_date)
    advice = advise(decision, match, dates, Defaults(), today=as_of,
                    effective=directory.effective)  # fmt: skip
    return Explained(decision, match, advice)


# -- `denialdesk codes import` ---------------------------------------------------------


@dataclass(slots=True)
class CodeImportReport:
    """What loading an official code list into the Codes sheet did."""

    read: int = 0
    added: int = 0
    filled: int = 0
    kept: int = 0
    new_codes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.read} codes read: {self.added} added to the Codes sheet, {self.filled} blank "
            f"descriptions filled, {self.kept} of your own descriptions kept"
        )
        if self.new_codes:
            text += f"; {len(self.new_codes)} codes DenialDesk did not know (classify them there)"
        return text + "."


def import_code_list(book: Book, path: Path | str) -> CodeImportReport:
    """Load official CARC/RARC wording from a CSV into the Codes sheet.

    Adds a row per code the sheet lacks and fills blank descriptions; a description a
    person wrote is never replaced. Saves once (with an Audit row), only if something changed.
    """
    path = Path(path)
    official = codes.read_official_list(_read_text(path), path.name)
    book.ensure_table(CODES)
    frame = book.read_table(CODES)
    records = frames.records(frame)
    by_key = {_code_key(r): r for r in records}
    report = CodeImportReport(read=len(official))
    for item in official:
        row = by_key.get((item.code_type, item.code))
        if row is None:
            row = dict.fromkeys(frame.columns) | {
                Col.CODE_TYPE: item.code_type,
                Col.CODE: item.code,
                Col.DESCRIPTION: item.description,
            }
            records.append(row)
            by_key[(item.code_type, item.code)] = row
            report.added += 1
            if not _built_in(item):
                report.new_codes.append(item.code)
        elif not str(row.get(Col.DESCRIPTION) or "").strip():
            row[Col.DESCRIPTION] = item.description
            report.filled += 1
        elif row[Col.DESCRIPTION] != item.description:
            report.kept += 1
    if report.added or report.filled:
        book.write_table(CODES, frames.frame_of(records, list(frame.columns)))
        audit.record(book, "Codes import", report.summary(), [path.name])
        book.save()
    return report


def _code_key(row: dict) -> tuple[str, str] | None:
    if row.get(Col.GROUP):  # a group's own row is an override, not the code's description
        return None
    code = codes.normalise_code(row.get(Col.CODE) or "")
    kind = str(row.get(Col.CODE_TYPE) or "").strip().upper() or codes.code_type_of(code)
    return (kind, code)


def _built_in(item: codes.OfficialCode) -> bool:
    table = codes.carc_table() if item.code_type == codes.CARC_TYPE else codes.rarc_table()
    return item.code in table


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AddinError(f"cannot read {path} ({error.strerror}).") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AddinError(f"{path.name} is not a text CSV file; save it from Excel as CSV UTF-8.")
