"""Generate Appeal Letters end to end: real .docx files read back, links, statuses, safety."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from addin import actions
from addin.cli import cli
from addin.errors import AddinError
from addin.letters import build as letter_builder
from addin.letters import selection
from addin.letters.files import JOURNAL, MANIFEST
from addin.letters.kinds import BUILT_IN_KINDS
from addin.letters.status import status_for
from addin.workbook.layout import DENIALS, Col, S
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.conftest import DATA
from tests.letter_support import (
    LETTERHEAD,
    assert_matches_golden,
    denial_row,
    docx_text,
    payer,
    write_denials,
)

TODAY = date(2026, 3, 20)
GOLDEN = DATA / "expected" / "letters"

# One letter of each built-in kind: the payer (plan type, contract) and the row that select it,
# and a phrase only that letter carries.
MEDICARE_PAYER = {
    Col.PAYER: "NORIDIAN JF",
    Col.PLAN_TYPE: "Medicare FFS",
    Col.APPEAL_ADDRESS: "Redeterminations\nPO Box 9\nFargo, ND 00003",
}
LETTER_CASES = {
    "medicare_redetermination": (
        MEDICARE_PAYER,
        {Col.CARC: "50", Col.RARC: "N115"},
        "requests a redetermination of the initial determination",
    ),
    "ma_reconsideration": (
        {Col.PAYER: "ACME HEALTH PLAN", Col.PLAN_TYPE: "Medicare Advantage", Col.CONTRACTED: "No"},
        {Col.CARC: "252", Col.RARC: "N706"},
        "I hereby waive any right to collect payment",
    ),
    "payer_appeal": ({}, {Col.CARC: "97", Col.RARC: "M15"}, "NCCI procedure-to-procedure edit"),
    "reopening_request": (
        {},
        {Col.CARC: "4", Col.RARC: "N823", Col.REMEDY: "Reopening"},
        "we ask you to reopen the claim",
    ),
}


def generate(tracker: Path, **options) -> actions.LetterReport:
    with open_for_update(tracker) as book:
        return actions.generate_letters(book, today=TODAY, **options)


def denials(tracker: Path) -> dict[str, dict]:
    frame = OpenpyxlBook.open(tracker).read_table(DENIALS)
    return {row[Col.DENIAL_ID]: row for row in frame.to_dict("records")}


def test_every_built_in_letter_has_a_case():
    assert set(LETTER_CASES) == set(BUILT_IN_KINDS)


@pytest.mark.parametrize("template", sorted(LETTER_CASES))
def test_each_built_in_letter_renders(tracker, template, update_golden):
    payer_values, overrides, phrase = LETTER_CASES[template]
    acme = payer(payer_values.get(Col.PAYER, "ACME HEALTH PLAN"), **{Col.PAYER_IDS: "99101"})
    write_denials(
        tracker,
        [denial_row(**{Col.LETTER_WANTED: "Yes"} | overrides)],
        payers=[acme | payer_values],
    )
    report = generate(tracker)
    [letter] = report.written
    assert letter.template == template and not report.failed
    text = docx_text(letter.path)
    for expected in (
        "Jane Doe",  # the remit's DOE, JANE as people write it
        "SYN000111",
        "2606199101000001",  # payer claim number
        "February 10, 2026",
        "$1,234.50",
        f"CO-{overrides[Col.CARC]}",
        "Riverbend Family Medicine",
        "NPI 1234567893 · TIN 00-0000001",
        "PO Box",
        "Pat Example, Billing Manager",
        "Copy of the original claim",
        phrase,
    ):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text and "}}" not in text
    row = denials(tracker)["D-0000000001"]
    assert row[Col.LETTER_STATUS] == status_for(text.count("[["))
    assert_matches_golden(text, GOLDEN / f"{template}.txt", update_golden)


def test_codes_come_with_their_descriptions_and_remarks(tracker):
    write_denials(tracker, [denial_row(**{Col.RARC: "N115 M76"})])
    [letter] = generate(tracker).written
    text = docx_text(letter.path)
    assert "CO-50: " in text and "N115: " in text and "M76: " in text
    assert "Local Coverage Determination (LCD)" in text


def test_the_row_links_its_letter_and_moves_to_appeal_drafted(tracker):
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-NEW"}),
        denial_row(**{Col.DENIAL_ID: "D-SENT", Col.STATUS: "Appeal Sent", Col.LETTER_WANTED: "Y"}),
    ]
    write_denials(tracker, rows)
    report = generate(tracker)
    assert report.saved and len(report.written) == 2
    after = denials(tracker)
    link = after["D-NEW"][Col.LETTER]
    assert link == "letters/2026-03-20_ACME-HEALTH-PLAN_DD1001_D-NEW.docx"
    assert (tracker.parent / link).is_file()
    assert after["D-NEW"][Col.LETTER_GENERATED_ON] == TODAY
    assert after["D-NEW"][Col.STATUS] == "Appeal Drafted"
    assert after["D-SENT"][Col.STATUS] == "Appeal Sent"  # a person moved it further already
    sheet = openpyxl.load_workbook(tracker)[DENIALS.sheet]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == link]
    assert cells and cells[0].hyperlink.target == link


def test_a_second_run_drafts_nothing_and_leaves_the_workbook_alone(tracker):
    write_denials(tracker, [denial_row()])
    generate(tracker)
    before = tracker.read_bytes()
    again = generate(tracker)
    assert not again.written and not again.saved
    assert [s.message for s in again.skipped] == [
        "already has a letter (to draft a new one: delete or move its file and set Letter? to "
        "Yes, or use --rows)"
    ]
    assert tracker.read_bytes() == before


def _set_row(tracker: Path, denial_id: str, **values: object) -> None:
    """A person's edit of one Denials row."""
    with open_for_update(tracker) as book:
        frame = book.read_table(DENIALS)
        index = frame.index[frame[Col.DENIAL_ID] == denial_id][0]
        for name, value in values.items():
            frame.at[index, name] = value
        book.write_table(DENIALS, frame)
        book.save()


