"""Plan-aware advice: the remedy, whether it can be appealed, and its deadlines with reasons.

`advise` takes a classification (what the code combination means), the payer's plan match and
the denial's dates. The remedy comes from a per-code entry (`code_remedies`) where the code
has a meaning of its own, else from the category's usual step bent by the plan type: Original
Medicare never takes a corrected claim for a processed claim — a clerical error is reopened
(42 CFR 405.980), anything else goes to redetermination (42 CFR 405.942). Past the last
usable date the advice becomes the decision that remains: a late appeal for good cause where
the rules allow one, else a write-off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from addin import deadlines as dl
from addin.classify import Decision, Route
from addin.code_remedies import CodeRemedy, code_remedy
from addin.payers import Defaults
from addin.plans import PlanMatch
from addin.remedies import PlanType, Remedy

OM = PlanType.ORIGINAL_MEDICARE
_PRACTICE_RULES = ("codes-sheet", "category-override")


@dataclass(frozen=True, slots=True)
class Advice:
    """What to do about one denial under its plan, by when, and why."""

    plan: PlanType | None
    remedy: Remedy
    appealable: bool
    action: str
    checklist: tuple[str, ...]
    source: str = ""  # the rule or guide behind a per-code remedy
    appeal: dl.Due | None = None
    corrected: dl.Due | None = None  # a corrected claim's filing limit, or Medicare's reopening
    deadline: dl.Due | None = None  # the deadline of the remedy in use
    overdue: bool = False  # every usable date has passed: the decision that remains
    rule: str = ""  # the Deadline Rule text

    def as_dict(self) -> dict:
        """The --json keys this adds to a decision."""
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        due = self.deadline
        return {
            "plan_type": self.plan.key if self.plan else None,
            "remedy": self.remedy.value,
            "appealable": self.appealable,
            "action": self.action,
            "checklist": list(self.checklist),
            "deadline": iso(due.due if due else None),
            "deadline_rule": self.rule or None,
            "deadline_start": iso(due.start if due else None),
            "appeal_deadline": iso(self.appeal.due if self.appeal else None),
            "corrected_claim_deadline": iso(self.corrected.due if self.corrected else None),
            "overdue": self.overdue,
            "remedy_source": self.source or None,
        }


def advise(
    decision: Decision,
    match: PlanMatch,
    dates: dl.Dates,
    defaults: Defaults,
    *,
    today: date | None = None,
    effective=lambda profile: profile,
) -> Advice:
    """The plan-aware advice for a classified adjustment (see the module docstring)."""
    plan = match.plan
    entry = None
    if not decision.rule.startswith(_PRACTICE_RULES):
        entry = code_remedy(decision.group, decision.carc, decision.rarcs, plan)
    advice = _from_entry(decision, plan, entry) if entry else _from_category(decision, plan)
    if not decision.is_denial and not (entry and entry.remedy is Remedy.BILL_OTHER_PAYER):
        return advice
    profiles = [effective(p) for p in (match.profile, *match.ambiguous_with)]
    advice = _with_deadlines(advice, profiles, dates, defaults, entry, decision)
    if match.ambiguous:
        advice = replace(advice, rule=f"{match.note} {advice.rule}".strip())
    return _past_due(advice, today) if today else advice


def _from_entry(decision: Decision, plan: PlanType | None, entry: CodeRemedy) -> Advice:
    return Advice(plan, entry.remedy, entry.appealable, entry.action,
                  entry.checklist or decision.checklist, entry.source)  # fmt: skip


def _from_category(decision: Decision, plan: PlanType | None) -> Advice:
    """The category's usual step, in the plan's terms."""
    unprocessable = "MA130" in decision.rarcs
    appealable = decision.is_denial and not unprocessable
    remedy = {
        Route.RESUBMIT: Remedy.CORRECTED_CLAIM,
        Route.APPEAL: Remedy.APPEAL,
        Route.SEND_RECORDS: Remedy.APPEAL,
        Route.BILL_OTHER_PAYER: Remedy.BILL_OTHER_PAYER,
        Route.BILL_PATIENT: Remedy.BILL_PATIENT,
    }.get(decision.route, Remedy.NONE)
    action, checklist = decision.action, decision.checklist
    if plan is OM and remedy is Remedy.CORRECTED_CLAIM and not unprocessable:
        remedy = Remedy.REOPENING
        action, checklist = _as_reopening(action, checklist)
    elif plan is OM and remedy is Remedy.APPEAL:
        action = f"{action} Original Medicare: this is a redetermination request to the MAC."
    return Advice(plan, remedy, appealable, action, checklist)


_CORRECTED_WORDS = re.compile(
    r"(send (it as )?a corrected claim( \(frequency code 7\))?|send (it|the claim) again|"
    r"resubmit( it)?|send it as a replacement claim \(frequency code 7\))",
    re.IGNORECASE,
)


def _as_reopening(action: str, checklist: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Original Medicare's words for a fix to a processed claim: a reopening, not a resend."""
    text = _CORRECTED_WORDS.sub("ask the MAC for a reopening", action)
    text += (
        " Original Medicare takes no corrected claim for a processed claim (a resent claim "
        "denies as a duplicate): a clerical error is fixed by a reopening within 1 year "
        "(42 CFR 405.980), anything else by a redetermination within 120 days of receipt "
        "(42 CFR 405.942)."
    )
    items = tuple(i for i in checklist if "corrected claim" not in i.lower())
    return text, (*items, "Reopening request to the MAC naming the claim number (ICN), the "
                  "line and the correction")  # fmt: skip


