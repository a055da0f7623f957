"""Frozen records for what a practice sends (837P/837I claims) and what comes back (999/277CA)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PROFESSIONAL = "837P"
INSTITUTIONAL = "837I"


@dataclass(frozen=True, slots=True)
class SubmittedLine:
    """One service line (2400): SV1 (professional) or SV2 (institutional) and its refs."""

    number: int
    procedure: str  # the code only (HCPCS/CPT, or the NDC/other code its qualifier names)
    qualifier: str = "HC"
    modifiers: tuple[str, ...] = ()
    charge: Decimal | None = None
    units: Decimal | None = None
    place_of_service: str = ""
    diagnosis_pointers: tuple[int, ...] = ()
    revenue_code: str = ""
    service_date: date | None = None
    rendering_npi: str = ""
    prior_auth: str = ""
    referral: str = ""
    control_number: str = ""  # REF*6R, echoed by the 835 as the line's control number


@dataclass(frozen=True, slots=True)
class SubmittedClaim:
    """One CLM loop (2300) of an 837, with who it is for, who billed it, and its lines."""

    kind: str  # PROFESSIONAL or INSTITUTIONAL
    guide: str  # ST03 (else GS08), e.g. 005010X222A1
    group_control: str  # GS06: a 999's AK102 names it
    transaction_control: str  # ST02: a 999's AK202 names it
    number: int  # 1-based position in its transaction
    claim_id: str  # CLM01 patient control number (the 835 echoes it as CLP01)
    charge: Decimal | None
    submitted_on: date | None  # BHT04, else GS04
    payer_name: str = ""
    payer_id: str = ""
    member_id: str = ""  # subscriber NM109
    patient_last: str = ""
    patient_first: str = ""
    patient_birth: date | None = None
    billing_npi: str = ""
    rendering_npi: str = ""  # claim level (2310B); lines may name their own
    place_of_service: str = ""  # CLM05-1 (professional) or facility type (institutional)
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    original_reference: str = ""  # REF*F8: the payer's number of the claim a 7/8 replaces
    prior_auth: str = ""  # REF*G1
    referral: str = ""  # REF*9F
    diagnoses: tuple[str, ...] = ()  # HI ABK/ABF (BK/BF), principal first
    statement_from: date | None = None
    statement_to: date | None = None
    lines: tuple[SubmittedLine, ...] = ()
    findings: tuple[str, ...] = ()

    @property
    def patient_ident(self) -> str:
        """What the 835 calls the patient: the member id, else LAST|FIRST (see adjudication)."""
        return self.member_id or f"{self.patient_last}|{self.patient_first}"

    @property
    def payer_key(self) -> str:
        return self.payer_id or self.payer_name.upper()

    @property
    def first_service_date(self) -> date | None:
        dates = [line.service_date for line in self.lines if line.service_date]
        return min(dates) if dates else self.statement_from

    def diagnosis(self, pointer: int) -> str:
        return self.diagnoses[pointer - 1] if 0 < pointer <= len(self.diagnoses) else ""


@dataclass(frozen=True, slots=True)
class Acknowledgment:
    """A clearinghouse or payer front-end answer: one claim (277CA) or one 837 set (999)."""

    source: str  # "999" or "277CA"
    accepted: bool | None  # None: neither (forwarded, pending, unreadable code)
    reason: str  # in words
    codes: str  # as sent, e.g. "A3:21:82" or "IK5 R 5; IK3 CLM 22 8"
    on: date | None
    claim_id: str = ""  # 277CA TRN02 in 2200D; a 999 CTX*CLM01 when it names one
    payer_name: str = ""
    payer_id: str = ""
    member_id: str = ""
    patient_last: str = ""
    patient_first: str = ""
    charge: Decimal | None = None
    payer_claim_number: str = ""  # 277CA REF*1K
    group_control: str = ""  # 999 AK102: the 837's GS06
    transaction_control: str = ""  # 999 AK202: the 837's ST02

    @property
    def status(self) -> str:
        return {True: "Accepted", False: "Rejected"}.get(self.accepted, "Pending")
