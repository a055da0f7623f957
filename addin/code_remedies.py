"""Codes with a meaning of their own: per-code remedies that win over their category's text.

Each entry names the group/CARC (and remark codes, and plan types) it applies to, the remedy,
whether the denial can be appealed, the action and checklist in a biller's words, and its
source. The first entry that fits decides; a code with no entry follows its category's
playbook, bent by the plan type (`addin.advice`).
"""

from __future__ import annotations

from dataclasses import dataclass

from addin.remedies import PlanType, Remedy

OM = PlanType.ORIGINAL_MEDICARE
R = Remedy


@dataclass(frozen=True, slots=True)
class CodeRemedy:
    """What one code (combination) means and what fixes it."""

    name: str
    carc: str
    remedy: Remedy
    action: str
    source: str
    groups: tuple[str, ...] = ("CO", "OA", "PI", "PR")
    rarcs: tuple[str, ...] = ()  # any one of these remark codes must be present
    plans: tuple[PlanType, ...] = ()  # only for these plan types (empty: any)
    not_plans: tuple[PlanType, ...] = ()  # …and never for these
    appealable: bool = True
    checklist: tuple[str, ...] = ()
    secondary: bool = False  # the claim goes to a secondary payer: filing from the primary's remit

    def fits(self, group: str, carc: str, rarcs: tuple[str, ...], plan: PlanType | None) -> bool:
        return (
            carc == self.carc
            and group in self.groups
            and (not self.rarcs or any(r in self.rarcs for r in rarcs))
            and (not self.plans or plan in self.plans)
            and plan not in self.not_plans
        )


_REOPEN = "Reopening request to the MAC naming the claim number (ICN), the line and the correction"
_CORRECTED = "Corrected claim (frequency code 7) with the payer's original claim number"
_MODIFIER = (
    "This is a coding error, not bundling: the modifier is wrong, missing or not valid on the "
    "date of service. Check it against the note and the code's modifier rules"
)

