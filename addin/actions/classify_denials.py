"""Classify & Prioritize: explain every denial, give it a deadline and a score, rebuild the queue.

The work is column-wise on the tracker's frames (`plan_classification` is pure, so the
benchmark times it alone); the action reads the tables, writes back only system columns,
and saves once — and not at all when nothing changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd

from addin import codes, payers, prioritize
from addin.actions import audit, follow_up, work_queue
from addin.actions.code_list import code_book
from addin.classify import Case, Category, Decision, classify, recategorised
from addin.workbook import frames
from addin.workbook.base import Book, Highlight
from addin.workbook.layout import (
    CLOSED_STATUSES,
    CODES,
    DENIALS,
    PAYERS,
    SETTING_DEFAULTS,
    SETTINGS,
    WORK_QUEUE,
    Col,
    S,
)

# Rows are coloured by the Appeal Deadline against TODAY(), so they stay right between runs.
OVERDUE = Highlight(
    "Overdue", Col.APPEAL_DEADLINE, maximum=-1, fill="FFC7CE", font="9C0006", days_from_today=True
)
ZERO = Decimal(0)
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


def highlights(due_soon_days: int) -> list[Highlight]:
    """Overdue rows red; rows due within `due_soon_days` amber."""
    due_soon = Highlight(
        "Due soon",
        Col.APPEAL_DEADLINE,
        maximum=due_soon_days,
        minimum=0,
        fill="FFEB9C",
        font="9C5700",
        days_from_today=True,
    )
    return [OVERDUE, due_soon]


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
    follow_ups: int = 0  # submitted claims to chase (Follow-up sheet, end of the Work Queue)
    changed: bool = False
    saved: bool = False

    def summary(self) -> str:
        parts = [
            f"{self.denials} denials classified: {self.queued} open in the Work Queue "
            f"({self.overdue} overdue, {self.due_soon} due within {self.due_soon_days} days; "
            f"${self.expected:,.2f} expected recovery), {self.closed} closed"
        ]
        if self.not_denials:
            parts.append(f"{self.not_denials} not denials")
        if self.unknown_codes:
            parts.append(f"unknown codes {', '.join(sorted(self.unknown_codes))}")
        if self.payers_to_complete:
            parts.append(f"{len(self.payers_to_complete)} payer(s) need a profile on Payers")
        if self.bad_overrides:
            parts.append(f"{self.bad_overrides} Category Override(s) not recognised")
        if self.follow_ups:
            parts.append(f"{self.follow_ups} claim(s) to follow up (see the Follow-up sheet)")
        if self.dated:
            parts.append(f"{self.dated} Appeal Sent On / Closed On date(s) filled in")
        if self.queue_edits:
            parts.append(f"{self.queue_edits} change(s) made on the Work Queue copied to Denials")
        if self.queue_conflicts:
            parts.append(
                f"{self.queue_conflicts} Work Queue change(s) not copied: the Denials row was "
                "changed too, and Denials is kept"
            )
        tail = "" if self.changed else " Nothing changed."
        return "; ".join(parts) + "." + tail


@dataclass(slots=True)
class Plan:
    """The tables as they should be after the run."""

    denials: pd.DataFrame
    payers: pd.DataFrame
    queue: pd.DataFrame
    report: ClassifyReport


def classify_and_prioritize(
    book: Book, *, today: date | None = None, notify: Callable[[str], None] = lambda m: None
) -> ClassifyReport:
    """Classify every denial, set deadlines, chances, scores and ranks; rebuild the Work Queue.

    User columns (Status, Owner, Follow-up Date, Category Override, Notes …) are read, never
    overwritten by DenialDesk's own answers: they change only where a person changed Owner,
    Status or Follow-up Date on the Work Queue (copied to the row), and a blank Appeal Sent On
    / Closed On is filled in (see `_date_status_changes`). Running it again the same day
    changes nothing and does not save.
    """
    today = today or date.today()
    for spec in (WORK_QUEUE, PAYERS, CODES):
        book.ensure_table(spec)
    settings = book.read_settings()
    denials, payer_rows = book.read_table(DENIALS), book.read_table(PAYERS)
    queue, settings_rows = book.read_table(WORK_QUEUE), book.read_table(SETTINGS)
    notify(f"Classifying {len(denials):,} denials…")
    plan = plan_classification(
        denials, payer_rows, code_book(book.read_table(CODES)), settings, today, queue
    )
    report = plan.report
    new_settings = with_missing_settings(settings_rows)
    follow_ups, new_queue = follow_up.classify_refresh(book, plan.queue, today, plan.payers)
    report.follow_ups = len(new_queue) - len(plan.queue)
    writes = [
        (spec, new)
        for spec, old, new in (
            (DENIALS, denials, plan.denials),
            (PAYERS, payer_rows, plan.payers),
            (WORK_QUEUE, queue, new_queue),
            (SETTINGS, settings_rows, new_settings),
            *follow_ups,
        )
        if not same_frame(old, new)
    ]
    report.changed = bool(writes)
    if writes:
        notify(f"Writing to {book.name}…")
        for spec, frame in writes:
            book.write_table(spec, frame)
        for spec in (DENIALS, WORK_QUEUE):
            book.apply_highlights(spec, highlights(report.due_soon_days))
        audit.record(book, "Classify & prioritize", report.summary())
        notify(f"Saving {book.name}…")
        book.save()
        report.saved = True
    return report


def plan_classification(
    denials: pd.DataFrame,
    payer_rows: pd.DataFrame,
    knowledge: codes.CodeBook,
    settings: dict[str, object],
    today: date,
    queue: pd.DataFrame | None = None,
) -> Plan:
    """The Denials, Payers and Work Queue tables after classifying (pure: frames in, out)."""
    weights = prioritize.Weights.from_settings(settings)
    setting = functools.partial(prioritize.setting, settings)
    report = ClassifyReport(due_soon_days=int(setting(S.DUE_SOON_DAYS)))
    directory = payers.PayerDirectory.from_rows(frames.records(payer_rows))
    snapshots = work_queue.snapshots(queue)
    denials, edits = work_queue.with_queue_edits(denials, snapshots)
    report.queue_edits, report.queue_conflicts = edits.copied, edits.conflicts
    rows = _Rows(denials)
    decisions = _decide_all(rows, knowledge, report)
    profiles = _profiles(rows, directory)
    rates = prioritize.OverturnRates(_history(rows, decisions), weights)
    defaults = payers.Defaults(
        int(setting(S.DEFAULT_TIMELY_FILING_DAYS)), int(setting(S.DEFAULT_APPEAL_WINDOW_DAYS))
    )
    out = _score_all(rows, decisions, profiles, rates, weights, defaults, today, report)
    never_classified = work_queue.column_or_blank(denials, Col.RULE).isna()
    new_denials = denials.copy()
    for name, values in out.items():
        new_denials[name] = pd.Series(values, index=denials.index, dtype=object)
    report.dated = work_queue.date_status_changes(new_denials, today, snapshots, never_classified)
    return Plan(
        new_denials,
        _payers_after(payer_rows, directory, rows, profiles, report),
        work_queue.build_queue(new_denials, out, queue),
        report,
    )


class _Rows:
    """The Denials columns classification reads, as plain lists (fast for 100,000 rows)."""

    def __init__(self, frame: pd.DataFrame):
        self.count = len(frame)

        def column(name: str) -> list:
            return frame[name].tolist() if name in frame else [None] * self.count

        self.ids, self.groups, self.carcs = (
            column(Col.DENIAL_ID),
            column(Col.GROUP),
            column(Col.CARC),
        )
        self.rarcs, self.claim_status = column(Col.RARC), column(Col.CLAIM_STATUS)
        self.paid, self.amount = column(Col.PAID), column(Col.DENIED_AMOUNT)
        self.payer, self.payer_id = column(Col.PAYER), column(Col.PAYER_ID)
        self.service_date, self.remit_date = column(Col.SERVICE_DATE), column(Col.REMIT_DATE)
        self.last_denied, self.resolved_on = column(Col.LAST_DENIED_ON), column(Col.RESOLVED_ON)
        self.status, self.resolution = column(Col.STATUS), column(Col.RESOLUTION)
        self.override = column(Col.CATEGORY_OVERRIDE)

    def is_open(self, i: int) -> bool:
        return self.status[i] not in CLOSED_STATUSES and self.resolved_on[i] is None

    def payer_key(self, i: int) -> str:
        return str(self.payer_id[i] or payers.normalise_name(self.payer[i]))


def _decide_all(rows: _Rows, book: codes.CodeBook, report: ClassifyReport) -> list:
    decide = functools.lru_cache(maxsize=None)(lambda *key: classify(Case(*key), book))
    decisions: list[Decision | None] = []
    for i in range(rows.count):
        carc = codes.normalise_code(rows.carcs[i] or "")
        if not carc:
            decisions.append(None)  # a row without a code (typed by hand): left alone
            continue
        paid, amount = rows.paid[i], rows.amount[i]
        decision = decide(
            str(rows.groups[i] or "").upper(),
            carc,
            codes.split_codes(rows.rarcs[i]),
            codes.claim_status_code(rows.claim_status[i]),
            ZERO if amount is not None and amount <= 0 else None,  # only "nothing taken" matters
            paid is None or paid == 0,
        )
        if not decision.known and not book.knows_carc(carc):
            report.unknown_codes.add(carc)
        decisions.append(_with_row_override(decision, rows.override[i], report))
    return decisions


def _with_row_override(decision: Decision, override: object, report: ClassifyReport) -> Decision:
    """A person's Category Override on the row wins over the computed category."""
    text = str(override or "").strip().lower().replace(" ", "_")
    if not text:
        return decision
    try:
        category = Category(text)
    except ValueError:
        report.bad_overrides += 1
        return decision
    why = (
        f"Category Override on this row (DenialDesk said {decision.category} by rule "
        f"'{decision.rule}')."
    )
    return recategorised(decision, category, "category-override", why)