def _with_deadlines(advice, profiles, dates, defaults, entry, decision) -> Advice:
    """Both dates where both exist; the remedy's own date is the one in use."""
    secondary = bool(entry and entry.secondary)
    known = [p for p in profiles if p is not None] or [None]
    appeal = _earliest(dl.appeal_due(p, dates, defaults) for p in known)
    if not advice.appealable:
        appeal = None
    corrected = None
    if advice.plan is OM and (
        advice.remedy is Remedy.REOPENING or (advice.remedy is Remedy.APPEAL and _soft(decision))
    ):  # a reopening fixes a clerical error; a clinical disagreement is a redetermination
        corrected = dl.reopening_due(dates)
    if advice.remedy is Remedy.CORRECTED_CLAIM or (
        advice.plan is not OM and advice.remedy is Remedy.APPEAL and _soft(decision)
    ):
        corrected = _earliest(dl.filing_due(p, dates, defaults, secondary=secondary) for p in known)
    if advice.remedy is Remedy.BILL_OTHER_PAYER:
        corrected = _next_payer(advice, profiles, dates, defaults, secondary)
    in_use = {
        Remedy.APPEAL: appeal,
        Remedy.CORRECTED_CLAIM: corrected,
        Remedy.REOPENING: corrected,
        Remedy.BILL_OTHER_PAYER: corrected,
    }.get(advice.remedy)
    rules = [d.rule for d in (in_use, appeal, corrected) if d is not None]
    text = "; ".join(dict.fromkeys(rules))
    if advice.source and advice.remedy is Remedy.WRITE_OFF and not advice.appealable:
        text = f"No appeal window: {advice.source}."
    return replace(advice, appeal=appeal, corrected=corrected, deadline=in_use, rule=text)


def _soft(decision: Decision) -> bool:
    return str(decision.type or "") == "soft"


def _next_payer(advice, profiles, dates, defaults, secondary) -> dl.Due | None:
    """The claim to the other payer races that payer's filing limit: unknown here, so the
    Settings default (for a secondary claim, from this remit — the primary's)."""
    if secondary:
        start = dates.produced or dates.paid
        return dl.filing_due(None, replace(dates, primary_remit=start), defaults,
                             kind="filing", secondary=True)  # fmt: skip
    return dl.filing_due(None, dates, defaults, kind="filing")


def _earliest(dues) -> dl.Due | None:
    return dl.earliest(*dues)


def _past_due(advice: Advice, today: date) -> Advice:
    """Past the remedy's date: the other live date, else the decision that remains."""
    due = advice.deadline
    if due is None or due.due >= today:
        return advice
    live = [d for d in (advice.appeal, advice.corrected) if d and d.due >= today]
    if live:
        other = min(live, key=lambda d: d.due)
        remedy = Remedy.APPEAL if other is advice.appeal else advice.remedy
        action = (f"The {due.kind} deadline passed on {due.due}; the {other.kind} window is "
                  f"open until {other.due}: use it. {advice.action}")  # fmt: skip
        return replace(advice, remedy=remedy, action=action, deadline=other)
    return _decision_left(advice, due, today)


def _decision_left(advice: Advice, due: dl.Due, today: date) -> Advice:
    late = dl.GOOD_CAUSE.get(advice.plan) if advice.appealable else None
    if advice.plan is OM and advice.remedy is Remedy.REOPENING:
        cause = dl.reopening_due(dl.Dates(produced=due.start), good_cause=True)
        if cause and cause.due >= today:
            action = (f"Past the deadline ({due.due}): what remains is a reopening for good "
                      f"cause (new and material evidence) until {cause.due} "
                      f"({dl.GOOD_CAUSE_REOPENING}); else write it off.")  # fmt: skip
            return replace(advice, action=action, deadline=cause, overdue=True,
                           rule=f"{advice.rule}; {cause.rule}")  # fmt: skip
    if late:
        action = (
            f"Past the deadline ({due.due}): the decision that remains is {late} — "
            "send it with the reason it is late — or write it off."
        )
        return replace(advice, remedy=Remedy.APPEAL, action=action, overdue=True)
    action = (f"Past the deadline ({due.due}), and this plan's rules give no late window: "
              "write it off (the patient cannot be billed) unless the payer agrees to take "
              "it late.")  # fmt: skip
    return replace(advice, remedy=Remedy.WRITE_OFF, action=action, overdue=True)
