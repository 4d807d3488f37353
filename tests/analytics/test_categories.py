"""Categoricals from categories unique by construction: the same as pandas' checked path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from igbot.analytics._categories import unique_categorical


def test_unique_categorical_equals_the_checked_one() -> None:
    cats = pd.Index(["b#0", "a#1", "a#0", "zoë#2"], dtype="str")
    codes = np.array([0, 3, 3, 1, -1, 2], dtype=np.int32)
    fast = unique_categorical(codes, cats)
    checked = pd.Categorical.from_codes(codes, categories=cats)
    pd.testing.assert_extension_array_equal(fast, checked)
    assert fast.dtype == checked.dtype
    assert list(pd.Series(fast).value_counts(sort=False)) == [1, 1, 1, 2]
    assert fast.categories.get_indexer(["zoë#2"]).tolist() == [3]  # the index still works
