"""Classify & Prioritize as a plan (pure): each denial's decision, deadline, chance of overturn,
score and rank, as one `Scored` record per Denials row.

`score_denials` takes the typed records (`addin.denials`) and returns the `Scored` records;
`Scored.cells` is what Classify writes into the row's system columns.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd

from addin import denials as denial_records
from addin import payers, plans, prioritize, work_queue
from addin.advice import Advice, advise
from addin.classify import Case, Category, Decision, classify, recategorised
from addin.codebook import CodeBook
from addin.deadlines import Dates, Due
from addin.denials import Denial
from addin.remedies import Remedy
from addin.remit.values import code_shown
from addin.workbook import frames
from addin.workbook.bulk import collector_paused
from addin.workbook.layout import CLOSED_STATUSES, Col, S

ZERO = Decimal(0)
# The Denials columns Classify owns: every run writes them all (blank where nothing applies).
SYSTEM_OUTPUTS = (
    Col.DESCRIPTION,
    Col.CATEGORY,
    Col.IS_DENIAL,
    Col.TYPE,
    Col.STAGE,
    Col.NATURE,
    Col.ACTION,
    Col.CHECKLIST,
    Col.RULE,
    Col.PLAN_TYPE,
    Col.REMEDY,
    Col.APPEALABLE,
    Col.APPEAL_DEADLINE,
    Col.CORRECTED_CLAIM_DEADLINE,
    Col.DEADLINE_RULE,
    Col.DAYS_LEFT,
    Col.CHANCE_OF_OVERTURN,
    Col.PRIORITY_SCORE,
    Col.PRIORITY_REASON,
    Col.RANK,
    Col.SUGGESTED_OWNER,
)

_BLANK_OUTPUTS = (None,) * len(SYSTEM_OUTPUTS)


def _unknown_codes_text(found) -> str:
    """The unknown codes a summary may name: code-shaped ones (a CARC or RARC is at most five
    letters and digits); a cell holding anything else is counted, never repeated."""
    shown = sorted(c for c in found if code_shown(str(c)) == str(c).strip())
    others = len(found) - len(shown)
    text = f"unknown codes {', '.join(shown)}" if shown else "unknown codes"
    if others:
        text += f"{' and' if shown else ':'} {others} unreadable code cell(s) on Denials"
    return text


@dataclass(slots=True)
class ClassifyReport:
    """What one Classify & Prioritize run found and changed."""

    denials: int = 0
    queued: int = 0
    closed: int = 0
    not_denials: int = 0
    overdue: int = 0
    due_soon: int = 0
    due_soon_days: int = 14
    expected: Decimal = Decimal(0)
    unknown_codes: set[str] = field(default_factory=set)
    payers_to_complete: list[str] = field(default_factory=list)
    unclear_plans: set[str] = field(default_factory=set)  # payers matching several plans
    bad_overrides: int = 0
    dated: int = 0  # blank Appeal Sent On / Closed On dates filled in
    queue_edits: int = 0  # Owner / Status / Follow-up cells changed on the Work Queue
    queue_conflicts: int = 0  # …that were changed on Denials too (Denials kept)
    follow_ups: int = 0  # submitted claims to chase (Follow-up sheet, end of the Work Queue)
    changed: bool = False
    saved: bool = False

    def summary(self) -> str:
        parts = [
            f"{self.denials} denials classified: {self.queued} open in the Work Queue "
            f"({self.overdue} overdue, {self.due_soon} due within {self.due_soon_days} days; "
            f"${self.expected:,.2f} expected recovery), {self.closed} closed"
        ]
        notes = (
            (self.not_denials, f"{self.not_denials} not denials"),
            (self.unknown_codes, _unknown_codes_text(self.unknown_codes)),
            (
                self.payers_to_complete,
                f"{len(self.payers_to_complete)} payer(s) need a profile on Payers",
            ),
            (
                self.unclear_plans,
                f"{len(self.unclear_plans)} payer(s) fit more than one plan (see Deadline "
                "Rule; add Match Names on Payers to settle)",
            ),
            (self.bad_overrides, f"{self.bad_overrides} Category Override(s) not recognised"),
            (self.follow_ups, f"{self.follow_ups} claim(s) to follow up (see the Follow-up sheet)"),
            (self.dated, f"{self.dated} Appeal Sent On / Closed On date(s) filled in"),
            (
                self.queue_edits,
                f"{self.queue_edits} change(s) made on the Work Queue copied to Denials",
            ),
            (
                self.queue_conflicts,
                f"{self.queue_conflicts} Work Queue change(s) not copied: the Denials row was "
                "changed too, and Denials is kept",
            ),
        )
        parts += [text for present, text in notes if present]
        tail = "" if self.changed else " Nothing changed."
        return "; ".join(parts) + "." + tail


@dataclass(slots=True)
class Scored:
    """One Denials row after Classify: its decision (None: no CARC, left alone), its plan-aware
    advice (remedy, deadlines; `dated` when they are written) and, for an open denial, its
    deadline, chance, score and rank; `note` says why it is not queued.
    Written once by `score_denials` (the rank last, once every open denial has its score)."""

    denial: Denial
    decision: Decision | None
    suggested_owner: str | None = None
    advice: Advice | None = None
    dated: bool = False  # an open denial: its deadlines are written (and judged against today)
    deadline: Due | None = None
    days_left: int | None = None
    chance: float | None = None
    priority: prioritize.Priority | None = None
    rank: int | None = None
    note: str | None = None

    @property
    def queued(self) -> bool:
        return self.rank is not None

    def cells(self) -> dict[str, object]:
        """The row's system columns as Classify writes them (column name → cell)."""
        return dict(zip(SYSTEM_OUTPUTS, self.values(), strict=True))

    def values(self) -> tuple:
        """The cells of `SYSTEM_OUTPUTS`, in their order."""
        decision, advice = self.decision, self.advice
        if decision is None or advice is None:
            return _BLANK_OUTPUTS
        return (
            decision.description,
            decision.category.value,
            "Yes" if decision.is_denial else "No",
            decision.type.value if decision.type else None,
            decision.stage.value if decision.stage else None,
            decision.nature.value if decision.nature else None,
            advice.action,
            "; ".join(advice.checklist) or None,
            f"{decision.rule}: {decision.why}",
            advice.plan.value if advice.plan else None,
            advice.remedy.label,
            "Yes" if advice.appealable else "No",
            *self._deadlines(advice),
            self.days_left,
            self.chance,
            self.priority.score if self.priority else None,
            self._reason(),
            self.rank,
            self.suggested_owner,
        )

    def _deadlines(self, advice: Advice) -> tuple:
        """Appeal Deadline, Corrected Claim Deadline and Deadline Rule: for an open denial, or
        for any row whose remedy is to bill another payer; blank otherwise."""
        if not (self.dated or advice.remedy is Remedy.BILL_OTHER_PAYER):
            return (None, None, None)
        return (
            advice.appeal.due if advice.appeal else None,
            advice.corrected.due if advice.corrected else None,
            advice.rule or None,
        )

    def _reason(self) -> str | None:
        if self.priority is None:
            return self.note
        reason = self.priority.reason
        if self.deadline is not None:
            reason = f"{reason}. Deadline: {self.deadline.rule}"
        if self.advice is not None and self.advice.overdue:
            action = self.advice.action
            reason = f"Overdue — a decision, ranked after the live denials: {action} {reason}"
        return reason


