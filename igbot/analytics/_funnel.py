"""Funnels through a flow's states, and how often intents and states come up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._categories import cat_codes, code_counts
from igbot.analytics._errors import ParameterError
from igbot.analytics._metrics import _user_fallbacks
from igbot.analytics._sessions import MetricParams, Prepared, cat_mask, count_distinct, prepare

__all__ = ["check_funnel", "funnel", "intent_frequencies", "state_frequencies"]


def _names(values: Any) -> str:
    names = sorted(str(v) for v in values)
    return ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "") \
        if names else "none"


def check_funnel(df: pd.DataFrame, states: Sequence[str], flow: str | None = None,
                 bot: Any = None) -> None:
    """Raise ParameterError when ``flow`` or one of ``states`` names nothing: not in the bot
    (when given; a state may be unvisited) or, without a bot, never seen in the log."""
    if bot is not None:
        flows = getattr(bot, "flows", {})
        if flow is not None and flow not in flows:
            raise ParameterError("flow", flow, f"the bot has no such flow; flows: {_names(flows)}")
        known = set(flows[flow].states) if flow is not None else {
            name for f in flows.values() for name in f.states}
        where = f"flow {flow!r} of the bot" if flow is not None else "the bot"
    else:
        seen_flows = set(df["flow"].cat.categories)
        if flow is not None and flow not in seen_flows:
            raise ParameterError("flow", flow,
                                 f"no event of the log is in this flow; flows: {_names(seen_flows)}")
        rows = cat_mask(df["flow"], (flow,)) if flow is not None else np.ones(len(df), dtype=bool)
        codes = np.unique(df["state"].cat.codes.to_numpy()[rows])
        known = {str(df["state"].cat.categories[c]) for c in codes if c >= 0}
        where = f"the log's flow {flow!r}" if flow is not None else "the log"
    for state in states:
        if state not in known:
            raise ParameterError("state", state, f"not a state of {where}; states: {_names(known)}")

_NEVER = np.iinfo(np.int64).max


def _funnel(p: Prepared, states: Sequence[str], flow: str | None = None) -> pd.DataFrame:
    df = p.df
    n_s = p.n_sessions
    in_flow = cat_mask(df["flow"], (flow,)) if flow else np.ones(len(df), dtype=bool)
    position = np.repeat(np.arange(n_s), p.ends - p.starts)
    reached_at = np.full(n_s, np.iinfo(np.int64).min)
    counts: list[int] = []
    for state in states:
        idx = np.flatnonzero(cat_mask(df["state"], (state,)) & in_flow)
        ok = idx[p.ts[idx] >= reached_at[position[idx]]]
        sessions, first = np.unique(position[ok], return_index=True)
        nxt = np.full(n_s, _NEVER)
        nxt[sessions] = p.ts[ok[first]]
        reached_at = nxt
        counts.append(len(sessions))
    arr = np.asarray(counts, dtype=np.int64)
    prev = np.r_[arr[:1], arr[:-1]] if len(arr) else arr
    top = arr[0] if len(arr) else 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame({
            "step": np.arange(1, len(arr) + 1),
            "state": list(states),
            "sessions": arr,
            "share_of_start": arr / top if top else np.zeros(len(arr)),
            "drop_off": prev - arr,
            "drop_off_rate": np.where(prev > 0, (prev - arr) / np.maximum(prev, 1), 0.0),
        })


def funnel(df: pd.DataFrame, states: Sequence[str], flow: str | None = None,
           **params: Any) -> pd.DataFrame:
    """Sessions reaching each state in order (each step at or after the previous one).

    Args:
        df: a canonical frame.
        states: the states, in the order a person should go through them.
        flow: only count rows of this flow (None: any flow).
        **params: metric parameters (``gap``, ...).
    Returns:
        One row per step: ``step``, ``state``, ``sessions``, ``share_of_start``, ``drop_off``
        (sessions lost since the previous step) and ``drop_off_rate``.
    """
    return _funnel(prepare(df, MetricParams.make(params)), list(states), flow)


def _intent_frequencies(p: Prepared) -> pd.DataFrame:
    df = p.df
    mask = p.user_msg
    names = np.append(np.asarray(df["intent"].cat.categories, dtype=object), "(none)")
    size = len(names)
    codes = cat_codes(df["intent"])[mask].astype(np.int16 if size < 2**15 else np.int32)
    codes[codes < 0] = size - 1
    messages = code_counts(codes, size)  # counted a slice at a time: no int64 copy
    present = np.flatnonzero(messages)
    fallback = _user_fallbacks(p)
    fallbacks = code_counts(codes[fallback[mask]], size)
    del fallback
    sessions = p.sessions_where(mask)
    del mask  # each row array goes before the next is made
    out = pd.DataFrame({
        "messages": messages[present],
        "sessions": count_distinct(codes, sessions, size, overwrite="values")[present],
        "fallback_share": fallbacks[present] / messages[present]},
        index=pd.Index(names[present], name="intent"))
    total = int(out["messages"].sum())
    out["share"] = out["messages"] / total if total else 0.0
    out = out.reset_index()
    return out.sort_values(["messages", "intent"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def intent_frequencies(df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    """Incoming messages per intent (``(none)`` when unclassified): messages, sessions, share of
    messages, and the share of them answered by a fallback."""
    return _intent_frequencies(prepare(df, MetricParams.make(params)))


def _state_frequencies(p: Prepared) -> pd.DataFrame:
    df = p.df
    state = cat_codes(df["state"])
    mask = state >= 0
    flows = np.append(np.asarray(df["flow"].cat.categories, dtype=object), "(none)")
    states = np.asarray(df["state"].cat.categories, dtype=object)
    size = len(flows) * len(states)
    wide: type[np.signedinteger[Any]] = np.int32 if size < 2**31 else np.int64
    pair: np.ndarray = cat_codes(df["flow"])[mask].astype(wide)
    pair[pair < 0] = len(flows) - 1
    pair *= len(states)  # one code per (flow, state), made in place
    pair += state[mask]
    events = code_counts(pair, size)  # counted a slice at a time: no int64 copy
    present = np.flatnonzero(events)
    out = pd.DataFrame({"flow": flows[present // len(states)],
                        "state": states[present % len(states)], "events": events[present],
                        "sessions": count_distinct(pair, p.sessions_where(mask), size,
                                                   overwrite="groups")[present]})
    out["session_share"] = out["sessions"] / p.n_sessions if p.n_sessions else 0.0
    return out.sort_values(["events", "flow", "state"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def state_frequencies(df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    """Events per (flow, state), the sessions that visited it and their share of all sessions."""
    return _state_frequencies(prepare(df, MetricParams.make(params)))
