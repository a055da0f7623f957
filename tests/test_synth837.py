"""`synth --with-837`: the 837P beside a synthetic 835 holds the same claims, as sent."""

from __future__ import annotations

from addin.adjudication import adjudication
from addin.check.history import paired
from addin.cli import cli
from addin.remit import Claim, RemitReader
from addin.remit.outgoing_models import SubmittedClaim
from addin.remit.x12 import X12Reader, sniff


def test_synth_writes_a_matching_837p_whose_every_claim_the_835_answers(tmp_path, runner):
    out = tmp_path / "s.835"
    result = runner.invoke(cli, ["synth", "--claims", "40", "--seed", "3", "--with-837", str(out)])
    assert result.exit_code == 0, result.output
    sent = out.with_suffix(".837")
    assert sniff(sent.read_bytes()) == "837P"
    claims = [r for r in X12Reader(sent.read_bytes()) if isinstance(r, SubmittedClaim)]
    answered = [
        adjudication(c, "s.835") for c in RemitReader(out.read_bytes()) if isinstance(c, Claim)
    ]
    assert len(claims) == len(answered) == 40
    pairs = paired(claims, answered)
    assert all(answer is not None for _, answer in pairs)
    for claim, answer in pairs:
        assert claim.charge == answer.charge and claim.claim_id == answer.claim_id
        assert claim.submitted_on <= answer.payment_date
        assert claim.billing_npi and claim.rendering_npi and claim.diagnoses
        assert claim.lines and all(line.diagnosis_pointers for line in claim.lines)
