"""Table rows as dicts and back, in object columns so Decimals, dates and None pass untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a table frame as dicts (column name → value), values as Python objects
    (what `DataFrame.to_dict("records")` gives, column by column rather than cell by cell)."""
    if not len(frame):
        return []
    columns = list(frame.columns)
    values = [_native(frame.iloc[:, i]) for i in range(len(columns))]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def column(frame: pd.DataFrame, name: str) -> list:
    """One column's values as Python objects (as `records` gives them); None where the frame
    lacks the column."""
    if name not in frame.columns:
        return [None] * len(frame)
    return _native(frame[name])


def _native(series: pd.Series) -> list:
    items = series.tolist()
    if series.dtype == object and any(isinstance(v, np.generic) for v in items):
        items = [v.item() if isinstance(v, np.generic) else v for v in items]
    return items


def frame_of(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A table frame from row dicts; a column a row lacks is None there."""
    data = {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns}
    return pd.DataFrame(data, columns=columns)
