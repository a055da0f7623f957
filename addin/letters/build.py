"""Builds the Word appeal-letter templates in letters/ from code: `python -m addin.letters.build`.

One template per kind of letter (kinds.py): Medicare redetermination, Medicare Advantage
reconsideration (with the Waiver of Liability), payer appeal, reopening request. They share the
letterhead, the lines table, the argument (fitted to the codes in arguments.py: facts from the
remit or [[fields]] for a person), enclosures, signature and the clinician's attestation. The
output is byte-for-byte reproducible, so a test can tell when the committed templates and this
script drift apart. Practices who want other wording copy a template into their Letter
Templates folder and edit it in Word.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

LETTERS_DIR = Path(__file__).resolve().parents[2] / "letters"
_FIXED_TIME = datetime(2026, 1, 1)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_FILL_IN = re.compile(r"(\[\[.*?\]\])")  # [[…]] marks a gap a person fills in (highlighted)
_GREY = RGBColor(0x59, 0x59, 0x59)


# -- shared parts ------------------------------------------------------------------------


def _paragraph(
    doc, text: str = "", *, bold: bool = False, size: int | None = None, style=None, tight=False
):
    """A paragraph whose [[fields]] are highlighted for the person who completes the letter."""
    paragraph = doc.add_paragraph(style=style)
    if tight:
        paragraph.paragraph_format.space_after = Pt(0)
    for piece in _FILL_IN.split(text):
        if not piece:
            continue
        run = paragraph.add_run(piece)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        if _FILL_IN.fullmatch(piece):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return paragraph


def _tag(doc, tag: str):
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); it vanishes when rendered."""
    return doc.add_paragraph(f"{{%p {tag} %}}")


def _loop(doc, items: str, text: str = "{{ item }}", style=None) -> None:
    """One paragraph per item of a list field."""
    _tag(doc, f"for item in {items}")
    _paragraph(doc, text, style=style)
    _tag(doc, "endfor")


def _bottom_rule(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "4"), ("w:color", "808080")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _letterhead(doc, medicare: bool) -> None:
    _paragraph(doc, "{{ practice_name }}", bold=True, size=14, tight=True)
    _paragraph(doc, "{{ practice_address }}", tight=True)
    _paragraph(doc, "{{ practice_city_state_zip }}", tight=True)
    _paragraph(
        doc,
        "Phone {{ practice_phone }}{% if practice_fax %} · Fax {{ practice_fax }}{% endif %}"
        "{% if practice_email %} · {{ practice_email }}{% endif %}",
        tight=True,
    )
    ids = "NPI {{ practice_npi }} · TIN {{ practice_tin }}"
    ids += (
        " · PTAN {{ ptan }}"
        if medicare
        else "{% if original_medicare %} · PTAN {{ ptan }}{% endif %}"
    )
    _bottom_rule(_paragraph(doc, ids))


def _addressee(doc, who: str = "{{ payer_name }}") -> None:
    _paragraph(doc, "{{ letter_date|long_date }}")
    _paragraph(
        doc,
        who
        + "{% if attention_line %}\n{{ attention_line }}{% endif %}\n{{ payer_appeal_address }}",
    )
    _tag(doc, "if payer_appeal_fax")
    _paragraph(doc, "By fax to {{ payer_appeal_fax }}")
    _tag(doc, "endif")


