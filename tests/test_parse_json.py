"""`denialdesk parse --json` keeps its exact bytes while it got fast: the output of every
sample file is held to what the command printed before (goldens in tests/data/expected/parse),
and the fast writer (claim_json) to json.dumps(claim_dict(…)) claim by claim."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from addin.actions.parse_remit import describe_remit
from addin.cli import cli
from addin.demo.synth import synth_835
from addin.remit import Claim, read_remit
from addin.remit.export import claim_dict, claim_json
from tests.conftest import DATA, REMITS

EXPECTED = DATA / "expected" / "parse"
LOCAL = sorted(REMITS.glob("*.835"))


def command_output(path: Path) -> tuple[bytes, bytes]:
    """What `denialdesk parse --json PATH` writes to stdout and stderr, without a process."""
    notes: list[str] = []
    lines = list(describe_remit(path, as_json=True, note=notes.append))
    stdout = "".join(f"{line}\n" for line in lines)
    return stdout.encode(), "".join(f"Note: {note}\n" for note in notes).encode()


@pytest.mark.parametrize("path", LOCAL, ids=lambda p: p.name)
def test_the_command_prints_todays_bytes_for_the_bundled_remits(runner, path):
    result = runner.invoke(cli, ["parse", "--json", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (EXPECTED / f"{path.name}.jsonl").read_bytes()
    assert result.stderr_bytes == (EXPECTED / f"{path.name}.notes").read_bytes()


def test_the_public_samples_print_todays_bytes(samples):
    expected = json.loads((EXPECTED / "shared-samples.sha256.json").read_text())
    checked = 0
    for name, digests in expected.items():
        path = samples / name
        if not path.is_file():
            continue
        stdout, stderr = command_output(path)
        assert hashlib.sha256(stdout).hexdigest() == digests["stdout"], name
        assert hashlib.sha256(stderr).hexdigest() == digests["stderr"], name
        checked += 1
    assert checked >= len(expected) // 2, "most of the sample corpus should be present"


def claims_of(source) -> list[Claim]:
    return [record for record in read_remit(source) if isinstance(record, Claim)]


def assert_same_json(claims: list[Claim], file_name: str = "remit.835") -> None:
    assert claims
    for claim in claims:
        assert claim_json(claim, file_name) == json.dumps(claim_dict(claim, file_name))


def test_fast_json_is_json_dumps_of_the_claim_dict_on_every_sample(samples):
    for path in [*LOCAL, *sorted(p for p in samples.rglob("*") if p.suffix != ".md")]:
        if path.is_file():
            try:
                claims = claims_of(path.read_bytes())
            except Exception:  # a sample that is not readable has no claims to compare
                continue
            if claims:
                assert_same_json(claims, path.name)


def test_fast_json_on_synthetic_claims_of_every_shape():
    assert_same_json(claims_of(synth_835(400, seed=11)))


ISA = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       "
EDGE = (
    ISA
    + """*260301*1200*^*00501*000000001*0*P*:~
GS*HP*PAYER*PROVIDER*20260301*1200*1*X*005010X221A1~
ST*835*0001~
BPR*I*0*C*NON************20260305~
TRN*1*EFT-1*1999999999~
N1*PR*ÉLAN \\"SANTÉ\\" PLAN~
N1*PE*CLINIC*XX*1999999999~
CLP*A1*1*100*-0*0.0*MC*P1*11*1~
CAS*CO*45*100.000*1.0~
CLP*A2*4*50*0**12*P2*13*1*03*470*1.50*25*Y~
CAS*OA*23*-0~
CAS*CO*45*50~
SVC*HC:99213:25:59*50*0**1.0*HC:99212~
DTM*472*20260210~
CAS*CO*45*50~
REF*6R*L\u00e91~
LQ*HE*N130~
LQ*HE*N130~
AMT*I*1.5~
SE*17*0001~
GE*1*1~
IEA*1*000000001~
"""
)


def test_fast_json_keeps_the_edges_json_dumps_writes():
    """-0 and 0.0 amounts, quantities as written (1.0), non-ASCII and quoted text, modifiers,
    an original procedure, institutional fields, an unbalanced line."""
    claims = claims_of(EDGE)
    assert [c.claim_id for c in claims] == ["A1", "A2"]
    assert claims[0].paid == Decimal("-0") and claims[0].adjustments[0].quantity == Decimal("1.0")
    assert_same_json(claims)
    text = claim_json(claims[0], "r.835")
    assert '"paid": "-0.00"' in text and '"quantity": "1.0"' in text
    assert r'"payer_name": "\u00c9LAN \\\"SANT\u00c9\\\" PLAN"' in text  # as json.dumps
