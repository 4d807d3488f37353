"""Figures over time: volume per day and hour, hour-of-week, new vs returning people, rates per
day, and the health of the 24 h messaging window."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._categories import cat_codes, code_counts
from igbot.analytics._intervals import wilson
from igbot.analytics._metrics import _session_table, session_table
from igbot.analytics._sessions import MetricParams, Prepared, count_distinct, prepare

__all__ = ["hour_of_week", "new_vs_returning", "rates_over_time", "volume"]

_SLICE = 1 << 16  # rows a slice: the temporaries of a slice-at-a-time loop stay small

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _local(times: pd.Series | pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(times)
    return index if tz == "UTC" else index.tz_convert(tz)


_PERIOD_ALIASES = {"MS": "M", "QS": "Q", "YS": "Y", "AS": "Y"}


def _is_fixed(freq: str) -> bool:
    """Whether ``freq`` is a fixed length (``D``, ``h``, ``2D``), not a calendar one (``W``, ``MS``)."""
    try:
        return pd.tseries.frequencies.to_offset(freq).nanos > 0
    except ValueError:
        return False


def _floor(index: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """Each time's period start, for fixed and calendar frequencies alike."""
    if _is_fixed(freq):
        return index.floor(freq)
    tz = index.tz
    naive = index.tz_localize(None) if tz is not None else index
    start = pd.DatetimeIndex(naive.to_period(_PERIOD_ALIASES.get(freq, freq)).start_time)
    return start.tz_localize(tz) if tz is not None else start