@dataclass(frozen=True, slots=True)
class Knowledge:
    """What scoring needs besides the denials: codes, payers, weights, defaults, the day."""

    codebook: CodeBook
    directory: plans.PayerDirectory
    weights: prioritize.Weights
    defaults: payers.Defaults
    today: date


# -- decisions ----------------------------------------------------------------------------


def plan_matches(
    records: Sequence[Denial], directory: plans.PayerDirectory, report: ClassifyReport
) -> list[plans.PlanMatch]:
    """Each row's plan match (one lookup per payer id and name); unclear ones are counted."""
    match = functools.lru_cache(maxsize=None)(directory.match)
    found = [match(denial.payer_id, denial.payer) for denial in records]
    report.unclear_plans.update(str(m.profile.name) for m in found if m.ambiguous)
    return found


def decide_all(
    records: Sequence[Denial],
    matches: Sequence[plans.PlanMatch],
    codebook: CodeBook,
    report: ClassifyReport,
) -> list:
    """Each row's decision under its plan (None for a row without a CARC), the person's
    override applied."""
    decide = functools.lru_cache(maxsize=None)(lambda *key: classify(Case(*key), codebook))
    decisions: list[Decision | None] = []
    for denial, match in zip(records, matches, strict=True):
        if not denial.carc:
            decisions.append(None)  # a row without a code (typed by hand): left alone
            continue
        paid, amount = denial.paid, denial.denied_amount
        decision = decide(
            denial.group,
            denial.carc,
            denial.rarcs,
            denial.claim_status_code,
            ZERO if amount is not None and amount <= 0 else None,  # only "nothing taken" matters
            paid is None or paid == 0,
            match.plan.key if match.plan else "",
        )
        if not decision.known and not codebook.knows_carc(denial.carc):
            report.unknown_codes.add(denial.carc)
        decisions.append(with_override(decision, denial, report))
    return decisions


