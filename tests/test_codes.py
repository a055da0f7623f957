"""Code knowledge: lookups, deactivated and unknown codes, Codes-sheet overrides, `codes import`."""

from __future__ import annotations

import pandas as pd
import pytest

from addin import actions, codebook, codes
from addin.actions.code_list import import_code_list
from addin.classify import Case, classify
from addin.cli import cli
from addin.errors import AddinError, UnknownCodeError
from addin.workbook.layout import CLAIMS, CODES, DENIALS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.conftest import REMITS, SHARED


def test_every_code_in_our_lists_has_a_description_and_a_status():
    for table in (codes.carc_table(), codes.rarc_table()):
        for info in table.values():
            assert info.description and info.status in ("current", "deactivated")
    assert len(codes.carc_table()) == 407 and len(codes.rarc_table()) == 1216


@pytest.mark.parametrize(
    "lookup, code, deactivated",
    [(codes.carc, "38", True), (codes.carc, "016", False), (codes.rarc, "ma130", False)],
    ids=["deactivated CARC", "leading zero", "lower-case RARC"],
)
def test_lookups_normalise_and_know_deactivated_codes(lookup, code, deactivated):
    assert lookup(code).deactivated is deactivated


@pytest.mark.parametrize(
    "lookup, code, words",
    [
        (codes.carc, "999", "CARC '999' is not a Claim Adjustment Reason Code"),
        (codes.rarc, "N99999", "RARC 'N99999' is not a Remittance Advice Remark Code"),
        (codes.group_code, "XX", "group code 'XX' is not a claim adjustment group code"),
    ],
    ids=["CARC", "RARC", "group"],
)
def test_unknown_codes_raise_a_clear_error(lookup, code, words):
    with pytest.raises(UnknownCodeError) as raised:
        lookup(code)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "shown, code",
    [("Denied", "4"), ("Reversal of previous payment", "22"), ("22", "22"), ("", "")],
    ids=["label", "reversal label", "code", "blank"],
)
def test_claim_status_as_the_tracker_shows_it_maps_to_its_code(shown, code):
    assert codes.claim_status_code(shown) == code


def test_group_codes_and_claim_statuses_are_named_enums():
    assert codes.GroupCode("CR") is codes.GroupCode.CORRECTION
    assert codes.ClaimStatus.DENIED.label == "Denied"


# -- Codes sheet overrides --------------------------------------------------------------


def sheet(*rows: dict) -> codebook.CodeBook:
    frame = pd.DataFrame(
        [{c: row.get(c) for c in CODES.column_names} for row in rows],
        columns=list(CODES.column_names),
        dtype=object,
    )
    return codebook.load(frame)


@pytest.mark.parametrize(
    "rows, case, field, value",
    [
        ([{Col.CODE: "16", Col.CATEGORY: "coding"}], Case("CO", "16", ("MA130",)),
         "category", "coding"),
        ([{Col.CODE: "16", Col.CATEGORY: "coding"},
          {Col.CODE: "16", Col.GROUP: "CO", Col.CATEGORY: "documentation"}],
         Case("CO", "16"), "category", "documentation"),
        ([{Col.CODE: "16", Col.GROUP: "OA", Col.CATEGORY: "documentation"}],
         Case("CO", "16"), "category", "claim_data"),
        ([{Col.CODE_TYPE: "RARC", Col.CODE: "N290", Col.CATEGORY: "provider_enrollment"}],
         Case("CO", "16", ("N290",)), "category", "provider_enrollment"),
        ([{Col.CODE: "50", Col.IS_DENIAL: "No"}], Case("CO", "50"), "is_denial", False),
        ([{Col.CODE: "50", Col.ACTION: "Call Dr. Example's office first."}], Case("CO", "50"),
         "action", "Call Dr. Example's office first."),
        ([{Col.CODE: "97", Col.TYPE: "Hard", Col.NATURE: "clinical"}], Case("CO", "97"),
         "type", "hard"),
        ([{Col.CODE: "X9", Col.CATEGORY: "eligibility"}], Case("CO", "X9"), "category",
         "eligibility"),
    ],
    ids=["category beats the MA130 rule", "group row beats every-group row",
         "other group's row does not apply", "remark row", "not a denial", "own action",
         "type, case-insensitive", "a code we do not know"],
)  # fmt: skip
def test_codes_sheet_overrides_win(rows, case, field, value):
    decision = classify(case, sheet(*rows))
    assert getattr(decision, field) == value
    if field == "category" and value == "claim_data":
        assert decision.rule == "code-mapping"
    else:
        assert decision.rule.startswith("codes-sheet")


