"""Categoricals without pandas' copies and checks where they cost and buy nothing: built from
codes and categories unique by construction (session names, Arrow's unique values), and read
as their codes without a copy.

``pd.CategoricalDtype(categories)`` checks the categories are unique by building a hash table of
Python strings: about 1 µs a name, 0.4 s for the 400,000 session names of 1M short-session
events, more than all the rest of :func:`~igbot.analytics.sessionize`. Where the categories
cannot repeat, the check is skipped; any other input goes through pandas' checked path.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

__all__ = ["cat_codes", "code_counts", "unique_categorical"]


def cat_codes(series: pd.Series) -> np.ndarray:
    """A categorical column's codes as a read-only view (``series.cat.codes`` copies them into
    a new Series: 4 MB a column per million events, for every metric that reads one)."""
    return cast(pd.Categorical, series.array).codes


def _dtype(categories: pd.Index) -> pd.CategoricalDtype:
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)  # pandas 1.x to 3.x
    if fast is None:
        return pd.CategoricalDtype(categories)
    return fast(categories, False)


def unique_categorical(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """``pd.Categorical.from_codes(codes, categories)`` for categories known to be unique and
    without missing values (the caller guarantees it; codes are checked to be in range)."""
    return pd.Categorical.from_codes(codes, dtype=_dtype(categories))


def code_counts(codes: np.ndarray, size: int) -> np.ndarray:
    """How many rows hold each code 0..size-1 (missing, -1, not counted): ``np.bincount`` a
    slice at a time, as it casts int8 codes to an int64 copy (8 MB a million events)."""
    out = np.zeros(size, dtype=np.int64)
    step = 1 << 16
    for lo in range(0, len(codes), step):
        part = codes[lo:lo + step]
        out += np.bincount(part[part >= 0], minlength=size)[:size]
    return out
