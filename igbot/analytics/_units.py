"""Numbers as people read them: percentages, durations in seconds, minutes or hours, counts,
dates (the Wilson interval of a rate is in ``_intervals``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NONE", "format_count", "format_date", "format_duration", "format_percent"]

NONE = "–"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def format_percent(value: Any, digits: int = 1) -> str:
    """A share (0.0769) as a percentage (``7.7%``); ``–`` when undefined."""
    if _missing(value):
        return NONE
    return f"{float(value) * 100:.{digits}f}%"


def format_count(value: Any) -> str:
    """A count with thousands separators (``12,345``); ``–`` when undefined."""
    if _missing(value):
        return NONE
    return f"{int(value):,}"


def format_duration(seconds: Any) -> str:
    """Seconds in the unit a person reads: ``38 s``, ``4.2 min``, ``5.8 h``, ``2.3 days``."""
    if _missing(seconds):
        return NONE
    s = float(seconds)
    if abs(s) < 10:
        return f"{s:.1f} s"
    if abs(s) < 90:
        return f"{s:.0f} s"
    if abs(s) < 90 * 60:
        return f"{s / 60:.1f} min"
    if abs(s) < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def format_date(value: Any, with_time: bool = False) -> str:
    """A timestamp as ``2024-05-06`` (or ``2024-05-06 14:05 UTC`` with the time)."""
    if _missing(value):
        return NONE
    ts = pd.Timestamp(value)
    if not with_time:
        return ts.strftime("%Y-%m-%d")
    zone = ts.strftime(" %Z") if ts.tzinfo is not None else ""
    return ts.strftime("%Y-%m-%d %H:%M") + zone