def test_letter_yes_redrafts_once_the_old_letter_file_is_gone(tracker):
    rows = [denial_row(), denial_row(**{Col.DENIAL_ID: "D-OTHER"})]
    write_denials(tracker, rows)
    first = {w.denial_id: w for w in generate(tracker).written}
    _set_row(tracker, "D-0000000001", **{Col.LETTER_WANTED: "Yes", Col.STATUS: "In Review"})
    kept = generate(tracker)  # the file is still there: Letter? = Yes alone never redrafts
    assert not kept.written
    assert {s.denial_id for s in kept.skipped} == {"D-0000000001", "D-OTHER"}
    first["D-0000000001"].path.unlink()  # the biller deletes the letter to have it redrafted
    first["D-OTHER"].path.unlink()  # …and this one by mistake, with Letter? blank
    report = generate(tracker)
    [letter] = report.written
    assert letter.denial_id == "D-0000000001" and letter.path.exists()
    assert {s.denial_id: s.message for s in report.skipped} == {
        "D-OTHER": selection.LETTER_FILE_MISSING
    }
    after = denials(tracker)["D-0000000001"]
    assert after[Col.LETTER] and after[Col.STATUS] == "Appeal Drafted"
    assert generate(tracker).written == []  # and only once, though Letter? stays Yes


