"""Conversation metrics on the canonical frame, vectorised (numpy reductions over sessions).

Every public function takes a canonical frame and the keyword parameters of
:class:`~igbot.analytics._sessions.MetricParams` (``gap``, ``fallback_flows``, ``agent_roles``,
...). The definitions are in :data:`DEFINITIONS`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._categories import cat_codes, code_counts
from igbot.analytics._memory import release_unused
from igbot.analytics._sessions import MetricParams, Prepared, parse_gap, prepare
from igbot.analytics._window import _window_health

_SLICE = 1 << 16  # sessions a slice in slice-at-a-time loops: their temporaries stay small

__all__ = [
    "DEFINITIONS",
    "TRIGGERS",
    "response_times",
    "session_table",
    "summary",
    "trigger_mix",
]

DEFINITIONS: dict[str, str] = {
    "conversation": "All events of one person with the account (conversation_id).",
    "session": "A conversation is cut into sessions when the person writes more than `gap` "
               "(default 30 min) after the previous event; bot and agent replies never open one.",
    "message": "An event that is not read, reaction, deleted, edit, handover, resolve, refused "
               "or error. Incoming messages are the person's; outgoing the bot's or an agent's.",
    "turns_per_session": "Incoming messages from the person per session (Dialogflow "
                         "AVERAGE_TURN_COUNT); messages_per_session counts both directions.",
    "handover_rate": "Sessions with a handover event (kinds `handover_kinds`) or an outgoing "
                     "message from an agent (roles `agent_roles`), over all sessions.",
    "containment_rate": "Sessions where the bot replied and no agent was involved (no handover, "
                        "no agent message), over all sessions.",
    "fallback_rate": "Incoming messages whose turn (the message and the replies before the next "
                     "incoming message) was marked is_fallback, or ran in a flow of "
                     "`fallback_flows` or matched an intent of `fallback_intents`, over incoming "
                     "messages. fallback_session_rate: sessions with at least one.",
    "abandonment_rate": "Sessions whose last message is the bot's, at a state not in "
                        "`end_states`, with no reply within `gap`; sessions ending less than "
                        "`gap` before the data ends are still open and not counted.",
    "bot_response_time": "From an incoming message to the bot's first reply before the person's "
                         "next message (median and p90, seconds); messages with no reply are "
                         "counted as unanswered.",
    "agent_first_response_time": "From a handover to the first agent message in the "
                                 "conversation after it (bot replies do not stop the clock); "
                                 "handovers waiting for the same agent message count once.",
    "trigger": "What opened the session: the kind of its first incoming message: story_reply, "
               "story_mention, comment (private reply), ice_breaker (a postback whose payload "
               "object has type 'ice_breaker' or whose payload/title is in `ice_breakers`), "
               "ad_referral (a referral event or a message whose payload holds a referral), "
               "otherwise dm; none when the person did not write.",
    "new_vs_returning": "A person is new on the day of their first session in the data and "
                        "returning on later days; returning_people have more than one session.",
    "window_health": "Replies the Send API refused because the 24 h window had closed (kind "
                     "refused/error with reason outside_window or subcode 2534022), and outgoing "
                     "messages sent with the HUMAN_AGENT tag.",
    "funnel": "Sessions reaching each state of a flow in the given order (a step counts when "
              "the state is reached at or after the previous step), with drop-off.",
}

TRIGGERS = ("story_reply", "story_mention", "comment", "ice_breaker", "ad_referral", "dm", "none")
_TRIGGER_DTYPE = pd.CategoricalDtype(list(TRIGGERS))
_TRIGGER_OF_KIND = {"story_reply": "story_reply", "story_mention": "story_mention",
                    "comment": "comment", "live_comment": "comment", "referral": "ad_referral"}


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else float(num) / float(den)


def _quantile(values: np.ndarray, q: float) -> float | None:
    values = values[~np.isnan(values)]  # a copy: partitioned in place, not copied again
    return None if len(values) == 0 else float(np.quantile(values, q, overwrite_input=True))


def _is_ice_breaker(payload: str | None, text: str | None, names: tuple[str, ...]) -> bool:
    if text is not None and text in names:
        return True
    if not payload:
        return False
    try:
        obj = json.loads(payload)
    except ValueError:
        return payload in names
    if not isinstance(obj, dict):
        return False
    return (obj.get("type") == "ice_breaker" or obj.get("ice_breaker") is True
            or obj.get("payload") in names or obj.get("title") in names)


def _with_none(categories: pd.Index) -> np.ndarray:
    """A categorical's categories as objects plus a trailing None, for code -1 (missing)."""
    return np.append(np.asarray(categories, dtype=object), np.array([None], dtype=object))


