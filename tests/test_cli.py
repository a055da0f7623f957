"""The `denialdesk` command line: parse, synth and demo, through click's CliRunner."""

from __future__ import annotations

import json

import pytest

from addin.cli import cli
from addin.workbook.layout import CLAIM_CHECK, CLAIMS, DENIALS, FOLLOW_UP, REMITS, WORK_QUEUE, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests.conftest import REMITS as REMIT_DATA

DENIED = REMIT_DATA / "2026-03-co50-denied.835"
REQUIRED_KEYS = {
    "file",
    "transaction",
    "payer_name",
    "payer_id",
    "check_number",
    "payment_date",
    "claim_id",
    "status",
    "charge",
    "paid",
    "patient_responsibility",
    "payer_claim_number",
    "adjustments",
    "remarks",
    "lines",
    "balanced",
    "findings",
}
CLP_KEYS = (  # CLP01 … CLP14 in order
    "claim_id",
    "status",
    "charge",
    "paid",
    "patient_responsibility",
    "filing_indicator",
    "payer_claim_number",
    "facility_type",
    "frequency",
    "patient_status",
    "drg",
    "drg_weight",
    "discharge_fraction",
    "yes_no_condition",
)


def test_parse_json_prints_one_claim_per_line(runner):
    result = runner.invoke(cli, ["parse", str(DENIED), "--json"])
    assert result.exit_code == 0, result.output
    claims = [json.loads(line) for line in result.output.splitlines()]
    assert [c["claim_id"] for c in claims] == ["DD1001", "DD1002"]
    first = claims[0]
    assert REQUIRED_KEYS <= set(first) and set(CLP_KEYS) <= set(first)
    assert (first["status"], first["charge"], first["paid"], first["payment_date"]) == (
        "4",
        "250.00",
        "0.00",
        "2026-03-02",
    )
    assert first["adjustments"] == [
        {
            "level": "line",
            "line": 1,
            "group": "CO",
            "carc": "50",
            "amount": "250.00",
            "quantity": None,
        }
    ]
    assert first["remarks"] == ["N115"] and first["balanced"] is True
    assert first["lines"][0]["procedure"] == "99214" and first["lines"][0]["units"] == "1"
    assert claims[1]["patient_responsibility"] == "20.00"
    assert "TESTPATIENT" not in result.output and "SYN0001" not in result.output


def test_parse_json_has_every_clp_field(runner, tmp_path):
    remit = tmp_path / "institutional.835"
    remit.write_text(
        DENIED.read_text().replace(
            "CLP*DD1001*4*250*0**12*PCN-A1*11*1~",
            "CLP*DD1001*4*250*0**MA*PCN-A1*13*1*01*470*1.2345*55.5*Y~",
        )
    )
    result = runner.invoke(cli, ["parse", str(remit), "--json"])
    assert result.exit_code == 0, result.output
    first, second = _stdout_is_json_lines(result)
    clp = {key: first[key] for key in CLP_KEYS}
    assert clp == {
        "claim_id": "DD1001",
        "status": "4",
        "charge": "250.00",
        "paid": "0.00",
        "patient_responsibility": None,
        "filing_indicator": "MA",
        "payer_claim_number": "PCN-A1",
        "facility_type": "13",
        "frequency": "1",
        "patient_status": "01",
        "drg": "470",
        "drg_weight": "1.2345",
        "discharge_fraction": "55.5",
        "yes_no_condition": "Y",
    }
    assert (second["patient_status"], second["drg_weight"], second["yes_no_condition"]) == (
        None,
        None,
        None,
    )


def test_parse_summary_and_a_bad_file(runner, tmp_path):
    bad = tmp_path / "report.pdf"
    bad.write_bytes(b"%PDF-1.4 binary")
    result = runner.invoke(cli, ["parse", str(DENIED), str(bad)])
    assert result.exit_code == 1
    assert (
        "2026-03-co50-denied.835 ST 0001: TEST HEALTH PLAN paid $80.00 on 2026-03-02 "
        "(EFT0001), 2 claims, 2 lines, 3 adjustments — balanced"
    ) in result.output
    assert "Error: report.pdf: not an 835 text file: it holds a PDF" in result.output


