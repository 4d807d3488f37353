"""Webhook times: every shape Meta and real tools send, normalised to tz-aware UTC.

Meta documents ``timestamp`` as milliseconds since the epoch, but real traffic and real tools also
carry seconds, numbers in strings and ISO-8601 strings such as ``2021-09-08T06:34:04+0000``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

__all__ = ["parse_time", "to_ms"]

# A number below this is seconds, at or above it milliseconds: 1e11 seconds is the year 5138,
# 1e11 milliseconds is March 1973, so no real webhook time sits on the wrong side.
_SECONDS_BELOW = 100_000_000_000
_ONE_MS = timedelta(milliseconds=1)


def parse_time(value: object) -> datetime:
    """A webhook time as a tz-aware UTC datetime.

    Args:
        value: ms or seconds as an int or float, the same as a numeric string, or an ISO-8601
            string (``Z``, ``+00:00`` and ``+0000`` offsets; a naive time is taken as UTC).

    Raises:
        ValueError: the value is not a time (with what it was).
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return _from_number(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return _from_iso(text)
        return _from_number(int(text) if text.lstrip("+-").isdigit() else number)
    raise ValueError(f"not a time: {type(value).__name__} {value!r}"[:200])


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of a tz-aware datetime."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _ONE_MS


def _from_number(number: float) -> datetime:
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(f"not a time: {number!r}")
    if number < 0:
        raise ValueError(f"not a time: negative {number!r}")
    ms = number * 1000 if number < _SECONDS_BELOW else number
    try:
        return datetime.fromtimestamp(int(ms) // 1000, tz=UTC).replace(
            microsecond=(int(ms) % 1000) * 1000
        )
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"not a time: {number!r} is out of range") from exc


def _from_iso(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a time: {text[:60]!r}") from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"not a time: {text[:60]!r} is out of range") from exc
