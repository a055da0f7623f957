"""The closed vocabularies plan-aware advice is written in: a payer's plan type and a remedy.

A plan type says which rules govern a denial (Original Medicare's reopenings and
redeterminations, a Medicare Advantage plan's reconsideration, a commercial plan's appeal …);
a remedy is the one step that fixes the denial. Sheets show the words (`label`); `--json`
and code use the keys.
"""

from __future__ import annotations

import enum
import functools
import re


class PlanType(enum.StrEnum):
    """The kind of health plan behind a payer id: one payer id often serves several."""

    ORIGINAL_MEDICARE = "Original Medicare"
    MEDICARE_ADVANTAGE = "Medicare Advantage"
    MEDICAID_FFS = "Medicaid FFS"
    MEDICAID_MANAGED_CARE = "Medicaid managed care"
    COMMERCIAL = "Commercial"
    TRICARE = "TRICARE"
    FEP = "FEP"
    WORKERS_COMP = "Workers' Comp"
    OTHER = "Other"

    @property
    def key(self) -> str:
        """`original_medicare`, `medicare_advantage` … (for --json)."""
        return self.name.lower()


# What people and older trackers write on Payers › Plan Type, in order of precedence.
_PLAN_WORDS: tuple[tuple[str, PlanType], ...] = (
    (
        r"\bMEDICARE ADVANTAGE\b|\bPART C\b|\bMA(PD)?\b|\bMEDICARE HMO\b",
        PlanType.MEDICARE_ADVANTAGE,
    ),
    (
        r"\bMEDICAID\b.*\b(MCO|MANAGED|HMO|PLAN)\b|\bMANAGED MEDICAID\b|\bMCO\b",
        PlanType.MEDICAID_MANAGED_CARE,
    ),
    (r"\bMEDICAID\b", PlanType.MEDICAID_FFS),
    (r"\bMEDICARE\b", PlanType.ORIGINAL_MEDICARE),
    (r"\bTRICARE\b|\bMILITARY\b|\bCHAMPVA\b", PlanType.TRICARE),
    (r"\bFEP\b|\bFEHB\b|\bFEDERAL EMPLOYEE", PlanType.FEP),
    (r"\bWORKERS\b|\bWORK COMP\b|\bWC\b", PlanType.WORKERS_COMP),
    (
        r"\bCOMMERCIAL\b|\bPPO\b|\bHMO\b|\bEPO\b|\bPOS\b|\bEMPLOYER\b|\bGROUP\b|\bERISA\b",
        PlanType.COMMERCIAL,
    ),
)


def plan_type_of(text: object) -> PlanType | None:
    """The plan type a cell names ("Medicare FFS", "Medicaid MCO", "FEHB" …); None when blank,
    OTHER when the words name none we know."""
    return _plan_type_named(str(text or ""))


@functools.lru_cache(maxsize=1024)  # a tracker names a few plans, asked of every row
def _plan_type_named(text: str) -> PlanType | None:
    words = " ".join(re.sub(r"[^A-Z0-9']+", " ", text.upper()).split())
    if not words:
        return None
    for pattern, plan in _PLAN_WORDS:
        if re.search(pattern, words):
            return plan
    return next((p for p in PlanType if p.value.upper() == words), PlanType.OTHER)


class Remedy(enum.StrEnum):
    """The one step that fixes a denial, decided from the code combination × the plan type."""

    CORRECTED_CLAIM = "corrected_claim"
    REOPENING = "reopening"
    APPEAL = "appeal"
    BILL_OTHER_PAYER = "bill_other_payer"
    WRITE_OFF = "write_off"
    BILL_PATIENT = "bill_patient"
    NONE = "none"

    @property
    def label(self) -> str:
        """How the Denials and Work Queue sheets show it."""
        return _LABELS[self]

    @classmethod
    def from_label(cls, text: object) -> Remedy | None:
        """A Remedy cell (its label or its key) back to the remedy; None when blank/unknown."""
        words = str(text or "").strip().lower()
        return next((r for r in cls if words in (r.value, r.label.lower())), None)


_LABELS = {
    Remedy.CORRECTED_CLAIM: "Corrected claim",
    Remedy.REOPENING: "Reopening",
    Remedy.APPEAL: "Appeal",
    Remedy.BILL_OTHER_PAYER: "Bill another payer",
    Remedy.WRITE_OFF: "Write off",
    Remedy.BILL_PATIENT: "Bill the patient",
    Remedy.NONE: "None",
}


# CLP06 claim filing indicator codes that name a plan type (X12 835 5010, CLP06).
_FILING_INDICATOR_PLANS = {
    "MA": PlanType.ORIGINAL_MEDICARE,  # Medicare Part A
    "MB": PlanType.ORIGINAL_MEDICARE,  # Medicare Part B
    "16": PlanType.MEDICARE_ADVANTAGE,  # HMO Medicare risk
    "CH": PlanType.TRICARE,  # CHAMPUS
    "FI": PlanType.FEP,  # Federal Employees Program
    "WC": PlanType.WORKERS_COMP,
}


def plan_of_filing_indicator(code: object) -> PlanType | None:
    """The plan type a remit's CLP06 claim filing indicator names, when it names one."""
    return _FILING_INDICATOR_PLANS.get(str(code or "").strip().upper())
