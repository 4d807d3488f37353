"""Traffic on the graph: how many sessions took each transition, dropped off or were handed over.

Input is a conversation log in the canonical event table (see ``igbot.analytics``):
``conversation_id``, ``session_id``, ``timestamp``, ``direction``, ``kind``, ``flow``, ``state``.
Definitions (per session, rows in timestamp order, rows without a state ignored):

- a *transition* ``A -> B`` is two consecutive rows whose (flow, state) differ, or an incoming
  row (``direction == "in"``) in the same state as the row before (a fallback loop);
- a state's *sessions* are the sessions with a row in it; its *entries* the sessions that
  start there;
- *drop-off*: sessions whose last state is this one and it is not an end state
  (``dropoff_rate`` = drop-off / sessions);
- *handovers*: sessions with a ``kind == "handover"`` row while in this state (the state is
  carried forward from the rows before).

Sessions come from ``session_id``; when it is empty they are cut per conversation after a gap
(30 minutes by default). Everything is vectorised (numpy, pandas groupby): a million rows take
about a second.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from igbot.analytics import sessionize
from igbot.graph._model import any_id, flow_id, state_id

__all__ = ["TrafficCounts", "add_traffic", "count_traffic"]

logger = logging.getLogger(__name__)


@dataclass
class TrafficCounts:
    """Counts per state ``(flow, state)`` and per transition ``((flow, state), (flow, state))``."""

    sessions: int = 0
    visits: dict[tuple[str, str], int] = field(default_factory=dict)
    entries: dict[tuple[str, str], int] = field(default_factory=dict)
    last: dict[tuple[str, str], int] = field(default_factory=dict)
    handovers: dict[tuple[str, str], int] = field(default_factory=dict)
    transitions: dict[tuple[tuple[str, str], tuple[str, str]], tuple[int, int]] = field(
        default_factory=dict)
    """(sessions that took it, times it was taken)."""
    state_sessions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """With ``sessions=True``: the sessions (labels) that were in each state."""
    transition_sessions: dict[tuple[tuple[str, str], tuple[str, str]], list[str]] = field(
        default_factory=dict)
    """With ``sessions=True``: the sessions (labels) that took each transition."""
    session_rows: dict[str, list[int]] = field(default_factory=dict)
    """With ``sessions=True``: each session's row positions in the log, in time order."""