def _profiles(rows: _Rows, directory: payers.PayerDirectory) -> list:
    find = functools.lru_cache(maxsize=None)(directory.find)
    return [find(str(rows.payer_id[i] or ""), str(rows.payer[i] or "")) for i in range(rows.count)]


def _history(rows: _Rows, decisions: list) -> list[tuple[str, Category, bool]]:
    outcomes = []
    for i, decision in enumerate(decisions):
        if decision is None or not decision.is_denial:
            continue
        won = prioritize.overturned(rows.status[i], rows.resolution[i])
        if won is not None:
            outcomes.append((rows.payer_key(i), decision.category, won))
    return outcomes


def _score_all(rows, decisions, profiles, rates, weights, defaults, today, report) -> dict:
    out = {name: [None] * rows.count for name in SYSTEM_OUTPUTS}
    open_rows = []
    for i, decision in enumerate(decisions):
        if decision is None:
            continue
        _describe(out, i, decision, weights)
        if not decision.is_denial:
            report.not_denials += 1
            out[Col.PRIORITY_REASON][i] = f"Not a denial ({decision.rule}): not queued."
        elif not rows.is_open(i):
            report.closed += 1
            status = rows.status[i]
            how = status if status in CLOSED_STATUSES else rows.resolution[i] or "resolved"
            out[Col.PRIORITY_REASON][i] = f"Closed ({how}): not queued."
        else:
            open_rows.append(i)
            _score(out, i, rows, decision, profiles[i], rates, weights, defaults, today, report)
    report.denials = sum(d is not None and d.is_denial for d in decisions)
    keys = [
        (out[Col.PRIORITY_SCORE][i], out[Col.DAYS_LEFT][i], rows.amount[i], str(rows.ids[i]))
        for i in open_rows
    ]
    for i, rank in zip(open_rows, prioritize.ranks(keys), strict=True):
        out[Col.RANK][i] = rank
    report.queued = len(open_rows)
    return out


