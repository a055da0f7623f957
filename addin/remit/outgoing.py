"""837P/837I transaction segments → SubmittedClaim records (one state machine per transaction)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from addin.remit.outgoing_models import (
    INSTITUTIONAL,
    PROFESSIONAL,
    SubmittedClaim,
    SubmittedLine,
)
from addin.remit.values import to_date, to_decimal

PAD = [""] * 24
_DIAGNOSIS_QUALIFIERS = {"ABK", "ABF", "BK", "BF"}


def kind_of(guide: str, group_guide: str) -> str:
    """837P or 837I from ST03, else GS08 (ST03 wins when they disagree: it is the set's own)."""
    for text in (guide, group_guide):
        if "X223" in text or "X096" in text:
            return INSTITUTIONAL
        if "X222" in text or "X098" in text:
            return PROFESSIONAL
    return ""


class ClaimTransaction:
    """Reads one 837 transaction (ST…SE); `feed` each segment, collect `claims` as they close."""

    def __init__(self, kind: str, guide: str, group: str, control: str, on: date | None, comp: str):
        self.kind, self.guide, self.group, self.control = kind, guide, group, control
        self.submitted_on, self.component = on, comp
        self.claims: list[SubmittedClaim] = []
        self.billing_npi = ""
        self.subscriber: dict = {}
        self.patient: dict = {}
        self.claim: dict | None = None
        self.line: dict | None = None
        self.level = ""  # HL03 of the open HL: 20 billing, 22 subscriber, 23 patient
        self.other_payer = False  # inside 2320/2330 (other subscriber): NM1*PR/IL are not ours
        self.in_adjudication = False  # inside 2430 (SVD): another payer's line result

    def feed(self, e: list[str]) -> None:
        name = e[0]
        e = e + PAD
        if name == "HL":
            self._close_claim()
            self.level = e[3].strip()
            if self.level in ("20", "22"):
                self.subscriber, self.patient = {}, {}
                if self.level == "20":
                    self.billing_npi = ""
            elif self.level == "23":
                self.patient = {}
        elif name == "BHT":
            self.submitted_on = to_date(e[4]) or self.submitted_on
        elif name == "CLM":
            self._close_claim()
            self._open_claim(e)
        elif name == "NM1":
            self._nm1(e)
        elif name == "DMG" and self.claim is None:
            target = self.patient if self.level == "23" else self.subscriber
            target.setdefault("birth", to_date(e[2]))
        elif self.claim is not None:
            self._in_claim(name, e)

    def _nm1(self, e: list[str]) -> None:
        role, ident = e[1].strip(), e[9].strip()
        if self.other_payer:
            return
        if self.line is not None:
            if role == "82":
                self.line["rendering_npi"] = ident
            return
        if role == "85":
            self.billing_npi = ident
        elif role == "IL":
            self.subscriber.update(last=e[3].strip(), first=e[4].strip(), id=ident)
        elif role == "QC":
            self.patient.update(last=e[3].strip(), first=e[4].strip(), id=ident)
        elif role == "PR":
            self.subscriber.update(payer_name=e[3].strip(), payer_id=ident)
        elif role == "82" and self.claim is not None:
            self.claim["rendering_npi"] = ident

    def _open_claim(self, e: list[str]) -> None:
        parts = e[5].split(self.component) + ["", "", ""]
        self.claim = {
            "claim_id": e[1].strip(),
            "charge": to_decimal(e[2]),
            "place_of_service": parts[0].strip(),
            "frequency": parts[2].strip() or "1",
            "diagnoses": [],
            "lines": [],
            "findings": [],
        }
        self.other_payer = self.in_adjudication = False
        if self.claim["charge"] is None:
            self.claim["findings"].append("CLM02 is not an amount")

    def _in_claim(self, name: str, e: list[str]) -> None:
        claim = self.claim
        if name == "LX":
            self._close_line()
            self.other_payer = self.in_adjudication = False
            self.line = {"number": len(claim["lines"]) + 1}
        elif name == "SBR":
            self.other_payer = True
        elif name == "SVD":
            self.in_adjudication = True
        elif name in ("SV1", "SV2") and self.line is not None and not self.in_adjudication:
            self._service(name, e)
        elif name == "HI" and self.line is None:
            self._diagnoses(e)
        elif name == "REF" and not self.other_payer:
            self._ref(e[1].strip(), e[2].strip())
        elif name == "DTP":
            self._dtp(e[1].strip(), e[3].strip())

    def _service(self, name: str, e: list[str]) -> None:
        line, comp = self.line, self.component
        if name == "SV1":
            code, charge, units, pos, pointers = e[1], e[2], e[4], e[5], e[7]
            line["place_of_service"] = pos.strip()
            line["diagnosis_pointers"] = tuple(
                int(p) for p in pointers.split(comp) if p.strip().isdigit()
            )
        else:
            line["revenue_code"] = e[1].strip()
            code, charge, units = e[2], e[3], e[5]
        parts = [p.strip() for p in code.split(comp)]
        line["qualifier"] = parts[0] if len(parts) > 1 else ""
        line["procedure"] = parts[1] if len(parts) > 1 else ""
        line["modifiers"] = tuple(m for m in parts[2:6] if m)
        line["charge"], line["units"] = to_decimal(charge), to_decimal(units)

    def _diagnoses(self, e: list[str]) -> None:
        for composite in e[1:13]:
            parts = composite.split(self.component)
            if len(parts) > 1 and parts[0].strip() in _DIAGNOSIS_QUALIFIERS and parts[1].strip():
                self.claim["diagnoses"].append(parts[1].strip())

    def _ref(self, qualifier: str, value: str) -> None:
        field = {"G1": "prior_auth", "9F": "referral", "F8": "original_reference"}.get(qualifier)
        if qualifier == "6R" and self.line is not None:
            self.line["control_number"] = value
        elif field and self.line is not None and field != "original_reference":
            self.line[field] = value
        elif field and self.line is None:
            self.claim[field] = value

    def _dtp(self, qualifier: str, raw: str) -> None:
        start, _, end = raw.partition("-")
        if self.line is not None and qualifier == "472":
            self.line["service_date"] = to_date(start)
        elif self.line is None and qualifier == "434":
            self.claim["statement_from"] = to_date(start)
            self.claim["statement_to"] = to_date(end or start)

    def _close_line(self) -> None:
        if self.line is not None and "charge" in self.line:
            self.claim["lines"].append(SubmittedLine(**self.line))
        self.line = None

    def _close_claim(self) -> None:
        if self.claim is None:
            return
        self._close_line()
        claim = self.claim
        self.claim = None
        self.claims.append(self._record(claim))

    def _record(self, claim: dict) -> SubmittedClaim:
        lines = claim.pop("lines")
        kind = self.kind or (
            INSTITUTIONAL if any(line.revenue_code for line in lines) else PROFESSIONAL
        )
        person = self.patient if self.patient.get("last") else self.subscriber
        findings = claim.pop("findings")
        billed = sum((line.charge or Decimal(0) for line in lines), Decimal(0))
        if lines and claim["charge"] is not None and billed != claim["charge"]:
            findings.append(f"the lines add up to {billed}, not the claim's CLM02")
        return SubmittedClaim(
            kind=kind,
            guide=self.guide,
            group_control=self.group,
            transaction_control=self.control,
            number=len(self.claims) + 1,
            submitted_on=self.submitted_on,
            payer_name=self.subscriber.get("payer_name", ""),
            payer_id=self.subscriber.get("payer_id", ""),
            member_id=self.subscriber.get("id", ""),
            patient_last=person.get("last", ""),
            patient_first=person.get("first", ""),
            patient_birth=person.get("birth"),
            billing_npi=self.billing_npi,
            lines=tuple(lines),
            findings=tuple(findings),
            **{**claim, "diagnoses": tuple(claim["diagnoses"])},
        )

    def finish(self) -> list[SubmittedClaim]:
        self._close_claim()
        return self.claims
