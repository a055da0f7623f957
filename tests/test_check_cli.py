"""`denialdesk check`: outgoing 837s scored against past 837s and 835s, as JSON or a sheet."""

from __future__ import annotations

import json

import openpyxl

from addin.cli import cli
from addin.demo.planted import planted_months


def _files(tmp_path):
    months = planted_months(11, 500, 3, missing_modifier=0.6)
    history = []
    for month in months[:2]:
        sent = tmp_path / f"sent-{month.index}.837"
        sent.write_text(month.claims_837(100 + month.index))
        history += ["--history", str(sent)]
        for n, text in enumerate(month.remits_835(11)):
            remit = tmp_path / f"era-{month.index}-{n}.835"
            remit.write_text(text)
            history += ["--history", str(remit)]
    outgoing = tmp_path / "outbox.837"
    outgoing.write_text(months[2].claims_837(300))
    return months, history, outgoing


def test_check_prints_one_json_object_per_claim_and_writes_nothing(tmp_path, tracker, runner):
    months, history, outgoing = _files(tmp_path)
    before = tracker.read_bytes()
    result = runner.invoke(
        cli, ["check", str(tracker), str(outgoing), *history, "--json", "--as-of", "2026-04-01"]
    )
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.output.splitlines()]
    assert len(objects) == 500 and tracker.read_bytes() == before
    assert set(objects[0]) == {"claim_id", "payer", "risk", "flags"}
    assert all(0 <= o["risk"] <= 100 for o in objects)
    flagged = [o for o in objects if any(f["code"] == "LEARNED_RATE" for f in o["flags"])]
    assert any("without modifier" in f["reason"] for o in flagged for f in o["flags"])


def test_check_writes_the_claim_check_sheet_riskiest_first(tmp_path, tracker, runner):
    months, history, outgoing = _files(tmp_path)
    result = runner.invoke(
        cli, ["check", str(tracker), str(outgoing), *history, "--as-of", "2026-04-01"]
    )
    assert result.exit_code == 0, result.output
    assert "Checked 500 outgoing claim(s) against 1,000 past claim(s)" in result.output
    sheet = openpyxl.load_workbook(tracker)["Claim Check"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == 500
    risks = [r["Risk"] for r in rows]
    assert risks == sorted(risks, reverse=True) and risks[0] > 50
    top = rows[0]
    assert top["Flags"] and top["Why"].startswith("[") and top["File"] == "outbox.837"


def test_check_of_a_file_that_holds_no_claims_says_so_in_one_line(tmp_path, tracker, runner):
    empty = tmp_path / "not.837"
    empty.write_text("hello")
    result = runner.invoke(cli, ["check", str(tracker), str(empty), "--json"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "not.837" in result.output


def test_check_learns_from_the_tracker_own_imported_837s_and_835s(tmp_path, tracker, runner):
    """Imported once, the history needs no --history: the same flags and risks come out."""
    months, history, outgoing = _files(tmp_path)
    files = [h for h in history if h != "--history"]
    imported = runner.invoke(cli, ["import", str(tracker), *files])
    assert imported.exit_code == 0, imported.output
    args = ["check", str(tracker), str(outgoing), "--json", "--as-of", "2026-04-01"]
    own = [json.loads(line) for line in runner.invoke(cli, args).output.splitlines()]
    given = [json.loads(line) for line in runner.invoke(cli, [*args, *history]).output.splitlines()]
    assert len(own) == 500
    assert [o["risk"] for o in own] == [g["risk"] for g in given]
    assert [[f["code"] for f in o["flags"]] for o in own] == [
        [f["code"] for f in g["flags"]] for g in given
    ]
    assert any(f["code"] == "LEARNED_RATE" for o in own for f in o["flags"])


def test_tracker_history_reads_what_the_claims_and_answers_rebuilt_row_by_row_say(
    tmp_path, tracker, runner
):
    """The check's fast reading (a few columns, straight to past lines) learns exactly what
    rebuilding each Claims row as the 837 claim and its first 835 answer learns, on the file
    engine and on openpyxl, and reading a few columns gives those columns of the whole table."""
    from addin.adjudication import claim_key
    from addin.check.history import history_from
    from addin.check.tracker import CLAIM_COLUMNS, DENIAL_COLUMNS, tracker_history
    from addin.workbook import frames
    from addin.workbook.file_book import FileBook
    from addin.workbook.layout import CLAIMS, DENIALS
    from addin.workbook.openpyxl_book import OpenpyxlBook
    from tests.check_reference import tracker_pairs

    months, history, outgoing = _files(tmp_path)
    files = [h for h in history if h != "--history"]
    assert runner.invoke(cli, ["import", str(tracker), *files]).exit_code == 0
    for book in (FileBook.open(tracker), OpenpyxlBook.open(tracker)):
        claims, denials = book.read_table(CLAIMS), book.read_table(DENIALS)
        few = book.read_table(CLAIMS, CLAIM_COLUMNS), book.read_table(DENIALS, DENIAL_COLUMNS)
        assert few[0].equals(claims[list(CLAIM_COLUMNS)])
        assert few[1].equals(denials[list(DENIAL_COLUMNS)])
        lines, past = tracker_history(*few)
        assert (lines, past) == history_from(
            tracker_pairs(frames.records(claims), frames.records(denials))
        )
        assert len(past) == 1000 and sum(line.denied for line in lines) > 50
        assert any(line.authorization for line in lines)
        first = claim_key(past[0].payer, past[0].claim_id, past[0].patient)
        assert tracker_history(*few, skip={first})[1] == past[1:]  # --history brings it