def test_a_category_override_brings_that_category_s_playbook():
    decision = classify(
        Case("CO", "16", ("MA130",)), sheet({Col.CODE: "16", Col.CATEGORY: "coding"})
    )
    assert (decision.type, decision.stage, decision.nature) == (
        "soft",
        "back_end",
        "administrative",
    )
    assert "codes" in decision.action and "corrected claim" in decision.action
    assert "'unprocessable-claim'" in decision.why


def test_a_description_alone_changes_only_the_wording():
    book = sheet({Col.CODE: "50", Col.DESCRIPTION: "Our words for fifty"})
    decision = classify(Case("CO", "50"), book)
    assert decision.description == "CO-50: Our words for fifty"
    assert decision.rule == "medical-necessity"


def test_overrides_never_turn_a_reversal_into_a_denial():
    book = sheet({Col.CODE: "50", Col.IS_DENIAL: "Yes", Col.CATEGORY: "coding"})
    assert not classify(Case("CO", "50", claim_status="22"), book).is_denial


@pytest.mark.parametrize(
    "row, words",
    [
        (
            {Col.CODE: "16", Col.CATEGORY: "billing"},
            "the Category cell holds a value that is not allowed",
        ),
        (
            {Col.CODE: "16", Col.IS_DENIAL: "maybe"},
            "the Is Denial cell holds a value that is not allowed",
        ),
        ({Col.CODE: "16", Col.GROUP: "ZZ"}, "group code 'ZZ'"),
        (
            {Col.CODE: "16", Col.CODE_TYPE: "HCPCS"},
            "the Code Type cell holds a value that is not allowed",
        ),
    ],
    ids=["category", "is denial", "group", "code type"],
)
def test_a_bad_codes_sheet_value_names_the_row_and_the_fix(row, words):
    with pytest.raises(AddinError) as raised:
        sheet({Col.CODE: "50"}, row)
    assert words in str(raised.value)
    if "group code" not in words:
        assert "Codes sheet, data row 2" in str(raised.value)


# -- official lists -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Code,Description\n16,Official sixteen\nMA130,Official remark\n",
         [("CARC", "16"), ("RARC", "MA130")]),
        ("\ufeffCODE;x\n", None),
        ("Reason Code,Code Description,Code Type\n0016,Sixteen,CARC\nN1,One,Remark\n",
         [("CARC", "16"), ("RARC", "N1")]),
        ("code,description,usage_note\nA1,Claim denied,\n,blank code,\n", [("CARC", "A1")]),
    ],
    ids=["plain", "no description column", "other headers and a type column", "blank rows"],
)  # fmt: skip
def test_official_lists_are_read_from_their_header(text, expected):
    if expected is None:
        with pytest.raises(AddinError, match="has no Code column"):
            codes.read_official_list(text, "list.csv")
        return
    found = codes.read_official_list(text, "list.csv")
    assert [(c.code_type, c.code) for c in found] == expected


def official_csv(tmp_path, rows: str):
    path = tmp_path / "official.csv"
    path.write_text("Code,Description\n" + rows, encoding="utf-8")
    return path


def _write_codes(tracker, rows: list[dict]) -> None:
    with open_for_update(tracker) as book:
        frame = book.read_table(CODES)
        book.write_table(CODES, pd.DataFrame(rows, columns=frame.columns, dtype=object))
        book.save()


def test_codes_import_adds_fills_and_keeps_people_s_descriptions(tracker, tmp_path):
    _write_codes(
        tracker,
        [
            {Col.CODE: "50", Col.DESCRIPTION: "Our own words"},
            {Col.CODE: "29", Col.CATEGORY: "timely_filing"},
        ],
    )
    source = official_csv(
        tmp_path, "50,Official fifty\n29,Official twenty-nine\nN290,Official remark\nZ99,New\n"
    )
    with open_for_update(tracker) as book:
        report = import_code_list(book, source)
    assert (report.read, report.added, report.filled, report.kept) == (4, 2, 1, 1)
    assert report.new_codes == ["Z99"]
    table = OpenpyxlBook.open(tracker).read_table(CODES).set_index(Col.CODE)
    assert table.loc["50", Col.DESCRIPTION] == "Our own words"
    assert table.loc["29", Col.DESCRIPTION] == "Official twenty-nine"
    assert table.loc["29", Col.CATEGORY] == "timely_filing"
    assert table.loc["N290", Col.CODE_TYPE] == "RARC"
    before = tracker.read_bytes()
    with open_for_update(tracker) as book:
        again = import_code_list(book, source)
    assert (again.added, again.filled) == (0, 0) and tracker.read_bytes() == before