def test_a_medicare_remit_name_finds_the_medicare_payers_row(tracker):
    medicare = payer(
        "Medicare (Original Part A/B)",
        **{Col.PLAN_TYPE: "Medicare FFS", Col.APPEAL_ADDRESS: "MAC Redeterminations\nPO Box 9"},
    )
    row = denial_row(**{Col.PAYER: "MEDICARE PART B", Col.PAYER_ID: None})
    write_denials(tracker, [row], payers=[payer("ACME HEALTH PLAN"), medicare])
    report = generate(tracker)
    assert not report.failed, report.failed[0].message
    [letter] = report.written
    assert letter.template == "medicare_redetermination"
    text = docx_text(letter.path)
    # the MAC's name is on its remittance, not in "MEDICARE PART B": a field for a person;
    # no "Attn:" line above an address that names the unit
    assert (
        "[[Medicare Administrative Contractor (MAC) named on the remittance]]\n"
        "MAC Redeterminations\nPO Box 9"
    ) in text
    assert "Request for Redetermination" in text
    assert letter.path.name == "2026-03-20_MEDICARE-PART-B_DD1001_D-0000000001.docx"


def test_a_missing_address_names_the_payers_row_to_fill_in(tracker):
    row = denial_row(**{Col.PAYER: "UHC", Col.PAYER_ID: None})
    write_denials(tracker, [row], payers=[payer("UnitedHealthcare", **{Col.APPEAL_ADDRESS: None})])
    [failed] = generate(tracker).failed
    assert failed.message.endswith("fill in Payers › Appeal Address for UnitedHealthcare.")


def test_a_template_may_print_the_payer_as_the_remit_names_it(tracker):
    _word_template(
        tracker.parent / "Letter Templates" / "appeal_medical_necessity.docx",
        "To {{ payer_name }} (remit: {{ remit_payer_name }})",
    )
    write_denials(
        tracker,
        [denial_row(**{Col.PAYER: "uhc", Col.PAYER_ID: None})],
        payers=[payer("UnitedHealthcare")],
    )
    [letter] = generate(tracker).written
    assert docx_text(letter.path).startswith("To UnitedHealthcare (remit: uhc)")


def test_original_medicare_timely_filing_is_skipped_unless_asked_for(tracker):
    medicare = payer("Medicare (Original Part A/B)", **{Col.PLAN_TYPE: "Medicare FFS"})
    row = denial_row(**{Col.CARC: "29", Col.PAYER: "MEDICARE", Col.PAYER_ID: None})
    write_denials(tracker, [row], payers=[medicare])
    report = generate(tracker)
    assert not report.written and report.skipped_by_reason() == {
        "Medicare: a timely-filing denial cannot be appealed; ask for a reopening only if the "
        "late filing was Medicare's administrative error": ["D-0000000001"]
    }
    [letter] = generate(tracker, rows=["D-0000000001"]).written
    assert letter.template == "reopening_request"  # only a 424.44(b) exception reopens it
    assert "42 CFR 424.44(b)" in docx_text(letter.path)


def test_unclassified_denials_are_skipped_with_the_step_to_take(tracker):
    write_denials(tracker, [denial_row(**{Col.CATEGORY: None, Col.ACTION: None, Col.TYPE: None})])
    report = generate(tracker)
    assert report.skipped_by_reason() == {
        "not classified yet: run Classify & Prioritize first": ["D-0000000001"]
    }


def test_a_missing_field_stops_that_letter_only(tracker):
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-ACME"}),
        denial_row(**{Col.DENIAL_ID: "D-NORTH", Col.PAYER: "NORTHWIND", Col.PAYER_ID: "77"}),
    ]
    write_denials(tracker, rows)  # only ACME has a Payers row with an appeal address
    report = generate(tracker)
    assert [w.denial_id for w in report.written] == ["D-ACME"]
    [failed] = report.failed
    assert failed.message == (
        "D-NORTH: letter not written: fill in Payers › Appeal Address for NORTHWIND."
    )
    assert "1 letter(s) written" in report.summary() and "1 failed" in report.summary()
    after = denials(tracker)
    assert after["D-ACME"][Col.LETTER] and after["D-NORTH"][Col.LETTER] is None
    assert after["D-NORTH"][Col.STATUS] == "New"


