"""The pure part of appeal letters: formatting, template choice, context, selection, status."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from addin.letters import context as letter_ctx
from addin.letters import files, kinds, templates
from addin.letters import selection as letter_sel
from addin.letters.fields import FIELDS, FIELDS_BY_NAME, clean_text, person_name
from addin.plans import PayerDirectory
from addin.remedies import PlanType, Remedy
from addin.workbook.layout import STATUSES, Col, S
from tests.letter_support import LETTERHEAD, denial_row, payer

TODAY = date(2026, 3, 20)
NOT_APPEAL = letter_sel.NOT_AN_APPEAL
MEDICARE = "Medicare (Original Part A/B)"  # a built-in profile; remits call it MEDICARE PART B …


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("0"), "$0.00"),
        (Decimal("-12"), "-$12.00"),
        (Decimal("1234567.891"), "$1,234,567.89"),
        (250, "$250.00"),
        (None, ""),
    ],
    ids=["thousands", "zero", "negative", "millions", "int", "blank"],
)
def test_money(value, expected):
    assert letter_ctx.money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 3, 5), "March 5, 2026"),
        (datetime(2026, 12, 31, 23, 59), "December 31, 2026"),
        (None, ""),
        ("soon", "soon"),
    ],
    ids=["date", "datetime", "blank", "text"],
)
def test_long_date(value, expected):
    assert letter_ctx.long_date(value) == expected


@pytest.mark.parametrize(
    ("remedy", "plan", "category", "contracted", "letter"),
    [
        (Remedy.APPEAL, PlanType.ORIGINAL_MEDICARE, "coding", None, kinds.REDETERMINATION),
        (Remedy.APPEAL, PlanType.ORIGINAL_MEDICARE, "timely_filing", None, kinds.REOPENING),
        (Remedy.REOPENING, PlanType.ORIGINAL_MEDICARE, "coding", None, kinds.REOPENING),
        (Remedy.REOPENING, PlanType.COMMERCIAL, "coding", None, kinds.REOPENING),
        (Remedy.APPEAL, PlanType.MEDICARE_ADVANTAGE, "coding", False, kinds.MA_RECONSIDERATION),
        (Remedy.APPEAL, PlanType.MEDICARE_ADVANTAGE, "coding", None, kinds.MA_RECONSIDERATION),
        (Remedy.APPEAL, PlanType.MEDICARE_ADVANTAGE, "coding", True, kinds.PAYER_APPEAL),
        (Remedy.APPEAL, PlanType.COMMERCIAL, "bundling", None, kinds.PAYER_APPEAL),
        (Remedy.APPEAL, PlanType.MEDICAID_FFS, "bundling", None, kinds.PAYER_APPEAL),
        (None, None, "pricing", None, kinds.PAYER_APPEAL),  # an old tracker: no Remedy
    ],
)
def test_the_letter_follows_remedy_plan_and_contract(remedy, plan, category, contracted, letter):
    """kinds.py's table: 42 CFR 405.940 (redetermination), 405.980 (reopening), 424.44(b),
    422.578(b)(3) (non-contracted MA provider with a Waiver of Liability)."""
    kind = kinds.letter_kind(remedy, plan, category=category, contracted=contracted)
    assert kind.name == letter


def test_built_in_letter_unless_the_payer_or_practice_chose_one():
    choose = templates.choose_template
    assert choose("coding", payer=None, practice_choices="").name == kinds.PAYER_APPEAL
    assert choose("coding", payer=None, practice_choices="", kind=kinds.REOPENING) == (
        templates.TemplateChoice(kinds.REOPENING, "built-in")
    )
    mcr = "medicare_redetermination = Our MCR"
    chosen = choose("coding", payer=None, practice_choices=mcr, kind=kinds.REDETERMINATION)
    assert chosen.name == "Our MCR"


def test_a_practice_file_of_a_former_category_name_still_serves_commercial_appeals():
    names = {"appeal_coding", "appeal_reconsideration"}
    choose = templates.choose_template
    assert choose("coding", payer=None, practice_choices="", practice_names=names) == (
        templates.TemplateChoice("appeal_coding", "your Letter Templates folder")
    )
    other = choose("pricing", payer=None, practice_choices="", practice_names=names)
    assert other.name == "appeal_reconsideration"
    medicare = choose(
        "coding", payer=None, practice_choices="", practice_names=names, kind=kinds.REDETERMINATION
    )
    assert medicare.name == kinds.REDETERMINATION  # an old commercial letter never goes to a MAC


@pytest.mark.parametrize(
    ("value", "profile", "contracted"),
    [
        ("Yes", "", True),
        ("no", "", False),
        (None, "Medicare Advantage (non-contracted)", False),
        (None, "Medicare Advantage (contracted)", True),
        (None, "SUNRISE MEDICARE ADVANTAGE", None),
    ],
)
def test_contracted_from_payers_or_the_profile_name(value, profile, contracted):
    assert kinds.contracted_with(value, profile) is contracted


def test_payer_choice_wins_over_practice_choice_which_wins_over_built_in():
    practice = "medical_necessity = Our MedNec.docx; coding=our_coding"
    acme = payer("ACME HEALTH PLAN", **{Col.LETTER_TEMPLATE: "medical_necessity = ACME MN"})
    everything = payer("STATE PLAN", **{Col.LETTER_TEMPLATE: "state_form.docx"})
    choose = templates.choose_template
    assert choose("medical_necessity", payer=acme, practice_choices=practice) == (
        templates.TemplateChoice("ACME MN", "Payers › Letter Template for ACME HEALTH PLAN")
    )
    assert choose("coding", payer=acme, practice_choices=practice).name == "our_coding"
    assert choose("bundling", payer=acme, practice_choices=practice).name == "payer_appeal"
    assert choose("bundling", payer=everything, practice_choices=practice).name == "state_form"
    assert choose("medical_necessity", payer=None, practice_choices=practice).origin == (
        f"Settings › {S.LETTER_TEMPLATES_BY_CATEGORY}"
    )


def test_category_override_wins_over_the_classified_category():
    row = denial_row(**{Col.CATEGORY_OVERRIDE: "Medical Necessity", Col.CARC: "4"})
    assert letter_ctx.effective_category(row) == "medical_necessity"


def test_context_carries_formatted_codes_and_the_enclosure_list():
    checklist = "Progress notes; copy of EOB\n- LMN • Primary payer's remit (EOB) | Original claim"
    row = denial_row(**{Col.RARC: "N115, M76", Col.CHECKLIST: checklist})
    context = letter_ctx.letter_context([row], LETTERHEAD, payer("ACME HEALTH PLAN"), today=TODAY)
    assert context["denial_code"] == "CO-50"
    assert [c["code"] for c in context["denial_codes"]] == ["CO-50", "N115", "M76"]
    assert all(c["description"] for c in context["denial_codes"])
    assert context["coverage_policy"] == (
        "the Local Coverage Determination (LCD) the remittance cites"
    )
    assert context["enclosures"] == [
        "Copy of the remittance advice (EOB/ERA) dated March 5, 2026, check/EFT EFT0001",
        "Copy of the original claim",
        "Treating clinician's attestation (signed, below)",  # CO-50 is clinical
        # a person confirms each checklist item is in the packet; "copy of EOB" and "Original
        # claim" are enclosed already
        "[[Enclose or delete: Progress notes]]",
        "[[Enclose or delete: LMN]]",
        "[[Enclose or delete: Primary payer's remit (EOB)]]",  # another payer's: kept
    ]
    assert context["billed"] == Decimal("1234.50") and context["service_date"] == date(2026, 2, 10)
    assert context["practice_npi"] == "1234567893" and context["letter_date"] == TODAY


def test_blank_required_fields_are_left_out_so_the_renderer_names_them():
    practice = LETTERHEAD | {S.PRACTICE_NPI: "  ", S.PRACTICE_FAX: ""}
    context = letter_ctx.letter_context([denial_row()], practice, None, today=TODAY)
    assert "practice_npi" not in context and "payer_appeal_address" not in context
    assert context["practice_fax"] == "" and context["payer_appeal_fax"] == ""
    missing = letter_ctx.missing_fields(context, {"practice_npi", "payer_appeal_address", "bogus"})
    message = letter_ctx.missing_message(missing, payer="ACME HEALTH PLAN", template="t")
    assert message == (
        "letter not written: fill in Settings › Practice NPI; Payers › Appeal Address for ACME "
        "HEALTH PLAN; template t uses 'bogus', which DenialDesk does not provide (see "
        "`denialdesk letters --list-templates`)."
    )


def test_numbers_typed_into_settings_read_as_text():
    practice = LETTERHEAD | {S.PRACTICE_NPI: 1234567893.0, S.PRACTICE_PHONE: 5550100}
    context = letter_ctx.letter_context([denial_row()], practice, None, today=TODAY)
    assert (context["practice_npi"], context["practice_phone"]) == ("1234567893", "5550100")


def test_control_characters_are_removed_but_line_breaks_kept():
    assert clean_text("PO Box 1\r\nTown\x0c\x07 ST\x00") == "PO Box 1\nTown ST"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("PLACEHOLDER, ZULU", "Zulu Placeholder"),
        ("O'BRIEN-SMITH, MARY K", "Mary K O'Brien-Smith"),
        ("MCKAY, JOHN JR", "John McKay Jr"),
        ("van der Berg, Anna", "Anna van der Berg"),  # typed in mixed case: kept as typed
        ("MADONNA", "Madonna"),
    ],
)
def test_names_as_people_write_them(text, name):
    assert person_name(text) == name


@pytest.mark.parametrize(
    ("action", "kind", "verdict"),
    [
        ("Appeal with records + policy criteria", "hard", None),
        ("Check for auth on file; else retro-auth/emergency exception appeal", "hard", None),
        ("Do not appeal: locate original claim/payment", "soft", letter_sel.NOT_AN_APPEAL),
        ("Fix per RARC and resubmit (MA130: no appeal rights)", "soft", letter_sel.NOT_AN_APPEAL),
        ("Correct modifier & resubmit (corrected claim freq 7)", "soft", letter_sel.SOFT_DENIAL),
        ("Write off (provider liable); fix ABN process", "hard", letter_sel.NOT_AN_APPEAL),
        ("Appeal only with proof of timely filing. Medicare: not appealable", "hard", None),
        ("Correct the data and send a corrected claim — not an appeal.", "soft", NOT_APPEAL),
        ("If short, dispute the pricing with the payer, otherwise accept it.", "hard", None),
        ("Fix the enrollment, then ask the payer to reprocess.", "hard", None),
        ("Send the records; appeal if the payer's window has closed.", "soft", None),
    ],
    ids=[
        "appeal",
        "appeal-as-fallback",
        "do-not-appeal",
        "no-appeal-rights",
        "soft",
        "write-off",
        "exception-comes-later",
        "not-an-appeal",
        "dispute",
        "reprocess",
        "records-then-appeal",
    ],
)
def test_appeal_verdict(action, kind, verdict):
    assert letter_sel.appeal_verdict(action, kind) == verdict


def _ids(selection):
    return [row[Col.DENIAL_ID] for row in selection.chosen]


def test_default_selection_in_rank_order_with_reasons_for_the_rest():
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-RANK2", Col.RANK: 2}),
        denial_row(**{Col.DENIAL_ID: "D-RANK1", Col.RANK: 1, Col.CARC: "197"}),
        denial_row(**{Col.DENIAL_ID: "D-SOFT", Col.CARC: "4"}),
        denial_row(**{Col.DENIAL_ID: "D-SOFT-YES", Col.CARC: "4", Col.LETTER_WANTED: "Yes"}),
        denial_row(**{Col.DENIAL_ID: "D-NO", Col.LETTER_WANTED: "No"}),
        denial_row(**{Col.DENIAL_ID: "D-DUP", Col.CARC: "18"}),
        denial_row(**{Col.DENIAL_ID: "D-WON", Col.STATUS: "Won"}),
        denial_row(**{Col.DENIAL_ID: "D-HAS", Col.LETTER: "letters/x.docx"}),
        denial_row(**{Col.DENIAL_ID: "D-RAW", Col.CATEGORY: None, Col.ACTION: None}),
    ]
    selection = letter_sel.select_for_letters(rows)
    assert _ids(selection) == ["D-RANK1", "D-RANK2", "D-SOFT-YES"]
    assert {s.denial_id: s.reason for s in selection.skipped} == {
        "D-SOFT": letter_sel.SOFT_DENIAL,
        "D-NO": letter_sel.OPTED_OUT,
        "D-DUP": "the recommended action is not an appeal; instead: locate original claim/payment",
        "D-WON": "closed (Won)",
        "D-HAS": letter_sel.HAS_LETTER,
        "D-RAW": letter_sel.NOT_CLASSIFIED,
    }


def test_letter_yes_drafts_again_only_when_the_letter_file_is_gone():
    rows = [
        denial_row(
            **{Col.DENIAL_ID: "D-YES", Col.LETTER: "letters/a.docx", Col.LETTER_WANTED: "y"}
        ),
        denial_row(**{Col.DENIAL_ID: "D-BLANK", Col.LETTER: "letters/b.docx"}),
        denial_row(
            **{Col.DENIAL_ID: "D-NO", Col.LETTER: "letters/c.docx", Col.LETTER_WANTED: "No"}
        ),
    ]
    present = letter_sel.select_for_letters(rows)
    assert _ids(present) == []
    assert {s.denial_id: s.reason for s in present.skipped} == {
        "D-YES": letter_sel.HAS_LETTER,
        "D-BLANK": letter_sel.HAS_LETTER,
        "D-NO": letter_sel.OPTED_OUT,
    }
    gone = letter_sel.select_for_letters(rows, letter_exists=lambda link: False)
    assert _ids(gone) == ["D-YES"]
    assert {s.denial_id: s.reason for s in gone.skipped} == {
        "D-BLANK": letter_sel.LETTER_FILE_MISSING,
        "D-NO": letter_sel.OPTED_OUT,
    }


@pytest.mark.parametrize(
    ("action", "instead"),
    [
        (
            "Do not appeal: find the original claim and its payment. If this claim …",
            "find the original claim and its payment",
        ),
        (
            "Correct the claim and send it again as a new claim — not an appeal: MA130 means …",
            "Correct the claim and send it again as a new claim",
        ),
        (
            "Check the NCCI edit: if separate, send a corrected claim (59 or 25); else accept.",
            "Check the NCCI edit: if separate, send a corrected claim (59 or 25)",
        ),
        (
            "Add the rendering provider's NPI, then send a corrected claim. (remark N290)",
            "Add the rendering provider's NPI, then send a corrected claim",
        ),
        ("Write off", "Write off"),
    ],
    ids=["do-not-appeal-lead-in", "dash", "semicolon", "sentence", "whole"],
)
def test_not_an_appeal_ends_with_what_to_do_instead(action, instead):
    row = denial_row(**{Col.CARC: "999", Col.ACTION: action})
    reason = letter_sel.skip_reason(row, explicit=False)
    assert reason == f"the recommended action is not an appeal; instead: {instead}"


def _medicare_directory() -> PayerDirectory:
    rows = [
        payer(MEDICARE, **{Col.PLAN_TYPE: "Medicare FFS"}),
        payer("SUNRISE MEDICARE ADVANTAGE", **{Col.PLAN_TYPE: "Medicare Advantage"}),
        payer("ACME HEALTH PLAN", **{Col.PAYER_IDS: "99101"}),
    ]
    return PayerDirectory.from_rows(rows)


def _timely(denial_id: str, remit_payer: str, **values: object) -> dict[str, object]:
    return denial_row(
        **{Col.DENIAL_ID: denial_id, Col.CARC: "29", Col.PAYER: remit_payer, Col.PAYER_ID: None}
        | values
    )


def test_original_medicare_timely_filing_is_not_selected_by_default():
    rows = [
        _timely("D-MCR", "MEDICARE PART B"),
        _timely("D-MCR-YES", "Medicare Part B", **{Col.LETTER_WANTED: "Yes"}),
        _timely("D-MA", "SUNRISE MEDICARE ADVANTAGE"),
        _timely("D-ACME", "ACME HEALTH PLAN", **{Col.PAYER_ID: "99101"}),
        denial_row(**{Col.DENIAL_ID: "D-MCR-MN", Col.PAYER: "MEDICARE PART B"}),
    ]
    selection = letter_sel.select_for_letters(rows, directory=_medicare_directory())
    assert sorted(_ids(selection)) == ["D-ACME", "D-MA", "D-MCR-MN", "D-MCR-YES"]
    [skip] = selection.skipped
    assert skip == letter_sel.Skip("D-MCR", letter_sel.MEDICARE_TIMELY_FILING)
    assert skip.reason == (
        "Medicare: a timely-filing denial cannot be appealed; ask for a reopening only if the "
        "late filing was Medicare's administrative error"
    )
    named = letter_sel.select_for_letters(
        rows, wanted_ids=["D-MCR"], directory=_medicare_directory()
    )
    assert _ids(named) == ["D-MCR"]


@pytest.mark.parametrize(
    ("plan_type", "original"),
    [
        ("Medicare FFS", True),
        ("Original Medicare", True),
        ("medicare part b", True),
        ("Medicare Advantage", False),
        ("Medicare Part C", False),
        ("Medicaid FFS", False),
        ("Commercial", False),
        (None, False),
    ],
)
def test_original_medicare_is_decided_from_the_plan_type(plan_type, original):
    row = _timely("D-1", "SOME PAYER")
    reason = letter_sel.skip_reason(row, explicit=False, plan_type=plan_type)
    assert (reason == letter_sel.MEDICARE_TIMELY_FILING) is original


def test_named_rows_get_a_letter_even_with_one_but_never_when_closed_or_unclassified():
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-HAS", Col.LETTER: "letters/x.docx"}),
        denial_row(**{Col.DENIAL_ID: "D-SOFT", Col.CARC: "4", Col.LETTER_WANTED: "No"}),
        denial_row(**{Col.DENIAL_ID: "D-LOST", Col.STATUS: "Lost"}),
        denial_row(**{Col.DENIAL_ID: "D-RAW", Col.CATEGORY: None}),
        denial_row(**{Col.DENIAL_ID: "D-OTHER"}),
    ]
    selection = letter_sel.select_for_letters(
        rows, wanted_ids=["D-HAS", "D-SOFT", "D-LOST", "D-RAW"]
    )
    assert _ids(selection) == ["D-HAS", "D-SOFT"]
    assert [s.reason for s in selection.skipped] == ["closed (Lost)", letter_sel.NOT_CLASSIFIED]


def test_priority_falls_back_to_deadline_then_amount_without_a_rank():
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-SMALL", Col.DENIED_AMOUNT: Decimal("10")}),
        denial_row(**{Col.DENIAL_ID: "D-BIG", Col.DENIED_AMOUNT: Decimal("900")}),
        denial_row(**{Col.DENIAL_ID: "D-DUE", Col.APPEAL_DEADLINE: date(2026, 4, 1)}),
    ]
    assert _ids(letter_sel.select_for_letters(rows)) == ["D-DUE", "D-BIG", "D-SMALL"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "Appeal Drafted"),
        ("New", "Appeal Drafted"),
        ("In Review", "Appeal Drafted"),
        ("Appeal Drafted", "Appeal Drafted"),
        ("Appeal Sent", "Appeal Sent"),
        ("Won", "Won"),
        ("Waiting on records", "Waiting on records"),
    ],
)
def test_status_moves_forward_only(before, after):
    assert letter_sel.status_after_letter(before) == after


def test_appeal_drafted_is_in_the_workflow_before_appeal_sent():
    assert STATUSES.index(letter_sel.APPEAL_DRAFTED) < STATUSES.index("Appeal Sent")


def test_file_name_has_date_payer_claim_and_denial_but_no_patient():
    row = denial_row(**{Col.PAYER: "Blue Heron PPO / East", Col.CLAIM_ID: "DD 1001:A"})
    name = files.letter_file_name(row, TODAY)
    assert name == "2026-03-20_Blue-Heron-PPO-East_DD-1001-A_D-0000000001.docx"
    assert "DOE" not in name


def _find(directory: PayerDirectory, name: str, payer_id: str | None) -> str | None:
    found = letter_sel.find_payer(directory, {Col.PAYER: name, Col.PAYER_ID: payer_id})
    return found[Col.PAYER] if found else None


def test_payer_row_found_by_id_then_by_name():
    directory = PayerDirectory.from_rows(
        [
            payer("MEDICARE JURISDICTION X", **{Col.PAYER_IDS: "00001, 99101"}),
            payer("ACME HEALTH PLAN"),
        ]
    )
    assert _find(directory, "ACME", "99101") == "MEDICARE JURISDICTION X"
    assert _find(directory, " acme  health plan", "55555") == "ACME HEALTH PLAN"
    assert _find(directory, "Acme Health Plan, Inc", "55555") == "ACME HEALTH PLAN"  # a part
    assert _find(directory, "ACMEHEALTH", "55555") is None  # whole words only
    assert _find(directory, "NOBODY", None) is None


def test_payer_row_found_through_the_names_remits_use_as_classify_finds_it():
    rows = [payer(MEDICARE, **{Col.PLAN_TYPE: "Medicare FFS"}), payer("UnitedHealthcare")]
    directory = PayerDirectory.from_rows(rows)
    assert _find(directory, "MEDICARE PART B", None) == MEDICARE
    assert _find(directory, "medicare part-b", "") == MEDICARE  # case and punctuation ignored
    assert _find(directory, "uhc", None) == "UnitedHealthcare"
    assert _find(directory, "SOMEONE", "87726") == "UnitedHealthcare"  # a built-in payer id
    # a built-in profile that is not on the sheet matches, but there is no row to take
    assert _find(PayerDirectory.from_rows([]), "MEDICARE PART B", None) is None
    assert letter_sel.plan_type({Col.PAYER: "MEDICARE PART B"}, directory) == "Medicare FFS"


def test_the_letter_is_addressed_to_the_payers_row_as_entered_and_keeps_the_remits_name():
    row = denial_row(**{Col.PAYER: "MEDICARE PART B", Col.PAYER_ID: None})
    medicare = payer(MEDICARE, **{Col.PLAN_TYPE: "Medicare FFS"})
    context = letter_ctx.letter_context([row], LETTERHEAD, medicare, today=TODAY)
    assert context["payer_name"] == MEDICARE
    assert context["remit_payer_name"] == "MEDICARE PART B"
    unmatched = letter_ctx.letter_context([row], LETTERHEAD, None, today=TODAY)
    assert unmatched["payer_name"] == "MEDICARE PART B"  # never re-cased


@pytest.mark.parametrize(
    ("address", "line"),
    [
        ("Blue Heron PPO Appeals\nPO Box 1", ""),
        ("Provider Dispute Unit\nPO Box 1", ""),
        ("PO Box 1\nAnytown", "Attn: Appeals"),
    ],
)
def test_no_attention_line_above_an_address_that_names_the_appeals_unit(address, line):
    assert letter_ctx.attention_line(address) == line


def test_the_medicare_contractor_is_named_as_on_its_remit_or_left_for_a_person():
    names = ["Medicare (Original Part A/B)", "NORIDIAN JF"]
    assert letter_ctx.contractor_name(names) == "NORIDIAN JF"
    assert letter_ctx.contractor_name(["MEDICARE PART B"]).startswith("[[")


def test_every_field_says_where_it_is_filled_in():
    assert len(FIELDS_BY_NAME) == len(FIELDS)
    for item in FIELDS:
        assert item.where and item.meaning and item.label, item.name


def test_optional_computed_fields_are_present_even_when_blank():
    context = letter_ctx.letter_context(
        [denial_row(**{Col.RARC: None})], LETTERHEAD, None, today=TODAY
    )
    assert context["rarcs"] == "" and context["coverage_policy"] == "the payer's medical policy"
    assert letter_ctx.missing_fields(context, {"rarcs", "coverage_policy"}) == []
