"""The 837P/837I/999/277CA readers against the public samples' independent reference counts."""

from __future__ import annotations

import importlib.util
import io
from decimal import Decimal
from pathlib import Path

import pytest

from addin.remit.outgoing_models import SubmittedClaim
from addin.remit.x12 import X12Reader, sniff
from tests.conftest import SHARED

X12_SAMPLES = SHARED / "samples"
KIND_DIRS = {
    "837p": ("837P", "837I"),
    "837i": ("837I", "837P"),
    "999": ("999",),
    "277ca": ("277CA",),
}


def _refcount():
    script = X12_SAMPLES / "x12_refcount.py"
    if not script.is_file():
        pytest.skip("../shared/samples/x12_refcount.py is not present beside the project")
    spec = importlib.util.spec_from_file_location("x12_refcount", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The script leaves its files to the garbage collector; hand it closed-over bytes instead.
    module.open = lambda path, mode="rb": io.BytesIO(Path(path).read_bytes())
    return module


def _files(folder: str) -> list:
    where = X12_SAMPLES / folder
    return sorted(where.iterdir()) if where.is_dir() else []


def _read(path):
    reader = X12Reader(path.read_bytes())
    records = list(reader)
    return reader, records


@pytest.mark.parametrize("path", _files("837p") + _files("837i"), ids=lambda p: p.name[:60])
def test_every_claim_line_and_dollar_of_the_837_samples_is_read(path):
    ref = _refcount().count(str(path))
    assert sniff(path.read_bytes()) in KIND_DIRS[path.parent.name]
    _, records = _read(path)
    claims = [r for r in records if isinstance(r, SubmittedClaim)]
    assert len(claims) == ref["CLM"]
    assert sum(c.charge for c in claims) == Decimal(ref["CLM02_sum"])
    assert sum(len(c.lines) for c in claims) == ref["SV1"] + ref["SV2"]  # SVD is not a line


@pytest.mark.parametrize("path", _files("999"), ids=lambda p: p.name[:60])
def test_each_999_set_response_is_accepted_or_rejected_as_the_reference_counts(path):
    ref = _refcount().count(str(path))
    assert sniff(path.read_bytes()) == "999"
    _, acks = _read(path)
    assert len(acks) == ref["AK2"]
    rejected = sum(1 for a in acks if a.accepted is False)
    if ref["IK5"].get("Q") is None:  # staedi's deliberately invalid file has 5 IK5 for 3 AK2
        assert rejected == ref["IK5"].get("R", 0)
    assert all(a.reason for a in acks)
    assert all(a.reason.startswith("Rejected: ") for a in acks if a.accepted is False)


@pytest.mark.parametrize("path", _files("277ca"), ids=lambda p: p.name[:60])
def test_each_277ca_claim_status_is_read_with_its_patient_control_number(path):
    ref = _refcount().count(str(path))
    assert sniff(path.read_bytes()) == "277CA"
    reader, acks = _read(path)
    assert len(acks) == ref["STC_claim"]
    assert [a.codes.split(" ")[0] for a in acks] == ref["STC01"]
    assert sum(1 for a in acks if a.accepted is True) == ref["STC_acc"]
    assert sum(1 for a in acks if a.accepted is False) == ref["STC_rej"]
    assert {a.claim_id for a in acks} == set(ref["pcn"])
    prose = [o for o in ref["odd"] if o.startswith("text-before-ISA")]
    if prose:  # "text-before-ISA(402B)": skipped, and said so
        skipped = prose[0].split("(")[1].rstrip("B)")
        assert f"{skipped} character(s) of text before the ISA segment were skipped" in reader.notes


def test_277ca_rejection_reasons_are_said_in_words():
    path = X12_SAMPLES / "277ca" / "imsweb__x12-parser__x12_277CA_rejected.txt"
    if not path.is_file():
        pytest.skip("../shared/samples/277ca is not present beside the project")
    (ack,) = _read(path)[1]
    assert ack.accepted is False and ack.charge == Decimal("199.14")
    assert ack.reason == (
        "Rejected for invalid information: entity's National Provider Identifier (NPI) "
        "(the billing provider)"
    )


def test_999_rejection_names_the_segment_and_element_in_words():
    path = (
        X12_SAMPLES
        / "999"
        / "kputnam__stupidedi__response-to-functional-group-containing-3-837s.edi"
    )
    if not path.is_file():
        pytest.skip("../shared/samples/999 is not present beside the project")
    acks = _read(path)[1]
    assert [a.status for a in acks] == ["Accepted", "Rejected", "Rejected"]
    assert acks[1].reason.startswith("Rejected: one or more segments in error; CLM segment:")
    assert acks[1].transaction_control and acks[1].group_control