def test_missing_practice_settings_are_named_with_where_to_fill_them_in(tracker):
    write_denials(tracker, [denial_row()], settings=LETTERHEAD | {S.PRACTICE_NPI: ""})
    [failed] = generate(tracker).failed
    assert failed.message == (
        "D-0000000001: letters not written: fill in Settings › Practice NPI (the letterhead "
        "and signature of every letter), then run letters again; 1 letter(s) wait for it."
    )


def test_a_blank_letterhead_is_reported_once_per_run_not_once_per_denial(tracker):
    rows = [denial_row(**{Col.DENIAL_ID: f"D-000000000{i}"}) for i in (1, 2, 3)]
    write_denials(tracker, rows, settings=LETTERHEAD | {S.PRACTICE_NAME: ""})
    report = generate(tracker)
    assert [item.message for item in report.failed] == [
        "D-0000000001: letters not written: fill in Settings › Practice Name (the letterhead "
        "and signature of every letter), then run letters again; 3 letter(s) wait for it."
    ]
    assert not report.written


HOSTILE = 'O\'BRIEN & <SONS> "Q" {{ 7*7 }} {% if x %}'


def test_values_render_literally_never_as_markup_or_code(tracker):
    row = denial_row(**{Col.PATIENT: HOSTILE, Col.MEMBER_ID: "</w:t><w:p>"})
    acme = payer("ACME HEALTH PLAN", **{Col.APPEAL_ADDRESS: "A & B <Appeals>\n{{ 6*7 }}"})
    write_denials(tracker, [row], payers=[acme])
    [letter] = generate(tracker).written
    text = docx_text(letter.path)
    assert HOSTILE in text and "</w:t><w:p>" in text and "A & B <Appeals>\n{{ 6*7 }}" in text
    assert "49" not in text and "42" not in text


def _word_template(path: Path, *paragraphs: str) -> Path:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def test_a_tampered_template_cannot_run_code_and_stops_the_batch_before_any_letter(tracker):
    folder = tracker.parent / "Letter Templates"
    _word_template(
        folder / "appeal_medical_necessity.docx",
        "{{ patient_name.__class__.__mro__[1].__subclasses__() }}",
    )
    rows = [denial_row(**{Col.DENIAL_ID: "D-AUTH"}), denial_row(**{Col.DENIAL_ID: "D-MN"})]
    rows[0].update({Col.CARC: "197", Col.CATEGORY: "authorization"})
    write_denials(tracker, rows)
    before = tracker.read_bytes()
    with pytest.raises(AddinError) as raised:
        generate(tracker)
    message = str(raised.value)
    assert "tries something a letter may not do" in message and "(letter for D-MN)" in message
    assert "No letter was written or linked" in message and "\n" not in message
    assert tracker.read_bytes() == before  # D-AUTH, drafted first, was not written either
    assert not list((tracker.parent / "letters").glob("*.docx"))


def test_practice_templates_replace_or_add_to_the_built_in_ones(tracker):
    folder = tracker.parent / "Letter Templates"
    _word_template(folder / "Our Letter.docx", "Custom letter for {{ patient_name }}")
    _word_template(folder / "appeal_authorization.docx", "Our auth letter {{ denial_code }}")
    rows = [denial_row(**{Col.DENIAL_ID: "D-MN"}), denial_row(**{Col.DENIAL_ID: "D-AUTH"})]
    rows[1].update({Col.CARC: "197", Col.CATEGORY: "authorization"})
    acme = payer("ACME HEALTH PLAN", **{Col.LETTER_TEMPLATE: "medical_necessity=Our Letter"})
    write_denials(tracker, rows, payers=[acme])
    written = {w.denial_id: w for w in generate(tracker).written}
    assert docx_text(written["D-MN"].path).startswith("Custom letter for Jane Doe")
    assert docx_text(written["D-AUTH"].path).startswith("Our auth letter CO-197")


