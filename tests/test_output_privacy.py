"""No field value in any output: damaged fields are named with what was wrong, never quoted;
the error log's scrubber masks short ids and dates; the terminal never gets raw control
characters from a file."""

from __future__ import annotations

import zipfile

import pytest

from addin.cli import cli
from addin.cli._shared import terminal_text
from addin.excel import scrub
from addin.workbook.layout import AUDIT, CLAIMS, REMITS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests.conftest import REMITS as REMIT_DATA

DENIED = REMIT_DATA / "2026-03-co50-denied.835"
SECRET = "ZULUPATIENT"


def _damaged_remit(folder):
    """Every element a finding talks about, overwritten by a synthetic patient name."""
    text = DENIED.read_text()
    text = text.replace("CLP*DD1001*4*250*0**12", f"CLP*DD1001*4*250*0*{SECRET}*12")
    text = text.replace("CAS*CO*50*250", f"CAS*CO*{SECRET}*250")
    text = text.replace("DTM*472*20260210", f"DTM*472*{SECRET}")
    text = text.replace("BPR*I*80*", f"BPR*I*{SECRET}*")
    text = text.replace("DTM*405*20260301", f"DTM*{SECRET}*{SECRET}")
    path = folder / "damaged.835"
    path.write_text(text, newline="")
    return path


def test_damaged_fields_are_named_never_quoted(runner, tracker):
    """Before: "CLP05 'ZULUPATIENT' is not an amount", "unknown codes ZULUPATIENT"."""
    remit = _damaged_remit(tracker.parent)
    said = []
    for args in (
        ["import", str(tracker), str(remit)],
        ["parse", str(remit)],
        ["parse", "--json", str(remit)],
        ["classify", str(tracker), "--as-of", "2026-04-01"],
        ["doctor", str(tracker)],
    ):
        result = runner.invoke(cli, args)
        assert "Traceback" not in result.output, result.output
        # JSON Lines objects carry the claims' codes as documented data (next test)
        said += [line for line in result.output.splitlines() if not line.startswith("{")]
    text = "\n".join(said)
    assert "BPR02 is not an amount" in text
    assert "unknown codes: 1 unreadable code cell(s) on Denials" in text
    book = OpenpyxlBook.open(tracker)
    logged = " ".join(
        str(v) for spec in (REMITS, AUDIT, CLAIMS) for v in book.read_table(spec).to_numpy().ravel()
    )
    assert "CLP05 is not an amount; DTM*472 date is not a valid date" in logged
    for where, content in (("output", text), ("Remits/Audit sheets", logged)):
        assert SECRET not in content, where
    with zipfile.ZipFile(tracker) as archive:  # the CARC cell itself holds it, as data
        assert any(SECRET.encode() in archive.read(n) for n in archive.namelist())


def test_the_json_output_keeps_its_data_keys_but_quotes_no_damaged_field(runner, tmp_path):
    remit = _damaged_remit(tmp_path)
    result = runner.invoke(cli, ["parse", "--json", str(remit)])
    lines = [line for line in result.output.splitlines() if line.startswith("{")]
    assert lines and all(SECRET not in line.split('"adjustments"')[0] for line in lines)
    findings = [line.split('"findings"')[1] for line in lines]
    assert any("CLP05 is not an amount" in f for f in findings)
    assert not any(SECRET in f for f in findings)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("KeyError: A12", "KeyError"),
        ("member W123 on row 4", "member"),
        ("born 1970-01-01", "born"),
        ("born 01/02/1970", "born"),
        ("born 1.2.1970", "born"),
        ("born Jan 5, 1970", "born"),
        ("id 4471", "id"),
    ],
)
def test_the_log_scrubber_masks_short_ids_and_dates(text, kept):
    """Before: ids under six characters and dates with / or . went to the log as they were."""
    scrubbed = scrub(text)
    assert kept in scrubbed
    assert not any(ch.isdigit() for ch in scrubbed), scrubbed


def test_the_log_scrubber_keeps_our_own_keys():
    assert scrub("D-1A2B3C4D5E and C-0123456789") == "D-1A2B3C4D5E and C-0123456789"


ESCAPES = "\x1b[31mRED\x1b[0m \x1b]0;pwned\x07TITLE \x1b[2J\rCR\x08 \u202eEVIL\x9b"


def test_terminal_text_strips_escapes_and_control_characters():
    assert terminal_text(ESCAPES) == "RED TITLE CR EVIL"
    assert terminal_text("tab\tand\nnewline stay") == "tab\tand\nnewline stay"


def test_a_payer_name_with_terminal_escapes_is_printed_clean(runner, tracker):
    """Before: `parse` printed the payer name's escape sequences raw."""
    text = DENIED.read_text().replace("N1*PR*TEST HEALTH PLAN", f"N1*PR*TEST{ESCAPES}")
    remit = tracker.parent / "escapes.835"
    remit.write_text(text, newline="")
    outputs = [runner.invoke(cli, ["parse", str(remit)]).output]
    outputs.append(runner.invoke(cli, ["import", str(tracker), str(remit)]).output)
    outputs.append(runner.invoke(cli, ["classify", str(tracker)]).output)
    printed = "\n".join(outputs)
    assert "TESTRED TITLE" in printed or "TEST" in printed
    assert not any(ch in printed for ch in "\x1b\x07\x08\r\x9b\u202e"), repr(printed)
    payer = OpenpyxlBook.open(tracker).read_table(REMITS).iloc[0][Col.PAYER]
    assert payer.startswith("TEST")  # the workbook keeps the payer's name (less what a
    # spreadsheet cannot hold)


def test_json_lines_carry_no_control_character_raw(runner, tmp_path):
    """parse --json skips the terminal sanitiser (it cost a third of the command): its lines
    are ASCII with every control character and escape written as a JSON escape instead."""
    text = DENIED.read_text().replace("N1*PR*TEST HEALTH PLAN", f"N1*PR*TEST{ESCAPES}\x7f")
    text = text.replace("CLP*DD1001*", "CLP*DD\x1b[2J1001*")
    remit = tmp_path / "escapes.835"
    remit.write_text(text, newline="")
    result = runner.invoke(cli, ["parse", "--json", str(remit)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and all(line.isascii() and line.isprintable() for line in lines)
    assert r'"payer_name": "TEST\u001b[31mRED' in lines[0] and r"\u202eEVIL" in lines[0]
    assert r'"claim_id": "DD\u001b[2J1001"' in result.stdout
