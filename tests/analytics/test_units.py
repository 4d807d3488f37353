"""Numbers in the units people read, and the Wilson interval the report prints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from igbot.analytics._intervals import wilson
from igbot.analytics._units import (
    format_count,
    format_date,
    format_duration,
    format_percent,
)


def test_formats() -> None:
    assert format_percent(0.0769) == "7.7%" and format_percent(None) == "–"
    assert format_percent(float("nan")) == "–" and format_percent(1, 0) == "100%"
    assert format_count(1234567) == "1,234,567" and format_count(pd.NA) == "–"
    assert format_duration(1.42) == "1.4 s" and format_duration(38) == "38 s"
    assert format_duration(2299) == "38.3 min" and format_duration(20742) == "5.8 h"
    assert format_duration(3 * 86400) == "3.0 days" and format_duration(np.nan) == "–"
    stamp = pd.Timestamp("2024-05-06 00:00:00+00:00")
    assert format_date(stamp) == "2024-05-06"
    assert format_date(stamp, with_time=True) == "2024-05-06 00:00 UTC"


def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = wilson([1, 0, 5, 50], [2, 3, 5, 100])
    # 1 of 2: 9.5%-90.5%; 0 of 3: 0-56.1%; 5 of 5: 56.6%-100%; 50 of 100: 40.4%-59.6%
    assert low == pytest.approx([0.0945, 0.0, 0.5655, 0.4038], abs=1e-3)
    assert high == pytest.approx([0.9055, 0.5615, 1.0, 0.5962], abs=1e-3)
    low, high = wilson([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])