def test_an_unknown_template_name_says_where_it_was_chosen(tracker):
    acme = payer("ACME HEALTH PLAN", **{Col.LETTER_TEMPLATE: "Missing One.docx"})
    write_denials(tracker, [denial_row()], payers=[acme])
    [failed] = generate(tracker).failed
    assert "no letter template named 'Missing One'" in failed.message
    assert failed.message.endswith("chosen in Payers › Letter Template for ACME HEALTH PLAN.")


def test_a_letter_a_person_edited_is_kept_and_a_new_version_written(tracker):
    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    again = generate(tracker, rows=["D-0000000001"])  # unedited: replaced in place
    assert again.written[0].path == first.path and not again.written[0].new_version
    edited = Document(str(first.path))
    edited.add_paragraph("Added by the biller.")
    edited.save(str(first.path))
    third = generate(tracker, rows=["D-0000000001"])
    [letter] = third.written
    assert letter.new_version and letter.path.name.endswith("_D-0000000001_v2.docx")
    assert "Added by the biller." in docx_text(first.path)
    assert denials(tracker)["D-0000000001"][Col.LETTER].endswith("_v2.docx")
    assert "1 as new versions beside letters a person edited" in third.summary()


def test_a_letter_open_in_word_is_not_replaced(tracker):
    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    (first.path.parent / f"~${first.path.name}").write_bytes(b"\x05owner")
    [letter] = generate(tracker, rows=["D-0000000001"]).written
    assert letter.new_version and letter.path != first.path


def test_a_lost_manifest_means_existing_files_are_treated_as_edited(tracker):
    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    (first.path.parent / MANIFEST).unlink()
    [letter] = generate(tracker, rows=["D-0000000001"]).written
    assert letter.new_version


def test_letters_of_a_killed_run_are_still_known_as_ours(tracker):
    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    folder = first.path.parent
    (folder / MANIFEST).unlink()  # killed before the manifest was saved: only the journal
    digest = hashlib.sha256(first.path.read_bytes()).hexdigest()
    (folder / JOURNAL).write_text(f"{digest} {first.path.name}\n", encoding="utf-8")
    [letter] = generate(tracker, rows=["D-0000000001"]).written
    assert not letter.new_version and letter.path == first.path  # no needless _v2
    assert not (folder / JOURNAL).exists() and (folder / MANIFEST).exists()


def test_out_folder_and_settings_folder(tracker, tmp_path):
    write_denials(tracker, [denial_row()], settings=LETTERHEAD | {S.LETTERS_FOLDER: "Appeals"})
    [letter] = generate(tracker, out_dir=tmp_path / "elsewhere").written
    assert letter.path.parent == tmp_path / "elsewhere"
    assert denials(tracker)["D-0000000001"][Col.LETTER].startswith("elsewhere/")
    [second] = generate(tracker, rows=["D-0000000001"]).written
    assert second.path.parent == tracker.parent / "Appeals"


def test_unknown_denial_ids_stop_before_anything_is_written(tracker):
    write_denials(tracker, [denial_row()])
    before = tracker.read_bytes()
    with pytest.raises(AddinError, match="no denial with ID D-NOPE in the Denials sheet"):
        generate(tracker, rows=["D-NOPE"])
    assert tracker.read_bytes() == before and not (tracker.parent / "letters").exists()


def test_a_folder_that_cannot_be_made_stops_before_anything_is_written(tracker, tmp_path):
    write_denials(tracker, [denial_row()])
    (tmp_path / "a file").write_text("in the way")
    before = tracker.read_bytes()
    with pytest.raises(AddinError, match="cannot create the letters folder .* Check Settings"):
        generate(tracker, out_dir=tmp_path / "a file" / "letters")
    assert tracker.read_bytes() == before


