"""What the built-in letters say, as a compliance officer reads them: facts from DenialDesk's
data or [[fields]] for a person, never an unverified assertion (issue 12)."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from docx import Document

from addin.letters import kinds
from addin.letters.context import LetterFacts, letter_context
from addin.letters.open_fields import count_open_fields
from addin.letters.status import draft_status, is_ready, open_fields_in, status_for
from addin.letters.templates import LetterTemplates
from addin.remedies import PlanType, Remedy
from addin.workbook.layout import LETTER_READY, Col, S
from tests.letter_support import LETTERHEAD, denial_row, payer

TODAY = date(2026, 3, 20)

# Sentences the old letters stated as true without DenialDesk knowing them (issue 12): none may
# appear in any built-in letter, for any remedy, plan or denial type.
FORBIDDEN_ASSERTIONS = (
    "it was medically necessary",
    "meets each criterion",
    "the claim was filed on time",
    "the claim was coded correctly",
    "modifier indicator 1",
    "the patient's plan covers this service",
    "the provider was eligible",
    "the service was authorized",
    "the patient was covered on",
    "is a separate service, not a repeat",
    "the denial is not correct",
    "the records are enclosed: complete, legible and signed",
    "[date submitted]",
    "not medically necessary (co-151",  # frequency (151/N640) is not a necessity finding
)
# Original Medicare has none of these: a MAC offers no peer-to-peer review, there is no plan
# document or evidence of coverage, and no retro-authorization policy.
NOT_FOR_MEDICARE = ("peer-to-peer", "plan document", "evidence of coverage", "retro-auth")

# One row per denial type: category, CARC, RARC.
DENIAL_TYPES = {
    "medical_necessity": ("50", "N115"),
    "frequency": ("151", "N640"),
    "authorization": ("197", "N54"),
    "coding": ("11", "M76"),
    "modifier": ("4", "N823"),
    "bundling": ("97", "M15"),
    "timely_filing": ("29", None),
    "duplicate": ("18", "N111"),
    "eligibility": ("27", "N30"),
    "coordination_of_benefits": ("22", "MA92"),
    "documentation": ("252", "N706"),
    "non_covered": ("96", "N130"),
    "provider_enrollment": ("B7", None),
    "pricing": ("45", None),
}
CATEGORY_OF = {"frequency": "medical_necessity", "modifier": "coding"}
# Every built-in letter with the remedy and plan that select it.
LETTERS = {
    kinds.REDETERMINATION: (Remedy.APPEAL, PlanType.ORIGINAL_MEDICARE, None),
    kinds.MA_RECONSIDERATION: (Remedy.APPEAL, PlanType.MEDICARE_ADVANTAGE, False),
    kinds.PAYER_APPEAL: (Remedy.APPEAL, PlanType.COMMERCIAL, None),
    kinds.REOPENING: (Remedy.REOPENING, PlanType.ORIGINAL_MEDICARE, None),
}


@pytest.fixture(scope="module")
def templates():
    return LetterTemplates(None)


def _rows(kind: str, late: bool = False, lines: int = 1) -> list[dict]:
    carc, rarc = DENIAL_TYPES[kind]
    category = CATEGORY_OF.get(kind, kind)
    deadline = date(2026, 3, 1) if late else date(2026, 6, 1)
    return [
        denial_row(
            **{
                Col.DENIAL_ID: f"D-{n}",
                Col.CLAIM_KEY: "C-1",
                Col.LINE: n,
                Col.PROCEDURE: ("97110-GP", "97140-GP")[n - 1],
                Col.CARC: carc,
                Col.RARC: rarc,
                Col.CATEGORY: category,
                Col.CHECKLIST: "Progress notes; Op note",
                Col.APPEAL_DEADLINE: deadline,
            }
        )
        for n in range(1, lines + 1)
    ]


def render(templates, letter: str, rows, *, practice=LETTERHEAD, payer_row=None):
    remedy, plan, contracted = LETTERS[letter]
    facts = LetterFacts(
        kinds.letter_kind(remedy, plan, contracted=contracted), plan, remedy, contracted
    )
    assert facts.kind.name == letter
    payer_row = payer_row or payer("ACME HEALTH PLAN")
    context = letter_context(rows, practice, payer_row, today=TODAY, facts=facts)
    data = templates.render(letter, context)
    return data, _text(data)


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend(" | ".join(c.text for c in row.cells) for row in table.rows)
    lines.extend(p.text for s in document.sections for p in s.footer.paragraphs)
    return "\n".join(lines)


@pytest.mark.parametrize("denial_type", sorted(DENIAL_TYPES))
@pytest.mark.parametrize("letter", sorted(LETTERS))
def test_every_letter_states_facts_or_blanks_never_assertions(templates, letter, denial_type):
    data, text = render(templates, letter, _rows(denial_type))
    lowered = text.lower()
    for sentence in FORBIDDEN_ASSERTIONS:
        assert sentence not in lowered, sentence
    if letter in (kinds.REDETERMINATION, kinds.REOPENING):
        for words in NOT_FOR_MEDICARE:
            assert words not in lowered, words
    assert not re.search(r"\{\{|\}\}|\{%|%\}", text), "leftover Jinja"
    # every [[field]] is counted, and the count is what Letter Status says
    assert count_open_fields(data) == text.count("[[") == text.count("]]") > 0
    assert open_fields_in(status_for(count_open_fields(data))) == text.count("[[")
    assert "Jane Doe" in text and "DOE, JANE" not in text


def test_fields_are_highlighted_for_the_person_who_completes_them(templates):
    data, _ = render(templates, kinds.PAYER_APPEAL, _rows("non_covered"))
    runs = [r for p in Document(io.BytesIO(data)).paragraphs for r in p.runs]
    fields = [r for r in runs if r.text.startswith("[[")]
    assert fields and all(r.font.highlight_color is not None for r in fields)
    assert all(r.font.highlight_color is None for r in runs if "[[" not in r.text)


def test_the_medicare_letter_has_every_element_of_405_944_b(templates):
    """42 CFR 405.944(b): beneficiary's name, Medicare number, the specific services and dates
    of service, the name and signature of the party or its representative; CMS-20027 adds the
    contractor, the initial determination's date, the reasons and the evidence."""
    practice = LETTERHEAD | {S.PRACTICE_PTAN: "AB1234"}
    mac = payer("NORIDIAN JF", **{Col.APPEAL_ADDRESS: "Redeterminations\nPO Box 9"})
    _, text = render(
        templates,
        kinds.REDETERMINATION,
        _rows("medical_necessity", lines=2),
        practice=practice,
        payer_row=mac,
    )
    for element in (
        "Beneficiary name | Jane Doe",  # (b)(1)
        "Medicare Beneficiary Identifier (MBI) | SYN000111",  # (b)(2)
        "1 | 97110-GP | February 10, 2026",  # (b)(3) services, (b)(4) dates of service
        "2 | 97140-GP | February 10, 2026",
        "Pat Example, Billing Manager",  # (b)(5) the representative's name
        "Signature: ____",  # (b)(6) the signature
        "Medicare contractor that made the determination | NORIDIAN JF",
        "Date of the initial determination (remittance) | March 5, 2026",
        "Claim number (ICN) | 2606199101000001",
        "PTAN AB1234",
        "We do not agree with the determination.",
        "We submit the evidence listed under Enclosures",
    ):
        assert element in text, element
    assert text.index("NORIDIAN JF\nRedeterminations") < text.index("RE: ")  # the MAC
    assert "Attn:" not in text


