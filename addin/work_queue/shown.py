"""What the Work Queue shows beyond Denials' own cells: the codes as a biller says them, the
category in words, and a claim's lines kept together in rank order (pure)."""

from __future__ import annotations

import re

import pandas as pd

from addin.workbook.layout import Col

_RARC = re.compile(r"[A-Z]{1,2}\d{1,4}")


def code_text(group: object, carc: object, rarcs: object) -> str:
    """Group + CARC + RARCs, the combination that decides the work: "CO-16 + MA130 + N290"
    (CO-16 with MA130 needs a field added, with N290 the rendering NPI fixed)."""
    group, carc = _clean(group), _clean(carc)
    first = f"{group}-{carc}" if group and carc else group or carc
    parts = [first] if first else []
    parts += _RARC.findall(_clean(rarcs))
    return " + ".join(parts)


def category_words(category: object) -> str:
    """A category as a person writes it: medical_necessity → "Medical necessity"."""
    text = _clean(category, upper=False).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else ""


def effective_category(frame: pd.DataFrame) -> pd.Series:
    """Category Override where a person set one, else Classify's Category."""
    category = _column(frame, Col.CATEGORY)
    override = _column(frame, Col.CATEGORY_OVERRIDE)
    return override.where(override.map(_clean) != "", category)


def claim_lines_together(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked rows with each claim's lines side by side: claims in the order of their
    best-ranked line, a claim's lines in rank order."""
    if ranked.empty:
        return ranked
    rank = ranked[Col.RANK].astype(int)
    claim = _column(ranked, Col.CLAIM_KEY).where(
        _column(ranked, Col.CLAIM_KEY).notna(), _column(ranked, Col.CLAIM_ID)
    )
    best = rank.groupby(claim.astype(str)).transform("min")
    order = pd.DataFrame({"best": best, "rank": rank}).sort_values(["best", "rank"], kind="stable")
    return ranked.loc[order.index]


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _clean(value: object, upper: bool = True) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value).strip()
    return text.upper() if upper else text