def test_builder_reproduces_the_committed_templates(tmp_path):
    built = letter_builder.build_all(tmp_path)
    for path in built:
        committed = letter_builder.LETTERS_DIR / path.name
        assert path.read_bytes() == committed.read_bytes(), (
            f"{path.name} differs: run `python -m addin.letter_builder`"
        )
    assert len(built) == len(BUILT_IN_KINDS)


def test_a_redrafted_letter_drops_the_pdf_of_its_previous_draft(tracker):
    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    stale = first.path.with_suffix(".pdf")
    stale.write_bytes(b"%PDF- the previous draft")
    [again] = generate(tracker, rows=["D-0000000001"]).written
    assert again.path == first.path and not stale.exists()
    assert not again.message


def test_a_new_version_keeps_the_pdf_of_the_edited_letter(tracker):
    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    edited = Document(str(first.path))
    edited.add_paragraph("Signed copy")
    edited.save(str(first.path))
    signed = first.path.with_suffix(".pdf")
    signed.write_bytes(b"%PDF- of the edited letter")
    [again] = generate(tracker, rows=["D-0000000001"]).written
    assert again.new_version and signed.read_bytes() == b"%PDF- of the edited letter"


def test_a_fresh_pdf_made_in_the_same_run_is_kept(tracker, monkeypatch):
    def convert(documents, soffice):
        for document in documents:
            document.with_suffix(".pdf").write_bytes(b"%PDF- fresh")
        return {}

    monkeypatch.setattr("addin.actions.appeal_letters.find_soffice", lambda: "soffice")
    monkeypatch.setattr("addin.actions.appeal_letters.convert_to_pdf", convert)
    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    first.path.with_suffix(".pdf").write_bytes(b"%PDF- stale")
    [again] = generate(tracker, rows=["D-0000000001"], pdf=True).written
    assert again.pdf.read_bytes() == b"%PDF- fresh"


def test_a_stale_pdf_that_cannot_be_deleted_is_a_warning(tracker, monkeypatch):
    def refuse(path, missing_ok=False):
        raise PermissionError(13, "Permission denied")

    write_denials(tracker, [denial_row()])
    [first] = generate(tracker).written
    first.path.with_suffix(".pdf").write_bytes(b"%PDF- open in a viewer")
    monkeypatch.setattr(Path, "unlink", refuse)
    report = generate(tracker, rows=["D-0000000001"])
    [warning] = report.warnings
    assert warning.startswith("D-0000000001: the PDF of the previous draft, ")
    assert "could not be deleted (Permission denied). Close it and delete it" in warning


def test_without_libreoffice_the_letters_are_written_and_the_pdf_step_explains(
    tracker, monkeypatch
):
    monkeypatch.setattr("addin.actions.appeal_letters.find_soffice", lambda: None)
    write_denials(tracker, [denial_row()])
    report = generate(tracker, pdf=True)
    assert len(report.written) == 1 and report.written[0].pdf is None
    assert report.pdf_note.startswith("PDF copies not made: LibreOffice was not found.")


@pytest.mark.libreoffice
def test_pdf_copies_through_libreoffice(tracker, soffice):
    rows = [denial_row(), denial_row(**{Col.DENIAL_ID: "D-2", Col.CARC: "29"})]
    write_denials(tracker, rows)
    report = generate(tracker, pdf=True)
    assert not report.pdf_note and len(report.written) == 2
    for letter in report.written:
        assert letter.pdf == letter.path.with_suffix(".pdf")
        assert letter.pdf.read_bytes()[:5] == b"%PDF-" and letter.pdf.stat().st_size > 10_000
    assert "2 PDF(s)" in report.summary()


# -- the command line -------------------------------------------------------------------