def test_a_two_line_claim_yields_one_letter_listing_both_lines(templates):
    _, text = render(templates, kinds.PAYER_APPEAL, _rows("frequency", lines=2))
    assert "1 | 97110-GP | February 10, 2026 | $1,234.50 | $1,234.50 | CO-151 N640" in text
    assert "2 | 97140-GP | February 10, 2026 | $1,234.50 | $1,234.50 | CO-151 N640" in text
    assert "Total |  |  | $2,469.00 | $2,469.00" in text
    assert "payment of $2,469.00" in text and "Our reference | D-1, D-2" in text


def test_frequency_is_not_argued_as_necessity(templates):
    _, text = render(templates, kinds.PAYER_APPEAL, _rows("frequency"))
    assert "for the number or frequency of services within a period (CO-151 N640)" in text
    assert "not medically necessary" not in text and "peer-to-peer" not in text
    _, necessity = render(templates, kinds.PAYER_APPEAL, _rows("medical_necessity"))
    assert "as not medically necessary (CO-50 N115)" in necessity
    assert "the Local Coverage Determination (LCD) the remittance cites" in necessity


def test_clinical_letters_carry_the_clinicians_attestation(templates):
    _, clinical = render(templates, kinds.REDETERMINATION, _rows("medical_necessity"))
    assert "Treating clinician's attestation" in clinical
    assert "[[treating clinician's name and credentials]]" in clinical
    _, coding = render(templates, kinds.REDETERMINATION, _rows("coding"))
    assert "Treating clinician's attestation" not in coding