def test_the_codes_sheet_decides_what_import_records_as_a_denial(tracker):
    _write_codes(
        tracker,
        [  # CO-50 is not a denial here; PR-2 (coinsurance) is one for this practice
            {Col.CODE: "50", Col.GROUP: "CO", Col.IS_DENIAL: "No"},
            {Col.CODE: "2", Col.GROUP: "PR", Col.IS_DENIAL: "Yes", Col.CATEGORY: "other"},
        ],
    )
    with open_for_update(tracker) as book:
        report = actions.import_remittances(book, [REMITS / "2026-03-co50-denied.835"])
    book = OpenpyxlBook.open(tracker)
    denials, claims = book.read_table(DENIALS), book.read_table(CLAIMS)
    assert [(d[Col.GROUP], d[Col.CARC]) for _, d in denials.iterrows()] == [("PR", "2")]
    assert report.stats.new_denials == 1
    flags = dict(zip(claims[Col.CLAIM_ID], claims[Col.INITIALLY_DENIED], strict=True))
    # DD1001 has no Denials row now, but its first adjudication is CLP02 = 4: HFMA's claim-level
    # rule (Claim Integrity Task Force) counts it initially denied whatever its codes are.
    assert flags == {"DD1001": "Yes", "DD1002": "Yes"}


def test_imported_wording_shows_in_explanations(tracker, tmp_path):
    source = official_csv(tmp_path, "50,Official wording of fifty\n")
    with open_for_update(tracker) as book:
        import_code_list(book, source)
        decision = classify(Case("CO", "50"), codebook.load(book.read_table(CODES)))
    assert decision.description == "CO-50: Official wording of fifty"


def test_codes_import_command_loads_the_reference_list(runner, tracker):
    reference = SHARED / "domain" / "reference" / "carc.csv"
    if not reference.exists():
        pytest.skip("../shared reference lists are not present")
    result = runner.invoke(cli, ["codes", "import", str(tracker), str(reference)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("407 codes read: 407 added to the Codes sheet")
    table = OpenpyxlBook.open(tracker).read_table(CODES)
    assert len(table) == 407 and set(table[Col.CODE_TYPE]) == {"CARC"}


def test_codes_import_refuses_a_file_without_the_columns(runner, tracker, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Amount\nx,1\n", encoding="utf-8")
    result = runner.invoke(cli, ["codes", "import", str(tracker), str(bad)])
    assert result.exit_code == 1
    assert "Error: bad.csv has no Code column" in result.output


@pytest.mark.parametrize(
    "group, carc, label",
    [("CO", "16", "CO-16 Claim lacks info"), ("PR", "1", "PR-1 Deductible"),
     ("OA", "18", "OA-18 Exact duplicate"), ("CO", "197", "CO-197 Auth absent")],
    ids=["CO-16", "PR-1", "OA-18", "CO-197"],
)  # fmt: skip
def test_a_reason_reads_group_carc_and_a_few_words(group, carc, label):
    assert f"{codes.group_carc(group, carc)} {codes.carc_short(carc)}" == label


def test_short_words_come_from_the_research_subcategories():
    """carc.csv's `short` column (CODES.md) is the research table's subcategory in words."""
    research = SHARED / "domain" / "carc_categories.csv"
    if not research.exists():
        pytest.skip("../shared research table is not present")
    table = pd.read_csv(research, dtype=str).set_index("carc")["subcategory"]
    known = codes.carc_table()
    for code, subcategory in table.items():
        words = known[code].short.lower().replace("/", " ").replace("-", " ").replace("'", "")
        assert words.split() == subcategory.replace("_", " ").split(), code
    assert sum(1 for info in known.values() if info.short) == len(table) == 141


def test_a_meaning_without_short_words_is_cut_for_an_axis():
    cut = codes.short_meaning("Performing (rendering) provider can't be paid for this service")
    assert cut == "Performing provider…" and len(cut) <= codes.SHORT_MEANING_CHARS
    assert codes.short_meaning("Required prior auth/precert/notification wasn't obtained") == (
        "Required prior auth…"
    )  # a slash breaks a long word
    assert codes.short_meaning("Denied; the remark code gives the reason") == "Denied"
    assert codes.carc_short("W1") == "Workers' comp state fee…"  # no research row: cut
    assert codes.carc_short("MA130") == "" and codes.group_carc("", "16") == "16"
