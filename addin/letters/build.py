"""Builds the Word appeal-letter templates in letters/ from code: `python -m addin.letters.build`.

Every template shares the letterhead, payer block, RE block, request, enclosures and signature;
only the title and the argument differ. The output is byte-for-byte reproducible, so a test
can tell when the committed templates and this script drift apart. Practices who want other
wording copy a template into their Letter Templates folder and edit it in Word.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class LetterType:
    """One template: its subject line, the argument paragraphs, and what it asks the payer."""

    subject: str
    argument: tuple[str, ...]
    ask: str


CODES = "{{ denial_code }}: {{ carc_description }}"
PAY = "reprocess the claim for payment of {{ denied_amount|money }}"

LETTER_TYPES: dict[str, LetterType] = {
    "appeal_medical_necessity": LetterType(
        "Medical Necessity",
        (
            f"The payer found {{{{ procedure }}}} not medically necessary ({CODES}). It was "
            "medically necessary for this patient at the time it was provided, and the "
            "enclosed records show it.",
            "The enclosed letter of medical necessity from the treating clinician documents the "
            "diagnosis and its severity, the relevant history and the conservative treatment "
            "tried or ruled out, why this service was needed at this level, in this setting and "
            "at this time, and the risk to the patient had it not been provided.",
            "The service meets each criterion of {{ coverage_policy }}. The enclosed criteria "
            "crosswalk maps every criterion to the page of the record that meets it.",
            "We request a peer-to-peer review with a reviewer of the same or a similar specialty.",
        ),
        f"Please overturn the denial and {PAY}.",
    ),
    "appeal_authorization": LetterType(
        "Authorization",
        (
            f"The payer denied {{{{ procedure }}}} for a missing or mismatched authorization "
            f"or referral ({CODES}). The service was authorized, or qualified for an "
            "exception to the authorization requirement.",
            "Authorization or reference number: [[authorization number]]. The enclosed "
            "authorization record (approval letter, portal record, or call reference with "
            "date, time and representative) covers the procedure, dates and provider billed.",
            "Where the service differed from the authorization, or none was on file, the "
            "enclosed records show why: the service was urgent or emergent, the payer's own "
            "eligibility or prior-authorization response said none was required, or the "
            "patient's coverage was not known when the service was provided. We ask the payer "
            "to apply its retro-authorization policy to this service.",
            "The enclosed clinical records also show that the service was medically necessary.",
        ),
        f"Please apply the authorization (retroactively if needed) and {PAY}.",
    ),
    "appeal_coding": LetterType(
        "Coding and Modifiers",
        (
            f"The payer denied {{{{ procedure }}}} as inconsistent with the codes or modifiers "
            f"billed ({CODES}). The claim was coded correctly.",
            "{{ procedure }} describes the service performed, as the enclosed documentation "
            "shows: every element the code requires is documented, including time, laterality "
            "and the separately identifiable service any modifier reports. The codes follow the "
            "CPT/HCPCS descriptors and guidelines and the ICD-10-CM guidelines in effect on "
            "{{ service_date|long_date }}.",
            "If this decision rests on a reimbursement policy of the payer, please send us the "
            "specific policy section so we can address it.",
        ),
        f"Please {PAY}, as billed.",
    ),
    "appeal_bundling": LetterType(
        "Bundling (NCCI Edit)",
        (
            f"The payer bundled {{{{ procedure }}}} into another service on this claim "
            f"({CODES}). It was a separate and distinct service and is separately payable.",
            "The NCCI procedure-to-procedure edit for this code pair allows a modifier "
            "(modifier indicator 1). The enclosed procedure notes show the service was "
            "distinct: a separate encounter (XE), a separate organ or structure (XS), a "
            "separate practitioner (XP) or an unusual, non-overlapping service (XU); for an "
            "evaluation and management service, a significant, separately identifiable problem "
            "beyond the usual care of the procedure (modifier 25).",
            "If this edit is the payer's own rather than an NCCI edit, please send the "
            "reimbursement policy it relies on: CPT and NCCI do not bundle these services when "
            "the record documents them as distinct.",
        ),
        f"Please {PAY}, paying this service separately from the others on the claim.",
    ),
    "appeal_timely_filing": LetterType(
        "Timely Filing",
        (
            f"The payer denied this claim as filed after its filing limit ({CODES}). The "
            "claim was filed on time.",
            "The original claim for the service on {{ service_date|long_date }} was submitted "
            "on [[date submitted]] and accepted on [[date accepted]], within the filing limit. "
            "The enclosed acceptance report (999/277CA or the payer's own acknowledgment, not "
            "only a submission report) shows that the payer received and accepted it.",
            "Where the claim waited on another payer's decision or on a retroactive change in "
            "the patient's coverage, the enclosed remittance of the other payer or eligibility "
            "record shows the date the filing limit counts from.",
        ),
        f"Please accept the claim as timely and {PAY}.",
    ),
    "appeal_duplicate": LetterType(
        "Not a Duplicate",
        (
            f"The payer denied {{{{ procedure }}}} as a duplicate ({CODES}). It is a separate "
            "service, not a repeat of one already billed.",
            "The enclosed records show how it differs from the earlier claim "
            "[[earlier claim number]]: [[a separate session or time, another site or side, or "
            "a repeat procedure]]. The claim reports it with the modifier that identifies it "
            "(76 or 77 repeat procedure, 91 repeat test, XE separate encounter, RT/LT, 59).",
        ),
        f"Please treat this service as separate from the earlier claim and {PAY}.",
    ),
    "appeal_eligibility_cob": LetterType(
        "Eligibility and Coordination of Benefits",
        (
            f"The payer denied this claim for coverage or coordination-of-benefits reasons "
            f"({CODES}). The patient was covered on {{{{ service_date|long_date }}}}, and the "
            "claim was billed to the right payer in the right order.",
            "The enclosed eligibility record (270/271 response, portal record, or call "
            "reference with date and reference number) and a copy of the member ID card show "
            "active coverage on the date of service, under the member id above.",
            "For coordination of benefits, the enclosed primary payer's remittance, the "
            "patient's updated other-insurance information or the other coverage's termination "
            "letter shows how the benefits apply.",
        ),
        f"Please update the coverage and coordination-of-benefits records and {PAY}.",
    ),
    "appeal_documentation": LetterType(
        "Requested Documentation",
        (
            f"The payer denied this claim for missing or incomplete documentation ({CODES}). "
            "The records are enclosed: complete, legible and signed.",
            "Each item the payer asked for is listed under Enclosures below and labelled in the "
            "packet. Please attach them to claim {{ payer_claim_number }}.",
        ),
        f"Please review the enclosed records and {PAY}.",
    ),
    "appeal_non_covered": LetterType(
        "Covered Benefit",
        (
            f"The payer denied {{{{ procedure }}}} as not covered ({CODES}). The patient's "
            "plan covers this service.",
            "The enclosed plan document or evidence-of-coverage excerpt shows the benefit that "
            "applies. Where a benefit limit was cited, the enclosed count of services shows the "
            "limit had not been reached; where the service was diagnostic rather than "
            "screening, the enclosed records show that.",
        ),
        f"Please apply the plan's benefit and {PAY}.",
    ),
    "appeal_provider_enrollment": LetterType(
        "Provider Enrollment",
        (
            f"The payer denied this claim because of the rendering provider's enrollment, "
            f"credentialing or network status ({CODES}). The provider was eligible to be paid "
            "for this service on {{ service_date|long_date }}.",
            "The enclosed enrollment or credentialing approval shows the effective date "
            "[[effective date]]; please apply it, retroactively if needed, to this claim. The "
            "provider's NPI and taxonomy records are enclosed.",
            "Where the provider was out of network, the service qualified for an exception "
            "(emergency, continuity of care or network adequacy), and the No Surprises Act "
            "protections apply where relevant.",
        ),
        f"Please {PAY}.",
    ),
    "appeal_reconsideration": LetterType(
        "Reconsideration",
        (
            f"The payer denied {{{{ procedure }}}} ({CODES}). The denial is not correct, for "
            "the reasons below and in the enclosed documentation.",
            "[[Why the denial is wrong, point by point against each code above, citing the "
            "enclosed pages.]]",
        ),
        f"Please {PAY}.",
    ),
}

# -- shared parts ------------------------------------------------------------------------


def _paragraph(
    doc, text: str = "", *, bold: bool = False, size: int | None = None, style=None, tight=False
):
    """A paragraph whose [[gaps]] are highlighted for the person who completes the letter."""
    paragraph = doc.add_paragraph(style=style)
    if tight:
        paragraph.paragraph_format.space_after = Pt(0)
    for piece in _FILL_IN.split(text):
        if not piece:
            continue
        gap = piece.startswith("[[")
        run = paragraph.add_run(f"[{piece[2:-2]}]" if gap else piece)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        if gap:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return paragraph


def _tag(doc, tag: str):
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); it vanishes when rendered."""
    return doc.add_paragraph(f"{{%p {tag} %}}")


