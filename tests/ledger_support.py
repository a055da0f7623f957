"""Synthetic 837P/835 pairs, 999s and 277CAs for the claim-ledger tests (no real data)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from addin.demo import synth, synth837
from addin.demo.synth837 import Outgoing

PAYER = synth.PAYERS[0]


def claims(n: int, seed: int = 5, paid_on: date = date(2026, 3, 2)):
    """`n` synthetic claims of one payer, as an 835 answers them."""
    return [c for c in synth._random_claims(seed, n, PAYER, paid_on) if c.status != "22"]


def write_837(path: Path, items, control: int, created: date) -> Path:
    path.write_text(synth837.synth_837p(items, control, created), encoding="ascii")
    return path


def outgoing(some_claims, on: date, **extra) -> list[Outgoing]:
    return [Outgoing(c, PAYER, on, **extra) for c in some_claims]


def write_835(path: Path, some_claims, paid_on: date, control: int = 7) -> Path:
    """An 835 answering `some_claims` (one transaction, paid on `paid_on`)."""
    out = io.StringIO()
    remit = synth._Remit(PAYER, paid_on, control)
    synth._write_remit(out, remit, lambda: iter(some_claims))
    path.write_text(out.getvalue(), encoding="ascii")
    return path


def _envelope(code: str, guide: str, body: list[str], on: date, control: int = 42) -> str:
    ymd = f"{on:%Y%m%d}"
    head = (
        f"ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*DDPRACTICE     *{on:%y%m%d}*"
        f"0900*^*00501*{control:09d}*0*T*:~GS*{code}*CLEARINGHOUSE*DDPRACTICE*{ymd}*0900*"
        f"{control}*X*{guide}~"
    )
    st = "999" if code == "FA" else "277"
    segments = [f"ST*{st}*0001*{guide}", *body]
    tail = f"SE*{len(segments) + 1}*0001~GE*1*{control}~IEA*1*{control:09d}~"
    return head + "~".join(segments) + "~" + tail


def ack_999(group: str, transaction: str, on: date, accepted: bool = False) -> str:
    """A 999 answering one 837 set (GS06 `group`, ST02 `transaction`)."""
    if accepted:
        body = [f"AK1*HC*{group}*005010X222A1", f"AK2*837*{transaction}*005010X222A1", "IK5*A"]
    else:
        body = [
            f"AK1*HC*{group}*005010X222A1",
            f"AK2*837*{transaction}*005010X222A1",
            "IK3*NM1*8*2010*8",
            "IK5*R*5",
        ]
    body.append(f"AK9*{'A' if accepted else 'R'}*1*1*{1 if accepted else 0}")
    return _envelope("FA", "005010X231A1", body, on)


def ack_277ca(claim, on: date, accepted: bool) -> str:
    """A 277CA answering one synthetic claim (TRN02 = its CLM01)."""
    patient = claim.patient
    stc = "A1:20" if accepted else "A7:562:85"
    body = [
        "BHT*0085*08*B1*" + f"{on:%Y%m%d}" + "*0900*TH",
        "HL*1**20*1",
        f"NM1*PR*2*{PAYER.name}*****PI*{PAYER.payer_id}",
        "HL*2*1*21*1",
        "NM1*41*2*DD CLINIC*****46*DDPRACTICE",
        "HL*3*2*19*1",
        "NM1*85*2*DD CLINIC*****XX*9999900019",
        "HL*4*3*PT",
        f"NM1*QC*1*{patient.last}*{patient.first}****MI*{patient.identifier}",
        f"TRN*2*{claim.account}",
        f"STC*{stc}*{on:%Y%m%d}*WQ*{claim.charge}",
    ]
    return _envelope("HN", "005010X214", body, on)


def days(start: date, n: int) -> date:
    return start + timedelta(days=n)