PAYER_RE = (
    ("Patient", "{{ patient_name }}"),
    ("{{ member_id_label }}", "{{ member_id }}"),
    ("Payer claim number", "{{ payer_claim_number }}"),
    ("Patient account number", "{{ claim_id }}"),
    ("Date of service", "{{ service_date|long_date }}"),
    (
        "Remittance",
        "{{ remit_date|long_date }}{% if check_number %}, check/EFT {{ check_number }}{% endif %}",
    ),
    ("Our reference", "{{ denial_ids }}"),
)
# 42 CFR 405.944(b): beneficiary's name, Medicare number, the specific services and dates of
# service (the lines table), the party's name and signature (the signature block); form
# CMS-20027 adds the contractor, the initial determination's date and the requester.
MEDICARE_RE = (
    ("Beneficiary name", "{{ patient_name }}"),
    ("Medicare Beneficiary Identifier (MBI)", "{{ member_id }}"),
    ("Medicare contractor that made the determination", "{{ contractor_name }}"),
    ("Claim number (ICN)", "{{ payer_claim_number }}"),
    ("Date(s) of service", "{{ service_date|long_date }}"),
    (
        "Date of the initial determination (remittance)",
        "{{ remit_date|long_date }}{% if check_number %}, check/EFT {{ check_number }}{% endif %}",
    ),
    (
        "Requester",
        "{{ practice_name }}, the provider of the services (NPI {{ practice_npi }}, PTAN "
        "{{ ptan }})",
    ),
    ("Patient account number", "{{ claim_id }}"),
    ("Our reference", "{{ denial_ids }}"),
)
_RE_WIDTHS = (Inches(2.3), Inches(4.2))
LINE_COLUMNS = (
    ("Line", "{{ line.line }}", Inches(0.5)),
    ("Service (CPT/HCPCS)", "{{ line.procedure }}", Inches(1.1)),
    ("Date of service", "{{ line.service_date|long_date }}", Inches(1.45)),
    ("Billed", "{{ line.billed|money }}", Inches(1.0)),
    ("Denied", "{{ line.denied_amount|money }}", Inches(1.0)),
    ("Codes received", "{{ line.codes }}", Inches(1.45)),
)


def _table(doc, rows: int, widths) -> object:
    table = doc.add_table(rows=rows, cols=len(widths))
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    return table


def _re_block(doc, subject: str, rows) -> None:
    _paragraph(doc, f"RE: {subject}", bold=True, size=12)
    table = _table(doc, len(rows), _RE_WIDTHS)
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].paragraphs[0].add_run(label).bold = True
        row.cells[1].paragraphs[0].add_run(value)


def _lines_table(doc) -> None:
    """One row per denied line (docxtpl {%tr %} rows), then the totals."""
    _paragraph(doc, "Services in question", bold=True).paragraph_format.keep_with_next = True
    widths = [width for _, _, width in LINE_COLUMNS]
    table = _table(doc, 5, widths)
    header, loop, line, end, total = table.rows
    for cell, (label, _, _) in zip(header.cells, LINE_COLUMNS, strict=True):
        cell.paragraphs[0].add_run(label).bold = True
    loop.cells[0].paragraphs[0].add_run("{%tr for line in lines %}")
    for cell, (_, value, _) in zip(line.cells, LINE_COLUMNS, strict=True):
        cell.paragraphs[0].add_run(value)
    end.cells[0].paragraphs[0].add_run("{%tr endfor %}")
    total.cells[0].paragraphs[0].add_run("Total").bold = True
    total.cells[3].paragraphs[0].add_run("{{ total_billed|money }}").bold = True
    total.cells[4].paragraphs[0].add_run("{{ total_denied|money }}").bold = True
    for row in table.rows:  # 10 pt: a date and an amount fit their columns
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(10)
    _paragraph(doc, "The codes, as received:", tight=True)
    _loop(doc, "denial_codes", "{{ item.code }}: {{ item.description }}", style="List Bullet")


def _argument(doc) -> None:
    _loop(doc, "argument")
    _tag(doc, "if good_cause")
    _paragraph(doc, "{{ good_cause }}")
    _tag(doc, "endif")


def _enclosures(doc) -> None:
    _paragraph(doc, "Enclosures", bold=True)
    _loop(doc, "enclosures", style="List Number")


