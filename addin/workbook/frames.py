"""Table rows as dicts and back, in object columns so Decimals, dates and None pass untouched."""

from __future__ import annotations

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a table frame as dicts (column name → value)."""
    return frame.to_dict("records") if len(frame) else []


def frame_of(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A table frame from row dicts; a column a row lacks is None there."""
    data = {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns}
    return pd.DataFrame(data, columns=columns)