def _arrow_strings(series: pd.Series, rows: np.ndarray) -> Any:
    """Rows of a string column as an Arrow array: taken chunk by chunk, so neither Python objects
    nor a concatenated copy of the whole column are made (Arrow's take on a chunked array
    concatenates it first: 100 MB for the payloads of 1M events)."""
    import pyarrow as pa

    if not isinstance(series.array, pd.arrays.ArrowStringArray):
        return pa.array(series.iloc[rows].to_numpy(dtype=object, na_value=None), type=pa.string())
    chunked = series.array.__arrow_array__()
    if chunked.null_count == len(chunked):  # no value at all (the shared null text column)
        return pa.nulls(len(rows), pa.string())
    chunks = chunked.chunks if isinstance(chunked, pa.ChunkedArray) else [chunked]
    if len(chunks) == 1:
        return chunks[0].take(pa.array(rows, type=pa.int64()))
    bounds = np.cumsum([0, *(len(c) for c in chunks)])
    which = np.searchsorted(bounds, rows, side="right") - 1
    parts = []
    order = np.argsort(which, kind="stable")
    for k in np.unique(which):
        local = rows[order][which[order] == k] - bounds[k]
        parts.append(chunks[k].take(pa.array(local, type=pa.int64())))
    if not parts:
        return pa.array([], type=pa.string())
    taken = pa.concat_arrays(parts)
    if not (np.diff(which) >= 0).all():  # rows not in chunk order: put them back in place
        taken = taken.take(pa.array(np.argsort(order, kind="stable"), type=pa.int64()))
    return taken


def _triggers(p: Prepared) -> np.ndarray:
    """Each session's trigger as a code into :data:`TRIGGERS`."""
    import pyarrow.compute as pc

    code_of = {name: i for i, name in enumerate(TRIGGERS)}
    first = p.first_in_session(p.user_msg)
    out = np.full(p.n_sessions, code_of["none"], dtype=np.int8)
    has = first >= 0
    rows = first[has]
    kind_codes = cat_codes(p.df["kind"])[rows]
    kind_names = _with_none(p.df["kind"].cat.categories)
    trig = np.full(len(rows), code_of["dm"], dtype=np.int8)
    for kind, name in _TRIGGER_OF_KIND.items():
        code = np.flatnonzero(kind_names[:-1] == kind)
        if len(code):
            trig[kind_codes == code[0]] = code_of[name]
    payloads = _arrow_strings(p.df["payload"], rows)
    referral = pc.fill_null(pc.match_substring(payloads, '"referral"'), False)
    trig[(trig == code_of["dm"]) & referral.to_numpy(zero_copy_only=False)] = code_of[
        "ad_referral"]
    postback = np.flatnonzero(kind_names[:-1] == "postback")
    if len(postback):
        idx = np.flatnonzero(kind_codes == postback[0])
        if len(idx):
            pay = _arrow_strings(p.df["payload"], rows[idx]).to_pylist()
            txt = _arrow_strings(p.df["text"], rows[idx]).to_pylist()
            for i, payload, text in zip(idx, pay, txt, strict=True):
                if _is_ice_breaker(payload, text, p.params.ice_breakers):
                    trig[i] = code_of["ice_breaker"]
    out[has] = trig
    return out


def _memo(name: str) -> Any:
    """Compute a Prepared-wide result once per report."""
    def wrap(func: Any) -> Any:
        def inner(p: Prepared) -> Any:
            if name not in p.cache:
                p.cache[name] = func(p)
            return p.cache[name]
        inner.__doc__ = func.__doc__
        return inner
    return wrap


