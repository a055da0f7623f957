"""`parse --json` read in pieces on several processes prints exactly what one reader prints:
the same JSON Lines, the same notes in the same order, the same error — whatever the number of
pieces and wherever the cuts fall (several interchanges and transactions, a non-835
transaction, lower-case ids, unbalanced claims and payments, unknown segments, bad bytes, a
wrong SE count, a file cut short)."""

from __future__ import annotations

import io

import pytest

from addin.actions.parse_json import write_json
from addin.actions.parse_remit import describe_remit
from addin.cli import cli
from addin.demo.synth import synth_835
from addin.errors import RemitParseError
from addin.remit.pieces import cut_points
from tests.conftest import DATA, REMITS

EXPECTED = DATA / "expected" / "parse"
ACK = "ST*999*0001~AK1*HP*1~AK9*A*1*1*1~SE*4*0001~"


def _odd_file() -> bytes:
    """Four interchanges whose transactions carry every finding the notes can hold."""
    first = synth_835(40, seed=1)
    second = synth_835(60, seed=2)
    head, _, rest = second.partition("ST*835*")
    second = head + ACK + "ST*835*" + rest  # a 999 before the 835, in the same group
    second = second.replace("CAS*CO*45*", "CAS*CO*45*1", 3)  # three claims off balance
    second = second.replace("REF*6R*", "ZZQ*1~REF*6R*", 2)  # unknown segments in claims
    second = second.replace("SE*", "PLB*1999999999*20261231*WO*12.50~SE*")  # payment off
    third = synth_835(50, seed=3).replace("SE*", "se*").replace("~CLP*", "~clp*", 5)
    third = third.replace("*0001~", "*0003~")  # its own control number
    fourth = synth_835(30, seed=4)
    at = fourth.index("SE*") + 3
    fourth = fourth[:at] + "9" + fourth[at:]  # a wrong segment count
    data = (first + second + third + fourth).encode()
    return data.replace(b"DTM*405*", b"DTM*405*\xff", 1)  # a byte that is not UTF-8


def _serial(path) -> tuple[str, list[str], str]:
    notes: list[str] = []
    lines: list[str] = []
    error = ""
    try:
        for line in describe_remit(path, as_json=True, note=notes.append):
            lines.append(line)
    except RemitParseError as failure:
        error = str(failure)
    return "".join(f"{line}\n" for line in lines), notes, error


def _in_pieces(path, pieces: int) -> tuple[str, list[str], str]:
    out, notes, error = io.StringIO(), [], ""
    try:
        write_json(path, out, notes.append, pieces=pieces, min_bytes=0)
    except RemitParseError as failure:
        error = str(failure)
    return out.getvalue(), notes, error


@pytest.mark.parametrize("pieces", [2, 3, 4, 7, 12])
def test_pieces_print_what_one_reader_prints(tmp_path, pieces):
    path = tmp_path / "odd.835"
    path.write_bytes(_odd_file())
    expected = _serial(path)
    assert expected[1] and not expected[2]  # notes of every kind, no error
    assert expected[0].count("does not balance") == 6
    assert any("provider adjustments 12.50 (off by 12.50)" in note for note in expected[1])
    assert any("unknown segment" in note for note in expected[1])
    assert any("byte(s) were not valid UTF-8" in note for note in expected[1])
    assert any("not 835s" in note for note in expected[1])
    assert cut_points(path.read_bytes(), pieces)  # really cut
    assert _in_pieces(path, pieces) == expected


@pytest.mark.parametrize("pieces", [2, 5])
def test_a_file_cut_short_prints_its_claims_then_the_same_error(tmp_path, pieces):
    path = tmp_path / "short.835"
    data = synth_835(80, seed=5)
    path.write_text(data[: data.index("SE*")], newline="")
    expected = _serial(path)
    assert "ends inside transaction" in expected[2] and expected[0].count("\n") == 80
    assert _in_pieces(path, pieces) == expected


@pytest.mark.parametrize(
    "odd",
    [
        "se*9*0001~clp*X1*1*10*10~",  # the transaction ends: a claim outside any
        "SE*9*0001~st*835*0002~BPR*I*5*C*ACH~N1*PR*OTHER PAYER~",  # another payer's
        " ST*835*0003~",  # a padded ST: a new transaction with no header
        "isa*00*~",  # a damaged second interchange
    ],
)
def test_a_piece_that_does_not_continue_the_transaction_is_read_again(tmp_path, odd):
    """Between a transaction's ST and a cut, segments the byte search does not see end or
    replace that transaction for the reader: the piece after the cut, read with the wrong
    header, is not used; this process reads it again, and prints what one reader prints."""
    data = synth_835(60, seed=6)
    at = data.index("\nCLP*", len(data) // 3) + 1
    path = tmp_path / "odd.835"
    path.write_text(data[:at] + odd + data[at:], newline="")
    expected = _serial(path)
    for pieces in (2, 3):
        assert _in_pieces(path, pieces) == expected


@pytest.mark.parametrize("path", sorted(REMITS.glob("*.835")), ids=lambda p: p.name)
def test_the_command_in_pieces_prints_todays_bytes(runner, monkeypatch, path):
    monkeypatch.setenv("DENIALDESK_WORKERS", "3")
    monkeypatch.setattr("addin.actions.parse_json.MIN_BYTES", 0)
    result = runner.invoke(cli, ["parse", "--json", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (EXPECTED / f"{path.name}.jsonl").read_bytes()
    assert result.stderr_bytes == (EXPECTED / f"{path.name}.notes").read_bytes()


@pytest.mark.parametrize(
    "change",
    [
        lambda data: b"Remits for March, from the clearinghouse.\n\n" + data,
        lambda data: data.replace(b"*T*:~", b"*T~"),  # no ISA16: ':' assumed, with a note
        lambda data: data.replace(b"~\n", b"~\r\n"),
        lambda data: data[:200] + data[200:].replace(b"*T*:~", b"*T*>~"),  # another ISA16
    ],
    ids=["prose before the ISA", "no ISA16", "CRLF", "later ISA16 differs"],
)
def test_what_the_reader_forgives_is_forgiven_alike_in_pieces(tmp_path, change):
    path = tmp_path / "odd.835"
    path.write_bytes(change(_odd_file()))
    expected = _serial(path)
    assert expected[0] and not expected[2]
    for pieces in (2, 5):
        assert _in_pieces(path, pieces) == expected


def _dies(*args):
    raise MemoryError("a worker that ran out of memory")


def test_a_worker_that_dies_leaves_its_piece_to_be_read_here(tmp_path, monkeypatch):
    monkeypatch.setattr("addin.actions.parse_json.read_piece", _dies)
    path = tmp_path / "odd.835"
    path.write_bytes(_odd_file())
    assert _in_pieces(path, 3) == _serial(path)


def test_several_files_in_pieces_print_each_file_in_turn(runner, monkeypatch):
    monkeypatch.setenv("DENIALDESK_WORKERS", "3")
    monkeypatch.setattr("addin.actions.parse_json.MIN_BYTES", 0)
    paths = sorted(REMITS.glob("*.835"))
    result = runner.invoke(cli, ["parse", "--json", *map(str, paths)])
    assert result.exit_code == 0, result.output
    expected = b"".join((EXPECTED / f"{path.name}.jsonl").read_bytes() for path in paths)
    assert result.stdout_bytes == expected
