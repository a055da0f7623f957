"""Remits imported in any order, one run each, leave the tracker as importing them in order does."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from addin.actions.import_remits import file_sha256, read_remit_file
from addin.adjudication import Adjudication, DenialFact, denial_id
from addin.demo.tracker import write_demo_remits
from addin.posting import Ledger, _Outcome
from addin.workbook.layout import CLAIMS, DENIALS, REMITS, Col

IMPORTED_AT = datetime(2026, 11, 28, 9, 0)


@pytest.fixture(scope="module")
def transactions(tmp_path_factory):
    """Every transaction of the demo remits, oldest payment first."""
    folder = tmp_path_factory.mktemp("order")
    found = []
    remits = [p for p in write_demo_remits(folder) if p.suffix == ".835"]  # not its 837s
    for order, path in enumerate(remits):
        found.extend(read_remit_file(path, order, file_sha256(path)))
    found.sort(key=lambda t: t.end.header.payment.date)
    return found


def _ledger_after(transactions) -> Ledger:
    """Post each transaction as its own import run (nothing re-sorts them)."""
    ledger = Ledger.from_frames(
        *(pd.DataFrame(columns=spec.column_names) for spec in (CLAIMS, DENIALS, REMITS))
    )
    for item in transactions:
        ledger.post_transaction(
            item.end,
            item.adjudications,
            file_name=item.path.name,
            file_sha256=item.sha256,
            imported_at=IMPORTED_AT,
        )
    return ledger


def _by_key(ledger: Ledger) -> tuple[pd.DataFrame, pd.DataFrame]:
    claims, denials, _ = ledger.frames()
    return (
        claims.set_index(Col.CLAIM_KEY).sort_index(),
        denials.set_index(Col.DENIAL_ID).sort_index(),
    )


def _reversed(items):
    return list(reversed(items))


def _shuffled(items):
    items = list(items)
    random.Random(20261128).shuffle(items)
    return items


@pytest.mark.parametrize("reorder", [_reversed, _shuffled], ids=["newest first", "shuffled"])
def test_out_of_order_runs_give_the_same_claims_and_denials(transactions, reorder):
    in_order_claims, in_order_denials = _by_key(_ledger_after(transactions))
    claims, denials = _by_key(_ledger_after(reorder(transactions)))
    assert in_order_denials[Col.RESOLVED_ON].notna().sum() >= 10  # the demo has paid appeals
    assert list(claims.index) == list(in_order_claims.index)
    assert list(denials.index) == list(in_order_denials.index)
    pd.testing.assert_frame_equal(claims, in_order_claims)
    pd.testing.assert_frame_equal(denials, in_order_denials)


def _adjudication(day, paid, denials, line_paid) -> Adjudication:
    return Adjudication(
        "C-1", "CLM1", "ACME HEALTH PLAN", "99101", "PCN1", "TESTPATIENT, ALPHA", "M1",
        date(2026, 1, 1), "1", Decimal("200"), Decimal(paid), Decimal(0), day, "CHK1",
        f"{day}.835", "", tuple(denials), tuple(line_paid),
    )  # fmt: skip


def _fact(level, line, ident, carc, amount) -> DenialFact:
    return DenialFact(
        denial_id("C-1", ident, "CO", carc), level, line, ident, "99213" if line else "",
        date(2026, 1, 1), Decimal("100"), Decimal(0), Decimal(amount), "CO", carc, "",
    )  # fmt: skip


def test_a_claim_level_denial_is_only_partly_cleared_while_a_line_stays_denied():
    one, two = "99213|2026-01-01|1", "99214|2026-01-01|1"
    january = _adjudication(  # the whole claim denied (CO-16), nothing paid
        date(2026, 1, 10), "0", [_fact("claim", None, "claim", "16", "200")],
        [(one, Decimal(0)), (two, Decimal(0))],
    )  # fmt: skip
    february = _adjudication(  # line 2 paid, line 1 now denied CO-50
        date(2026, 2, 10), "100", [_fact("line", 1, one, "50", "100")],
        [(one, Decimal(0)), (two, Decimal(100))],
    )  # fmt: skip
    for order in ([january, february], [february, january]):
        ledger = Ledger.from_frames(
            *(pd.DataFrame(columns=spec.column_names) for spec in (CLAIMS, DENIALS, REMITS))
        )
        for item in order:
            ledger._post_adjudication(item, _Outcome())
        rows = {row[Col.CARC]: row for row in ledger.denials}
        assert (rows["16"][Col.RESOLUTION], rows["16"][Col.STATUS]) == ("Partially paid", "New")
        assert rows["16"][Col.RECOVERED_AMOUNT] == Decimal(100)
        assert rows["50"][Col.RESOLVED_ON] is None
