"""The 835 reader on our own synthetic remits, in every physical layout payers use."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from addin.demo import synth
from addin.errors import RemitParseError
from addin.remit import Claim, RemitReader, TransactionEnd, read_remit
from addin.remit.segments import CHUNK_SIZE
from tests.conftest import REMITS
from tests.support import read_all

DENIED = REMITS / "2026-03-co50-denied.835"


def _claims(text: str | bytes) -> list[Claim]:
    return [r for r in read_remit(text) if isinstance(r, Claim)]


def _facts(claims: list[Claim]) -> list[tuple]:
    return [
        (
            c.claim_id,
            c.status,
            c.charge,
            c.paid,
            c.payer_claim_number,
            [(a.group, a.carc, a.amount, a.line) for a in c.all_adjustments],
            c.findings,
        )
        for c in claims
    ]


LAYOUTS = {
    "one line": lambda t: t.replace("~\n", "~"),
    "CRLF after each terminator": lambda t: t.replace("~\n", "~\r\n"),
    "newline as terminator": lambda t: t.replace("~\n", "\n"),
    "CR LF as terminator": lambda t: t.replace("~\n", "\r\n"),
    "CR after each terminator": lambda t: t.replace("~\n", "~\r"),
    "CR as terminator": lambda t: t.replace("~\n", "\r"),
    "terminator at the start of the next line": lambda t: t.replace("~\n", "\n~"),
    "wrapped at 80 columns": lambda t: "\n".join(
        t.replace("~\n", "~")[i : i + 80] for i in range(0, len(t), 80)
    ),
    "spaces around terminators": lambda t: t.replace("~\n", " ~ "),
    "other delimiters": lambda t: t.replace("*", "|").replace("HC:", "HC^").replace("|:~", "|^~"),
    "unpadded ISA": lambda t: t.replace("*TESTPAYER      *", "*TESTPAYER*").replace(
        "*TESTPRACTICE   *", "*TESTPRACTICE*"
    ),
    "no ISA/GS envelope": lambda t: t[t.index("ST*835") : t.index("GE*")],
    "byte order mark": lambda t: "\ufeff" + t,
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_every_layout_reads_the_same_claims(layout):
    text = DENIED.read_text()
    expected = _facts(_claims(text))
    assert expected and not any(c[-1] for c in expected)
    assert _facts(_claims(LAYOUTS[layout](text))) == expected


@pytest.mark.parametrize("line_end", ["\r", "~\r"], ids=["CR only", "terminator and CR"])
def test_cr_only_line_ends_read_the_same_claims_from_disk(tmp_path, line_end):
    out = io.StringIO()
    synth.write_835(out, 600, seed=3)  # several read chunks, so CRs fall on chunk edges
    lf = tmp_path / "lf.835"
    lf.write_bytes(out.getvalue().encode("ascii"))
    cr = tmp_path / "cr.835"
    cr.write_bytes(out.getvalue().replace("~\n", line_end).encode("ascii"))
    assert b"\n" not in cr.read_bytes() and cr.stat().st_size > 3 * CHUNK_SIZE
    with lf.open("rb") as handle:
        expected = _claims(handle)
    with cr.open("rb") as handle:
        assert _claims(handle) == expected
    assert len(expected) == 600


INSTITUTIONAL_CLP = "CLP*DD1001*4*250*0**MA*PCN-A1*13*1*01*470*1.2345*55.5*Y~"


def test_every_clp_field_is_read():
    text = DENIED.read_text().replace("CLP*DD1001*4*250*0**12*PCN-A1*11*1~", INSTITUTIONAL_CLP)
    claim = _claims(text)[0]
    assert (claim.filing_indicator, claim.payer_claim_number, claim.facility_type) == (
        "MA",
        "PCN-A1",
        "13",
    )
    assert (claim.frequency, claim.patient_status, claim.drg) == ("1", "01", "470")
    assert (claim.drg_weight, claim.discharge_fraction, claim.yes_no_condition) == (
        Decimal("1.2345"),
        Decimal("55.5"),
        "Y",
    )
    assert not claim.findings
    professional = _claims(DENIED.read_text())[0]
    assert (professional.patient_status, professional.drg_weight) == ("", None)
    assert (professional.discharge_fraction, professional.yes_no_condition) == (None, "")


def test_an_unreadable_drg_weight_is_a_finding():
    bad = INSTITUTIONAL_CLP.replace("*1.2345*", "*1,23*")
    claim = _claims(DENIED.read_text().replace("CLP*DD1001*4*250*0**12*PCN-A1*11*1~", bad))[0]
    assert claim.drg_weight is None
    assert claim.findings == ("CLP12 DRG weight is not a number",)


def test_many_interchanges_in_one_file_repeat_control_numbers():
    text = DENIED.read_text()
    reader = RemitReader(text * 3)
    records = list(reader)
    assert reader.interchanges == 3
    ends = [r for r in records if isinstance(r, TransactionEnd)]
    assert len({e.fingerprint for e in ends}) == 1 and len(ends) == 3


def test_money_is_decimal_and_balancing_is_checked():
    text = DENIED.read_text().replace("CLP*DD1002*1*150*80*20", "CLP*DD1002*1*150*75*20")
    claims = _claims(text)
    assert isinstance(claims[1].charge, Decimal)
    assert claims[1].findings == (
        "claim does not balance: charge 150.00 − paid 75.00 ≠ adjustments 70.00 (off by 5.00)",
    )
    ends = [r for r in read_remit(text) if isinstance(r, TransactionEnd)]
    assert "payment 80.00 ≠ claims paid 75.00 − provider adjustments 0.00 (off by 5.00)" in (
        ends[0].findings
    )


def test_unknown_segments_are_ignored_and_counted():
    text = DENIED.read_text().replace("DTM*050*20260215~", "DTM*050*20260215~ZZZ*1~K3*x~")
    text = text.replace("SE*28*0001", "SE*30*0001")
    ends = [r for r in read_remit(text) if isinstance(r, TransactionEnd)]
    assert ends[0].unknown_segments == 2
    assert "2 unknown segment(s) ignored (K3, ZZZ)" in ends[0].findings


def test_a_malformed_segment_is_counted_without_quoting_it():
    # An NM1 written with the wrong separator reads as one segment whose "id" is all of it.
    malformed = "NM1|QC|1|ZULUPATIENT|YANKEE~zz9*1~"
    text = DENIED.read_text().replace("DTM*050*20260215~", "DTM*050*20260215~" + malformed)
    text = text.replace("DTM*405*20260301~", "DTM*405*20260301~ZULUPATIENT YANKEE~")
    records = list(read_remit(text))
    findings = [f for r in records for f in r.findings]
    assert "3 unknown segment(s) ignored (ZZ9, 2 with an unreadable id)" in findings
    assert not [f for f in findings if "ZULU" in f or "YANKEE" in f]


@pytest.mark.parametrize(
    "content, looks_like",
    [
        # Prose before a well-formed ISA is skipped (test_prose_before_isa_is_skipped…);
        # before a broken one, the file is refused and the prose is not quoted.
        ("ZULUPATIENT, YANKEE, DOB 1970-01-01\nISA*00*cut short~", "36 character(s) of"),
        ("<html><body>ZULUPATIENT YANKEE</body></html>", "an XML or HTML page"),
        ('{"patient": "ZULUPATIENT YANKEE"}', "JSON data"),
        ("Patient,DOB,Member\nZULUPATIENT YANKEE,1970-01-01,SYN9", "a CSV or spreadsheet row"),
        ("GS*HP*ZULUPATIENT YANKEE~GE*1*1~", "a different X12 segment"),
        ("ZULUPATIENT YANKEE owes 10.00", "it starts with other text"),
    ],
    ids=["text before ISA", "HTML", "JSON", "CSV", "no envelope", "text"],
)
def test_a_file_that_is_not_x12_is_described_never_quoted(content, looks_like):
    with pytest.raises(RemitParseError) as raised:
        list(read_remit(content))
    message = str(raised.value)
    assert message.startswith("not an X12 file") and looks_like in message
    assert "ZULU" not in message and "YANKEE" not in message


def test_a_reversal_and_its_correction_are_both_read():
    claims = _claims((REMITS / "2026-05-reversal-and-duplicate.835").read_bytes())
    assert [(c.claim_id, c.status, c.paid) for c in claims[:2]] == [
        ("DD1002", "22", Decimal("-80")),
        ("DD1002", "1", Decimal("90")),
    ]
    assert claims[0].is_reversal and not claims[0].is_zero_pay


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02", "binary data"),
        (b"Dear provider, your payment ...", "not an X12 file"),
        (b"ISA*00*", "cut short"),
    ],
)
def test_unreadable_files_raise_one_clear_error(content, message):
    with pytest.raises(RemitParseError, match=message):
        list(read_remit(content))


def test_truncated_file_is_refused_whole():
    text = DENIED.read_text()
    with pytest.raises(RemitParseError, match="ends inside transaction 0001"):
        list(read_remit(text[: text.index("CLP*DD1002")]))


def test_invalid_utf8_is_replaced_and_reported():
    data = DENIED.read_bytes().replace(b"SAMPLE", b"SAMPL\xff")
    reader = RemitReader(data)
    claims = [r for r in reader if isinstance(r, Claim)]
    assert claims[1].patient.last == "SAMPL\ufffd"
    assert reader.file_findings == ["2 byte(s) were not valid UTF-8 and were replaced"]


def test_streams_a_large_file_from_disk(tmp_path):
    path = tmp_path / "big.835"
    with path.open("w", encoding="ascii", newline="") as handle:
        synth.write_835(handle, 3000, seed=11)
    reader, claims, ends = read_all(path)
    assert len(claims) == 3000 and len(ends) == 1
    assert ends[0].is_balanced and not any(c.findings for c in claims)
    assert sum(c.paid for c in claims) == ends[0].header.payment.amount


ACKNOWLEDGMENT_999 = (
    "ISA*00*          *00*          *ZZ*SYNTHPAYER     *ZZ*SYNTHCLINIC    "
    "*260301*1200*^*00501*000000771*0*T*:~"
    "GS*FA*SYNTHPAYER*SYNTHCLINIC*20260301*1200*771*X*005010X231A1~"
    "ST*999*0001*005010X231A1~AK1*HC*17*005010X222A1~AK9*A*1*1*1~SE*4*0001~"
    "GE*1*771~IEA*1*000000771~"
)


def test_an_acknowledgment_is_refused_as_not_an_835():
    reader = RemitReader(ACKNOWLEDGMENT_999.encode())
    with pytest.raises(RemitParseError, match="not an 835 remittance: it holds X12 999"):
        list(reader)