def test_synth_is_deterministic_and_balanced(runner, tmp_path):
    one, two, other = tmp_path / "a.835", tmp_path / "b.835", tmp_path / "c.835"
    for path, seed in ((one, "5"), (two, "5"), (other, "6")):
        result = runner.invoke(cli, ["synth", "--claims", "250", "--seed", seed, str(path)])
        assert result.exit_code == 0 and "Wrote 250 synthetic claims" in result.output
    assert one.read_bytes() == two.read_bytes() != other.read_bytes()
    parsed = runner.invoke(cli, ["parse", str(one)])
    assert "250 claims" in parsed.output and parsed.output.rstrip().endswith("balanced")


def test_demo_runs_the_four_buttons_and_can_run_again(runner, tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", "--out", str(out), "--as-of", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert "62 file(s) imported: 370 claims (0 new), 55 new denials, 17 resolved" in result.output
    assert "359 claim submission(s), 2 acknowledgment(s) (2 rejected)" in result.output
    assert "10 claim(s) to follow up" in result.output
    assert "Check Claims: Checked 12" in result.output
    assert (
        "Classify: 55 denials classified: 38 open in the Work Queue (24 overdue, 3 due "
        "within 14 days"
    ) in result.output
    assert "Letters: 2 letter(s) written" in result.output
    assert "Letter Status: 0 Ready, 2 draft(s) need input (9 open field(s))." in result.output
    assert "Letter Status: 1 Ready, 1 draft(s) need input (5 open field(s))." in result.output
    assert "data 2026-06-08 to 2026-11-23, 340 claims, 55 denials" in result.output
    book = OpenpyxlBook.open(out / "DenialDesk Tracker.xlsx")
    # 349 answered claims and the 10 unanswered ones the demo's 837s add; 30 remits and the
    # import-log rows of the 31 837 transactions and the 277CA
    assert len(book.read_table(CLAIMS)) == 359 and len(book.read_table(REMITS)) == 62
    denials = book.read_table(DENIALS)
    assert len(denials) == 55 and denials[Col.CATEGORY].notna().all()
    assert len(book.read_table(WORK_QUEUE)) == 48  # 38 denials, 10 follow-ups
    assert len(book.read_table(FOLLOW_UP)) == 10 and len(book.read_table(CLAIM_CHECK)) == 12
    letters = sorted((out / "letters").glob("*.docx"))
    assert len(letters) == 2 and denials[Col.LETTER].notna().sum() == 3  # a two-line claim
    assert (denials[Col.LETTER_STATUS] == "Ready").sum() == 1
    assert book.workbook["KPIs"]["A1"].value.startswith("Denial KPIs")
    assert runner.invoke(cli, ["demo", "--out", str(out)]).exit_code == 0


def test_demo_refuses_a_folder_that_is_not_its_own(runner, tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "not a DenialDesk demo folder" in result.output
    assert (tmp_path / "mine.txt").read_text() == "precious"


def _stdout_is_json_lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_parse_json_keeps_transaction_findings_off_stdout(runner, tmp_path):
    miscounted = tmp_path / "miscounted.835"
    miscounted.write_text(DENIED.read_text().replace("SE*28*0001~", "SE*31*0001~"))
    result = runner.invoke(cli, ["parse", str(miscounted), "--json"])
    assert result.exit_code == 0, result.output
    assert [c["claim_id"] for c in _stdout_is_json_lines(result)] == ["DD1001", "DD1002"]
    assert result.stderr == (
        "Note: miscounted.835 transaction 0001: SE says 31 segments but the transaction has 28\n"
    )


def test_parse_json_stdout_is_json_lines_on_a_public_sample(runner, samples):
    sample = samples / "pyx12" / "x12testdata_835id.txt"
    if not sample.is_file():
        pytest.skip(f"{sample.name} is not in ../shared/samples/835/pyx12")
    result = runner.invoke(cli, ["parse", str(sample), "--json"])
    assert result.exit_code == 0, result.output
    assert _stdout_is_json_lines(result)
    assert "Note: x12testdata_835id.txt transaction 40731: payment" in result.stderr
