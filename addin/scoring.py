"""Classify & Prioritize as a plan (pure): each denial's decision, deadline, chance of overturn,
score and rank, as one `Scored` record per Denials row.

`score_denials` takes the typed records (`addin.denials`) and returns the `Scored` records;
`Scored.cells` is what Classify writes into the row's system columns.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd

from addin import denials as denial_records
from addin import payers, prioritize, work_queue
from addin.classify import Case, Category, Decision, classify, recategorised
from addin.codebook import CodeBook
from addin.denials import Denial
from addin.remit.values import code_shown
from addin.workbook import frames
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
    Col.APPEAL_DEADLINE,
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
    bad_overrides: int = 0
    dated: int = 0  # blank Appeal Sent On / Closed On dates filled in
    queue_edits: int = 0  # Owner / Status / Follow-up cells changed on the Work Queue
    queue_conflicts: int = 0  # …that were changed on Denials too (Denials kept)
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
            (self.bad_overrides, f"{self.bad_overrides} Category Override(s) not recognised"),
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
    """One Denials row after Classify: its decision (None: no CARC, left alone) and, for an
    open denial, its deadline, chance, score and rank; `note` says why it is not queued.
    Written once by `score_denials` (the rank last, once every open denial has its score)."""

    denial: Denial
    decision: Decision | None
    suggested_owner: str | None = None
    deadline: payers.Deadline | None = None
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
        decision = self.decision
        if decision is None:
            return _BLANK_OUTPUTS
        return (
            decision.description,
            decision.category.value,
            "Yes" if decision.is_denial else "No",
            decision.type.value if decision.type else None,
            decision.stage.value if decision.stage else None,
            decision.nature.value if decision.nature else None,
            decision.action,
            "; ".join(decision.checklist) or None,
            f"{decision.rule}: {decision.why}",
            self.deadline.due if self.deadline else None,
            self.days_left,
            self.chance,
            self.priority.score if self.priority else None,
            self._reason(),
            self.rank,
            self.suggested_owner,
        )

    def _reason(self) -> str | None:
        if self.priority is None:
            return self.note
        if self.deadline is None:
            return self.priority.reason
        return f"{self.priority.reason}. Deadline: {self.deadline.basis}"


@dataclass(frozen=True, slots=True)
class Knowledge:
    """What scoring needs besides the denials: codes, payers, weights, defaults, the day."""

    codebook: CodeBook
    directory: payers.PayerDirectory
    weights: prioritize.Weights
    defaults: payers.Defaults
    today: date


# -- decisions ----------------------------------------------------------------------------


def decide_all(records: Sequence[Denial], codebook: CodeBook, report: ClassifyReport) -> list:
    """Each row's decision (None for a row without a CARC), the person's override applied."""
    decide = functools.lru_cache(maxsize=None)(lambda *key: classify(Case(*key), codebook))
    decisions: list[Decision | None] = []
    for denial in records:
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
    records: Sequence[Denial], decisions: list, known: Knowledge, report: ClassifyReport
) -> list[Scored]:
    """A `Scored` per row: closed and not-denial rows with why, open denials scored and ranked."""
    rates = prioritize.OverturnRates(history(records, decisions), known.weights)
    find = functools.lru_cache(maxsize=None)(known.directory.find)
    scored: list[Scored] = []
    for denial, decision in zip(records, decisions, strict=True):
        if decision is None:
            scored.append(Scored(denial, None))
            continue
        owner = known.weights.owner(decision.category) if decision.is_denial else None
        if not decision.is_denial:
            report.not_denials += 1
            note = f"Not a denial ({decision.rule}): not queued."
            scored.append(Scored(denial, decision, owner, note=note))
        elif not denial.is_open:
            report.closed += 1
            status = denial.status
            how = status if status in CLOSED_STATUSES else denial.resolution or "resolved"
            scored.append(Scored(denial, decision, owner, note=f"Closed ({how}): not queued."))
        else:
            profile = find(denial.payer_id, denial.payer)
            scored.append(score_open(denial, decision, owner, profile, rates, known, report))
    report.denials = sum(d is not None and d.is_denial for d in decisions)
    return ranked(scored, report)


def score_open(
    denial: Denial,
    decision: Decision,
    owner: str | None,
    profile: payers.PayerProfile | None,
    rates: prioritize.OverturnRates,
    known: Knowledge,
    report: ClassifyReport,
) -> Scored:
    """An open denial's deadline, chance of overturn and score (tallied into the report)."""
    due = payers.deadline(
        profile,
        decision.route,
        denied_on=denial.last_denied_on or denial.remit_date,
        service_date=denial.service_date,
        defaults=known.defaults,
    )
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
    return Scored(denial, decision, owner, due, days_left, round(chance.rate, 3), score)


def ranked(scored: list[Scored], report: ClassifyReport) -> list[Scored]:
    """Open denials ranked 1..N (score, then the sooner deadline, the larger amount, the id)."""
    open_rows = [s for s in scored if s.priority is not None]
    keys = [
        (s.priority.score, s.days_left, s.denial.denied_amount, s.denial.denial_id)
        for s in open_rows
    ]
    for row, rank in zip(open_rows, prioritize.ranks(keys), strict=True):
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
    with denial_records.collector_paused():  # a record per row: see collector_paused
        return _plan(denials, payer_rows, codebook, settings, today, queue)


def _plan(denials, payer_rows, codebook, settings, today, queue) -> Plan:
    setting = functools.partial(prioritize.setting, settings)
    report = ClassifyReport(due_soon_days=int(setting(S.DUE_SOON_DAYS)))
    known = Knowledge(
        codebook,
        payers.PayerDirectory.from_rows(frames.records(payer_rows)),
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
    scored = score_denials(records, decide_all(records, codebook, report), known, report)
    new_denials = denials_after(denials, edited, scored)
    never_classified = pd.Series([not d.rule for d in records], index=denials.index)
    report.dated = work_queue.date_status_changes(new_denials, today, snapshots, never_classified)
    return Plan(
        new_denials,
        payers_after(payer_rows, known.directory, records, report),
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
    directory: payers.PayerDirectory,
    records: Sequence[Denial],
    report: ClassifyReport,
) -> pd.DataFrame:
    """The Payers rows with a Profile each, plus rows for payers seen on remits without one."""
    rows = frames.records(frame)
    on_sheet = {payers.normalise_name(r.get(Col.PAYER)) for r in rows}
    added_ids: set[str] = set()
    find = functools.lru_cache(maxsize=None)(directory.find)
    for payer, payer_id in dict.fromkeys((d.payer, d.payer_id) for d in records):
        found = find(payer_id, payer)  # each payer as remits spell it, once
        profile = found or payers.PayerProfile(payer or payer_id, payers.split_ids(payer_id))
        name = payers.normalise_name(profile.name)
        if not name or name in on_sheet or added_ids.intersection(profile.payer_ids):
            continue  # listed already (a payer id spelled two ways gets one row)
        on_sheet.add(name)
        if found is None:
            added_ids.update(profile.payer_ids)
        rows.append(dict.fromkeys(frame.columns) | payers.row_from_profile(profile))
    for row in rows:
        if row.get(Col.PAYER):
            kind = directory.kind(payers.profile_from_row(row))
            row[Col.PROFILE] = kind.value
            if kind is payers.ProfileKind.DEFAULT:
                report.payers_to_complete.append(str(row[Col.PAYER]))
    return frames.frame_of(rows, list(frame.columns))