def _full_range(lo: pd.Timestamp, hi: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Every period start from ``lo`` to ``hi`` (both period starts)."""
    if _is_fixed(freq):
        return pd.date_range(lo, hi, freq=freq, name="period")
    tz = lo.tz
    periods = pd.period_range(lo.tz_localize(None) if tz else lo, hi.tz_localize(None) if tz else hi,
                              freq=_PERIOD_ALIASES.get(freq, freq))
    out = pd.DatetimeIndex(periods.start_time, name="period")
    return out.tz_localize(tz) if tz is not None else out


def _calendar_volume(p: Prepared, freq: str, tz: str) -> pd.DataFrame:
    """:func:`volume` for calendar periods (weeks, months), with pandas groupby."""
    times = _local(pd.DatetimeIndex(p.ts.view("M8[ns]")).tz_localize("UTC"), tz)
    labels = _floor(times, freq)
    counts = pd.DataFrame({"period": labels, "messages_in": p.user_msg.astype(int),
                           "messages_out": (p.bot_msg | p.agent_msg).astype(int)}
                          ).groupby("period").sum()
    starts = pd.DataFrame({"period": labels[p.starts], "conv": p.conv[p.starts]}).groupby("period")
    full = _full_range(labels.min(), labels.max(), freq)
    out = pd.DataFrame({"messages_in": counts["messages_in"], "messages_out": counts["messages_out"],
                        "sessions": starts.size(), "people": starts["conv"].nunique()})
    return out.reindex(full, fill_value=0).astype(int).rename_axis("period")


def _buckets(ns: np.ndarray, freq: str, tz: str) -> np.ndarray:
    """Each time's period start (local wall time as ns, tz-naive) for fixed ``freq``."""
    if tz != "UTC":
        local = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").tz_convert(tz)
        return local.tz_localize(None).floor(freq).asi8
    step = pd.tseries.frequencies.to_offset(freq).nanos
    out = ns // step
    out *= step
    return out


def _volume(p: Prepared, table: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    tz = p.params.tz
    cols = ["messages_in", "messages_out", "sessions", "people"]
    if len(p.df) == 0:
        return pd.DataFrame(columns=cols)
    if not _is_fixed(freq):
        return _calendar_volume(p, freq, tz)
    step = pd.tseries.frequencies.to_offset(freq).nanos
    if tz == "UTC":  # the period numbers of the rows counted, a slice at a time
        low = int(p.ts.min()) // step
        first = low * step
        size = int(p.ts.max()) // step - low + 1

        def count(mask: np.ndarray) -> np.ndarray:
            out = np.zeros(size, dtype=np.int64)
            for lo in range(0, len(mask), _SLICE):
                part = p.ts[lo:lo + _SLICE][mask[lo:lo + _SLICE]]
                part //= step
                part -= low
                out += np.bincount(part, minlength=size)  # counts, not weights
            return out

        messages_in = count(p.user_msg)
        out_mask = p.bot_msg
        out_mask |= p.agent_msg
        messages_out = count(out_mask)
        del out_mask
    else:
        when = _buckets(p.ts, freq, tz)
        first = when.min()
        slot = when - first
        del when
        slot //= step
        size = int(slot.max()) + 1
        messages_in = np.bincount(slot[p.user_msg], minlength=size)
        messages_out = np.bincount(slot[p.bot_msg | p.agent_msg], minlength=size)
        del slot
    # each session's period number, int32 when it fits, a slice at a time
    start_slot = np.empty(p.n_sessions, dtype=np.int32 if size < 2**31 else np.int64)
    for lo in range(0, p.n_sessions, _SLICE):
        part = p.ts[p.starts[lo:lo + _SLICE]]
        if tz == "UTC":
            part //= step
            part -= low
        else:
            part = _buckets(part, freq, tz)
            part -= first
            part //= step
        start_slot[lo:lo + _SLICE] = part
    sessions = code_counts(start_slot, size)  # a slice at a time: no int64 copy
    people = count_distinct(start_slot, p.conv[p.starts], size, overwrite="groups")
    del start_slot
    index = pd.date_range(pd.Timestamp(first), periods=size, freq=freq, name="period")
    index = index.tz_localize(tz)
    return pd.DataFrame({"messages_in": messages_in.astype(int),
                         "messages_out": messages_out.astype(int),
                         "sessions": sessions.astype(int), "people": people.astype(int)},
                        index=index)


def volume(df: pd.DataFrame, freq: str = "D", **params: Any) -> pd.DataFrame:
    """Messages in and out, sessions started and people active per period (``freq``: ``"D"``
    per day, ``"h"`` per hour), in the time zone ``tz``, with empty periods as zeros."""
    p = prepare(df, MetricParams.make(params))
    return _volume(p, _session_table(p), freq)


def _hour_of_week(p: Prepared) -> pd.DataFrame:
    # only the incoming messages' times, converted once (not every event's)
    ns = p.ts[p.user_msg]
    if p.params.tz == "UTC":  # hours since the epoch (a Thursday), in place: no field arrays
        ns //= 3_600_000_000_000
        ns += 3 * 24  # 1970-01-01 was weekday 3 (Monday 0): hour 72 of a week from Monday
        ns %= 7 * 24
        cells = ns
    else:
        when = _local(pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC"), p.params.tz)
        cells = when.day_of_week.to_numpy() * 24 + when.hour.to_numpy()
    grid = np.bincount(cells, minlength=7 * 24).reshape(7, 24)
    return pd.DataFrame(grid, index=pd.Index(_WEEKDAYS, name="weekday"),
                        columns=pd.Index(range(24), name="hour"))


def hour_of_week(df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    """Incoming messages by weekday (rows, Mon first) and hour (columns 0-23), in ``tz``."""
    return _hour_of_week(prepare(df, MetricParams.make(params)))


def _new_vs_returning(table: pd.DataFrame, tz: str, freq: str = "D") -> pd.DataFrame:
    if len(table) == 0:
        return pd.DataFrame(columns=["new", "returning"])
    if tz == "UTC" and _is_fixed(freq):  # each session's period number, a slice at a time
        step = pd.tseries.frequencies.to_offset(freq).nanos
        start = pd.DatetimeIndex(table["start"]).asi8
        low = int(start.min()) // step
        full = pd.date_range(pd.Timestamp(low * step, tz="UTC"),
                             periods=int(start.max()) // step - low + 1, freq=freq, name="period")
        # period numbers as int32: half the size of every array below, no int64 array of them
        slot = np.empty(len(start), dtype=np.int32 if len(full) < 2**31 else np.int64)
        for lo in range(0, len(start), _SLICE):
            part = start[lo:lo + _SLICE] // step
            part -= low
            slot[lo:lo + _SLICE] = part
        del start
    else:
        day = _floor(_local(table["start"], tz), freq)
        full = _full_range(day.min(), day.max(), freq)
        slot = full.get_indexer(day)
        del day
    conv_col = table["conversation_id"]
    conv = (cat_codes(conv_col) if isinstance(conv_col.dtype, pd.CategoricalDtype)
            else pd.factorize(conv_col)[0])  # codes as they are: indices need no int64 copy
    first_per_conv = np.full(int(conv.max()) + 1, len(full), dtype=slot.dtype)
    np.minimum.at(first_per_conv, conv, slot)  # each person's first day (no groupby tables)
    is_new = np.empty(len(slot), dtype=bool)
    for lo in range(0, len(slot), _SLICE):  # no array of every session's first day
        np.equal(slot[lo:lo + _SLICE], first_per_conv[conv[lo:lo + _SLICE]],
                 out=is_new[lo:lo + _SLICE])
    del first_per_conv
    new = count_distinct(slot[is_new], conv[is_new], len(full), overwrite="groups")
    np.logical_not(is_new, out=is_new)
    returning = count_distinct(slot[is_new], conv[is_new], len(full), overwrite="groups")
    return pd.DataFrame({"new": new, "returning": returning}, index=full)


def new_vs_returning(df: pd.DataFrame, freq: str = "D", **params: Any) -> pd.DataFrame:
    """People per period: ``new`` (their first session in the data) and ``returning``."""
    mp = MetricParams.make(params)
    return _new_vs_returning(session_table(df, **params), mp.tz, freq)


_RATE_COLUMNS = ("handover", "containment", "fallback_session")


def _day_groups(table: pd.DataFrame, tz: str, freq: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The periods (``freq`` in ``tz``) with a session start, in order, and each session's
    index among them: what a groupby on the period gives, without its hash table and its
    grouped copies of the columns."""
    start = pd.DatetimeIndex(table["start"])
    if tz == "UTC" and _is_fixed(freq):  # each session's period number, one array in place
        step = pd.tseries.frequencies.to_offset(freq).nanos
        slot = start.asi8 // step
        low = int(slot.min())
        slot -= low
        present = np.flatnonzero(np.bincount(slot))
        index = np.full(int(slot.max()) + 1, -1, dtype=np.int64)
        index[present] = np.arange(len(present))
        days = pd.DatetimeIndex(((present + low) * step).view("M8[ns]")).tz_localize(
            "UTC").as_unit(start.unit)
        return days, index[slot]
    day = _floor(_local(start, tz), freq)
    _, first, inverse = np.unique(day.asi8, return_index=True, return_inverse=True)
    return day[first], inverse


def _rates_over_time(table: pd.DataFrame, tz: str, freq: str = "D") -> pd.DataFrame:
    cols = ["sessions"] + [f"{name}_{part}" for name in _RATE_COLUMNS
                           for part in ("sessions", "rate", "low", "high")]
    if len(table) == 0:
        return pd.DataFrame(columns=cols)
    days, group = _day_groups(table, tz, freq)
    counts = np.bincount(group, minlength=len(days))
    n = pd.Series(counts, index=days.rename("period"))
    out = pd.DataFrame({"sessions": n})
    for name, column in zip(_RATE_COLUMNS, ("handover", "contained", "has_fallback"),
                            strict=True):
        hits = pd.Series(np.bincount(group, weights=table[column].to_numpy(dtype=bool),
                                     minlength=len(days)).astype(int), index=n.index)
        low, high = wilson(hits.to_numpy(), counts)
        out[f"{name}_sessions"] = hits
        out[f"{name}_rate"] = hits / n
        out[f"{name}_low"] = low
        out[f"{name}_high"] = high
    return out[cols]


def rates_over_time(df: pd.DataFrame, freq: str = "D", **params: Any) -> pd.DataFrame:
    """Per period of session start: ``sessions``, and for handover, containment and
    fallback_session the sessions with it (``<name>_sessions``), the ``<name>_rate`` and its 95%
    Wilson interval (``<name>_low``, ``<name>_high``): a day of 2 sessions reads 50% (9%-91%)."""
    mp = MetricParams.make(params)
    return _rates_over_time(session_table(df, **params), mp.tz, freq)
