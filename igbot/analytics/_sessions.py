"""Sessions: cutting conversations after a gap, and the per-row arrays every metric shares.

A session starts at a conversation's first event and at every message from the person that comes
more than ``gap`` (default 30 minutes, strictly more) after the conversation's previous event.
Replies from the bot or an agent never open a session: an agent answering two hours after a
handover still belongs to the session that asked for the agent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from igbot.analytics._categories import cat_codes, unique_categorical
from igbot.analytics._errors import ParameterError
from igbot.analytics._schema import NON_MESSAGE_KINDS, sort_events, str_categories, ts_ns

_SLICE = 1 << 16  # rows a slice in slice-at-a-time loops: their temporaries stay small

__all__ = ["MetricParams", "Prepared", "cat_mask", "check_tz", "count_distinct", "parse_gap",
           "prepare", "session_names", "sessionize"]


def count_distinct(groups: np.ndarray, values: np.ndarray, size: int,
                   overwrite: Literal["groups", "values"] | None = None) -> np.ndarray:
    """How many distinct ``values`` (non-negative) each group (0..size-1) has: sort + diff on
    integer pairs, 15-20x faster than ``np.unique`` (a hash table) on hundreds of thousands of
    pairs. The pairs are one array sorted in place (int32 while every pair fits: half the
    memory and a faster sort than int64), the distinct ones counted a slice at a time: no
    array of them all, no int64 copy of them for ``np.bincount``. ``overwrite`` (``"groups"``
    or ``"values"``): that argument is a fresh array the caller drops, so the pairs are made
    in it when it has their dtype (no third array)."""
    if len(groups) == 0:
        return np.zeros(size, dtype=np.int64)
    width = int(values.max()) + 1
    wide: type[np.signedinteger[Any]] = np.int32 if size * width < 2**31 else np.int64
    step = _SLICE
    pairs: np.ndarray
    if overwrite == "values" and values.dtype == wide:
        pairs = values  # group * width + value, made in place a slice at a time
        for lo in range(0, len(pairs), step):
            part = groups[lo:lo + step].astype(wide)
            part *= width
            pairs[lo:lo + step] += part
    else:
        pairs = groups.astype(wide, copy=overwrite != "groups")
        pairs *= width
        pairs += values
    pairs.sort()
    first = np.empty(len(pairs), dtype=bool)
    first[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    out = np.zeros(size, dtype=np.int64)
    for lo in range(0, len(pairs), step):  # the distinct pairs' groups, a slice at a time
        part = pairs[lo:lo + step][first[lo:lo + step]]
        part //= width
        out += np.bincount(part, minlength=size)
    return out


def parse_gap(gap: str | pd.Timedelta | float | int) -> int:
    """A gap (``"30min"``, a Timedelta, or seconds) in nanoseconds; ParameterError if it is not
    a positive duration."""
    if isinstance(gap, int | float) and not isinstance(gap, bool):
        value = int(gap * 1_000_000_000)
    else:
        try:
            value = pd.Timedelta(gap).value
        except (ValueError, TypeError) as exc:
            raise ParameterError("gap", gap, "not a duration (e.g. 30min, 2h, 45s)") from exc
        if value is pd.NaT or not isinstance(value, int):
            raise ParameterError("gap", gap, "not a duration (e.g. 30min, 2h, 45s)")
    if value <= 0:
        raise ParameterError("gap", gap, "must be positive")
    return int(value)


def check_tz(tz: str) -> str:
    """``tz`` if it names a time zone (``UTC``, ``Asia/Jakarta``); ParameterError otherwise."""
    import zoneinfo

    if tz == "UTC":
        return tz
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ParameterError("tz", tz, "not a known time zone (e.g. UTC, Asia/Jakarta)") from exc
    return tz


def cat_mask(series: pd.Series, values: Iterable[str]) -> np.ndarray:
    """A boolean array: which rows of a categorical column hold one of ``values`` (NA is False)."""
    cats = series.cat.categories
    lut = np.append(np.isin(np.asarray(cats, dtype=object), list(values)), False)
    return lut[cat_codes(series)]


def sessionize(df: pd.DataFrame, gap: str | pd.Timedelta | float = "30min") -> pd.DataFrame:
    """The frame ordered by conversation and time with ``session_id`` filled (``<conv>#<n>``).

    Args:
        df: a canonical event frame.
        gap: inactivity after which the person's next message opens a new session.
    Returns:
        A new frame; ``session_id`` is categorical, numbered from 0 in each conversation.
    """
    gap_ns = parse_gap(gap)
    out = sort_events(df)
    n = len(out)
    if n == 0:
        out["session_id"] = pd.Categorical([], categories=pd.Index([], dtype="str"))
        return out
    conv = cat_codes(out["conversation_id"])
    ts = ts_ns(out)
    incoming = (cat_codes(out["direction"]) == 0) & ~cat_mask(
        out["kind"], NON_MESSAGE_KINDS)
    new_conv = np.empty(n, dtype=bool)
    new_conv[0] = True
    new_conv[1:] = conv[1:] != conv[:-1]
    gaps = np.zeros(n, dtype=bool)
    gaps[1:] = (ts[1:] - ts[:-1]) > gap_ns
    new = new_conv | (incoming & gaps)
    del incoming, gaps
    index = np.int32 if n < 2**31 else np.int64  # row-sized: half the memory of int64
    number = np.cumsum(new, dtype=index)
    np.subtract(number, 1, out=number)
    first_in_conv = np.where(new_conv, number, 0)
    np.maximum.accumulate(first_in_conv, out=first_in_conv)
    starts = np.flatnonzero(new)
    del new, new_conv
    within = number[starts] - first_in_conv[starts]  # each session's number in its conversation
    del first_in_conv
    out["session_id"] = unique_categorical(number, session_names(  # unique: <conv>#<n>
        out["conversation_id"].cat.categories, conv[starts], within))
    return out


def session_names(conv_names: pd.Index, conv: np.ndarray, number: np.ndarray) -> pd.Index:
    """``<conversation>#<n>`` for each session, built by Arrow kernels (no Python loop)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = pa.array(conv_names.array, type=pa.string()).take(pa.array(conv, type=pa.int64()))
    joined = pc.binary_join_element_wise(names, pa.array(number, type=pa.int64()).cast(
        pa.string()), "#")
    return pd.Index(pd.arrays.ArrowStringArray(joined), dtype="str")


@dataclass(frozen=True)
class MetricParams:
    """Where businesses differ: the knobs of every metric (see ``DEFINITIONS``).

    Attributes:
        gap: inactivity that ends a session; None keeps the frame's own ``session_id``.
        fallback_flows: flows whose answers count as fallback (besides ``is_fallback``).
        fallback_intents: intents that count as fallback (e.g. ``("fallback", "none")``).
        agent_roles: roles whose outgoing messages are a human agent's.
        handover_kinds: event kinds that hand the person to an agent.
        end_states: states where a conversation may end without counting as abandoned.
        ice_breakers: postback payloads or titles that are ice-breaker questions (besides a
            payload object with ``"type": "ice_breaker"``).
        tz: time zone for per-day and per-hour figures.
        data_end: when the data ends (default: its last event); sessions ending less than
            ``gap`` before it are still open, not abandoned. A partitioned computation passes
            the whole log's end so every partition judges alike.
    """

    gap: str | pd.Timedelta | float | None = "30min"
    fallback_flows: tuple[str, ...] = ("fallback",)
    fallback_intents: tuple[str, ...] = ()
    agent_roles: tuple[str, ...] = ("agent",)
    handover_kinds: tuple[str, ...] = ("handover", "take_thread_control")
    end_states: tuple[str, ...] = ("end",)
    ice_breakers: tuple[str, ...] = ()
    tz: str = "UTC"
    data_end: pd.Timestamp | None = None

    @classmethod
    def make(cls, params: dict[str, Any]) -> MetricParams:
        """Params from keyword arguments; unknown names raise TypeError naming them.

        ``bot=`` (a loaded Kata-ML bot) fills what the bot knows unless given: ``end_states``
        (its states with ``end: true``), ``fallback_flows`` (its fallback flow) and
        ``ice_breakers`` (the questions of ``config.instagram.ice_breakers``).
        """
        params = dict(params)
        bot = params.pop("bot", None)
        if bot is not None:
            params = {**_from_bot(bot), **params}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise TypeError(f"unknown metric parameter(s): {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(known))}")
        clean: dict[str, Any] = {k: (tuple(v) if isinstance(v, list | set | frozenset) else v)
                 for k, v in params.items()}
        for key in ("fallback_flows", "fallback_intents", "agent_roles", "handover_kinds",
                    "end_states", "ice_breakers"):
            if isinstance(clean.get(key), str):
                clean[key] = (clean[key],)
        out = cls(**clean)
        check_tz(out.tz)
        if out.gap is not None:
            parse_gap(out.gap)
        return out


def _from_bot(bot: Any) -> dict[str, Any]:
    """The metric parameters a Kata-ML bot implies (see :meth:`MetricParams.make`)."""
    out: dict[str, Any] = {
        "end_states": tuple(dict.fromkeys(
            name for flow in bot.flows.values() for name, state in flow.states.items() if state.end)),
    }
    if bot.fallback_flow():
        out["fallback_flows"] = (bot.fallback_flow(),)
    declared = ((bot.config or {}).get("instagram") or {}).get("ice_breakers") or []
    questions = [str(q["question"]) for q in declared if isinstance(q, dict) and q.get("question")]
    if questions:
        out["ice_breakers"] = tuple(questions)
    return out


_FLAGS = ("message", "user_msg", "bot_msg", "agent_msg", "handover", "fallback", "user_fallback")


@dataclass
class Prepared:
    """A sessionized frame and the row arrays the metrics share (computed once per report).

    The six row masks (:attr:`message`, :attr:`user_msg`, :attr:`bot_msg`, :attr:`agent_msg`,
    :attr:`handover`, :attr:`fallback`) are kept as bits of one ``uint8`` array and made on
    each use: one byte a row for the whole report instead of six (5 MB a million events held
    through every step), for a pass over a byte a row at each use; a mask a metric derives
    later (the person's messages answered by a fallback) is kept the same way, in a spare bit
    (:meth:`keep_flag`, :attr:`user_fallback`). The session bounds
    (:attr:`starts`, :attr:`ends`) are int32 while the frame has fewer than 2**31 rows.

    A report's steps after the session table find a row's session by the bounds
    (:meth:`session_at`, :meth:`sessions_where`, :attr:`session_ids`), so the rows' session
    ids (:attr:`sess`, 4 bytes a row) can go once the session table is made
    (:meth:`drop_row_sessions`)."""

    df: pd.DataFrame
    params: MetricParams
    ts: np.ndarray = field(init=False)
    conv: np.ndarray = field(init=False)
    _sess: np.ndarray | None = field(init=False, repr=False)
    starts: np.ndarray = field(init=False)
    ends: np.ndarray = field(init=False)
    flags: np.ndarray = field(init=False, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _masks_dropped: bool = field(init=False, default=False, repr=False)

    def __post_init__(self) -> None:
        df = self.df
        p = self.params
        self.ts = ts_ns(df)
        self.conv = cat_codes(df["conversation_id"])
        self._sess = cat_codes(df["session_id"])
        n = len(df)
        change = np.ones(n + 1, dtype=bool)  # and a last bound at n
        np.not_equal(self.sess[1:], self.sess[:-1], out=change[1:n])
        bounds = np.flatnonzero(change).astype(self.count_dtype)
        del change
        self.starts, self.ends = bounds[:-1], bounds[1:]  # views of one array, not two
        direction_out = cat_codes(df["direction"]) == 1
        role = df["role"]
        message = ~cat_mask(df["kind"], NON_MESSAGE_KINDS)
        agent = message & direction_out & cat_mask(role, p.agent_roles)
        masks = {
            "message": message,
            "user_msg": message & ~direction_out & cat_mask(role, ("user",)),
            "agent_msg": agent,
            "bot_msg": message & direction_out & cat_mask(role, ("bot",)) & ~agent,
            "handover": cat_mask(df["kind"], p.handover_kinds),
            "fallback": df["is_fallback"].fillna(False).to_numpy(dtype=bool)
            | cat_mask(df["flow"], p.fallback_flows) | cat_mask(df["intent"], p.fallback_intents),
        }
        del message, agent, direction_out
        self.flags = np.zeros(n, dtype=np.uint8)
        for bit, name in enumerate(_FLAGS[:len(masks)]):  # user_fallback: kept later
            mask = masks.pop(name)
            self.flags |= mask.view(np.uint8) << np.uint8(bit)
            del mask

    @property
    def sess(self) -> np.ndarray:
        """Per row: its session's code in ``df["session_id"]`` (a view of the codes).

        Raises:
            RuntimeError: after :meth:`drop_row_sessions`.
        """
        if self._sess is None:
            raise RuntimeError("the rows' session ids were dropped (Prepared.drop_row_sessions)")
        return self._sess

    @cached_property
    def session_ids(self) -> pd.Categorical:
        """Each session's id, in session order (the session table's ``session_id``)."""
        return pd.Categorical.from_codes(self.sess[self.starts], dtype=self.df["session_id"].dtype)

    def drop_row_sessions(self) -> None:
        """Let the rows' session ids go (the sessionized frame's ``session_id`` codes: 4 bytes a
        row) when only work that finds sessions by their bounds is left; :attr:`session_ids`,
        :meth:`session_at` and :meth:`sessions_where` still answer, :attr:`sess` raises and
        :attr:`df` has no ``session_id`` column from then on."""
        self.session_ids  # noqa: B018  (made while the codes are here)
        self._sess = None
        self.df = self.df.drop(columns="session_id")

    def session_at(self, rows: np.ndarray) -> np.ndarray:
        """Each of ``rows``' session as its position among the sessions (0 to
        :attr:`n_sessions` - 1, :attr:`count_dtype`), by a search of the session starts a slice
        at a time (no int64 array of them all)."""
        out = np.empty(len(rows), dtype=self.count_dtype)
        step = _SLICE
        for lo in range(0, len(rows), step):
            part = rows[lo:lo + step].astype(self.starts.dtype, copy=False)  # no int64 starts
            found = np.searchsorted(self.starts, part, side="right")
            found -= 1
            out[lo:lo + len(part)] = found
        return out

    def sessions_where(self, mask: np.ndarray) -> np.ndarray:
        """:meth:`session_at` of the rows where ``mask`` holds (``sess[mask]`` as session
        positions instead of codes: the same sessions, told apart the same way), a slice of
        the rows at a time (no array of the rows)."""
        out = np.empty(int(np.count_nonzero(mask)), dtype=self.count_dtype)
        at = 0
        for lo in range(0, len(mask), _SLICE):
            rows = np.flatnonzero(mask[lo:lo + _SLICE])
            rows += lo
            out[at:at + len(rows)] = self.session_at(rows)
            at += len(rows)
        return out

    def keep_flag(self, name: str, mask: np.ndarray) -> None:
        """Keep a row mask derived by a metric (``user_fallback``) as its bit of :attr:`flags`
        (a byte a row less than keeping the mask itself)."""
        if self._masks_dropped:
            raise RuntimeError("the row masks were dropped (Prepared.drop_row_masks)")
        bit = np.uint8(_FLAGS.index(name))
        self.flags &= np.uint8(~(1 << int(bit)) & 0xFF)
        self.flags |= mask.view(np.uint8) << bit

    def drop_row_masks(self) -> None:
        """Let the row masks go (:attr:`flags`, a byte a row) when no later step reads them:
        each mask raises RuntimeError from then on."""
        self.flags = np.zeros(0, dtype=np.uint8)
        self._masks_dropped = True

    def _flag(self, name: str) -> np.ndarray:
        if self._masks_dropped:
            raise RuntimeError("the row masks were dropped (Prepared.drop_row_masks)")
        out = self.flags >> np.uint8(_FLAGS.index(name))
        out &= 1
        return out.view(bool)  # 0 or 1 in each byte: a valid boolean array, no second copy

    @property
    def message(self) -> np.ndarray:
        """Per row: a message (not read, reaction, handover, ...; see ``DEFINITIONS``)."""
        return self._flag("message")

    @property
    def user_msg(self) -> np.ndarray:
        """Per row: an incoming message from the person."""
        return self._flag("user_msg")

    @property
    def bot_msg(self) -> np.ndarray:
        """Per row: an outgoing message from the bot (not an agent's)."""
        return self._flag("bot_msg")

    @property
    def agent_msg(self) -> np.ndarray:
        """Per row: an outgoing message from an agent (roles ``agent_roles``)."""
        return self._flag("agent_msg")

    @property
    def handover(self) -> np.ndarray:
        """Per row: a handover event (kinds ``handover_kinds``)."""
        return self._flag("handover")

    @property
    def fallback(self) -> np.ndarray:
        """Per row: marked ``is_fallback``, or in a fallback flow or intent."""
        return self._flag("fallback")

    @property
    def user_fallback(self) -> np.ndarray:
        """Per row: the mask kept by :meth:`keep_flag` under ``user_fallback`` (all False until
        then; :func:`igbot.analytics._metrics._user_fallbacks` fills it)."""
        return self._flag("user_fallback")

    @property
    def n_sessions(self) -> int:
        """How many sessions."""
        return len(self.starts)

    @property
    def count_dtype(self) -> type[np.signedinteger[Any]]:
        """The dtype of per-session counts: int32 (a session holds fewer than 2**31 rows; half
        the memory of int64 in the session table), int64 for a frame that large."""
        return np.int32 if len(self.df) < 2**31 else np.int64

    def per_session(self, values: np.ndarray) -> np.ndarray:
        """Sum of a row array over each session (of :attr:`count_dtype`), a slice of the
        sessions at a time (reduceat casts the values to the sum's dtype and the starts to
        int64: copies of the slice's rows, not of every row)."""
        out = np.empty(self.n_sessions, dtype=self.count_dtype)
        for lo in range(0, self.n_sessions, _SLICE):
            starts = self.starts[lo:lo + _SLICE]
            base = int(starts[0])
            part = values[base:int(self.ends[lo + len(starts) - 1])]
            out[lo:lo + len(starts)] = np.add.reduceat(part, starts - base,
                                                       dtype=self.count_dtype)
        return out

    def first_in_session(self, mask: np.ndarray) -> np.ndarray:
        """Index of each session's first row where ``mask`` holds, or -1 (:attr:`count_dtype`).

        Found by a sorted search of the sessions' starts among the rows where ``mask`` holds,
        a slice of the sessions at a time: the rows' indices and the searches are a slice's
        (row-sized int64 arrays before: 8 MB each a million events)."""
        return self._in_session(mask, last=False)

    def last_in_session(self, mask: np.ndarray) -> np.ndarray:
        """Index of each session's last row where ``mask`` holds, or -1 (as
        :meth:`first_in_session`, searching the sessions' ends)."""
        return self._in_session(mask, last=True)

    def _in_session(self, mask: np.ndarray, last: bool) -> np.ndarray:
        out = np.full(self.n_sessions, -1, dtype=self.count_dtype)
        for lo in range(0, self.n_sessions, _SLICE):
            starts, ends = self.starts[lo:lo + _SLICE], self.ends[lo:lo + _SLICE]
            base = int(starts[0])
            rows = np.flatnonzero(mask[base:int(ends[-1])]).astype(self.count_dtype)
            if len(rows) == 0:
                continue
            rows += base
            if last:
                found = rows[np.maximum(np.searchsorted(rows, ends) - 1, 0)]
            else:
                found = rows[np.minimum(np.searchsorted(rows, starts), len(rows) - 1)]
            found[(found < starts) | (found >= ends)] = -1
            out[lo:lo + len(starts)] = found
        return out


def prepare(df: pd.DataFrame, params: MetricParams) -> Prepared:
    """Sessionize (unless ``gap`` is None and sessions are filled) and share the row arrays."""
    if params.gap is not None or df["session_id"].isna().all():
        df = sessionize(df, params.gap if params.gap is not None else "30min")
    else:
        df = df.copy()
        df["session_id"] = str_categories(df["session_id"].astype("category"))
        sess = cat_codes(df["session_id"])
        order = np.lexsort((ts_ns(df), sess))
        if not (order == np.arange(len(order))).all():
            df = df.take(order).reset_index(drop=True)
    return Prepared(df, params)