def _describe(out: dict, i: int, decision: Decision, weights: prioritize.Weights) -> None:
    out[Col.DESCRIPTION][i] = decision.description
    out[Col.CATEGORY][i] = decision.category.value
    out[Col.IS_DENIAL][i] = "Yes" if decision.is_denial else "No"
    out[Col.TYPE][i] = decision.type.value if decision.type else None
    out[Col.STAGE][i] = decision.stage.value if decision.stage else None
    out[Col.NATURE][i] = decision.nature.value if decision.nature else None
    out[Col.ACTION][i] = decision.action
    out[Col.CHECKLIST][i] = "; ".join(decision.checklist) or None
    out[Col.RULE][i] = f"{decision.rule}: {decision.why}"
    if decision.is_denial:
        out[Col.SUGGESTED_OWNER][i] = weights.owner(decision.category)


def _score(out, i, rows, decision, profile, rates, weights, defaults, today, report) -> None:
    due = payers.deadline(
        profile,
        decision.route,
        denied_on=rows.last_denied[i] or rows.remit_date[i],
        service_date=rows.service_date[i],
        defaults=defaults,
    )
    days_left = (due.due - today).days if due else None
    chance = rates.chance(rows.payer_key(i), decision.category)
    score = prioritize.priority(
        rows.amount[i], chance, days_left, decision.type, decision.nature, weights
    )
    out[Col.APPEAL_DEADLINE][i] = due.due if due else None
    out[Col.DAYS_LEFT][i] = days_left
    out[Col.CHANCE_OF_OVERTURN][i] = round(chance.rate, 3)
    out[Col.PRIORITY_SCORE][i] = score.score
    out[Col.PRIORITY_REASON][i] = f"{score.reason}. Deadline: {due.basis}" if due else score.reason
    report.expected += score.expected
    if days_left is not None and days_left < 0:
        report.overdue += 1
    elif days_left is not None and days_left <= report.due_soon_days:
        report.due_soon += 1


