"""Rates with sample sizes and Wilson intervals; the units people read."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from igbot.analytics._intervals import Rate, wilson
from igbot.analytics._units import format_count, format_duration, format_percent


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 5), (3, 5), (5, 5), (77, 1000), (1, 3)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    low, high = wilson(k, n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert float(low) == pytest.approx(ci.low, abs=1e-9)
    assert float(high) == pytest.approx(ci.high, abs=1e-9)


def test_wilson_is_vectorised_and_nan_on_zero_trials() -> None:
    low, high = wilson(np.array([0, 2, 0]), np.array([4, 4, 0]))
    assert low[0] == 0.0 and 0 < high[0] < 1
    assert low[1] < 0.5 < high[1]
    assert math.isnan(low[2]) and math.isnan(high[2])


def test_wilson_narrows_with_more_trials() -> None:
    widths = [float(np.subtract(*wilson(n // 4, n)[::-1])) for n in (4, 40, 400)]
    assert widths[0] > widths[1] > widths[2]


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="between 0 and trials"):
        wilson(5, 3)
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 3, confidence=1.5)


def test_rate_says_what_it_counts() -> None:
    rate = Rate(2, 2)
    assert rate.value == 1.0
    assert str(rate).startswith("100.0% (2 of 2; 95% CI 34.2%–100.0%")
    assert Rate(0, 0).value is None and Rate(0, 0).interval is None
    assert str(Rate(0, 0)) == "– (n=0)"
    assert Rate(1, 4).to_dict()["trials"] == 4


def test_units() -> None:
    assert format_percent(0.0769) == "7.7%"
    assert format_percent(None) == "–"
    assert format_count(12345) == "12,345"
    assert format_duration(42) == "42 s"
    assert format_duration(2299) == "38.3 min"
    assert format_duration(20742) == "5.8 h"
    assert format_duration(3 * 86400) == "3.0 days"
    assert format_duration(float("nan")) == "–"