def _bottom_rule(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "4"), ("w:color", "808080")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _letterhead(doc) -> None:
    _paragraph(doc, "{{ practice_name }}", bold=True, size=14, tight=True)
    _paragraph(doc, "{{ practice_address }}", tight=True)
    _paragraph(doc, "{{ practice_city_state_zip }}", tight=True)
    _paragraph(
        doc,
        "Phone {{ practice_phone }}{% if practice_fax %} · Fax {{ practice_fax }}{% endif %}",
        tight=True,
    )
    rule = _paragraph(doc, "NPI {{ practice_npi }} · TIN {{ practice_tin }}")
    _bottom_rule(rule)


def _addressee(doc) -> None:
    _paragraph(doc, "{{ letter_date|long_date }}")
    _paragraph(doc, "{{ payer_name }}\nAttn: Appeals\n{{ payer_appeal_address }}")
    _tag(doc, "if payer_appeal_fax")
    _paragraph(doc, "By fax to {{ payer_appeal_fax }}")
    _tag(doc, "endif")


RE_ROWS = (
    ("Patient", "{{ patient_name }}"),
    ("Member ID", "{{ member_id }}"),
    ("Payer claim number", "{{ payer_claim_number }}"),
    ("Patient account number", "{{ claim_id }}"),
    ("Date of service", "{{ service_date|long_date }}"),
    ("Service (CPT/HCPCS)", "{{ procedure }}"),
    ("Billed / denied", "{{ billed|money }} billed; {{ denied_amount|money }} denied"),
    (
        "Remittance",
        "{{ remit_date|long_date }}{% if check_number %}, check/EFT {{ check_number }}{% endif %}",
    ),
    ("Denial codes", None),  # one line per code, filled below
    ("Our reference", "{{ denial_id }}"),
)


