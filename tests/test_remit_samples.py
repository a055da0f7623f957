"""Every public sample 835 is read as its reference counts and other projects' oracles say."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from addin.remit import detect_delimiters, read_segments
from tests.conftest import SAMPLES
from tests.support import index_rows, read_all

SAMPLE_FILES = (
    sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.glob("*/*") if p.suffix != ".md")
    if SAMPLES.is_dir()
    else []
)


def _reference(samples, name):
    rows = index_rows(samples / "INDEX.md")
    if name in rows and rows[name]["claims"] is not None:
        return rows[name]
    # INDEX.md gives '–' for byte-identical copies: use the row of the file with those bytes.
    content = (samples / name).read_bytes()
    twin = next(
        (
            k
            for k, v in rows.items()
            if v["claims"] is not None
            and (samples / k).is_file()
            and (samples / k).read_bytes() == content
        ),
        None,
    )
    return rows[twin] if twin else pytest.skip(f"{name} has no reference row in INDEX.md")


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_counts_match_index(samples, name):
    reference = _reference(samples, name)
    reader, claims, ends = read_all(samples / name)
    other = sum(reader.other_transactions.values())
    found = {
        "ISA": reader.interchanges,
        "ST": len(ends) + other,
        "claims": len(claims),
        "SVC": sum(len(c.lines) for c in claims),
        "CAS": sum(len(c.all_adjustments) for c in claims),
        "denied": sum(c.is_zero_pay for c in claims),
        "rev": sum(c.is_reversal for c in claims),
        "PLB": sum(len(e.provider_adjustments) for e in ends),
    }
    expected = {k: v for k, v in reference.items() if k in found and v is not None}
    assert {k: found[k] for k in expected} == expected


def _one(samples, name):
    path = samples / name
    if not path.is_file():
        pytest.skip(f"{name} is no longer among the shared samples")
    return read_all(path)


def test_edi_835_parser_oracle(samples):
    expected = {
        "blue_cross_nc_sample.txt": (1, Decimal("1922.86")),
        "united_healthcare_legacy_sample.txt": (2, Decimal("349.99")),
        "emedny_sample.txt": (3, Decimal("45.75")),
    }
    for name, (count, paid) in expected.items():
        _, claims, ends = _one(samples, f"edi-835-parser/{name}")
        assert len(claims) == count
        assert len({c.patient.id for c in claims}) == count
        assert sum(e.header.payment.amount for e in ends) == paid
        assert sum(line.paid or 0 for c in claims for line in c.lines) == paid


def test_affect_fork_oracle(samples):
    _, claims, _ = _one(samples, "edi-835-parser-fork-affect/sample_835_with_interests.txt")
    assert sum(c.amount("I") or 0 for c in claims) == Decimal("10.30")
    _, claims, _ = _one(samples, "edi-835-parser-fork-affect/nevada_medicaid.txt")
    assert next(c for c in claims if c.claim_id == "77777777").charge == Decimal("72232")
    _, claims, ends = _one(samples, "edi-835-parser-fork-affect/sample_835.txt")
    first = ends[0].header
    assert first.control_number == "1002"
    assert first.payer.address[0] == "400 BROADWAY"
    assert first.production_date == date(2022, 1, 5)
    assert first.payee.reference("TJ") == "204881619"
    assert [len([c for c in claims if c.header is e.header]) for e in ends] == [2, 4]
    assert sum(e.header.payment.amount for e in ends) == Decimal("142.91")


def test_chs_fork_oracle_and_its_imbalance(samples):
    _, claims, ends = _one(samples, "edi-835-parser-fork-chs/test.835")
    assert [c.frequency for c in claims] == ["1"] and [c.facility_type for c in claims] == ["11"]
    assert any("does not balance" in f and "off by -499.50" in f for f in claims[0].findings)
    assert any("SE says 17 segments but the transaction has 16" in f for f in ends[0].findings)


@pytest.mark.parametrize(
    "name, payment",
    [
        ("medicare-part-a.835", "150000.00"),
        ("managed-care.835", "945.00"),
        ("secondary-payment.835", "1222.00"),
        ("tertiary-payment.835", "187.50"),
        ("cob-contractural-adjustment.835", "34.00"),
    ],
)
def test_linuxforhealth_claims_balance(samples, name, payment):
    _, claims, ends = _one(samples, f"linuxforhealth-x12/{name}")
    assert ends[0].header.payment.amount == Decimal(payment)
    assert not any("claim does not balance" in f for c in claims for f in c.findings)
    assert not any(f.startswith("SE says") for e in ends for f in e.findings)


def test_linuxforhealth_known_defects_are_findings(samples):
    _, claims, ends = _one(samples, "linuxforhealth-x12/medicare-part-a.835")
    assert sum(c.paid for c in claims) == Decimal("149998.73")
    assert [p.amount for p in ends[0].provider_adjustments] == [Decimal("-1.27")]
    assert ends[0].is_balanced
    _, claims, _ = _one(samples, "linuxforhealth-x12/tertiary-payment.835")
    assert any(f.startswith("line 1 does not balance") for f in claims[0].findings)
    _, claims, ends = _one(samples, "linuxforhealth-x12/managed-care.835")
    # BPR16 holds 20002316 (no such date): named, its content never repeated
    assert "payment date BPR16 is not a valid date; using the production date" in ends[0].findings
    assert not any("20002316" in f for f in ends[0].findings)
    _, claims, ends = _one(samples, "linuxforhealth-x12/cob-contractural-adjustment.835")
    assert ends[0].header.payment.date is not None
    assert claims[0].lines[0].procedure.code == "55669"
    assert [a.amount for a in claims[0].all_adjustments if a.carc == "94"] == [Decimal("-9.00")]


def test_pyx12_oracle(samples):
    _, claims, ends = _one(samples, "pyx12/x12testdata_835id.txt")
    assert [c.status for c in claims] == ["22", "1", "22"]
    assert claims[0].charge == Decimal("-310") and claims[0].claim_id == claims[1].claim_id
    assert {a.group for c in claims for a in c.all_adjustments} == {"CR"}
    assert [(p.reason, p.amount) for p in ends[0].provider_adjustments] == [
        ("CS", Decimal("-1008.1")),
        ("CS", Decimal("24.21")),
        ("CS", Decimal("5.95")),
    ]
    _, claims, ends = _one(samples, "pyx12/x12testdata_bad_header_looping.txt")
    assert "DTM*405 date is not a valid date" in ends[0].findings  # it holds 11111111
    assert not any("11111111" in f for f in ends[0].findings)
    assert any(f.startswith("N1*PR after the claims began") for f in ends[0].findings)
    assert any("SE says 39 segments but the transaction has 72" in f for f in ends[0].findings)
    reader, claims, ends = _one(samples, "pyx12/x12testdata_mult_isa.txt")
    assert reader.interchanges == 2 and len(ends) == 4 and not claims
    assert reader.other_transactions == {"278": 6, "837": 2}
    assert all("no BPR payment segment" in " ".join(e.findings) for e in ends)
    _, claims, _ = _one(samples, "pyx12/835_mult_loops.txt")
    assert claims[0].status == "4"
    assert [(a.group, a.carc) for a in claims[0].all_adjustments][0] == ("CO", "16")
    assert claims[0].lines[0].remarks == ("N14",)


def test_tigershark_5010_example_1(samples):
    _, claims, ends = _one(samples, "tigershark-jdavisp3/5010-835-example-1.txt")
    header = ends[0].header
    assert (
        header.payment.handling,
        header.payment.amount,
        header.payment.credit_debit,
        header.payment.method,
    ) == ("I", Decimal("1790"), "C", "CHK")
    assert header.payment.date == date(2011, 9, 30)
    assert (header.payment.trace_number, header.payment.originator_id) == (
        "123456789",
        "1123456789",
    )
    assert header.payee.reference("TJ") == "123456789"
    assert len(claims) == 3
    first = claims[0]
    assert first.claim_id == "PRECERTIFICATION" and first.status == "25"
    assert first.received_date == date(2011, 9, 8) and first.statement_from == date(1900, 1, 1)
    assert first.patient.first == "PATIENT" and len(first.lines) == 7
    line = first.lines[0]
    assert (line.charge, line.paid, line.units, line.control_number, line.allowed) == (
        Decimal("90"),
        Decimal("80"),
        Decimal("1"),
        "00010",
        Decimal("80"),
    )
    assert line.procedure.qualifier == "AD" and line.procedure.code == "D1110"
    assert [(a.group, a.amount) for a in line.adjustments if a.group == "CO"] == [
        ("CO", Decimal("10"))
    ]


def test_tigershark_5010_examples_2_and_3(samples):
    _, claims, ends = _one(samples, "tigershark-jdavisp3/5010-835-example-2.txt")
    assert ends[0].header.payment.amount == Decimal("100.00") and len(claims) == 2
    line = claims[0].lines[0]
    assert claims[0].received_date == date(2011, 9, 7)
    assert (line.charge, line.paid, line.control_number, line.allowed) == (
        Decimal("2083"),
        Decimal("100"),
        "1",
        Decimal("100"),
    )
    assert sum(a.amount for a in line.adjustments if a.group == "CO") == Decimal("1983")
    _, claims, ends = _one(samples, "tigershark-jdavisp3/5010-835-example-3.txt")
    assert ends[0].header.payment.amount == Decimal("57.44")
    line = claims[0].lines[0]
    # TigerShark reports "allowed 0" by default; the file has no AMT*B6 for this line.
    assert (line.charge, line.paid, line.allowed) == (Decimal("1088"), Decimal("0"), None)
    assert sum(a.amount for a in line.adjustments if a.group == "PR") == Decimal("1088")


def test_tigershark_4010_terminator_at_line_start(samples):
    _, claims, ends = _one(samples, "tigershark-jdavisp3/835-example.txt")
    header = ends[0].header
    assert header.payment.amount == Decimal("12345.67") and header.payment.method == "ACH"
    assert header.payment.trace_number == "1QG11111111"
    assert header.production_date == date(2012, 3, 19)
    assert header.payer.name == "UNITED HEALTHCARE INSURANCE COMPANY"
    assert header.payer.postal_code == "553430000"
    assert [(c.claim_id, c.status, c.charge, c.paid) for c in claims] == [
        ("001-DDDDDDDDDD", "1", Decimal("200.02"), Decimal("200.02")),
        ("001-SSSSSSSSSS", "1", Decimal("23276.56"), Decimal("12000.65")),
    ]
    assert claims[1].patient_responsibility == Decimal("145.00")
    assert [(a.group, a.carc, a.amount) for a in claims[1].adjustments] == [
        ("PR", "1", Decimal("145.00"))
    ]
    _, claims, ends = _one(samples, "tigershark-jdavisp3/835-example-2.txt")
    assert [e.header.payment.trace_number for e in ends] == ["1QG11111111", "1QG11111112"]
    assert claims[1].claim_id == "001-SSSSSSSSST"


def test_tastypackets_layouts_give_the_same_segments(samples):
    def segments(name):
        return list(read_segments((samples / "tastypackets-x12-parser" / name).read_bytes())[1])

    one_line = segments("profee-one-line.edi")
    assert len(one_line) == 69 and one_line[-3][:2] == ["SE", "65"]
    assert segments("profee.edi") == one_line
    assert segments("multi-line-not-delimited.edi") == one_line
    assert segments("profee-multiple.edi") == one_line * 156


def test_delimiter_detection_examples():
    isa = (
        "ISA*00*          *00*          *ZZ*A              *ZZ*B              "
        "*100101*1000*^*00501*000000001*0*T*:~"
    )
    assert detect_delimiters(isa).segment == "~"
    assert (detect_delimiters(isa).element, detect_delimiters(isa).component) == ("*", ":")
    assert detect_delimiters(isa).repetition == "^"
    other = isa.replace("*", "&").replace("&^&", "&#&").replace("&:~", "&@$")
    found = detect_delimiters(other)
    assert (found.segment, found.element, found.component, found.repetition) == ("$", "&", "@", "#")