def with_override(decision: Decision, denial: Denial, report: ClassifyReport) -> Decision:
    """A person's Category Override on the row wins over the computed category."""
    if denial.override_unrecognised:
        report.bad_overrides += 1
    category = denial.override
    if category is None:
        return decision
    why = (
        f"Category Override on this row (DenialDesk said {decision.category} by rule "
        f"'{decision.rule}')."
    )
    return recategorised(decision, category, "category-override", why)


def payer_key(denial: Denial) -> str:
    """The payer a denial's overturn history is counted under: its id, else its name."""
    return denial.payer_id or payers.normalise_name(denial.payer)


def history(records: Sequence[Denial], decisions: list) -> list[tuple[str, Category, bool]]:
    """(payer, category, won) for each decided denial: the tracker's own overturn record."""
    outcomes = []
    for denial, decision in zip(records, decisions, strict=True):
        if decision is None or not decision.is_denial:
            continue
        won = prioritize.overturned(denial.status or None, denial.resolution or None)
        if won is not None:
            outcomes.append((payer_key(denial), decision.category, won))
    return outcomes


# -- scores -------------------------------------------------------------------------------


def score_denials(
    records: Sequence[Denial],
    decisions: list,
    matches: Sequence[plans.PlanMatch],
    known: Knowledge,
    report: ClassifyReport,
) -> list[Scored]:
    """A `Scored` per row: closed and not-denial rows with why, open denials scored and ranked
    (overdue ones, where only a decision remains, after every live one)."""
    rates = prioritize.OverturnRates(history(records, decisions), known.weights)
    scored: list[Scored] = []
    for denial, decision, match in zip(records, decisions, matches, strict=True):
        if decision is None:
            scored.append(Scored(denial, None))
            continue
        is_open = decision.is_denial and denial.is_open
        advice = advise(
            decision,
            as_own_row(match, denial),
            denial_dates(denial),
            known.defaults,
            today=known.today if is_open else None,
            effective=known.directory.effective,
        )
        owner = known.weights.owner(decision.category) if decision.is_denial else None
        if not decision.is_denial:
            report.not_denials += 1
            note = f"Not a denial ({decision.rule}): not queued."
            scored.append(Scored(denial, decision, owner, advice, note=note))
        elif not is_open:
            report.closed += 1
            status = denial.status
            how = status if status in CLOSED_STATUSES else denial.resolution or "resolved"
            note = f"Closed ({how}): not queued."
            scored.append(Scored(denial, decision, owner, advice, note=note))
        else:
            scored.append(score_open(denial, decision, owner, advice, rates, known, report))
    report.denials = sum(d is not None and d.is_denial for d in decisions)
    return ranked(scored, report)