_RE_WIDTHS = (Inches(1.9), Inches(4.6))


def _re_block(doc, subject: str) -> None:
    _paragraph(doc, f"RE: {{{{ appeal_request }}}}: {subject}", bold=True, size=12)
    table = doc.add_table(rows=len(RE_ROWS), cols=2)
    table.autofit = False
    for column, width in zip(table.columns, _RE_WIDTHS, strict=True):
        column.width = width
    for row, (label, value) in zip(table.rows, RE_ROWS, strict=True):
        row.cells[0].width, row.cells[1].width = _RE_WIDTHS
        row.cells[0].paragraphs[0].add_run(label).bold = True
        cell = row.cells[1]
        if value is not None:
            cell.paragraphs[0].add_run(value)
            continue
        cell.paragraphs[0].add_run("{%p for code in denial_codes %}")
        cell.add_paragraph("{{ code.code }}: {{ code.description }}")
        cell.add_paragraph("{%p endfor %}")


def _request(doc) -> None:
    _paragraph(doc, "Dear Appeals Reviewer:")
    _paragraph(
        doc,
        "On behalf of {{ practice_name }} (NPI {{ practice_npi }}), we request "
        "{{ request_noun }} of the claim above and payment of {{ denied_amount|money }} for "
        "{{ procedure }}, provided to {{ patient_name }} on {{ service_date|long_date }} and "
        "denied on the remittance dated {{ remit_date|long_date }}.",
    )


def _enclosures(doc) -> None:
    _paragraph(doc, "Enclosures", bold=True)
    _tag(doc, "for item in enclosures")
    _paragraph(doc, "{{ item }}", style="List Number")
    _tag(doc, "endfor")


def _signature(doc) -> None:
    _paragraph(
        doc,
        "If you need anything else to decide this request, please call {{ signer_name }} at "
        "{{ practice_phone }}.",
    )
    _paragraph(doc, "Sincerely,")
    _paragraph(doc, "\n\n")  # room to sign
    _paragraph(doc, "{{ signer_name }}\n{{ signer_title }}\n{{ practice_name }}")


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
    footer.text = "{{ practice_name }} · {{ appeal_request }} · {{ denial_id }}"
    footer.runs[0].font.size = Pt(8)
    footer.runs[0].font.color.rgb = _GREY


def build_letter(letter: LetterType) -> bytes:
    """One template as .docx bytes (fixed metadata and zip times: same bytes every build)."""
    doc = Document()
    _page_setup(doc)
    _letterhead(doc)
    _addressee(doc)
    _re_block(doc, letter.subject)
    _request(doc)
    for text in letter.argument:
        _paragraph(doc, text)
    _paragraph(doc, letter.ask)
    _paragraph(
        doc,
        "We also ask for a copy of the policy, criteria or edit this decision relied on, so "
        "that we can answer it in full if needed.",
    )
    _enclosures(doc)
    _signature(doc)
    _fix_metadata(doc, f"Appeal letter: {letter.subject}")
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
    for name, letter in LETTER_TYPES.items():
        path = folder / f"{name}.docx"
        path.write_bytes(build_letter(letter))
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else LETTERS_DIR
    for written_path in build_all(target):
        print(f"Wrote {written_path}")
