"""999 and 277CA transaction segments → Acknowledgment records, each reason said in words.

Code meanings: ASC X12 005010X231A1 (999: IK3/IK4/IK5 codes) and the X12 external code
lists 507 (claim status category) and 508 (claim status) used by 005010X214 (277CA).
"""

from __future__ import annotations

from datetime import date

from addin.remit.outgoing_models import Acknowledgment
from addin.remit.values import to_date, to_decimal

PAD = [""] * 24

# 999 IK5/AK5 (IK502-IK506): why a transaction set was rejected (X231A1, element 718).
SET_ERRORS = {
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "control numbers in its header and trailer do not match",
    "4": "number of included segments does not match the actual count",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid transaction set control number",
    "18": "transaction set not in functional group",
    "19": "invalid transaction set implementation convention reference",
    "23": "transaction set control number not unique within the functional group",
    "I5": "implementation: one or more segments in error",
    "I6": "implementation convention not supported",
}
# IK304: what was wrong with a segment (element 620).
SEGMENT_ERRORS = {
    "1": "unrecognized segment",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs more often than allowed",
    "5": "segment repeated more often than allowed",
    "6": "segment not in the transaction set",
    "7": "segment out of order",
    "8": "segment has data element errors",
    "I4": "segment the guide says is not used",
    "I6": "situational segment missing",
    "I7": "loop occurs fewer times than required",
    "I8": "segment occurs fewer times than required",
    "I9": "situational segment present where it must not be",
}
# IK403: what was wrong with an element (element 621).
ELEMENT_ERRORS = {
    "1": "required element missing",
    "2": "conditional required element missing",
    "3": "too many elements",
    "4": "element too short",
    "5": "element too long",
    "6": "invalid character",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I6": "code value not used in this guide",
    "I9": "situational element missing",
    "I10": "element the guide says is not used",
    "I11": "too few repetitions",
    "I12": "pattern match failure",
    "I13": "situational element present where it must not be",
}
# Claim status category codes (code list 507).
CATEGORIES = {
    "A0": "forwarded to another entity",
    "A1": "received",
    "A2": "accepted into the payer's system",
    "A3": "returned as unprocessable",
    "A4": "not found",
    "A5": "split",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected for relational field error",
}
ACCEPTED = {"A1", "A2", "A5"}
REJECTED = {"A3", "A4", "A6", "A7", "A8"}
# The claim status codes (code list 508) a 277CA rejection most often carries.
STATUSES = {
    "16": "claim/encounter has been forwarded",
    "19": "entity acknowledges receipt",
    "20": "accepted for processing",
    "21": "missing or invalid information",
    "24": "entity not approved as an electronic submitter",
    "25": "entity not approved",
    "33": "subscriber and subscriber id not found",
    "116": "claim submitted to the incorrect payer",
    "145": "entity's primary identifier",
    "164": "entity's contract/member number",
    "187": "date(s) of service",
    "189": "facility type code",
    "247": "line information",
    "252": "an attachment/other documentation is required",
    "401": "claim total charges",
    "453": "procedure code modifier(s) for service(s) rendered",
    "454": "procedure code for services rendered",
    "455": "revenue code for services rendered",
    "460": "date of service",
    "464": "place of service",
    "479": "attending provider's taxonomy",
    "496": "submitter not approved for electronic claim submissions on behalf of this entity",
    "507": "HCPCS",
    "510": "future date",
    "516": "other payer's explanation of benefits/payment information",
    "535": "claim frequency type code",
    "562": "entity's National Provider Identifier (NPI)",
    "564": "entity's tax id",
    "585": "denied charge or non-covered charge",
    "640": "service line and claim level dates do not match",
    "673": "patient control number",
    "732": "information submitted inconsistent with billing guidelines",
    "748": "claim/service already in process",
}
ENTITIES = {
    "40": "the receiver",
    "41": "the submitter",
    "77": "the service location",
    "82": "the rendering provider",
    "85": "the billing provider",
    "87": "the pay-to provider",
    "DN": "the referring provider",
    "DK": "the ordering physician",
    "IL": "the subscriber",
    "QC": "the patient",
    "PR": "the payer",
    "71": "the attending physician",
}


def status_words(composite: list[str]) -> tuple[bool | None, str]:
    """(accepted?, words) for an STC01 composite: category, status code, entity."""
    category, status, entity = (composite + ["", "", ""])[:3]
    accepted = True if category in ACCEPTED else (False if category in REJECTED else None)
    words = CATEGORIES.get(category, f"status category {category or '?'}")
    if status:
        words += ": " + STATUSES.get(status, f"status code {status}")
    if entity:
        words += f" ({ENTITIES.get(entity, 'entity ' + entity)})"
    return accepted, words[0].upper() + words[1:]