def test_bundling_names_an_ncci_edit_only_as_a_field_for_the_practice(templates):
    _, text = render(templates, kinds.PAYER_APPEAL, _rows("bundling"))
    assert "[[If an NCCI procedure-to-procedure edit applies:" in text
    assert "modifier indicator 1" not in text


def test_medicare_advantage_not_contracted_carries_the_waiver_of_liability(templates):
    _, text = render(templates, kinds.MA_RECONSIDERATION, _rows("documentation"))
    assert "Waiver of Liability Statement" in text
    assert "does not negate my right to request further appeal under 42 CFR 422.600" in text
    assert "Enrollee: Jane Doe" in text and "Services: 97110-GP" in text


def test_a_late_letter_carries_a_good_cause_paragraph_to_complete(templates):
    _, medicare = render(templates, kinds.REDETERMINATION, _rows("coding", late=True))
    assert "Under 42 CFR 405.942(b) we ask the contractor to find good cause" in medicare
    assert "(the deadline was March 1, 2026)" in medicare
    _, commercial = render(templates, kinds.PAYER_APPEAL, _rows("coding", late=True))
    assert "We ask the payer to accept it for good cause: [[" in commercial
    _, in_time = render(templates, kinds.PAYER_APPEAL, _rows("coding"))
    assert "good cause" not in in_time


def test_payer_names_and_addresses_as_entered(templates):
    heron = payer("Blue Heron PPO", **{Col.APPEAL_ADDRESS: "Blue Heron PPO Appeals\nPO Box 5"})
    _, text = render(templates, kinds.PAYER_APPEAL, _rows("coding"), payer_row=heron)
    assert "Blue Heron PPO\nBlue Heron PPO Appeals\nPO Box 5" in text
    assert "Attn: Appeals" not in text and "Ppo" not in text


@pytest.mark.parametrize(
    ("status", "ready", "count"),
    [
        (status_for(0), True, None),
        (status_for(3), False, 3),
        (draft_status(1), False, 1),
        (draft_status(0), False, None),
        (LETTER_READY, True, None),
    ],
)
def test_letter_status(status, ready, count):
    assert is_ready(status) is ready and open_fields_in(status) == count


def test_amounts_of_a_letter_are_the_sum_of_its_lines():
    rows = _rows("coding", lines=2)
    rows[1][Col.DENIED_AMOUNT] = Decimal("10.00")
    context = letter_context(rows, LETTERHEAD, None, today=TODAY)
    assert context["total_denied"] == Decimal("1244.50")
    assert context["procedure"] == "97110-GP, 97140-GP"  # older templates speak for both
