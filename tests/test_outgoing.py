"""The 837 reader's fields on a hand-written synthetic claim file, in every layout it tolerates,
and the 835 reader's two fixes (ISA16 missing; prose before the ISA)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from addin.errors import RemitParseError
from addin.remit import Claim, RemitReader
from addin.remit.x12 import X12Reader, sniff
from tests.conftest import REMITS

ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTERSYN   *ZZ*RECEIVERSYN    "
    "*260302*1200*^*00501*000000101*0*T*:~"
)
CLAIMS_837P = ISA + (
    "GS*HC*SUBMITTERSYN*RECEIVERSYN*20260302*1200*77*X*005010X222A1~"
    "ST*837*0001*005010X222A1~BHT*0019*00*B1*20260301*1200*CH~"
    "NM1*41*2*SYNTH BILLING*****46*S1~NM1*40*2*SYNTH CH*****46*R1~"
    "HL*1**20*1~NM1*85*2*SYNTH CLINIC*****XX*1999999984~"
    "HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*ZULU*YANKEE****MI*SYN123456~DMG*D8*19800101*F~"
    "NM1*PR*2*ACME HEALTH*****PI*ACME1~"
    "CLM*PCN-1*250***11:B:1*Y*A*Y*Y~REF*G1*AUTH-77~REF*9F*REF-5~"
    "HI*ABK:M5450*ABF:M5416~NM1*82*1*RENDER*RITA****XX*1888888880~"
    "LX*1~SV1*HC:97110:GP:59*150*UN*4***1:2~DTP*472*D8*20260225~REF*6R*L1~"
    "LX*2~SV1*HC:97140*100*UN*2***2~DTP*472*D8*20260225~NM1*82*1*OTHER*OLLIE****XX*1777777771~"
    "SBR*S*18*******MB~NM1*IL*1*ZULU*YANKEE****MI*OTHERID~NM1*PR*2*OTHER PAYER*****PI*OTHER~"
    "CLM*PCN-1R*250***11:B:7*Y*A*Y*Y~REF*F8*PAYERNO-9~HI*ABK:M5450~"
    "LX*1~SV1*HC:97110:GP*250*UN*4***1~DTP*472*D8*20260225~"
    "SE*29*0001~GE*1*77~IEA*1*000000101~"
)


def _claims(text):
    return [r for r in X12Reader(text) if hasattr(r, "lines")]


def test_an_837p_claim_keeps_its_lines_codes_npis_and_references():
    first, replacement = _claims(CLAIMS_837P)
    assert (first.kind, first.claim_id, first.charge) == ("837P", "PCN-1", Decimal("250"))
    assert (first.payer_name, first.payer_id, first.member_id) == (
        "ACME HEALTH",
        "ACME1",
        "SYN123456",
    )
    assert (first.billing_npi, first.rendering_npi) == ("1999999984", "1888888880")
    assert (first.prior_auth, first.referral, first.place_of_service) == ("AUTH-77", "REF-5", "11")
    assert first.submitted_on == date(2026, 3, 1)
    assert first.diagnoses == ("M5450", "M5416")
    one, two = first.lines
    assert (one.procedure, one.modifiers, one.units, one.diagnosis_pointers) == (
        "97110",
        ("GP", "59"),
        Decimal(4),
        (1, 2),
    )
    assert (one.service_date, one.control_number, one.charge) == (
        date(2026, 2, 25),
        "L1",
        Decimal(150),
    )
    assert (two.rendering_npi, two.diagnosis_pointers) == ("1777777771", (2,))
    # the other payer's loop (2320/2330) does not replace this claim's payer
    assert replacement.payer_id == "ACME1" and replacement.member_id == "SYN123456"
    assert (replacement.frequency, replacement.original_reference) == ("7", "PAYERNO-9")
    assert (first.group_control, first.transaction_control) == ("77", "0001")


@pytest.mark.parametrize(
    "layout",
    ["one line", "one segment per line", "crlf and indent", "other delimiters", "bom", "twice"],
)
def test_the_837_reader_tolerates_what_the_835_reader_tolerates(layout):
    text = CLAIMS_837P
    if layout == "one segment per line":
        text = text.replace("~", "~\n")
    elif layout == "crlf and indent":
        text = text.replace("~", "~\r\n  ")
    elif layout == "other delimiters":
        text = text.replace("*", "|").replace(":", ">").replace("~", "\n").replace("|T|>", "|T|>")
        text = text.replace("|^|", "|!|")
    elif layout == "bom":
        text = "\ufeff" + text
    elif layout == "twice":
        text = text + text
    data = text.encode() if layout == "bom" else text
    claims = _claims(data)
    assert len(claims) == (4 if layout == "twice" else 2)
    assert claims[0].lines[0].modifiers == ("GP", "59")
    assert sniff(data) == "837P"


def test_a_file_with_no_claims_or_acknowledgments_is_refused_in_one_line():
    with pytest.raises(RemitParseError, match="no 837, 999 or 277CA transaction"):
        _claims((REMITS / "2026-03-co50-denied.835").read_text())


def _835_claims(text):
    reader = RemitReader(text)
    return [r for r in reader if isinstance(r, Claim)], reader.file_findings


@pytest.mark.parametrize("ending", ["*T\n", "*T*\n"], ids=["15 elements", "empty ISA16"])
def test_an_835_whose_isa_has_no_component_separator_is_read(ending):
    text = (REMITS / "2026-03-co50-denied.835").read_text()
    isa, rest = text.split("~", 1)
    assert isa.endswith("*T*:")
    bare = isa[: -len("*T*:")] + ending + rest.replace("~", "\n")
    claims, notes = _835_claims(bare)
    original = _835_claims(text)[0]
    assert [(c.claim_id, c.paid, len(c.lines)) for c in claims] == [
        (c.claim_id, c.paid, len(c.lines)) for c in original
    ]
    assert claims and "the ISA has no component separator (ISA16); ':' was assumed" in notes


def test_prose_before_a_well_formed_isa_is_skipped_with_a_note():
    text = (REMITS / "2026-03-co50-denied.835").read_text()
    claims, notes = _835_claims("Remit for March, sent by the clearinghouse.\n\n" + text)
    assert [c.claim_id for c in claims] == [c.claim_id for c in _835_claims(text)[0]]
    assert "45 character(s) of text before the ISA segment were skipped" in notes
