"""What to do about each kind of denial: a playbook per category, and the remark codes that
name the fix when the reason code only says "see the remark"."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from addin.codes import Category, DenialType, Nature, Stage


class Route(enum.StrEnum):
    """The kind of next step, which also decides which deadline applies."""

    RESUBMIT = "resubmit"  # a corrected or new claim to the same payer: timely filing
    BILL_OTHER_PAYER = "bill_other_payer"  # the right payer's timely filing
    SEND_RECORDS = "send_records"  # records to the payer, within the appeal window
    APPEAL = "appeal"  # a written appeal within the payer's appeal window
    BILL_PATIENT = "bill_patient"
    NONE = "none"  # nothing to work (write-off, balancing entry, reversal)


@dataclass(frozen=True, slots=True)
class Playbook:
    """What a denial of one category usually is, and what to do about it."""

    type: DenialType | None
    stage: Stage | None
    nature: Nature | None
    route: Route
    action: str
    checklist: tuple[str, ...]


SOFT, HARD = DenialType.SOFT, DenialType.HARD
FRONT, BACK = Stage.FRONT_END, Stage.BACK_END
ADMIN, CLINICAL = Nature.ADMINISTRATIVE, Nature.CLINICAL
C = Category

PLAYBOOKS: dict[Category, Playbook] = {
    C.ELIGIBILITY: Playbook(
        SOFT, FRONT, ADMIN, Route.RESUBMIT,
        "Verify the patient's coverage for the date of service; correct the member ID, name "
        "and date of birth and resubmit, bill the right payer, or bill the patient if there "
        "was no coverage.",
        ("Eligibility response (271) or portal print-out for the date of service",
         "Copy of the insurance card on file", "Corrected member ID, name and date of birth"),
    ),
    C.AUTHORIZATION: Playbook(
        HARD, FRONT, ADMIN, Route.APPEAL,
        "Look for an authorization on file: if there is one, put its number on the claim and "
        "resubmit; if not, request a retro-authorization and appeal.",
        ("Authorization or referral number and the approval", "Retro-authorization request and "
         "the payer's answer", "Notes showing why the service could not wait, if it was urgent"),
    ),
    C.CODING: Playbook(
        SOFT, BACK, ADMIN, Route.RESUBMIT,
        "Check the codes against the visit note; correct the procedure, diagnosis or modifier "
        "and send a corrected claim (frequency code 7).",
        ("Coded visit note", "Corrected CPT/HCPCS, ICD-10 codes and modifiers",
         "Coding reference (CPT or ICD-10 guideline, NCCI edit) if you appeal instead"),
    ),
    C.DOCUMENTATION: Playbook(
        SOFT, BACK, CLINICAL, Route.SEND_RECORDS,
        "Send the records or attachment the payer asked for, linked to the claim (attachment "
        "control number or portal upload); appeal if the payer's window has closed.",
        ("Signed and dated visit or procedure note", "Orders, referrals or results the payer "
         "asked for", "The payer's request letter", "Attachment control number (PWK)"),
    ),
    C.MEDICAL_NECESSITY: Playbook(
        HARD, BACK, CLINICAL, Route.APPEAL,
        "Appeal with the medical records and a letter of medical necessity that shows how the "
        "payer's coverage criteria are met.",
        ("Letter of medical necessity signed by the treating provider", "Visit notes, history "
         "and results that support the service", "The payer's coverage policy (LCD/NCD or "
         "medical policy) with the criteria met marked", "Signed ABN or waiver, if any"),
    ),
    C.TIMELY_FILING: Playbook(
        HARD, BACK, ADMIN, Route.APPEAL,
        "Appeal only with proof that the claim reached the payer in time; without proof, "
        "write it off (the patient cannot be billed).",
        ("Clearinghouse acceptance report (999/277CA) dated within the filing limit",
         "Payer acknowledgement or an earlier remit for this claim", "The other payer's remit, "
         "if the claim was first sent to the wrong payer"),
    ),
    C.DUPLICATE: Playbook(
        SOFT, BACK, ADMIN, Route.RESUBMIT,
        "Do not appeal: find the original claim and its payment. If this claim corrects the "
        "first one, send it as a replacement claim (frequency code 7).",
        ("Original claim number (ICN) and its remit", "Note showing the services were distinct "
         "(times, modifiers 76/77/59), if they were"),
    ),
    C.BUNDLING: Playbook(
        SOFT, BACK, ADMIN, Route.RESUBMIT,
        "Check the NCCI edit: if the service was separate and documented, send a corrected "
        "claim with the right modifier (59/XE/XS/XP/XU or 25); otherwise accept the bundling.",
        ("NCCI procedure-to-procedure edit and its modifier indicator", "Note showing a "
         "separate site, session or encounter", "Corrected claim with the modifier"),
    ),
    C.COORDINATION_OF_BENEFITS: Playbook(
        SOFT, FRONT, ADMIN, Route.BILL_OTHER_PAYER,
        "Update the patient's other coverage; bill the primary payer first, then this payer "
        "with the primary's remit.",
        ("Patient's other-coverage questionnaire", "Primary payer's remit (EOB)",
         "Corrected claim with the other-payer data"),
    ),
    C.NON_COVERED: Playbook(
        HARD, FRONT, ADMIN, Route.APPEAL,
        "Verify the benefits: if the plan covers the service, appeal with the plan language; "
        "if not, write it off — the patient can be billed only with a signed waiver/ABN.",
        ("Benefit summary or plan document for the service", "Signed ABN or waiver, if any",
         "Eligibility response for the date of service"),
    ),
    C.PROVIDER_ENROLLMENT: Playbook(
        HARD, BACK, ADMIN, Route.APPEAL,
        "Check the provider's enrollment, credentialing and network status with this payer on "
        "the date of service; fix it (ask for a retro effective date), then ask the payer to "
        "reprocess.",
        ("Enrollment or credentialing approval with its effective date", "Provider NPI, "
         "taxonomy and TIN as the payer has them", "PECOS record (Medicare)"),
    ),
    C.CLAIM_DATA: Playbook(
        SOFT, BACK, ADMIN, Route.RESUBMIT,
        "Correct the missing or invalid data the remark codes name and send a corrected claim "
        "— not an appeal.",
        ("The remark codes and what each asks for", "Corrected claim (frequency code 7, or a "
         "new claim when it was rejected as unprocessable)"),
    ),
    C.PRICING: Playbook(
        HARD, BACK, ADMIN, Route.APPEAL,
        "Compare the payment with your contract's fee schedule; if it is short, dispute the "
        "pricing with the payer, otherwise accept it.",
        ("Contract fee schedule for the code", "Your calculation of the expected payment",
         "Earlier payments for the same code"),
    ),
    C.PATIENT_RESPONSIBILITY: Playbook(
        None, None, None, Route.BILL_PATIENT,
        "The patient's share: bill the patient or their secondary plan.", (),
    ),
    C.CONTRACTUAL: Playbook(
        None, None, None, Route.NONE,
        "Normal contractual write-off; check it against your fee schedule if it looks too "
        "large.", (),
    ),
    C.OTHER: Playbook(
        HARD, BACK, ADMIN, Route.APPEAL,
        "Read the remark codes for the reason (call the payer if unclear), then correct and "
        "resubmit or appeal.",
        ("The remit with its remark codes", "Notes of the call with the payer"),
    ),
}  # fmt: skip


def remark_hint(rarcs: tuple[str, ...]) -> tuple[str, RemarkHint] | None:
    """The first remark code that says what is wrong, with its hint."""
    return next(((r, REMARK_HINTS[r]) for r in rarcs if r in REMARK_HINTS), None)


# -- remark codes that say what is wrong when the CARC only says "see the remark" ------


@dataclass(frozen=True, slots=True)
class RemarkHint:
    category: Category
    action: str


_RESUBMIT = "then send a corrected claim."
REMARK_HINTS: dict[str, RemarkHint] = {
    "N290": RemarkHint(C.CLAIM_DATA, "Add the rendering provider's NPI (enrolled with this "
                       f"payer), {_RESUBMIT}"),
    "N265": RemarkHint(C.CLAIM_DATA, "Add or correct the ordering/referring provider's NPI "
                       f"(as enrolled; PECOS for Medicare), {_RESUBMIT}"),
    "N264": RemarkHint(C.CLAIM_DATA, "Add or correct the ordering provider's name, "
                       f"{_RESUBMIT}"),
    "N575": RemarkHint(C.CLAIM_DATA, "Match the ordering/referring provider's name to the "
                       f"payer's records, {_RESUBMIT}"),
    "M51": RemarkHint(C.CODING, f"Correct the procedure code for the service and date, "
                      f"{_RESUBMIT}"),
    "M20": RemarkHint(C.CODING, f"Correct the HCPCS code, {_RESUBMIT}"),
    "N56": RemarkHint(C.CODING, f"Bill the procedure code that fits the service, {_RESUBMIT}"),
    "M76": RemarkHint(C.CODING, f"Correct the diagnosis codes and pointers, {_RESUBMIT}"),
    "MA63": RemarkHint(C.CODING, f"Correct the principal diagnosis, {_RESUBMIT}"),
    "M119": RemarkHint(C.CODING, f"Correct the NDC and units, {_RESUBMIT}"),
    "N79": RemarkHint(C.CODING, f"Correct the place of service, {_RESUBMIT}"),
    "N382": RemarkHint(C.ELIGIBILITY, "Correct the patient's member ID, name and date of "
                       f"birth to match the card, {_RESUBMIT}"),
    "MA61": RemarkHint(C.ELIGIBILITY, f"Correct the patient's identifiers, {_RESUBMIT}"),
    "MA04": RemarkHint(C.COORDINATION_OF_BENEFITS, "Add the primary payer's payment "
                       "details (payer, paid amount, adjustments) and send the claim again."),
    "N4": RemarkHint(C.COORDINATION_OF_BENEFITS, "Send the prior payer's remit with the claim."),
    "N479": RemarkHint(C.COORDINATION_OF_BENEFITS, "Send the other payer's remit with the "
                       "claim."),
    "MA92": RemarkHint(C.COORDINATION_OF_BENEFITS, "Get the patient's other insurance and "
                       "bill the primary payer first."),
    "M127": RemarkHint(C.DOCUMENTATION, "Send the medical record for this service, linked "
                       "to the claim."),
    "N706": RemarkHint(C.DOCUMENTATION, "Send the documentation the payer asked for, linked "
                       "to the claim."),
    "N54": RemarkHint(C.AUTHORIZATION, "Match the claim to the authorized services (or update "
                      "the authorization), then resubmit."),
    "M62": RemarkHint(C.AUTHORIZATION, f"Add or correct the authorization number, {_RESUBMIT}"),
    "N95": RemarkHint(C.PROVIDER_ENROLLMENT, "Check the provider's specialty and enrollment "
                      "for this service with the payer."),
    "N130": RemarkHint(C.NON_COVERED, "Check the plan's benefits for this service."),
    "N115": RemarkHint(C.MEDICAL_NECESSITY, "Appeal against the LCD's criteria with the "
                       "records and a letter of medical necessity."),
    "N386": RemarkHint(C.MEDICAL_NECESSITY, "Appeal against the NCD's criteria with the "
                       "records and a letter of medical necessity."),
    "N30": RemarkHint(C.ELIGIBILITY, "Verify the patient's eligibility for this service."),
    "N111": RemarkHint(C.DUPLICATE, "Find the original claim and its payment; do not appeal."),
    "M15": RemarkHint(C.BUNDLING, "Check the bundling edit; use a modifier only if the tests "
                      "were separate."),
    "N640": RemarkHint(C.MEDICAL_NECESSITY, "Check the frequency limit; appeal with the "
                       "reason more services were needed."),
    "N822": RemarkHint(C.CODING, f"Add the missing modifier, {_RESUBMIT}"),
    "N823": RemarkHint(C.CODING, f"Correct the modifier, {_RESUBMIT}"),
}  # fmt: skip