def test_cli_writes_letters_lists_skips_and_summarises(runner, tracker):
    rows = [denial_row(), denial_row(**{Col.DENIAL_ID: "D-SOFT", Col.CARC: "4"})]
    write_denials(tracker, rows)
    result = runner.invoke(cli, ["letters", str(tracker)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "Skipped 1 (soft denial: resubmit a corrected claim instead): D-SOFT"
    assert lines[-2].startswith("1 letter(s) written in ") and lines[-2].endswith("1 skipped.")
    assert lines[-3] == "Needs input: D-0000000001 (Draft — needs input (7 open fields))"
    assert lines[-1] == "Letter Status: 0 Ready, 1 draft(s) need input (7 open field(s))."
    assert "DOE" not in result.output  # Denial IDs only, never patient names


def test_cli_exits_1_when_a_letter_failed(runner, tracker):
    write_denials(tracker, [denial_row()], payers=[])
    result = runner.invoke(cli, ["letters", str(tracker), "--rows", "D-0000000001"])
    assert result.exit_code == 1
    assert "Error: D-0000000001: letter not written: fill in Payers › Appeal Address" in (
        result.output
    )


def test_cli_rows_accepts_commas_and_repeats(runner, tracker):
    rows = [denial_row(**{Col.DENIAL_ID: f"D-{n}", Col.DENIED_AMOUNT: Decimal(n)}) for n in "123"]
    write_denials(tracker, rows)
    result = runner.invoke(cli, ["letters", str(tracker), "--rows", "D-1,D-2", "--rows", "D-3"])
    assert result.exit_code == 0 and "3 letter(s) written" in result.output


def test_cli_list_templates_shows_every_template_and_its_fields(runner, tracker):
    result = runner.invoke(cli, ["letters", "--list-templates"])
    assert result.exit_code == 0
    for name in LETTER_CASES:
        assert f"\n{name}  [built-in]\n" in result.output
    assert "  for: Original Medicare appeals" in result.output
    assert "mark what a person must complete as [[…]]" in result.output
    assert "practice_npi" in result.output and "Settings › Practice NPI" in result.output
    _word_template(tracker.parent / "Letter Templates" / "Ours.docx", "{{ patient_name }}")
    result = runner.invoke(cli, ["letters", str(tracker), "--list-templates"])
    assert "\nOurs  [" in result.output and "  fields: patient_name\n" in result.output


def test_cli_needs_a_workbook(runner):
    result = runner.invoke(cli, ["letters"])
    assert result.exit_code == 2 and "give the WORKBOOK" in result.output


# -- one letter per claim, late letters, Letter Status ---------------------------------


def test_a_two_line_claim_gets_one_letter_and_both_rows_link_to_it(tracker):
    rows = [
        denial_row(**{Col.DENIAL_ID: f"D-{n}", Col.CLAIM_KEY: "C-1", Col.LINE: n})
        | {Col.PROCEDURE: code}
        for n, code in ((1, "99213-25"), (2, "20610-RT"))
    ]
    # the same claim's line 3: another reason, same remedy (appeal): argued in the same letter
    rows.append(
        denial_row(**{Col.DENIAL_ID: "D-3", Col.CLAIM_KEY: "C-1", Col.LINE: 3, Col.CARC: "197"})
    )
    # the same claim's line 4: a reopening, another letter
    rows.append(
        denial_row(
            **{Col.DENIAL_ID: "D-4", Col.CLAIM_KEY: "C-1", Col.LINE: 4, Col.CARC: "4"}
            | {Col.REMEDY: "Reopening"}
        )
    )
    write_denials(tracker, rows)
    report = generate(tracker)
    by_ids = {w.denial_ids: w for w in report.written}
    assert set(by_ids) == {("D-1", "D-2", "D-3"), ("D-4",)}
    text = docx_text(by_ids["D-1", "D-2", "D-3"].path)
    assert "1 | 99213-25 |" in text and "2 | 20610-RT |" in text and "3 | 99214 |" in text
    assert "as not medically necessary (CO-50 N115)" in text
    assert "for a missing or mismatched authorization or referral (CO-197 N115)" in text
    assert "2 letter(s) written" in report.summary() and "covering 4 denials" in report.summary()
    after = denials(tracker)
    assert after["D-1"][Col.LETTER] == after["D-2"][Col.LETTER] == after["D-3"][Col.LETTER]
    assert after["D-4"][Col.LETTER] != after["D-1"][Col.LETTER]
    assert after["D-1"][Col.LETTER_STATUS] == after["D-3"][Col.LETTER_STATUS]


def test_past_its_deadline_a_letter_is_drafted_only_when_asked(tracker):
    late = {Col.APPEAL_DEADLINE: date(2026, 3, 1)}
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-LATE"} | late),
        denial_row(**{Col.DENIAL_ID: "D-ASKED", Col.LETTER_WANTED: "Yes"} | late),
        denial_row(**{Col.DENIAL_ID: "D-IN-TIME", Col.APPEAL_DEADLINE: date(2026, 3, 20)}),
    ]
    write_denials(tracker, rows)
    report = generate(tracker)
    assert {w.denial_id for w in report.written} == {"D-ASKED", "D-IN-TIME"}
    assert report.skipped_by_reason() == {selection.PAST_DEADLINE: ["D-LATE"]}
    asked = next(w for w in report.written if w.denial_id == "D-ASKED")
    assert "We ask the payer to accept it for good cause: [[" in docx_text(asked.path)


def test_the_remedy_decides_whether_a_letter_is_the_step(tracker):
    rows = [
        denial_row(**{Col.DENIAL_ID: "D-CC", Col.REMEDY: "Corrected claim"}),
        denial_row(**{Col.DENIAL_ID: "D-NO", Col.REMEDY: "Appeal", Col.APPEALABLE: "No"}),
        denial_row(**{Col.DENIAL_ID: "D-REOPEN", Col.CARC: "4", Col.REMEDY: "Reopening"}),
    ]
    write_denials(tracker, rows)
    report = generate(tracker)
    [letter] = report.written
    assert letter.denial_id == "D-REOPEN" and letter.template == "reopening_request"
    reasons = {s.denial_id: s.message for s in report.skipped}
    assert reasons["D-CC"].startswith("the remedy is corrected claim, not a letter")
    assert reasons["D-NO"] == selection.NOT_APPEALABLE


def _complete(path: Path, keep: int = 0) -> None:
    """A person completes the letter's fields in Word (all but `keep` of them)."""
    document = Document(str(path))
    for paragraph in document.paragraphs:
        for _ in range(paragraph.text.count("[[")):
            if keep:
                keep -= 1
                break
            paragraph.text = re.sub(r"\[\[.*?\]\]", "completed", paragraph.text, count=1)
    document.save(str(path))


def test_letter_status_follows_the_fields_a_person_completes(tracker):
    write_denials(tracker, [denial_row()])
    [letter] = generate(tracker).written
    first = denials(tracker)["D-0000000001"][Col.LETTER_STATUS]
    assert first == status_for(letter.open_fields) and letter.open_fields > 1
    _complete(letter.path, keep=1)
    report = generate(tracker)  # nothing to draft: the draft is counted again
    assert report.saved and not report.written
    assert denials(tracker)["D-0000000001"][Col.LETTER_STATUS] == (
        "Draft — needs input (1 open field)"
    )
    assert [s.open_fields for s in report.drafts] == [1] and not report.ready
    _set_row(tracker, "D-0000000001", **{Col.LETTER_STATUS: "Ready"})
    marked = generate(tracker)  # marked Ready, but a field is open: never reported as done
    assert not marked.ready and marked.drafts[0].open_fields == 1
    assert (
        marked.status_line() == "Letter Status: 0 Ready, 1 draft(s) need input (1 open field(s))."
    )
    _complete(letter.path)
    done = generate(tracker)
    assert len(done.ready) == 1 and not done.drafts
    assert denials(tracker)["D-0000000001"][Col.LETTER_STATUS] == "Ready"  # a person's word