def _codes(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int64), list(series.cat.categories)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def _sessions(df: pd.DataFrame, gap: pd.Timedelta) -> np.ndarray:
    ts = df["timestamp"].to_numpy("datetime64[ns]").view(np.int64)
    if "session_id" in df.columns:
        sid = df["session_id"]
        valid = sid.notna() & (sid.astype("string") != "")
        if bool(valid.all()):
            return _codes(sid)[0]
        if bool(valid.any()):
            logger.debug("%d rows without session_id ignored", int((~valid).sum()))
            codes = _codes(sid)[0]
            codes[~valid.to_numpy()] = -1
            return codes
    canonical = _canonical_sessions(df, gap)
    if canonical is not None:
        return canonical
    conv = _codes(df["conversation_id"])[0]
    order = np.lexsort((ts, conv))
    c, t = conv[order], ts[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (c[1:] != c[:-1]) | (t[1:] - t[:-1] > gap.value)
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.cumsum(new) - 1
    return out


def _canonical_sessions(df: pd.DataFrame, gap: pd.Timedelta) -> np.ndarray | None:
    """Sessions exactly as :func:`igbot.analytics.sessionize` cuts them (only the person's
    messages open one), so the graph and the report count the same sessions; ``None`` when the
    frame is not a canonical (categorical) event frame."""
    try:
        marked = df.assign(_row=np.arange(len(df)))
        cut = sessionize(marked, gap)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    out = np.empty(len(df), dtype=np.int64)
    out[cut["_row"].to_numpy()] = _codes(cut["session_id"])[0]
    return out


def _count(keys: np.ndarray, sess: np.ndarray) -> dict[int, int]:
    """Distinct sessions per key."""
    if not len(keys):
        return {}
    pairs = pd.DataFrame({"k": keys, "s": sess}).drop_duplicates()
    return pairs.groupby("k").size().to_dict()


def count_traffic(df: pd.DataFrame, *, gap: str | pd.Timedelta = "30min",
                  sessions: bool = False) -> TrafficCounts:
    """Count sessions per state and per transition in a canonical conversation log.

    With ``sessions=True`` the counts also list which sessions (labelled
    ``<conversation> <start time>``) were in each state and took each transition, and where
    each session's rows are, so a drawing can open the conversations behind a count.
    """
    missing = {"conversation_id", "timestamp", "flow", "state"} - set(df.columns)
    if missing:
        raise ValueError(f"conversation log lacks columns: {', '.join(sorted(missing))}")
    if df.empty:
        return TrafficCounts()
    sess = _sessions(df, pd.Timedelta(gap))
    ts = df["timestamp"].to_numpy("datetime64[ns]").view(np.int64)
    fcodes, flows = _codes(df["flow"])
    scodes, states = _codes(df["state"])
    width = len(states) + 1
    key = np.where(scodes >= 0, (fcodes + 1) * width + scodes, -1)
    is_in = (df["direction"].astype("string") == "in").fillna(False).to_numpy(bool) \
        if "direction" in df.columns else np.zeros(len(df), bool)
    is_handover = (df["kind"].astype("string") == "handover").fillna(False).to_numpy(bool) \
        if "kind" in df.columns else np.zeros(len(df), bool)
    keep = sess >= 0
    order = np.lexsort((ts[keep], sess[keep]))
    rows = np.flatnonzero(keep)[order]
    sess, key = sess[keep][order], key[keep][order]
    is_in, is_handover = is_in[keep][order], is_handover[keep][order]

    def name(k: int) -> tuple[str, str]:
        f, s = divmod(int(k), width)
        return (str(flows[f - 1]) if f > 0 else ""), str(states[s])

    out = TrafficCounts(sessions=len(np.unique(sess)))
    # Handovers: carry the state forward within the session.
    carried = pd.Series(np.where(key >= 0, key, np.nan)).groupby(sess).ffill().to_numpy()
    hmask = is_handover & ~np.isnan(carried)
    out.handovers = {name(k): n for k, n in _count(carried[hmask].astype(np.int64),
                                                       sess[hmask]).items()}
    m = key >= 0
    s2, k2, in2 = sess[m], key[m], is_in[m]
    if not len(s2):
        return out
    out.visits = {name(k): n for k, n in _count(k2, s2).items()}
    first = np.ones(len(s2), bool)
    first[1:] = s2[1:] != s2[:-1]
    last = np.ones(len(s2), bool)
    last[:-1] = s2[1:] != s2[:-1]
    out.entries = {name(k): n for k, n in pd.Series(k2[first]).value_counts().items()}
    out.last = {name(k): n for k, n in pd.Series(k2[last]).value_counts().items()}
    took = (s2[1:] == s2[:-1]) & ((k2[1:] != k2[:-1]) | in2[1:])
    frame = pd.DataFrame({"s": s2[1:][took], "a": k2[:-1][took], "b": k2[1:][took]})
    times = frame.groupby(["a", "b"]).size()
    per_edge = frame.drop_duplicates().groupby(["a", "b"]).size()
    out.transitions = {(name(a), name(b)): (int(per_edge[(a, b)]), int(n))
                       for (a, b), n in times.items()}
    if sessions:
        _list_sessions(out, df, rows, sess, m, frame, k2, s2, name)
    return out


def _list_sessions(out: TrafficCounts, df: pd.DataFrame, rows: np.ndarray, sess: np.ndarray,
                   m: np.ndarray, frame: pd.DataFrame, k2: np.ndarray, s2: np.ndarray,
                   name: Any) -> None:
    """Fill the session lists of ``out`` (labels: conversation and first timestamp)."""
    starts = np.ones(len(sess), bool)
    starts[1:] = sess[1:] != sess[:-1]
    conv = df["conversation_id"].astype("string").to_numpy()
    stamp = pd.to_datetime(df["timestamp"]).dt.strftime("%Y-%m-%d %H:%M").to_numpy()
    labels = {int(s): f"{conv[r]} {stamp[r]}" for s, r in zip(sess[starts], rows[starts],
                                                                strict=True)}
    out.session_rows = {labels[int(s)]: [] for s in sess[starts]}
    for s, r in zip(sess, rows, strict=True):
        out.session_rows[labels[int(s)]].append(int(r))
    pairs = pd.DataFrame({"k": k2, "s": s2}).drop_duplicates()
    out.state_sessions = {name(k): [labels[int(x)] for x in group]
                          for k, group in pairs.groupby("k")["s"]}
    took = frame.drop_duplicates()
    out.transition_sessions = {(name(a), name(b)): [labels[int(x)] for x in group]
                               for (a, b), group in took.groupby(["a", "b"])["s"]}


def _find_edge(graph: nx.MultiDiGraph, src: str, dst: str, flow: str) -> tuple[str, str, str] | None:
    for kind in ("transition", "float"):
        if graph.has_edge(src, dst, kind):
            return src, dst, kind
    if graph.has_edge(any_id(flow), dst, "float"):
        return any_id(flow), dst, "float"
    return None


def _entry_edge(graph: nx.MultiDiGraph, initial: dict[str, str], flow: str,
                dst: str) -> tuple[str, str, str] | None:
    """The edge a flow is entered by to reach ``dst``: from its initial state (or its start)."""
    init = initial.get(flow)
    if init is None:
        return None
    if init == dst:
        return (flow_id(flow), init, "start") if graph.has_edge(flow_id(flow), init, "start") else None
    return _find_edge(graph, init, dst, flow)


def add_traffic(graph: nx.MultiDiGraph, counts: TrafficCounts) -> nx.MultiDiGraph:
    """A copy of ``graph`` with traffic attributes on its states and edges.

    States get ``sessions``, ``entries``, ``dropoff``, ``dropoff_rate``, ``handovers``; every
    edge gets ``sessions`` and ``transitions`` (0 when unused). A move into another flow (or into
    the same flow again after it ended), and a session's first state, count on the transition
    from that flow's initial state. A move the bot cannot make (between states of the graph)
    becomes an ``observed`` edge; one between states the graph does not hold is counted in
    ``graph.graph["unmatched"]``.
    """
    g = graph.copy()
    g.graph.update(traffic=True, sessions=counts.sessions, unmatched=0)
    for _, _, d in g.edges(data=True):
        d["sessions"] = d["transitions"] = 0
    for _node, d in g.nodes(data=True):
        if d.get("kind") != "state":
            continue
        k = (d["flow"], d["name"])
        visits = counts.visits.get(k, 0)
        dropoff = 0 if d.get("end") else counts.last.get(k, 0)
        d.update(sessions=visits, entries=counts.entries.get(k, 0), dropoff=dropoff,
                 dropoff_rate=dropoff / visits if visits else 0.0,
                 handovers=counts.handovers.get(k, 0))
        if counts.state_sessions:
            d["session_ids"] = list(counts.state_sessions.get(k, []))
    initial = {d["flow"]: n for n, d in g.nodes(data=True)
               if d.get("kind") == "state" and d.get("initial") and not d.get("external")}
    for k, n in counts.entries.items():  # a session's first state: its flow was entered
        edge = _entry_edge(g, initial, k[0], state_id(*k))
        if edge is not None:
            g.edges[edge]["sessions"] += n
            g.edges[edge]["transitions"] += n
    for (a, b), (sessions, times) in counts.transitions.items():
        src, dst = state_id(*a), state_id(*b)
        if not (g.has_node(src) and g.has_node(dst)):
            g.graph["unmatched"] += times
            continue
        found = _find_edge(g, src, dst, a[0])
        if found is None:
            # another flow took over, or the flow ended and began again: entered at its start
            found = _entry_edge(g, initial, b[0], dst)
        if found is None:
            g.add_edge(src, dst, key="observed", kind="observed", label="", sessions=0,
                       transitions=0, title=f"seen in the log, not in the bot: {a} -> {b}")
            found = (src, dst, "observed")
        edge = g.edges[found]
        edge["sessions"] += sessions
        edge["transitions"] += times
        if counts.transition_sessions:
            taken = counts.transition_sessions.get((a, b), [])
            edge["session_ids"] = list(dict.fromkeys([*edge.get("session_ids", []), *taken]))
    return g
