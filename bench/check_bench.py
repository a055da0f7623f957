"""Pre-submission check on planted payer rules: learn from the first months, check the rest.

    PYTHONPATH=$PWD python bench/check_bench.py [--months 6 --train 4 --per-month 2500]

Reports ROC AUC of the risk against what the payers then did, precision/recall of the
warning flags, the share of clean claims flagged, and the time to check 10,000 outgoing claims
against a 50,000-claim history (goal: AUC ≥ 0.85, ≤ 5 % of clean claims flagged, < 10 s).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from addin.adjudication import adjudication
from addin.check.history import history_from, paired
from addin.check.run import check_claims
from addin.check.score import Model
from addin.demo.planted import planted_months
from addin.remit import Claim, RemitReader
from addin.remit.outgoing_models import SubmittedClaim
from addin.remit.x12 import X12Reader


def roc_auc(scores: list[float], labels: list[bool]) -> float:
    """Mann-Whitney AUC with ties counted as half (no library needed for one formula)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum = sum(r for r, label in zip(ranks, labels, strict=True) if label)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def read_months(months, seed: int):
    """Each month's 837 and 835 text through the real readers."""
    submitted, answered = [], []
    for month in months:
        claims = [
            r
            for r in X12Reader(month.claims_837(9000 + month.index))
            if isinstance(r, SubmittedClaim)
        ]
        submitted.append(claims)
        items = []
        for text in month.remits_835(seed):
            items += [
                adjudication(r, "bench.835") for r in RemitReader(text) if isinstance(r, Claim)
            ]
        answered.append(items)
    return submitted, answered


def evaluate(per_month: int, months: int, train: int, seed: int, noise: float = 0.01) -> dict:
    world = planted_months(seed, per_month, months, noise=noise)
    submitted, answered = read_months(world, seed)
    history = [p for m in range(train) for p in paired(submitted[m], answered[m])]
    outgoing = [c for m in range(train, months) for c in submitted[m]]
    truth = {k: v for m in world[train:] for k, v in m.denied.items()}
    chance = {k: v for m in world[train:] for k, v in m.chance.items()}
    started = time.perf_counter()
    model = Model.learn(*history_from(history))
    today = max(c.submitted_on for c in outgoing) + timedelta(days=1)
    results = check_claims(model, outgoing, today)
    seconds = time.perf_counter() - started
    labels = [truth[r.claim_id] for r in results]
    flagged = [r.flagged for r in results]
    true_pos = sum(1 for f, y in zip(flagged, labels, strict=True) if f and y)
    return {
        "history_claims": len(history),
        "checked": len(results),
        "denied": sum(labels),
        "auc": roc_auc([r.risk for r in results], labels),
        # the ceiling: a perfect check that knew each claim's true chance under the planted rules
        "oracle_auc": roc_auc([chance[r.claim_id] for r in results], labels),
        "precision": true_pos / max(1, sum(flagged)),
        "recall": true_pos / max(1, sum(labels)),
        "clean_flagged": sum(1 for f, y in zip(flagged, labels, strict=True) if f and not y)
        / max(1, len(labels) - sum(labels)),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--train", type=int, default=5)
    parser.add_argument("--per-month", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--noise", type=float, default=0.01, help="random denials, per claim")
    args = parser.parse_args()
    figures = evaluate(args.per_month, args.months, args.train, args.seed, args.noise)
    print(
        f"noise {args.noise:.1%}: history {figures['history_claims']:,} claims, "
        f"checked {figures['checked']:,} "
        f"({figures['denied']:,} later denied): ROC AUC {figures['auc']:.3f} (a perfect check: "
        f"{figures['oracle_auc']:.3f}), flag precision "
        f"{figures['precision']:.1%}, recall {figures['recall']:.1%}, clean claims flagged "
        f"{figures['clean_flagged']:.1%}; learn + check {figures['seconds']:.2f} s"
    )


if __name__ == "__main__":
    main()