class ClaimAckTransaction:
    """Reads one 277CA (ST*277 … SE): one Acknowledgment per claim-level STC (2200D)."""

    def __init__(self, component: str, on: date | None):
        self.component, self.on = component, on
        self.acks: list[Acknowledgment] = []
        self.payer: tuple[str, str] = ("", "")
        self.level = ""
        self.claim: dict | None = None
        self.in_line = False

    def feed(self, e: list[str]) -> None:
        name = e[0]
        e = e + PAD
        if name == "HL":
            self._close()
            self.level = e[3].strip()
            if self.level == "PT":
                self.claim = {"stc": []}
        elif name == "NM1":
            role = e[1].strip()
            if role == "PR" and self.level == "20":
                self.payer = (e[3].strip(), e[9].strip())
            elif role in ("QC", "IL") and self.claim is not None:
                self.claim.update(last=e[3].strip(), first=e[4].strip(), member=e[9].strip())
        elif self.claim is not None:
            self._in_claim(name, e)

    def _in_claim(self, name: str, e: list[str]) -> None:
        claim = self.claim
        if name == "SVC":
            self.in_line = True
        elif name == "TRN" and e[1].strip() == "2":
            claim["claim_id"] = e[2].strip()
        elif name == "STC" and not self.in_line:
            claim["stc"].append(e)
        elif name == "REF" and e[1].strip() == "1K":
            claim["payer_claim_number"] = e[2].strip()

    def _close(self) -> None:
        claim, self.claim, self.in_line = self.claim, None, False
        if claim is None:
            return
        for stc in claim["stc"]:
            composites = [stc[1], stc[10], stc[11]]
            said = [status_words(c.split(self.component)) for c in composites if c.strip()]
            accepted = said[0][0] if said else None
            self.acks.append(
                Acknowledgment(
                    source="277CA",
                    accepted=accepted,
                    reason="; ".join(words for _, words in said),
                    codes=" ".join(c.replace(self.component, ":") for c in composites if c),
                    on=to_date(stc[2]) or self.on,
                    claim_id=claim.get("claim_id", ""),
                    payer_name=self.payer[0],
                    payer_id=self.payer[1],
                    member_id=claim.get("member", ""),
                    patient_last=claim.get("last", ""),
                    patient_first=claim.get("first", ""),
                    charge=to_decimal(stc[4]),
                    payer_claim_number=claim.get("payer_claim_number", ""),
                )
            )

    def finish(self) -> list[Acknowledgment]:
        self._close()
        return self.acks


class SetAckTransaction:
    """Reads one 999 (ST*999 … SE): one Acknowledgment per AK2 (one 837 transaction set)."""

    def __init__(self, component: str, on: date | None):
        self.component, self.on = component, on
        self.acks: list[Acknowledgment] = []
        self.group = ""
        self.set: dict | None = None

    def feed(self, e: list[str]) -> None:
        name = e[0]
        e = e + PAD
        if name == "AK1":
            self.group = e[2].strip()
        elif name == "AK2":
            self._close()
            self.set = {"control": e[2].strip(), "errors": [], "codes": [], "claim": ""}
        elif self.set is None:
            return
        elif name == "IK3":
            segment, code = e[1].strip(), e[4].strip()
            self.set["codes"].append(f"IK3 {segment} {code}")
            error = SEGMENT_ERRORS.get(code, f"segment error {code}")
            self.set["errors"].append(f"{segment} segment: {error}")
        elif name == "IK4":
            code = e[3].strip()
            self.set["codes"].append(f"IK4 {e[1].strip()} {code}")
            self.set["errors"].append(ELEMENT_ERRORS.get(code, f"element error {code}"))
        elif name == "CTX":
            parts = e[1].split(self.component)
            if parts[0].strip() == "CLM01" and len(parts) > 1:
                self.set["claim"] = parts[1].strip()
        elif name in ("IK5", "AK5"):
            self._result(e)

    def _result(self, e: list[str]) -> None:
        code = e[1].strip()
        reasons = [SET_ERRORS.get(c.strip(), f"error {c.strip()}") for c in e[2:7] if c.strip()]
        self.set["codes"].insert(0, " ".join([e[0], code, *[c for c in e[2:7] if c.strip()]]))
        self.set["accepted"] = (
            True if code in ("A", "E") else (False if code in ("R", "M", "W", "X") else None)
        )
        self.set["reasons"] = reasons

    def _close(self) -> None:
        ack, self.set = self.set, None
        if ack is None or "accepted" not in ack:
            return
        accepted = ack["accepted"]
        words = ack["reasons"] + ack["errors"]
        if accepted:
            reason = "Accepted" + (" with errors: " + "; ".join(words) if words else "")
        else:
            reason = "Rejected: " + ("; ".join(words) or "no reason given")
        self.acks.append(
            Acknowledgment(
                source="999",
                accepted=accepted,
                reason=reason,
                codes="; ".join(ack["codes"]),
                on=self.on,
                claim_id=ack["claim"],
                group_control=self.group,
                transaction_control=ack["control"],
            )
        )

    def finish(self) -> list[Acknowledgment]:
        self._close()
        return self.acks