def denial_dates(denial: Denial) -> Dates:
    """The dates the row's clocks start from (the latest denial's notice)."""
    paid = denial.last_denied_on or denial.remit_date
    return Dates(produced=denial.production_date, paid=paid, service=denial.service_date)


def score_open(
    denial: Denial,
    decision: Decision,
    owner: str | None,
    advice: Advice,
    rates: prioritize.OverturnRates,
    known: Knowledge,
    report: ClassifyReport,
) -> Scored:
    """An open denial's deadline, chance of overturn and score (tallied into the report)."""
    due = advice.deadline
    days_left = (due.due - known.today).days if due else None
    chance = rates.chance(payer_key(denial), decision.category)
    weights = known.weights
    score = prioritize.priority(
        denial.denied_amount, chance, days_left, decision.type, decision.nature, weights
    )
    report.expected += score.expected
    if days_left is not None and days_left < 0:
        report.overdue += 1
    elif days_left is not None and days_left <= report.due_soon_days:
        report.due_soon += 1
    chance_rate = round(chance.rate, 3)
    return Scored(denial, decision, owner, advice, True, due, days_left, chance_rate, score)


def ranked(scored: list[Scored], report: ClassifyReport) -> list[Scored]:
    """Open denials ranked 1..N (score, then the sooner deadline, the larger amount, the id);
    overdue ones (every usable date passed: a decision, not a race) after every live one."""
    open_rows = [s for s in scored if s.priority is not None]
    keys = [
        (s.priority.score, s.days_left, s.denial.denied_amount, s.denial.denial_id)
        for s in open_rows
    ]
    overdue = [bool(s.advice and s.advice.overdue) for s in open_rows]
    for row, rank in zip(open_rows, prioritize.ranks(keys, overdue), strict=True):
        row.rank = rank
    report.queued = len(open_rows)
    return scored


# -- the plan: the Denials, Payers and Work Queue tables after a run ---------------------------


@dataclass(slots=True)
class Plan:
    """The tables as they should be after the run."""

    denials: pd.DataFrame
    payers: pd.DataFrame
    queue: pd.DataFrame
    report: ClassifyReport


def plan_classification(
    denials: pd.DataFrame,
    payer_rows: pd.DataFrame,
    codebook: CodeBook,
    settings: dict[str, object],
    today: date,
    queue: pd.DataFrame | None = None,
) -> Plan:
    """The Denials, Payers and Work Queue tables after classifying (pure: frames in, out)."""
    with collector_paused():  # a record per row: see collector_paused
        return _plan(denials, payer_rows, codebook, settings, today, queue)


def _plan(denials, payer_rows, codebook, settings, today, queue) -> Plan:
    setting = functools.partial(prioritize.setting, settings)
    report = ClassifyReport(due_soon_days=int(setting(S.DUE_SOON_DAYS)))
    known = Knowledge(
        codebook,
        plans.PayerDirectory.from_rows(frames.records(payer_rows)),
        prioritize.Weights.from_settings(settings),
        payers.Defaults(
            int(setting(S.DEFAULT_TIMELY_FILING_DAYS)), int(setting(S.DEFAULT_APPEAL_WINDOW_DAYS))
        ),
        today,
    )
    snapshots = work_queue.snapshots(queue)
    records = denial_records.from_frame(denials)
    records, edited, edits = work_queue.with_queue_edits(records, snapshots)
    report.queue_edits, report.queue_conflicts = edits.copied, edits.conflicts
    matches = plan_matches(records, known.directory, report)
    decisions = decide_all(records, matches, codebook, report)
    scored = score_denials(records, decisions, matches, known, report)
    new_denials = denials_after(denials, edited, scored)
    never_classified = pd.Series([not d.rule for d in records], index=denials.index)
    report.dated = work_queue.date_status_changes(new_denials, today, snapshots, never_classified)
    return Plan(
        new_denials,
        payers_after(payer_rows, known.directory, records, matches, report),
        work_queue.build_queue(new_denials, [s.queued for s in scored], queue),
        report,
    )