def _signature(doc, on_behalf: str) -> None:
    _paragraph(
        doc,
        "If you need anything else to decide this request, please call {{ signer_name }} at "
        "{{ practice_phone }}{% if practice_email %} or write to {{ practice_email }}{% endif %}.",
    )
    _paragraph(doc, "Sincerely,")
    _paragraph(doc, "\n\nSignature: ________________________________    Date: ______________")
    _paragraph(doc, "{{ signer_name }}, {{ signer_title }}\n" + on_behalf)


def _attestation(doc) -> None:
    """The treating clinician signs the clinical statements (clinical denials only)."""
    _tag(doc, "if clinician_attestation")
    heading = _paragraph(doc, "Treating clinician's attestation", bold=True)
    heading.paragraph_format.keep_with_next = True
    _paragraph(
        doc,
        "I am the treating clinician for the services listed above. I have read this letter "
        "and reviewed the enclosed records; the clinical statements in this letter are "
        "documented in those records.",
    )
    _paragraph(doc, "\nSignature: ________________________________    Date: ______________")
    _paragraph(
        doc,
        "Printed name and credentials: [[treating clinician's name and credentials]]\n"
        "NPI: [[treating clinician's NPI]]",
    )
    _tag(doc, "endif")


# The model Waiver of Liability statement for a non-contracted provider's payment appeal to a
# Medicare Advantage plan (42 CFR 422.578(b)(3); Medicare Managed Care Manual ch.13).
WAIVER_TEXT = (
    "I hereby waive any right to collect payment from the above-mentioned enrollee for the "
    "aforementioned services for which payment has been denied by the above-referenced health "
    "plan. I understand that the signing of this waiver does not negate my right to request "
    "further appeal under 42 CFR 422.600."
)


def _waiver(doc) -> None:
    doc.add_page_break()
    _paragraph(doc, "Waiver of Liability Statement", bold=True, size=12)
    _tag(doc, "if waiver_note")
    _paragraph(doc, "{{ waiver_note }}")
    _tag(doc, "endif")
    _paragraph(
        doc,
        "Enrollee: {{ patient_name }}\n{{ member_id_label }}: {{ member_id }}\n"
        "Health plan: {{ payer_name }}\nClaim number: {{ payer_claim_number }}\n"
        "Dates of service: {{ service_date|long_date }}\n"
        "Services: {% for line in lines %}{{ line.procedure }}{% if not loop.last %}, "
        "{% endif %}{% endfor %}\nProvider: {{ practice_name }} (NPI {{ practice_npi }})",
    )
    _paragraph(doc, WAIVER_TEXT)
    _paragraph(doc, "\nSignature: ________________________________    Date: ______________")
    _paragraph(doc, "{{ signer_name }}, {{ signer_title }}, {{ practice_name }}")


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    footer = section.footer.paragraphs[0]
    footer.text = "{{ practice_name }} · {{ appeal_request }} · {{ denial_ids }}"
    footer.runs[0].font.size = Pt(8)
    footer.runs[0].font.color.rgb = _GREY


def _requests(doc) -> None:
    _loop(doc, "requests")


def _medicare_redetermination(doc) -> None:
    _letterhead(doc, medicare=True)
    _addressee(doc, "{{ contractor_name }}")
    _re_block(doc, "Request for Redetermination (42 CFR 405.940–405.944)", MEDICARE_RE)
    _paragraph(
        doc,
        "{{ practice_name }}, the provider of the services, requests a redetermination of the "
        "initial determination on the claim above and payment of {{ total_denied|money }} for "
        "the services listed below, furnished to {{ patient_name }}. We do not agree with the "
        "determination. Our reasons follow.",
    )
    _lines_table(doc)
    _argument(doc)
    _paragraph(doc, "Please redetermine the claim and pay the services listed above.")
    _paragraph(doc, "We submit the evidence listed under Enclosures with this request.")
    _enclosures(doc)
    _signature(
        doc,
        "for {{ practice_name }}, the provider of the services (NPI {{ practice_npi }}, "
        "PTAN {{ ptan }})\n{{ practice_address }}, {{ practice_city_state_zip }} · "
        "{{ practice_phone }}",
    )
    _attestation(doc)


