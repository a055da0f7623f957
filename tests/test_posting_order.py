"""Remits imported in any order, one run each, leave the tracker as importing them in order does."""

from __future__ import annotations

import random
from datetime import datetime

import pandas as pd
import pytest

from addin.actions.import_remits import file_sha256, read_remit_file
from addin.demo import write_demo_remits
from addin.posting import Ledger
from addin.workbook.layout import CLAIMS, DENIALS, REMITS, Col

IMPORTED_AT = datetime(2026, 11, 28, 9, 0)


@pytest.fixture(scope="module")
def transactions(tmp_path_factory):
    """Every transaction of the demo remits, oldest payment first."""
    folder = tmp_path_factory.mktemp("order")
    found = []
    for order, path in enumerate(write_demo_remits(folder)):
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
