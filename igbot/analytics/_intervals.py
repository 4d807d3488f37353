"""Rates with their sample size and a Wilson score interval.

A rate of 0% or 100% on three sessions says little; the Wilson interval says how little. It is the
interval Wilson (1927) derived by inverting the normal test of a proportion; unlike the textbook
``p ± z·sqrt(p(1-p)/n)`` it stays inside [0, 1] and is honest at 0 and n (Brown, Cai and DasGupta,
"Interval Estimation for a Binomial Proportion", Statistical Science 16(2), 2001).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from igbot.analytics._units import format_percent

__all__ = ["Rate", "wilson"]


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: Any, trials: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``successes`` out of ``trials`` (numbers or arrays).

    Returns:
        (low, high) as float arrays; NaN where ``trials`` is 0.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("successes must be between 0 and trials")
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        # at 0 and n the bound is exactly 0 or 1 (rounding could put it a hair past the rate)
        low = np.where(n > 0, np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0)), np.nan)
        high = np.where(n > 0, np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0)), np.nan)
    return low, high


@dataclass(frozen=True)
class Rate:
    """``successes`` of ``trials`` (what is counted is the caller's: sessions, messages), with
    its Wilson interval at ``confidence``."""

    successes: int
    trials: int
    confidence: float = 0.95

    @property
    def value(self) -> float | None:
        """The rate, or None when there is nothing to count."""
        return None if self.trials == 0 else self.successes / self.trials

    @property
    def interval(self) -> tuple[float, float] | None:
        """(low, high) of the Wilson interval, or None when ``trials`` is 0."""
        if self.trials == 0:
            return None
        low, high = wilson(self.successes, self.trials, self.confidence)
        return float(low), float(high)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: value, successes, trials, low, high, confidence."""
        interval = self.interval
        return {"value": self.value, "successes": self.successes, "trials": self.trials,
                "low": interval[0] if interval else None, "high": interval[1] if interval else None,
                "confidence": self.confidence}

    def __str__(self) -> str:
        interval = self.interval
        if interval is None:
            return "– (n=0)"
        return (f"{format_percent(self.value)} ({self.successes:,} of {self.trials:,}; "
                f"{self.confidence:.0%} CI {format_percent(interval[0])}–"
                f"{format_percent(interval[1])})")