def _payer_letter(doc, subject: str, opening: str) -> None:
    _letterhead(doc, medicare=False)
    _addressee(doc)
    _re_block(doc, subject, PAYER_RE)
    _paragraph(doc, "Dear Appeals Reviewer:")
    _paragraph(doc, opening)
    _lines_table(doc)
    _argument(doc)


_PAYER_OPENING = (
    "On behalf of {{ practice_name }} (NPI {{ practice_npi }}), we request {{ request_noun }} "
    "of the claim above and payment of {{ total_denied|money }} for the services listed "
    "below, provided to {{ patient_name }} and denied on the remittance dated "
    "{{ remit_date|long_date }}."
)


def _payer_appeal(doc) -> None:
    _payer_letter(doc, "{{ appeal_request }}", _PAYER_OPENING)
    _paragraph(doc, "Please reprocess the claim and pay the services listed above.")
    _requests(doc)
    _enclosures(doc)
    _signature(doc, "{{ practice_name }}")
    _attestation(doc)


def _ma_reconsideration(doc) -> None:
    _payer_letter(
        doc,
        "{{ appeal_request }} of a payment denial (42 CFR 422.578(b)(3))",
        _PAYER_OPENING,
    )
    _paragraph(
        doc,
        "Please reconsider the payment decision and pay the services listed above. The signed "
        "Waiver of Liability statement, which a provider not contracted with the plan gives "
        "with its request, is attached.",
    )
    _requests(doc)
    _enclosures(doc)
    _signature(doc, "{{ practice_name }}")
    _attestation(doc)
    _waiver(doc)


def _reopening(doc) -> None:
    _letterhead(doc, medicare=False)
    _addressee(doc)
    _re_block(
        doc, "{{ appeal_request }}{% if original_medicare %} (42 CFR 405.980){% endif %}", PAYER_RE
    )
    _paragraph(
        doc,
        "On behalf of {{ practice_name }} (NPI {{ practice_npi }}), we ask you to reopen the "
        "claim above and correct it for the services listed below, provided to "
        "{{ patient_name }} and denied on the remittance dated {{ remit_date|long_date }}.",
    )
    _lines_table(doc)
    _argument(doc)
    _paragraph(doc, "Please reopen the claim, correct it as described, and reprocess it.")
    _enclosures(doc)
    _signature(doc, "{{ practice_name }}")


# The built-in letters (kinds.py chooses one from the remedy and the plan type).
LETTERS: dict[str, tuple[str, Callable]] = {
    "medicare_redetermination": ("Medicare redetermination", _medicare_redetermination),
    "ma_reconsideration": ("Medicare Advantage reconsideration", _ma_reconsideration),
    "payer_appeal": ("Payer appeal or reconsideration", _payer_appeal),
    "reopening_request": ("Reopening request", _reopening),
}


def build_letter(name: str) -> bytes:
    """One template as .docx bytes (fixed metadata and zip times: same bytes every build)."""
    title, body = LETTERS[name]
    doc = Document()
    _page_setup(doc)
    body(doc)
    _fix_metadata(doc, f"Letter template: {title}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fix_metadata(doc, title: str) -> None:
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "DenialDesk", "DenialDesk"
    props.created = props.modified = _FIXED_TIME
    props.revision = 1
    props.comments = "Built by `python -m addin.letters.build`; Jinja tags rendered by docxtpl."


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed member times (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def build_all(folder: Path = LETTERS_DIR) -> list[Path]:
    """Write every built-in template into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in LETTERS:
        path = folder / f"{name}.docx"
        path.write_bytes(build_letter(name))
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else LETTERS_DIR
    for written_path in build_all(target):
        print(f"Wrote {written_path}")
