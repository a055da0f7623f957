"""The demo's claim ledger: the 837Ps its remits answer, claims still unanswered, a 277CA that
rejects two of them, and next week's claims for Claim Check (all synthetic)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from addin.demo import synth
from addin.demo.synth837 import Outgoing, submitted_on, synth_837p

UNANSWERED_PER_PAYER = 2
NEXT_WEEK_CLAIMS = 12


def _by_month_and_payer(seed: int) -> dict[tuple[int, int], list]:
    rng = random.Random(seed)  # the same draws as synth.demo_remits: the same claims
    batches: dict[tuple[int, int], list] = {}
    for case in synth._demo_originals(rng):
        key = (synth._month_of(case), synth.PAYERS.index(case.payer))
        batches.setdefault(key, []).append(case)
    return batches


def _new_claims(seed: str, count: int, paid_on: date, first_serial: int) -> list:
    """New, clean office-visit claims (cases) of every payer, not in any remit."""
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        payer = synth.PAYERS[n % len(synth.PAYERS)]
        patient = synth._random_patient(rng)
        account = f"DN{first_serial + n:06d}"
        cases.append(synth._new_case(rng, account, first_serial + n, payer, paid_on, patient, None))
    return cases


def demo_claim_files(seed: int = 2026) -> list[tuple[str, str]]:
    """(file name, text) of every 837 the demo practice sent, one per month and payer, plus
    the claims sent in November that no payer has answered yet."""
    files = []
    for control, ((month, payer_index), cases) in enumerate(
        sorted(_by_month_and_payer(seed).items()), start=1
    ):
        payer = synth.PAYERS[payer_index]
        items = [Outgoing(c.claim, payer, submitted_on(c.claim)) for c in cases]
        created = max(i.submitted_on for i in items)
        year, month_number = synth.DEMO_MONTHS[month]
        name = f"{year}-{month_number:02d}_{payer.name.replace(' ', '-')}.837"
        files.append((name, synth_837p(items, 810_000 + control, created)))
    files.append(
        ("2026-11_unanswered.837", synth_837p(unanswered(seed), 819_000, date(2026, 10, 19)))
    )
    return files


def unanswered(seed: int) -> list[Outgoing]:
    """Claims sent in October that no remit answers (the Follow-up sheet's)."""
    cases = _new_claims(f"unanswered:{seed}", UNANSWERED_PER_PAYER * len(synth.PAYERS),
                        date(2026, 10, 30), 900_001)  # fmt: skip
    sent = date(2026, 10, 19)
    return [Outgoing(c.claim, c.payer, sent) for c in cases]


def rejection_277ca(seed: int) -> tuple[str, str]:
    """A clearinghouse 277CA rejecting the first two unanswered claims (invalid member id)."""
    items = unanswered(seed)[:2]
    on = date(2026, 10, 21)
    segments = [
        "ISA*00*          *00*          *ZZ*SYNTHCLEARING  *ZZ*DDPRACTICE     *261021*0900*^*"
        "00501*000819001*0*T*:",
        "GS*HN*SYNTHCLEARING*DDPRACTICE*20261021*0900*819001*X*005010X214",
        "ST*277*0001*005010X214",
        "BHT*0085*08*819001*20261021*0900*TH",
    ]
    hl = 0
    for item in items:
        claim, payer = item.claim, item.payer
        segments += [
            f"HL*{hl + 1}**20*1",
            f"NM1*PR*2*{payer.name}*****PI*{payer.payer_id}",
            f"HL*{hl + 2}*{hl + 1}*21*1",
            "NM1*41*2*RIVERBEND FAMILY MEDICINE*****46*DDPRACTICE",
            f"HL*{hl + 3}*{hl + 2}*19*1",
            f"NM1*85*2*RIVERBEND FAMILY MEDICINE*****XX*{synth.PRACTICE_NPI}",
            f"HL*{hl + 4}*{hl + 3}*PT",
            f"NM1*QC*1*{claim.patient.last}*{claim.patient.first}****MI*{claim.patient.identifier}",
            f"TRN*2*{claim.account}",
            f"STC*A7:164:IL*{on:%Y%m%d}*WQ*{claim.charge}",
        ]
        hl += 4
    count = len(segments) - 2 + 1
    segments += [f"SE*{count}*0001", "GE*1*819001", "IEA*1*000819001"]
    return "2026-10-21_clearinghouse.277", "~".join(segments) + "~"


def next_week_claims(seed: int, today: date) -> tuple[str, str]:
    """The 837 of next week's claims, not sent yet: what Check Claims scores."""
    cases = _new_claims(f"next-week:{seed}", NEXT_WEEK_CLAIMS, today + timedelta(days=14), 950_001)
    items = [Outgoing(c.claim, c.payer, today) for c in cases]
    return f"{today:%Y-%m-%d}_to-send.837", synth_837p(items, 829_000, today)