# -- Payers, Work Queue and Settings tables --------------------------------------------


def _payers_after(frame, directory, rows: _Rows, profiles: list, report) -> pd.DataFrame:
    """The Payers rows with a Profile each, plus rows for payers seen on remits without one."""
    records = frames.records(frame)
    on_sheet = {payers.normalise_name(r.get(Col.PAYER)) for r in records}
    added_ids: set[str] = set()
    seen = dict.fromkeys(zip(rows.payer, rows.payer_id, profiles, strict=True))
    for payer, payer_id, found in seen:  # each payer as remits spell it, once
        profile = found or _unknown_payer(payer, payer_id)
        name = payers.normalise_name(profile.name)
        if not name or name in on_sheet or added_ids.intersection(profile.payer_ids):
            continue  # listed already (a payer id spelled two ways gets one row)
        on_sheet.add(name)
        if found is None:
            added_ids.update(profile.payer_ids)
        records.append(dict.fromkeys(frame.columns) | payers.row_from_profile(profile))
    for record in records:
        if record.get(Col.PAYER):
            kind = directory.kind(payers.profile_from_row(record))
            record[Col.PROFILE] = kind.value
            if kind is payers.ProfileKind.DEFAULT:
                report.payers_to_complete.append(str(record[Col.PAYER]))
    return frames.frame_of(records, list(frame.columns))


def _unknown_payer(payer: object, payer_id: object) -> payers.PayerProfile:
    return payers.PayerProfile(str(payer or payer_id or "").strip(), payers.split_ids(payer_id))


def with_missing_settings(frame: pd.DataFrame) -> pd.DataFrame:
    """The Settings rows, plus any setting this version knows that the sheet lacks."""
    have = {str(name).strip() for name in frame[Col.SETTING] if name}
    missing = [s for s in SETTING_DEFAULTS if s.name not in have]
    if not missing:
        return frame
    rows = frames.records(frame) + [
        dict.fromkeys(frame.columns)
        | {
            Col.SETTING: s.name,
            Col.VALUE: None if s.default == "" else str(s.default),
            Col.DESCRIPTION: s.description,
        }
        for s in missing
    ]
    return frames.frame_of(rows, list(frame.columns))


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Equal columns and equal values cell by cell (None equals None)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    return all(a[name].tolist() == b[name].tolist() for name in a.columns)


__all__ = ["ClassifyReport", "classify_and_prioritize", "plan_classification"]