CODE_REMEDIES: tuple[CodeRemedy, ...] = (
    CodeRemedy(
        "medicare-timely-filing", "29", R.WRITE_OFF, appealable=False, plans=(OM,),
        action="Not appealable: a claim Medicare received after its 12-month limit is not an "
        "initial determination, so there is no 120-day redetermination window. If an exception "
        "applies — Medicare's own administrative error, retroactive Medicare entitlement, or "
        "retroactive disenrollment from a Medicare Advantage plan or PACE — ask the MAC for it "
        "with the evidence; otherwise write it off (the patient cannot be billed).",
        checklist=("Evidence for the exception (the MAC's error, the entitlement or "
                   "disenrollment notice and its date)", "Proof of when the claim was first sent"),
        source="42 CFR 424.44(b) (exceptions to the 12-month limit); 42 CFR 405.926 (actions "
        "that are not initial determinations)"),
    CodeRemedy(
        "qualifying-service-first", "B15", R.REOPENING, plans=(OM,),
        action="Bill the qualifying (primary) service first: this service is paid only once that "
        "one is on file and covered. When it has been paid, ask the MAC to reopen this line — "
        "a resent claim would deny as a duplicate.",
        checklist=("Claim and remit for the qualifying service", _REOPEN),
        source="CARC B15; 42 CFR 405.980 (reopenings)"),
    CodeRemedy(
        "qualifying-service-first", "B15", R.CORRECTED_CLAIM,
        action="Bill the qualifying (primary) service first: this service is paid only once that "
        "one is on file and covered. When it has been paid, send this line again as a corrected "
        "claim (or ask the payer to reprocess it).",
        checklist=("Claim and remit for the qualifying service", _CORRECTED),
        source="CARC B15 (X12 code list)"),
    CodeRemedy(
        "modifier-error", "4", R.REOPENING, rarcs=("N822", "N823"), plans=(OM,),
        action=f"{_MODIFIER}; then ask the MAC for a clerical-error reopening with the right "
        "modifier (not a corrected claim: it would deny as a duplicate).",
        checklist=("Visit note supporting the modifier", _REOPEN),
        source="CARC 4 + RARC N822/N823; 42 CFR 405.980; Medicare Claims Processing Manual "
        "(Pub 100-04) ch.34 §10.6.2"),
    CodeRemedy(
        "modifier-error", "4", R.CORRECTED_CLAIM, rarcs=("N822", "N823"),
        action=f"{_MODIFIER}; then send a corrected claim with the right modifier.",
        checklist=("Visit note supporting the modifier", _CORRECTED),
        source="CARC 4 + RARC N822/N823 (X12 code lists)"),
    CodeRemedy(
        "modifier-invalid-on-date", "182", R.REOPENING, plans=(OM,),
        action=f"{_MODIFIER}; then ask the MAC for a clerical-error reopening with a modifier "
        "valid on that date.",
        checklist=("Modifier's effective dates", _REOPEN),
        source="CARC 182; 42 CFR 405.980; Pub 100-04 ch.34 §10.6.2"),
    CodeRemedy(
        "modifier-invalid-on-date", "182", R.CORRECTED_CLAIM,
        action=f"{_MODIFIER}; then send a corrected claim with a modifier valid on that date.",
        checklist=("Modifier's effective dates", _CORRECTED),
        source="CARC 182 (X12 code list)"),
    CodeRemedy(
        "hospice-enrollee", "B9", R.REOPENING, plans=(OM,),
        action="The patient had elected hospice. If this service was not related to the "
        "terminal condition, ask the MAC to reopen the line with modifier GW (or GV if you are "
        "the attending physician not employed by the hospice). If it was related, the hospice "
        "is paid for it: bill the hospice under your arrangement — not Medicare, not the "
        "patient.",
        checklist=("Note showing the service was unrelated to the terminal condition",
                   "Hospice election date and the hospice's name", _REOPEN),
        source="CARC B9; Medicare Claims Processing Manual (Pub 100-04) ch.11 (hospice; "
        "modifiers GV/GW)"),
    CodeRemedy(
        "hospice-enrollee", "B9", R.BILL_OTHER_PAYER,
        action="The patient had elected hospice, which Original Medicare covers even for "
        "plan members. If this service was not related to the terminal condition, bill "
        "Original Medicare with modifier GW (or GV if you are the attending physician); if it "
        "was related, bill the hospice under your arrangement — not the patient.",
        checklist=("Hospice election date and the hospice's name",
                   "Note showing whether the service related to the terminal condition"),
        source="CARC B9; Pub 100-04 ch.11 (hospice; modifiers GV/GW)"),
    CodeRemedy(
        "defective-abn", "116", R.WRITE_OFF,
        action="The advance notice (ABN/waiver) did not meet the requirements, so the practice "
        "is liable: write it off and do not bill the patient (refund anything collected). Appeal "
        "only if you hold a valid, timely notice for this service.",
        checklist=("The signed notice, if you believe it was valid", "Fix the notice process"),
        source="CARC 116; Medicare Claims Processing Manual (Pub 100-04) ch.30 §40, §50 (ABN)"),
    CodeRemedy(
        "place-of-service", "58", R.REOPENING, plans=(OM,),
        action="Check the place of service against the record. If it was keyed wrong, ask the "
        "MAC for a clerical-error reopening with the right code — that is the whole fix. If it "
        "was right, request a redetermination for the site of care with the record. Not both.",
        checklist=("Record showing where the service took place", _REOPEN),
        source="CARC 58; 42 CFR 405.980 (reopening), 405.942 (redetermination)"),
    CodeRemedy(
        "place-of-service", "58", R.CORRECTED_CLAIM,
        action="Check the place of service against the record. If it was keyed wrong, send a "
        "corrected claim with the right code — that is the whole fix. If it was right, appeal "
        "the site of care with the record instead. Not both.",
        checklist=("Record showing where the service took place", _CORRECTED),
        source="CARC 58 (X12 code list)"),
    CodeRemedy(
        "appeal-channel", "285", R.APPEAL,
        action="This is about the appeal, not the claim: it reached the payer the wrong way. "
        "Send it again through the channel the payer requires (form, portal, address), within "
        "the window of the original denial.",
        checklist=("The payer's appeal form or portal instructions", "The original appeal"),
        source="CARC 285 (X12 code list)"),
    CodeRemedy(
        "appeal-late", "286", R.APPEAL,
        action="This is about the appeal, not the claim: the payer says it came in late. If you "
        "can prove it was timely (fax confirmation, certified-mail receipt, portal receipt), ask "
        "the payer to accept it; Medicare and Medicare Advantage also take a late appeal for "
        "good cause (42 CFR 405.942(b), 422.582(c)). Otherwise write it off.",
        checklist=("Proof of the date the appeal was sent and received",
                   "Good-cause statement, where the rules allow one"),
        source="CARC 286; 42 CFR 405.942(b), 422.582(c)"),
    CodeRemedy(
        "diagnosis-not-covered", "167", R.APPEAL,
        action="Check the diagnosis coding first: if the record supports a more specific or "
        "different diagnosis that the payer covers, fix the claim (Original Medicare: a "
        "reopening; others: a corrected claim) instead of appealing. Appeal medical necessity "
        "with the record and the coverage policy only when the coding was right.",
        checklist=("Visit note and the diagnosis codes it supports",
                   "The payer's coverage policy (LCD/NCD or medical policy) for the service"),
        source="CARC 167 (X12 code list)"),
    CodeRemedy(
        "provider-type-not-payable", "170", R.WRITE_OFF,
        action="Not payable when this type of provider performs or bills it: if an eligible "
        "provider performed or supervised it under the payer's rules, bill it under that "
        "provider; otherwise write it off (not the patient's bill). Appeal only if the payer "
        "has the provider's type or enrollment wrong.",
        checklist=("The provider's enrolled type and specialty",
                   "The eligible provider's involvement in the note, if any"),
        source="CARC 170 (X12 code list)"),
    CodeRemedy(
        "provider-type-in-facility", "171", R.WRITE_OFF,
        action="Not payable for this provider type in this kind of facility: if an eligible "
        "provider performed it, bill it under that provider; otherwise write it off (not the "
        "patient's bill). Appeal only if the payer has the provider's type wrong.",
        checklist=("The provider's enrolled type", "Where the service took place"),
        source="CARC 171 (X12 code list)"),
    CodeRemedy(
        "emergency-prudent-layperson", "40", R.APPEAL,
        action="Appeal under the prudent-layperson standard: whether an emergency visit is "
        "covered depends on the symptoms the patient presented with, not on the final "
        "diagnosis. Send the triage note, the chief complaint and the ED record.",
        checklist=("Triage note and chief complaint", "ED record",
                   "Letter citing the prudent-layperson standard"),
        source="42 CFR 422.113(b) (Medicare Advantage); 42 CFR 438.114 (Medicaid managed care); "
        "45 CFR 147.138(b) (group and individual plans)"),
    CodeRemedy(
        "authorization-exceeded", "198", R.CORRECTED_CLAIM, not_plans=(OM,),
        action="The service went beyond the units or visits authorized: ask the payer to "
        "extend the authorization for the extra units (with the notes that justify them), then "
        "send a corrected claim with the updated authorization; appeal if it refuses.",
        checklist=("Authorization with its approved units and dates",
                   "Notes justifying the extra units", "Extension request and the payer's answer"),
        source="CARC 198 (X12 code list)"),
    CodeRemedy(
        "rate-not-loaded", "147", R.APPEAL,
        action="Not a claim error: the contracted rate is not loaded for this provider. Ask your "
        "payer contracting / provider relations contact to load it from its effective date, "
        "then ask the payer to reprocess the claim; dispute the payment if it does not.",
        checklist=("Contract or rate sheet with its effective date", "Provider relations ticket"),
        source="CARC 147 (X12 code list)"),
    CodeRemedy(
        "next-payer", "209", R.BILL_OTHER_PAYER, groups=("OA", "CO", "PI"), appealable=False,
        secondary=True,
        action="Do not bill the patient for this amount (refund it if collected): bill the next "
        "payer, with this remit; its filing limit counts from this remit.",
        checklist=("This remit (the primary payer's)", "The next payer's claim with the "
                   "primary's payment and adjustments"),
        source="CARC 209 (X12 code list)"),
    CodeRemedy(
        "out-of-network-patient-share", "242", R.BILL_PATIENT, groups=("PR",),
        appealable=False,
        action="Before billing the patient, check the No Surprises Act: for emergency care, and "
        "for out-of-network care at an in-network facility without the patient's valid notice "
        "and consent, the patient owes only the in-network cost share — settle the rest with "
        "the plan (open negotiation, then independent dispute resolution). Otherwise bill the "
        "patient.",
        checklist=("Whether the care was emergency or at an in-network facility",
                   "Signed notice and consent, if any"),
        source="No Surprises Act: 45 CFR 149.410, 149.420; 42 U.S.C. 300gg-131, 300gg-132"),
    CodeRemedy(
        "medicare-advantage-enrollee", "24", R.BILL_OTHER_PAYER, groups=("CO",), plans=(OM,),
        appealable=False,
        action="The patient was enrolled in a Medicare Advantage plan on the date of service: "
        "bill that plan (find it on the eligibility response), not Original Medicare and not the "
        "patient. This is a denial to work, not a contractual write-off.",
        checklist=("Eligibility response showing the Medicare Advantage plan",
                   "Claim to the plan under its own payer id"),
        source="CARC 24; Medicare Claims Processing Manual (Pub 100-04) ch.1 §90"),
    CodeRemedy(
        "secondary-missing-primary", "16", R.CORRECTED_CLAIM, rarcs=("MA04", "N4"),
        secondary=True,
        action="Back to the same payer: send the claim again with the primary payer's payment "
        "details (payer, paid amount, adjustments) and its remit, within this payer's filing "
        "limit for secondary claims (counted from the primary payer's remit).",
        checklist=("Primary payer's remit (EOB)", "Claim with the other-payer loop (2320/2330) "
                   "filled in"),
        source="CARC 16 + RARC MA04/N4 (X12 code lists); Cigna and UnitedHealthcare guides "
        "(secondary filing counts from the primary's remit)"),
)  # fmt: skip


def code_remedy(
    group: str, carc: str, rarcs: tuple[str, ...], plan: PlanType | None
) -> CodeRemedy | None:
    """The first per-code entry that fits the code combination and plan type, if any."""
    return next((c for c in CODE_REMEDIES if c.fits(group, carc, rarcs, plan)), None)