def denials_after(
    denials: pd.DataFrame, edited: dict[int, Denial], scored: list[Scored]
) -> pd.DataFrame:
    """The Denials table with the queue's edits and every row's system columns written (new
    columns in a shallow copy: the table read stays as it was, for the comparison)."""
    frame = denials.copy(deep=False)
    rows = {position: denial.to_row() for position, denial in edited.items()}
    for name in work_queue.QUEUE_EDITABLE if rows else ():
        values = frame[name].tolist()
        for position, row in rows.items():
            values[position] = row.get(name)
        frame[name] = pd.Series(values, index=denials.index, dtype=object)
    columns = zip(*(s.values() for s in scored), strict=True) if scored else ()
    for name, values in itertools.zip_longest(SYSTEM_OUTPUTS, columns, fillvalue=()):
        frame[name] = pd.Series(list(values), index=denials.index, dtype=object)
    return frame


def payers_after(
    frame: pd.DataFrame,
    directory: plans.PayerDirectory,
    records: Sequence[Denial],
    matches: Sequence[plans.PlanMatch],
    report: ClassifyReport,
) -> pd.DataFrame:
    """The Payers rows with a Profile each, plus a row for each payer seen on remits that has
    none: unknown, or known only by a plan word of its name ("… MEDICARE ADVANTAGE")."""
    rows = frames.records(frame)
    on_sheet = {payers.normalise_name(r.get(Col.PAYER)) for r in rows}
    added_ids: set[str] = set()
    seen = dict.fromkeys((d.payer, d.payer_id, m) for d, m in zip(records, matches, strict=True))
    for payer, payer_id, match in seen:  # each payer as remits spell it, once
        new = match.profile is None or match.by_plan_name_only
        profile = new_payer(payer, payer_id, match) if new else match.profile
        name = payers.normalise_name(profile.name)
        if not name or name in on_sheet or added_ids.intersection(profile.payer_ids):
            continue  # listed already (a payer id spelled two ways gets one row)
        on_sheet.add(name)
        if new:
            added_ids.update(profile.payer_ids)
        row = payers.row_from_profile(profile)
        if new and match.profile is not None:
            row[Col.NOTES] = plan_word_note(match.profile)
        rows.append(dict.fromkeys(frame.columns) | row)
    for row in rows:
        if row.get(Col.PAYER):
            kind = directory.kind(payers.profile_from_row(row))
            row[Col.PROFILE] = kind.value
            if kind is payers.ProfileKind.DEFAULT:
                report.payers_to_complete.append(str(row[Col.PAYER]))
    return frames.frame_of(rows, list(frame.columns))


def as_own_row(match: plans.PlanMatch, denial: Denial) -> plans.PlanMatch:
    """A payer known only by a plan word of its name is advised as the row Classify adds for
    it (its plan type, the plan's default windows), so the next run says the same."""
    if not match.by_plan_name_only:
        return match
    return dataclasses.replace(match, profile=new_payer(denial.payer, denial.payer_id, match))


def new_payer(payer: str, payer_id: str, match: plans.PlanMatch) -> payers.PayerProfile:
    """The Payers row Classify adds for a payer seen on remits (its plan type when known)."""
    plan_type = match.profile.plan_type if match.profile else ""
    name = str(payer or payer_id or "").strip()
    return payers.PayerProfile(name, payers.split_ids(payer_id), plan_type=plan_type)


def plan_word_note(default: payers.PayerProfile) -> str:
    """The Notes of a row added for a payer known only by a plan word of its name."""
    return (
        f"Added by DenialDesk: its name says {default.plan_type}, so until you fill in this "
        f"row's limits (from your contract or the plan's provider manual) its deadlines are "
        f"those of the built-in row '{default.name}' ({default.appeal_window_days} days to "
        f"appeal; {default.source})."
    )