def _turns(p: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: index of the latest incoming message in the same session (or -1), whether
    there is one, and the turn number (not kept: :func:`_answers` keeps what it yields).
    Made in place, the sessions compared a slice at a time (no row-sized index copies)."""
    n = len(p.df)
    index = np.int32 if n < 2**31 else np.int64  # half the size of int64
    user = p.user_msg
    last_user: np.ndarray = np.arange(n, dtype=index)
    np.copyto(last_user, -1, where=~user)
    np.maximum.accumulate(last_user, out=last_user)
    valid = last_user >= 0
    sess = p.sess
    for lo in range(0, n, _SLICE):  # whether that message is in the row's own session
        ok, asked = valid[lo:lo + _SLICE], last_user[lo:lo + _SLICE]
        ok[ok] = sess[asked[ok]] == sess[lo:lo + _SLICE][ok]
    turn = np.cumsum(user, dtype=index)
    return last_user, valid, turn


@_memo("answers")
def _answers(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """The bot's answers, and the fallbacks (kept as a bit of ``p.flags``, see
    :func:`_user_fallbacks`), from one pass over the turns (three row-sized arrays, dropped
    once these are made instead of kept for the whole report)."""
    last_user, valid, turn = _turns(p)
    hit = np.bincount(turn[valid & p.fallback], minlength=int(turn[-1]) + 1 if len(turn) else 1)
    hit_turn = hit > 0  # a byte a turn, taken by the rows' turns (not the int64 counts)
    del hit
    user_fallbacks = p.user_msg & hit_turn[turn] if len(turn) else p.user_msg
    del hit_turn
    p.keep_flag("user_fallback", user_fallbacks)
    p.cache["user_fallbacks"] = True  # the bit holds them, after the answers leave the cache too
    del user_fallbacks
    idx = np.flatnonzero(p.bot_msg & valid)
    del valid
    if len(idx) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    t = turn[idx]
    del turn
    first = idx[np.r_[True, t[1:] != t[:-1]]]
    asked = last_user[first]
    return asked, (p.ts[first] - p.ts[asked]) / 1e9


def _bot_responses(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """(row of the incoming message, seconds to the bot's first reply) for each answered one."""
    return _answers(p)


def _user_fallbacks(p: Prepared) -> np.ndarray:
    """Per row: an incoming message whose turn was answered by a fallback (a bit of
    ``p.flags``, set by :func:`_answers` when it first runs: a byte a row less held through a
    report than the mask itself)."""
    if "user_fallbacks" not in p.cache:
        _answers(p)
    return p.user_fallback


@_memo("agent_responses")
def _agent_responses(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """(row of each handover episode, seconds to the first agent message or NaN)."""
    hand = np.flatnonzero(p.handover)
    agents = np.flatnonzero(p.agent_msg)
    if len(hand) == 0:
        return hand, np.zeros(0)
    j = np.searchsorted(agents, hand, side="right")
    answered = j < len(agents)
    nxt = np.where(answered, agents[np.minimum(j, max(len(agents) - 1, 0))] if len(agents)
                   else -1, -1)
    answered &= (nxt >= 0) & (p.conv[np.maximum(nxt, 0)] == p.conv[hand])
    key = np.where(answered, nxt, -2 - p.conv[hand])  # waits for the same agent message: once
    _, keep = np.unique(key, return_index=True)
    keep.sort()
    hand, answered, nxt = hand[keep], answered[keep], nxt[keep]
    wait = np.where(answered, (p.ts[np.maximum(nxt, 0)] - p.ts[hand]) / 1e9, np.nan)
    return hand, wait


def _utc(ns: np.ndarray) -> pd.Series:
    """Nanoseconds since the epoch as UTC times, on ``ns`` itself (no copy: pass a fresh
    array, not one a frame holds)."""
    return pd.Series(ns, dtype="datetime64[ns, UTC]", copy=False)


def _take_categorical(column: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """``column.iloc[rows]`` of a categorical column, taken from its codes (as they are: no
    intp copy of the rows, no pandas take machinery) into the same dtype."""
    return pd.Categorical.from_codes(cat_codes(column)[rows], dtype=column.dtype)


def _take_strings(names: np.ndarray, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``names[codes]`` as a string array (NA where the code is -1), built by Arrow."""
    import pyarrow as pa

    # large_string, pandas' own storage (a string array would be copied into one), taken by
    # the codes as they are (no int64 copy of them)
    taken = pa.array(names, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
    return pd.array(pd.arrays.ArrowStringArray(taken), dtype="string")


def _runs_sorted(keys: np.ndarray, values: np.ndarray) -> bool:
    """Whether ``(keys, values)`` is already in ``np.lexsort((values, keys))`` order as far
    as the values go (keys ascending, values ascending within a key, NaN last)."""
    if len(keys) < 2:
        return True
    step = keys[1:] - keys[:-1]
    if (step < 0).any():
        return False
    same = step == 0
    del step
    rising = values[1:] >= values[:-1]  # False where either is NaN
    rising |= np.isnan(values[1:])  # anything before a NaN
    return not (same & ~rising).any()


def _per_session(p: Prepared, rows: np.ndarray, values: np.ndarray, how: str) -> np.ndarray:
    """A reduction (``median``, ``min``) of ``values`` at ``rows`` per session; NaN where none
    (NaN values are skipped, as pandas' groupby skips them).

    Sorted by session and value (NaN last), each session's values are one run: its minimum
    is the run's first value and its median the mean of the run's middle one or two, the
    figures pandas' groupby gives, without its factorized keys and hash tables. The sessions
    and the medians are found a slice at a time: the int64 searches and the medians' index
    and value arrays are a slice's, not the rows' (11 MB at 1M short-session events)."""
    out = np.full(p.n_sessions, np.nan)
    if len(rows) == 0:
        return out
    session = p.session_at(rows)
    if not _runs_sorted(session, values):  # rows in order, one value a session: no sort
        order = np.lexsort((values, session))
        session, values = session[order], values[order]
        del order
    change = np.empty(len(session), dtype=bool)
    change[0] = True
    np.not_equal(session[1:], session[:-1], out=change[1:])
    first = np.flatnonzero(change).astype(session.dtype)
    del change
    if how == "min":
        out[session[first]] = values[first]
        return out
    if how != "median":
        raise ValueError(f"unknown reduction {how!r}")
    step = _SLICE
    for lo in range(0, len(first), step):
        runs = first[lo:lo + step]
        stop = first[lo + step] if lo + step < len(first) else len(values)
        part = values[runs[0]:stop]  # the slice's runs, from their first value on
        runs = runs - runs[0]
        count = np.add.reduceat(~np.isnan(part), runs)
        low = runs + np.maximum(count - 1, 0) // 2
        high = runs + count // 2
        out[session[first[lo:lo + step]]] = np.where(count > 0, (part[low] + part[high]) / 2,
                                                     np.nan)
    return out


def _session_table(p: Prepared) -> pd.DataFrame:
    df, n_s = p.df, p.n_sessions
    if n_s == 0:
        return pd.DataFrame(columns=["session_id", "conversation_id", "start", "end"])
    starts, ends = p.starts, p.ends
    handover = p.per_session(p.handover | p.agent_msg) > 0
    bot_messages = p.per_session(p.bot_msg)
    agent_messages = p.per_session(p.agent_msg)
    messages_in = p.per_session(p.user_msg)
    fb_msgs = p.per_session(_user_fallbacks(p))
    state_codes = cat_codes(df["state"])
    last_state_idx = p.last_in_session(state_codes >= 0)
    last_code = np.where(last_state_idx >= 0, state_codes[np.maximum(last_state_idx, 0)], -1)
    del last_state_idx
    state_names = np.asarray(df["state"].cat.categories, dtype=object)
    last_state = pd.Categorical.from_codes(last_code, dtype=df["state"].dtype)
    gap_ns = parse_gap(p.params.gap if p.params.gap is not None else "30min")
    start_ts = p.ts[starts]
    end_ts = p.ts[ends - 1]
    data_end = p.ts.max() if p.params.data_end is None else pd.Timestamp(
        p.params.data_end).value
    closed = end_ts + gap_ns <= data_end
    at_end = np.append(np.isin(state_names, list(p.params.end_states)), False)[last_code]
    del last_code
    last_msg = p.last_in_session(p.message)
    last_is_bot = (last_msg >= 0) & p.bot_msg[np.maximum(last_msg, 0)]
    del last_msg
    abandoned = last_is_bot & closed & ~at_end & (messages_in > 0)
    del last_is_bot, closed, at_end
    duration = end_ts - start_ts
    duration_s = duration / 1e9
    del duration
    conv = p.conv[starts]
    returning = np.empty(n_s, dtype=bool)  # not the conversation's first session
    returning[0] = False
    np.equal(conv[1:], conv[:-1], out=returning[1:])
    del conv
    asked, secs = _bot_responses(p)
    hand, wait = _agent_responses(p)
    triggers = _triggers(p)
    release_unused()  # the searches' temporaries back before the medians sort
    median_bot = _per_session(p, asked, secs, "median")
    first_agent = _per_session(p, hand, wait, "min")
    table = pd.DataFrame({
        "session_id": p.session_ids,  # shared with p: the sessions' ids once
        "conversation_id": _take_categorical(df["conversation_id"], starts),
        "start": _utc(start_ts),
        "end": _utc(end_ts),
        "events": np.subtract(ends, starts, dtype=p.count_dtype),
        "messages_in": messages_in,
        "messages_out": bot_messages + agent_messages,
        "bot_messages": bot_messages,
        "agent_messages": agent_messages,
        "trigger": pd.Categorical.from_codes(triggers, dtype=_TRIGGER_DTYPE),
        "handover": handover,
        "contained": (bot_messages > 0) & ~handover,
        "fallback_messages": fb_msgs,
        "has_fallback": fb_msgs > 0,
        "abandoned": abandoned,
        "last_state": last_state,
        "median_bot_response_s": median_bot,
        "agent_first_response_s": first_agent,
        "duration_s": duration_s,
        "returning": returning,
    }, copy=False)  # fresh arrays: no consolidated copy of them (25 MB at 400k sessions)
    return table


def session_table(df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    """One row per session: times, counts, trigger, handover, containment, fallback, abandoned."""
    return _session_table(prepare(df, MetricParams.make(params)))


def _response_times(p: Prepared, last: bool = False) -> pd.DataFrame:
    """The response-time table; ``last``: no later step reads the responses or the row
    masks, so the responses leave the cache, each freed once copied, and the masks go (the
    report's last table is then built in the room they held: 14 MB at 2.5M short-session
    events). Sessions are found by their bounds
    (:meth:`Prepared.session_at`): the rows' session ids may be gone."""
    asked, secs = _bot_responses(p)
    hand, wait = _agent_responses(p)
    if last:
        p.cache.pop("answers", None)  # the fallbacks made with them stay, as a bit of p.flags
        p.cache.pop("agent_responses", None)
    seconds = np.concatenate([secs, wait])
    del secs, wait
    measure = pd.Categorical.from_codes(
        np.repeat(np.array([0, 1], dtype=np.int8), [len(asked), len(hand)]),
        dtype=pd.CategoricalDtype(["bot", "agent_first"]))
    rows = np.concatenate([asked, hand], dtype=p.count_dtype)  # row numbers: int32 will do
    del asked, hand
    if last:  # the room the responses and the row masks held back before the columns are
        p.drop_row_masks()  # made, not beside them
        release_unused()
    sessions = p.session_ids
    session_id = pd.Categorical.from_codes(sessions.codes[p.session_at(rows)],
                                           dtype=sessions.dtype)
    conversation_id = _take_categorical(p.df["conversation_id"], rows)
    timestamp = _utc(p.ts[rows])
    del rows
    return pd.DataFrame({
        "measure": measure,
        "conversation_id": conversation_id,
        "session_id": session_id,
        "timestamp": timestamp,
        "seconds": seconds,
    }, copy=False)  # fresh arrays: no copy of them


def response_times(df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    """Each bot response (``measure`` bot) and agent first response (``agent_first``, NaN when
    no agent answered), with the conversation, session and time it started."""
    return _response_times(prepare(df, MetricParams.make(params)))


def _trigger_mix(table: pd.DataFrame) -> pd.DataFrame:
    trigger = table["trigger"]
    if trigger.dtype == _TRIGGER_DTYPE:  # the codes counted a slice at a time (value_counts
        counts = code_counts(cat_codes(trigger), len(TRIGGERS))  # casts them to int64)
    else:
        counts = trigger.value_counts().reindex(list(TRIGGERS), fill_value=0).to_numpy()
    total = int(counts.sum())
    return pd.DataFrame({"trigger": pd.Index(TRIGGERS, dtype="str"), "sessions": counts,
                         "share": counts / total if total else 0.0})


def trigger_mix(df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    """Sessions by what opened them (see ``DEFINITIONS["trigger"]``), with shares."""
    return _trigger_mix(session_table(df, **params))


def _summary(p: Prepared, table: pd.DataFrame, window: dict[str, Any]) -> dict[str, Any]:
    df = p.df
    n_s = len(table)
    user_fb = int(_user_fallbacks(p).sum())
    messages_in = int(p.user_msg.sum())
    asked, secs = _bot_responses(p)
    _, wait = _agent_responses(p)
    turns = table["messages_in"].to_numpy() if n_s else np.zeros(0)

    def mean(a: np.ndarray) -> float | None:
        return float(a.mean()) if len(a) else None

    # the figures of each session-sized array one after another, each array freed before the
    # next is made (a copy for every median and quantile)
    msgs = (table["messages_in"] + table["messages_out"]).to_numpy() if n_s else np.zeros(0)
    messages_per_session = mean(msgs)
    del msgs
    median_turns = float(np.median(turns)) if len(turns) else None
    bot_median, bot_p90 = _quantile(secs, 0.5), _quantile(secs, 0.9)
    per_conv = np.zeros(len(df["conversation_id"].cat.categories), dtype=np.int64)
    for lo in range(0, n_s, _SLICE):  # a slice of the sessions' conversations at a time
        conv = p.conv[p.starts[lo:lo + _SLICE]]
        np.add.at(per_conv, conv[conv >= 0], 1)
    per_conv = per_conv[per_conv > 0]

    out: dict[str, Any] = {
        "events": len(df),
        "conversations": len(per_conv),
        "sessions": n_s,
        "messages_in": messages_in,
        "messages_out": int(p.bot_msg.sum() + p.agent_msg.sum()),
        "bot_messages": int(p.bot_msg.sum()),
        "agent_messages": int(p.agent_msg.sum()),
        "handover_sessions": int(table["handover"].sum()) if n_s else 0,
        "handover_rate": _ratio(table["handover"].sum(), n_s) if n_s else None,
        "containment_rate": _ratio(table["contained"].sum(), n_s) if n_s else None,
        "fallback_messages": user_fb,
        "fallback_rate": _ratio(user_fb, messages_in),
        "fallback_session_rate": _ratio(table["has_fallback"].sum(), n_s) if n_s else None,
        "abandoned_sessions": int(table["abandoned"].sum()) if n_s else 0,
        "abandonment_rate": _ratio(table["abandoned"].sum(), n_s) if n_s else None,
        "median_bot_response_s": bot_median,
        "p90_bot_response_s": bot_p90,
        "unanswered_messages": messages_in - len(asked),
        "handovers": len(wait),
        "unanswered_handovers": int(np.isnan(wait).sum()),
        "median_agent_first_response_s": _quantile(wait, 0.5),
        "p90_agent_first_response_s": _quantile(wait, 0.9),
        "turns_per_session": mean(turns),
        "median_turns_per_session": median_turns,
        "messages_per_session": messages_per_session,
        "triggers": {k: int(v) for k, v in zip(*_trigger_mix(table)[["trigger", "sessions"]]
                                               .to_numpy().T, strict=True)} if n_s else {},
        "people": len(per_conv),
        "returning_people": int((per_conv > 1).sum()),
        **window,
        "first_event": df["timestamp"].min().isoformat() if len(df) else None,
        "last_event": df["timestamp"].max().isoformat() if len(df) else None,
        "skipped": int(df.attrs.get("skipped", 0)),
    }
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


def summary(df: pd.DataFrame, **params: Any) -> dict[str, Any]:
    """The headline figures as a JSON-serialisable dict (rates are None when undefined)."""
    p = prepare(df, MetricParams.make(params))
    p.df.attrs = dict(df.attrs)
    release_unused()  # sessionizing's freed temporaries back before the session table
    table = _session_table(p)
    release_unused()
    return _summary(p, table, _window_health(p))
