"""The typed denial: one frozen record per Denials row, read once (`from_row`, `from_frame`)
and written back (`to_row`), with the person's Category Override applied in one place.

Every consumer (classify, priority, the Work Queue, letters, KPIs) reads these records, or
the typed columns `typed_frame(frame)` makes of a whole table (the same parsers, run once per
distinct value where values repeat). A cell is cleaned here and nowhere
else: codes by `codes`, money as Decimal, dates as dates, text trimmed.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from addin import codes
from addin.codes import Category, DenialType, Nature, Stage
from addin.remedies import PlanType, Remedy, plan_type_of
from addin.workbook.bulk import collector_paused
from addin.workbook.layout import CLOSED_STATUSES, Col

if TYPE_CHECKING:  # pandas is loaded by the callers that hand in a frame, not by a record
    import pandas as pd

__all__ = [
    "Denial",
    "category_of",
    "effective_category",
    "from_frame",
    "typed_frame",
    "yes_no",
]

# -- one parser per kind of cell -------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or value != value or value == ""  # None, NaN or ""


def text(value: object) -> str:
    """A text cell trimmed ("" when blank); a whole number Excel stored as 1e9 reads 1000000000."""
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def money(value: object) -> Decimal | None:
    """A money cell as Decimal (None when blank or not a number)."""
    if isinstance(value, Decimal):
        return value
    if _blank(value) or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        return None


def day(value: object) -> date | None:
    """A date cell as a date (None when blank or not a date, e.g. a person's formula)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def day_or_text(value: object) -> date | str | None:
    """A date a person may also fill with a formula or words (Follow-up Date): the date, else
    their text as it is, None when blank."""
    found = day(value)
    return found if found is not None or _blank(value) else str(value)


def whole(value: object) -> int | None:
    """A whole-number cell (Rank, Days Left, Line …); None when blank or not a number."""
    if isinstance(value, bool) or _blank(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def number(value: object) -> float | None:
    if isinstance(value, bool) or _blank(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


_YES = frozenset({"yes", "y", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0"})


@functools.lru_cache(maxsize=256)
def yes_no(value: object) -> bool | None:
    """Yes / No cells (Is Denial, Appealable, Letter?): True, False, or None when blank/other."""
    words = text(value).lower()
    return True if words in _YES else False if words in _NO else None


def _choice(kind: type[enum.StrEnum]) -> Callable[[object], enum.StrEnum | None]:
    @functools.lru_cache(maxsize=256)
    def parse(value: object) -> enum.StrEnum | None:
        words = text(value).lower().replace(" ", "_").replace("-", "_")
        try:
            return kind(words) if words else None
        except ValueError:
            return None

    return parse


category_of = _choice(Category)
category_of.__doc__ = """A Category (or Category Override) cell as a Category: "Medical Necessity",
"medical_necessity" and "medical-necessity" are one; None when blank or not a category."""


def effective_category(override: str, classified: Category | None) -> Category | None:
    """The Category Override rule, the only copy: a person's override wins over the category
    Classify wrote when it names a category; an override that names none is ignored."""
    return category_of(override) or classified


def _remedy(value: object) -> Remedy | None:
    return Remedy.from_label(value)


def _plan(value: object) -> PlanType | None:
    return plan_type_of(value)


# -- the record -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Denial:
    """One Denials row, typed. `category` is the effective category: a recognised Category
    Override, else the Category Classify wrote. Patient fields stay out of repr (no PHI in
    logs). `cells` keeps the row as read, so `to_row` gives back every cell it did not change
    (a person's formula in Follow-up Date, a column a person added)."""

    denial_id: str
    claim_key: str
    claim_id: str
    payer: str
    payer_id: str
    patient: str = field(repr=False)
    member_id: str = field(repr=False)
    service_date: date | None
    procedure: str
    level: str
    line: int | None
    billed: Decimal | None
    paid: Decimal | None
    denied_amount: Decimal | None
    group: str
    carc: str
    rarcs: tuple[str, ...]
    description: str
    classified_category: Category | None
    is_denial: bool | None
    type: DenialType | None
    stage: Stage | None
    nature: Nature | None
    action: str
    checklist: str
    rule: str
    claim_status: str
    payer_claim_number: str
    remit_date: date | None
    production_date: date | None  # DTM*405: the notice date appeal clocks start from
    check_number: str
    source_file: str
    last_denied_on: date | None
    times_denied: int | None
    plan_type: PlanType | None
    remedy: Remedy | None
    appealable: bool | None
    appeal_deadline: date | None
    corrected_claim_deadline: date | None
    deadline_rule: str
    days_left: int | None
    chance_of_overturn: float | None
    priority_score: float | None
    priority_reason: str
    rank: int | None
    suggested_owner: str
    resolution: str
    recovered_amount: Decimal | None
    resolved_on: date | None
    letter: str
    letter_generated_on: date | None
    status: str
    owner: str
    follow_up_date: date | str | None  # a person's formula stays text
    appeal_sent_on: date | None
    closed_on: date | None
    category_override: str  # as the person typed it (see `override`)
    letter_wanted: bool | None
    notes: str = field(repr=False)
    # Where the row was read from: (its table's cells by column, row position); None when
    # the record was made in code. A reference, not a copy: 100,000 rows cost no extra tuples.
    source: tuple[Mapping[str, list], int] | None = field(default=None, repr=False, compare=False)

    # -- the rules every consumer shares ---------------------------------------------------

    @property
    def override(self) -> Category | None:
        """The person's Category Override, when it names a category."""
        return category_of(self.category_override)

    @property
    def override_unrecognised(self) -> bool:
        """A Category Override that names no category (ignored; Classify counts it)."""
        return bool(self.category_override) and self.override is None

    @property
    def category(self) -> Category | None:
        """The effective category: the person's override wins over Classify's."""
        return effective_category(self.category_override, self.classified_category)

    @property
    def is_open(self) -> bool:
        """Still to be worked: no closing Status, not settled by a later remit."""
        return self.status not in CLOSED_STATUSES and self.resolved_on is None

    @property
    def claim_status_code(self) -> str:
        """CLP02 as a code ("4" for Denied)."""
        return codes.claim_status_code(self.claim_status)

    @property
    def classified(self) -> bool:
        """Classify has written its answer to the row (or a person chose the category)."""
        return self.category is not None

    # -- reading and writing rows ------------------------------------------------------------

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> Denial:
        """The record of one Denials row (column name → cell); absent columns are blank."""
        values = {name: parse(row.get(column)) for name, column, parse in _FIELDS}
        return cls(**values, source=({name: [value] for name, value in row.items()}, 0))

    @property
    def cells(self) -> dict[str, object]:
        """The row's cells as read (column name → value); {} for a record made in code."""
        if self.source is None:
            return {}
        table, position = self.source
        return {name: values[position] for name, values in table.items()}

    def to_row(self) -> dict[str, object]:
        """The row as cells: those read, with each field this record changed written over."""
        cells = self.cells
        read = Denial.from_row(cells) if self.source is not None else None
        for name, column, _ in _FIELDS:
            value = getattr(self, name)
            if read is None or value != getattr(read, name):
                cells[column] = cell_value(value)
        return cells

    def value(self, column: str) -> object:
        """The typed value of a Denials column (for field tables keyed by column name)."""
        return getattr(self, _FIELD_OF[column])


# attribute, column, parser: the one place a Denials cell is read.
_FIELDS: tuple[tuple[str, str, Callable[[object], object]], ...] = (
    ("denial_id", Col.DENIAL_ID, text),
    ("claim_key", Col.CLAIM_KEY, text),
    ("claim_id", Col.CLAIM_ID, text),
    ("payer", Col.PAYER, text),
    ("payer_id", Col.PAYER_ID, text),
    ("patient", Col.PATIENT, text),
    ("member_id", Col.MEMBER_ID, text),
    ("service_date", Col.SERVICE_DATE, day),
    ("procedure", Col.PROCEDURE, text),
    ("level", Col.LEVEL, text),
    ("line", Col.LINE, whole),
    ("billed", Col.BILLED, money),
    ("paid", Col.PAID, money),
    ("denied_amount", Col.DENIED_AMOUNT, money),
    ("group", Col.GROUP, codes.normalise_group),
    ("carc", Col.CARC, codes.normalise_code),
    ("rarcs", Col.RARC, codes.split_codes),
    ("description", Col.DESCRIPTION, text),
    ("classified_category", Col.CATEGORY, category_of),
    ("is_denial", Col.IS_DENIAL, yes_no),
    ("type", Col.TYPE, _choice(DenialType)),
    ("stage", Col.STAGE, _choice(Stage)),
    ("nature", Col.NATURE, _choice(Nature)),
    ("action", Col.ACTION, text),
    ("checklist", Col.CHECKLIST, text),
    ("rule", Col.RULE, text),
    ("claim_status", Col.CLAIM_STATUS, text),
    ("payer_claim_number", Col.PAYER_CLAIM_NUMBER, text),
    ("remit_date", Col.REMIT_DATE, day),
    ("production_date", Col.PRODUCTION_DATE, day),
    ("check_number", Col.CHECK_NUMBER, text),
    ("source_file", Col.SOURCE_FILE, text),
    ("last_denied_on", Col.LAST_DENIED_ON, day),
    ("times_denied", Col.TIMES_DENIED, whole),
    ("plan_type", Col.PLAN_TYPE, _plan),
    ("remedy", Col.REMEDY, _remedy),
    ("appealable", Col.APPEALABLE, yes_no),
    ("appeal_deadline", Col.APPEAL_DEADLINE, day),
    ("corrected_claim_deadline", Col.CORRECTED_CLAIM_DEADLINE, day),
    ("deadline_rule", Col.DEADLINE_RULE, text),
    ("days_left", Col.DAYS_LEFT, whole),
    ("chance_of_overturn", Col.CHANCE_OF_OVERTURN, number),
    ("priority_score", Col.PRIORITY_SCORE, number),
    ("priority_reason", Col.PRIORITY_REASON, text),
    ("rank", Col.RANK, whole),
    ("suggested_owner", Col.SUGGESTED_OWNER, text),
    ("resolution", Col.RESOLUTION, text),
    ("recovered_amount", Col.RECOVERED_AMOUNT, money),
    ("resolved_on", Col.RESOLVED_ON, day),
    ("letter", Col.LETTER, text),
    ("letter_generated_on", Col.LETTER_GENERATED_ON, day),
    ("status", Col.STATUS, text),
    ("owner", Col.OWNER, text),
    ("follow_up_date", Col.FOLLOW_UP_DATE, day_or_text),
    ("appeal_sent_on", Col.APPEAL_SENT_ON, day),
    ("closed_on", Col.CLOSED_ON, day),
    ("category_override", Col.CATEGORY_OVERRIDE, text),
    ("letter_wanted", Col.LETTER_WANTED, yes_no),
    ("notes", Col.NOTES, text),
)
_FIELD_OF = {column: name for name, column, _ in _FIELDS}
# Columns whose values repeat (codes, payers, words): parsed once per distinct value.
_REPEATING = frozenset(
    {
        Col.PAYER, Col.PAYER_ID, Col.LEVEL, Col.GROUP, Col.CARC, Col.RARC, Col.DESCRIPTION,
        Col.CATEGORY, Col.IS_DENIAL, Col.TYPE, Col.STAGE, Col.NATURE, Col.ACTION, Col.CHECKLIST,
        Col.RULE, Col.CLAIM_STATUS, Col.SOURCE_FILE, Col.PLAN_TYPE, Col.REMEDY, Col.APPEALABLE,
        Col.DEADLINE_RULE, Col.SUGGESTED_OWNER, Col.RESOLUTION, Col.STATUS, Col.OWNER,
        Col.CATEGORY_OVERRIDE, Col.LETTER_WANTED, Col.PROCEDURE, Col.TIMES_DENIED,
    }
)  # fmt: skip
assert [f.name for f in fields(Denial)] == [name for name, _, _ in _FIELDS] + ["source"]


def cell_value(value: object) -> object:
    """A typed value as the sheet holds it: enums as their words, codes joined, "" as blank."""
    if isinstance(value, Remedy):
        return value.label
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, tuple):
        return ", ".join(value) or None
    return None if value == "" else value


# -- whole tables -----------------------------------------------------------------------------


def _parsed(values: list, parse: Callable[[object], object], repeating: bool) -> list:
    """`parse` over a column: once per distinct value where values repeat; elsewhere with the
    common cells (blank, a date that is a date, a Decimal, trimmed text) inline."""
    blank = parse(None)
    if repeating:
        seen: dict = {None: blank}
        out = []
        for value in values:
            try:
                out.append(seen[value])
            except KeyError:
                out.append(seen.setdefault(value, parse(value)))
            except TypeError:  # an unhashable cell value
                out.append(parse(value))
        return out
    kind = _AS_IS.get(parse)
    if kind is not None:
        return [blank if v is None else v if type(v) is kind else parse(v) for v in values]
    if parse is text:
        return [blank if v is None else v.strip() if type(v) is str else parse(v) for v in values]
    return [parse(v) for v in values]


# Values of these types are already what the parser returns.
_AS_IS: dict[Callable, type] = {day: date, day_or_text: date, money: Decimal, whole: int}


def _columns(table: Mapping[str, list], count: int, names: set[str] | None) -> dict[str, list]:
    typed = {}
    for name, column, parse in _FIELDS:
        if names is not None and name not in names:
            continue
        values = table.get(column)
        if values is None:
            typed[name] = [parse(None)] * count
        else:
            typed[name] = _parsed(values, parse, column in _REPEATING)
    return typed


def from_frame(frame: pd.DataFrame) -> list[Denial]:
    """Every row of a Denials frame as a record (fast: column-wise parsing, zip per row)."""
    table = {name: frame[name].tolist() for name in frame.columns}
    typed = _columns(table, len(frame), None)
    with collector_paused():
        return [
            Denial(*values, source=(table, position))
            for position, values in enumerate(zip(*typed.values(), strict=True))
        ]


def typed_frame(frame: pd.DataFrame, names: Iterable[str] | None = None) -> pd.DataFrame:
    """The Denials table as the records see it, column-wise: one object column per field
    (attribute names; `names` picks some), plus `category`, the effective category."""
    wanted = None if names is None else {*names, *_CATEGORY_INPUTS}
    table = {
        column: frame[column].tolist()
        for name, column, _ in _FIELDS
        if column in frame and (wanted is None or name in wanted)
    }
    data = _columns(table, len(frame), wanted)
    data["category"] = [
        effective_category(override, classified)
        for override, classified in zip(
            data["category_override"], data["classified_category"], strict=True
        )
    ]
    import pandas as pd

    index = frame.index
    return pd.DataFrame({k: pd.Series(v, index=index, dtype=object) for k, v in data.items()})


_CATEGORY_INPUTS = frozenset({"category_override", "classified_category"})
