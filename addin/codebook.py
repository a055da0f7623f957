"""The code book: DenialDesk's code knowledge with a practice's Codes-sheet rows laid over it.

`load(frame)` checks the Codes sheet's rows; `CodeBook` answers what a code means for this
practice (its overrides always win over `codes`' built-in knowledge).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

import pandas as pd

from addin.codes import (
    CARC_TYPE,
    RARC_TYPE,
    CarcInfo,
    Category,
    DenialType,
    Nature,
    Stage,
    carc_table,
    code_type_of,
    group_code,
    normalise_code,
    normalise_group,
    rarc_table,
)
from addin.errors import AddinError
from addin.workbook import frames
from addin.workbook.layout import CODES, Col

__all__ = ["CodeBook", "CodeOverride", "load", "make_override"]


def load(frame: pd.DataFrame) -> CodeBook:
    """The practice's Codes-sheet rows (checked) over DenialDesk's code knowledge."""
    overrides = []
    for number, row in enumerate(frames.records(frame), start=1):
        values = {
            "code_type": row.get(Col.CODE_TYPE),
            "code": row.get(Col.CODE),
            "group": row.get(Col.GROUP),
            "description": row.get(Col.DESCRIPTION),
            "category": row.get(Col.CATEGORY),
            "is_denial": row.get(Col.IS_DENIAL),
            "type": row.get(Col.TYPE),
            "stage": row.get(Col.STAGE),
            "nature": row.get(Col.NATURE),
            "action": row.get(Col.ACTION),
            "checklist": row.get(Col.CHECKLIST),
        }
        override = make_override(values, f"{CODES.sheet} sheet, data row {number}")
        if override is not None:
            overrides.append(override)
    return CodeBook(overrides)


@dataclass(frozen=True, slots=True)
class CodeOverride:
    """One Codes-sheet row: a practice's own wording or mapping; blank fields keep ours."""

    code_type: str  # CARC | RARC
    code: str
    group: str = ""  # "" = every group
    description: str = ""
    category: Category | None = None
    is_denial: bool | None = None
    type: DenialType | None = None
    stage: Stage | None = None
    nature: Nature | None = None
    action: str = ""
    checklist: str = ""

    @property
    def changes_mapping(self) -> bool:
        """True when the row changes more than the description."""
        return any(
            getattr(self, f.name) not in (None, "")
            for f in fields(self)
            if f.name not in ("code_type", "code", "group", "description")
        )


_YES = frozenset({"y", "yes", "true", "1"})
_NO = frozenset({"n", "no", "false", "0"})


def make_override(values: dict[str, object], where: str) -> CodeOverride | None:
    """A checked override from plain field values; None for a row without a code.

    `where` names the row for messages ("Codes sheet, data row 3").
    """
    code = normalise_code(values.get("code") or "")
    if not code:
        return None
    kind = str(values.get("code_type") or "").strip().upper() or code_type_of(code)
    if kind not in (CARC_TYPE, RARC_TYPE):
        raise _bad(where, "Code Type", kind, "CARC or RARC")
    group = normalise_group(values.get("group"))
    if group:
        group = group_code(group).value
    return CodeOverride(
        code_type=kind,
        code=code,
        group=group,
        description=_text(values.get("description")),
        category=_choice(Category, values.get("category"), where, "Category"),
        is_denial=_yes_no(values.get("is_denial"), where),
        type=_choice(DenialType, values.get("type"), where, "Type"),
        stage=_choice(Stage, values.get("stage"), where, "Stage"),
        nature=_choice(Nature, values.get("nature"), where, "Nature"),
        action=_text(values.get("action")),
        checklist=_text(values.get("checklist")),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _choice(kind: type[enum.StrEnum], value: object, where: str, column: str):
    text = _text(value).lower().replace(" ", "_").replace("-", "_")
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise _bad(where, column, value, ", ".join(k.value for k in kind)) from None


def _yes_no(value: object, where: str) -> bool | None:
    text = _text(value).lower()
    if not text:
        return None
    if text in _YES or text in _NO:
        return text in _YES
    raise _bad(where, "Is Denial", value, "Yes or No")


def _bad(where: str, column: str, value: object, allowed: str) -> AddinError:
    return AddinError(
        f"{where}: the {column} cell holds a value that is not allowed (use {allowed}). "
        "Correct or clear the cell and run again; nothing was changed."
    )


class CodeBook:
    """Built-in code knowledge with the practice's overrides on top: overrides always win."""

    def __init__(self, overrides: Iterable[CodeOverride] = ()):
        self._overrides: dict[tuple[str, str, str], CodeOverride] = {}
        for override in overrides:
            key = (override.code_type, override.code, override.group)
            earlier = self._overrides.get(key)
            self._overrides[key] = _merge(earlier, override) if earlier else override

    @property
    def overrides(self) -> tuple[CodeOverride, ...]:
        return tuple(self._overrides.values())

    def carc_info(self, code: str) -> CarcInfo | None:
        """Our knowledge of a CARC (None when neither we nor the practice know it)."""
        return carc_table().get(code)

    def knows_carc(self, code: str) -> bool:
        return code in carc_table() or any(
            key[0] == CARC_TYPE and key[1] == code for key in self._overrides
        )

    def override(self, code_type: str, code: str, group: str = "") -> CodeOverride | None:
        """The practice's row for a code: the group's own row over the every-group row."""
        general = self._overrides.get((code_type, code, ""))
        specific = self._overrides.get((code_type, code, group)) if group else None
        if general and specific:
            return _merge(general, specific)
        return specific or general

    def carc_description(self, code: str, group: str = "") -> str:
        return self._description(CARC_TYPE, code, group, carc_table().get(code))

    def rarc_description(self, code: str) -> str:
        return self._description(RARC_TYPE, code, "", rarc_table().get(code))

    def _description(self, kind: str, code: str, group: str, info) -> str:
        override = self.override(kind, code, group)
        if override and override.description:
            text = override.description
        elif info is not None:
            text = info.description
        else:
            return f"not a {kind} DenialDesk knows"
        if info is not None and info.deactivated:
            stopped = f" since {info.stop_date}" if info.stop_date else ""
            text += f" (deactivated code{stopped})"
        return text


def _merge(base: CodeOverride, top: CodeOverride) -> CodeOverride:
    """`top`'s filled fields over `base`'s."""
    changes = {
        f.name: getattr(top, f.name)
        for f in fields(top)
        if getattr(top, f.name) not in (None, "") and f.name != "group"
    }
    return replace(base, **changes)
