"""The sessions of a log as something to explore: one row each with its outcomes, and the flows,
states and transitions it went through, so a view can ask "which sessions went through X".

The outcomes are the metric definitions of :data:`~igbot.analytics.DEFINITIONS`, read from
:func:`~igbot.analytics.session_table` (nothing is defined twice here):

- ``contained``, ``handover``, ``abandoned``: the session table's columns of those names;
- ``fallback``: the session table's ``has_fallback`` (one or more incoming messages answered by a
  fallback);
- ``ended``: the session's last state is one of ``end_states`` (the states where ending is not
  abandonment).

The Explorer, the Dashboard and :func:`~igbot.analytics.misses` share this index; a flow canvas,
a report or a funnel step selects sessions through :meth:`SessionIndex.select`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._categories import cat_codes
from igbot.analytics._metrics import TRIGGERS, _session_table
from igbot.analytics._sessions import MetricParams, Prepared, prepare

__all__ = ["OUTCOMES", "SessionIndex", "UnknownSelectionError"]

OUTCOMES = ("contained", "handover", "fallback", "abandoned", "ended")


class UnknownSelectionError(ValueError):
    """A filter named a flow, state, transition or outcome the log does not have."""


def _first_per_session(p: Prepared, mask: np.ndarray, column: str) -> pd.Series:
    """Each session's value of ``column`` at its first row where ``mask`` holds (else NA)."""
    rows = p.first_in_session(mask)
    codes = cat_codes(p.df[column])
    names = np.append(np.asarray(p.df[column].cat.categories, dtype=object),
                      np.array([None], dtype=object))
    values = np.where(rows >= 0, names[codes[np.maximum(rows, 0)]], None)
    return pd.Series(pd.array(values, dtype="string"))


class SessionIndex:
    """Every session of a log with its outcomes, flows, states and transitions.

    Args:
        df: a canonical event frame (anything :func:`~igbot.analytics.load` returns).
        params: metric parameters as for :func:`~igbot.analytics.summary` (``bot=``, ``gap=``,
            ``end_states=``, ...); with ``bot=``, its flows and states are known names even
            where no session went (a canvas node nobody reached selects nothing, no error).
    Attributes:
        prepared: the sessionized frame and its row arrays.
        sessions: one row per session (see :meth:`build`).
        flow_visits: (session, flow) for every flow a session went through.
        visits: (session, flow, state) for every state a session reached.
        edges: (session, flow, source, dest) for every move between two states.
    """

    def __init__(self, df: pd.DataFrame, **params: Any) -> None:
        self.bot = params.get("bot")
        self.params = MetricParams.make(params)
        self.prepared = prepare(df, self.params)
        self._names: dict[str, list[str]] = {}
        self.flow_visits = pd.DataFrame({"session": np.zeros(0, dtype=np.int64),
                                         "flow": np.zeros(0, dtype=object)})
        self.sessions = self.build()
        self.visits, self.edges = self._paths()

    @property
    def events(self) -> pd.DataFrame:
        """The sessionized event frame."""
        return self.prepared.df

    def build(self) -> pd.DataFrame:
        """One row per session: ``session_id``, ``conversation_id``, ``start``, ``end``,
        ``duration_s``, ``flow`` (the first flow that handled it), ``flows`` (all, in order),
        ``first_intent``, ``trigger``, ``messages_in``, ``messages_out``, the outcome flags of
        :data:`OUTCOMES`, ``outcome`` (those that hold, comma-separated) and ``last_state``."""
        p = self.prepared
        table = _session_table(p)
        if p.n_sessions == 0:
            empty = {name: pd.Series(dtype=dtype) for name, dtype in (
                ("session_id", object), ("conversation_id", object),
                ("start", "datetime64[ns, UTC]"), ("end", "datetime64[ns, UTC]"),
                ("duration_s", float), ("trigger", object), ("messages_in", np.int32),
                ("messages_out", np.int32), ("contained", bool), ("handover", bool),
                ("flow", "string"), ("flows", object), ("first_intent", "string"),
                ("fallback", bool), ("fallback_messages", np.int32), ("abandoned", bool),
                ("last_state", "string"), ("ended", bool), ("median_bot_response_s", float),
                ("agent_first_response_s", float), ("outcome", object))}
            return pd.DataFrame(empty)
        flow_codes = cat_codes(p.df["flow"])
        out = table[["session_id", "conversation_id", "start", "end", "duration_s", "trigger",
                     "messages_in", "messages_out", "contained", "handover"]].copy()
        out["session_id"] = out["session_id"].astype(str)
        out["conversation_id"] = out["conversation_id"].astype(str)
        out["flow"] = _first_per_session(p, flow_codes >= 0, "flow")
        out["flows"] = self._flows_in_order(flow_codes)
        out["first_intent"] = _first_per_session(
            p, p.user_msg & (cat_codes(p.df["intent"]) >= 0), "intent")
        out["fallback"] = table["has_fallback"].to_numpy()
        out["fallback_messages"] = table["fallback_messages"].to_numpy()
        out["abandoned"] = table["abandoned"].to_numpy()
        out["last_state"] = table["last_state"].astype("string")  # categorical in the table
        out["ended"] = out["last_state"].isin(list(self.params.end_states)).to_numpy(dtype=bool)
        out["median_bot_response_s"] = table["median_bot_response_s"]
        out["agent_first_response_s"] = table["agent_first_response_s"]
        flags = out[list(OUTCOMES)].to_numpy(dtype=bool)
        bits = flags @ (1 << np.arange(len(OUTCOMES)))
        labels = np.array([", ".join(o for i, o in enumerate(OUTCOMES) if b >> i & 1) or "open"
                           for b in range(1 << len(OUTCOMES))], dtype=object)
        out["outcome"] = labels[bits]
        return out

    def _session_of_rows(self) -> np.ndarray:
        """Each row's position in :attr:`sessions`."""
        p = self.prepared
        return np.searchsorted(p.sess[p.starts], p.sess)

    def _flows_in_order(self, flow_codes: np.ndarray) -> list[str]:
        p = self.prepared
        names = np.asarray(p.df["flow"].cat.categories, dtype=object)
        has = flow_codes >= 0
        pairs = pd.DataFrame({"s": self._session_of_rows()[has], "f": flow_codes[has]})
        pairs = pairs.drop_duplicates()
        out = [""] * p.n_sessions
        for session, name in zip(pairs["s"].to_numpy(), names[pairs["f"].to_numpy()], strict=True):
            out[session] = f"{out[session]}, {name}" if out[session] else name
        self.flow_visits = pairs.rename(columns={"s": "session", "f": "flow"}).assign(
            flow=names[pairs["f"].to_numpy()]).reset_index(drop=True)
        return out

    def _paths(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        p = self.prepared
        state = cat_codes(p.df["state"])
        flow = cat_codes(p.df["flow"])
        has = state >= 0
        session, flow, state = self._session_of_rows()[has], flow[has], state[has]
        flow_names = np.append(np.asarray(p.df["flow"].cat.categories, dtype=object),
                               np.array([None], dtype=object))
        state_names = np.asarray(p.df["state"].cat.categories, dtype=object)
        codes = pd.DataFrame({"session": session, "flow": flow, "state": state})
        visits = codes.drop_duplicates().reset_index(drop=True)
        visits["flow"] = flow_names[visits["flow"].to_numpy()]
        visits["state"] = state_names[visits["state"].to_numpy()]
        moved = np.zeros(len(session), dtype=bool)
        moved[1:] = (session[1:] == session[:-1]) & (
            (state[1:] != state[:-1]) | (flow[1:] != flow[:-1]))
        at = np.flatnonzero(moved)
        edges = pd.DataFrame({"session": session[at], "flow": flow[at - 1],
                              "source": state[at - 1], "dest_flow": flow[at], "dest": state[at]})
        edges = edges.drop_duplicates().reset_index(drop=True)
        for column, table in (("flow", flow_names), ("dest_flow", flow_names),
                              ("source", state_names), ("dest", state_names)):
            edges[column] = table[edges[column].to_numpy()]
        return visits, edges

    def flows(self) -> list[str]:
        """The flows the log or the bot (``bot=``) names, sorted."""
        if "flows" not in self._names:
            bot_flows = set(self.bot.flows) if self.bot is not None else set()
            self._names["flows"] = sorted(set(self.flow_visits["flow"]) | bot_flows)
        return list(self._names["flows"])

    def states(self, flow: str | None = None) -> list[str]:
        """The states the log or the bot names (of ``flow`` when given), sorted. A state of the
        bot that no session reached selects no session; it is not an error."""
        key = f"states:{flow}"
        if key not in self._names:
            visits = self.visits if flow is None else self.visits[self.visits["flow"] == flow]
            names = {str(s) for s in visits["state"].unique()}
            if self.bot is not None:
                names |= {state for name, f in self.bot.flows.items() if flow in (None, name)
                          for state in f.states}
            self._names[key] = sorted(names)
        return list(self._names[key])

    def select(self, *, flow: str | None = None, state: str | None = None,
               edge: Sequence[str] | None = None, outcome: str | None = None,
               start: Any = None, end: Any = None, intent: str | None = None,
               trigger: str | None = None, text: str | None = None,
               sessions: Sequence[str] | None = None) -> np.ndarray:
        """A boolean mask over :attr:`sessions`: the sessions that match every filter given.

        Args:
            flow: went through this flow (with ``state`` or ``edge``: the flow they are in).
            state: reached this state.
            edge: moved from ``edge[0]`` to ``edge[1]`` (two states, in one flow or across).
            outcome: one of :data:`OUTCOMES` (or ``open``: none of them).
            start, end: started on or after ``start`` and before ``end`` (dates or timestamps;
                a date without a time zone is read in the index's ``tz``).
            intent: its first intent.
            trigger: what opened it (one of ``TRIGGERS``: story_reply, comment, ...).
            text: the person wrote this somewhere in it (any case; plain text, not a pattern).
            sessions: one of these session ids (e.g. a topic's, from ``misses``).
        Raises:
            UnknownSelectionError: a flow, state, outcome or edge that the log does not have.
        """
        n = len(self.sessions)
        mask = np.ones(n, dtype=bool)
        if n == 0:
            return mask
        if flow is not None and flow not in self.flows():
            raise UnknownSelectionError(
                f"no flow {flow!r} in the log; flows: {', '.join(self.flows()) or 'none'}")
        if flow is not None and state is None and edge is None:
            visits = self.flow_visits
            mask &= np.isin(np.arange(n), visits.loc[visits["flow"] == flow, "session"].to_numpy())
        if state is not None:
            visits = self.visits[self.visits["state"] == state]
            if flow is not None:
                visits = visits[visits["flow"] == flow]
            if visits.empty and state not in self.states(flow):
                where = f" of flow {flow!r}" if flow else ""
                raise UnknownSelectionError(
                    f"no state {state!r}{where} in the log; states: "
                    f"{', '.join(self.states(flow)) or 'none'}")
            mask &= np.isin(np.arange(n), visits["session"].to_numpy())
        if edge is not None:
            if len(edge) != 2:
                raise UnknownSelectionError(f"edge wants (from_state, to_state), got {edge!r}")
            source, dest = (str(x) for x in edge)
            for name in (source, dest):
                if name not in self.states():
                    raise UnknownSelectionError(f"no state {name!r} in the log (edge {source} -> {dest})")
            moves = self.edges[(self.edges["source"] == source) & (self.edges["dest"] == dest)]
            if flow is not None:
                moves = moves[(moves["flow"] == flow) | (moves["dest_flow"] == flow)]
            mask &= np.isin(np.arange(n), moves["session"].to_numpy())
        if outcome is not None:
            if outcome == "open":
                mask &= ~self.sessions[list(OUTCOMES)].to_numpy(dtype=bool).any(axis=1)
            elif outcome in OUTCOMES:
                mask &= self.sessions[outcome].to_numpy(dtype=bool)
            else:
                raise UnknownSelectionError(
                    f"no outcome {outcome!r}; outcomes: {', '.join(OUTCOMES)}, open")
        if trigger is not None:
            if trigger not in TRIGGERS:
                raise UnknownSelectionError(
                    f"no trigger {trigger!r}; triggers: {', '.join(TRIGGERS)}")
            mask &= (self.sessions["trigger"].astype(str) == trigger).to_numpy(dtype=bool)
        if text:
            mask &= np.isin(np.arange(n), self._sessions_saying(text))
        if sessions is not None:
            mask &= self.sessions["session_id"].isin(list(sessions)).to_numpy(dtype=bool)
        if intent is not None:
            mask &= (self.sessions["first_intent"] == intent).fillna(False).to_numpy(dtype=bool)
        starts = self.sessions["start"]
        if start is not None:
            mask &= (starts >= self._when(start)).to_numpy(dtype=bool)
        if end is not None:
            mask &= (starts < self._when(end)).to_numpy(dtype=bool)
        return mask

    def _sessions_saying(self, text: str) -> np.ndarray:
        p = self.prepared
        rows = np.flatnonzero(p.user_msg)
        said = p.df["text"].iloc[rows].str.contains(text, case=False, regex=False, na=False)
        return np.unique(self._session_of_rows()[rows[said.to_numpy(dtype=bool)]])

    def _when(self, value: Any) -> pd.Timestamp:
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize(self.params.tz)
        return stamp.tz_convert("UTC")

    def session_events(self, session_id: str) -> pd.DataFrame:
        """The events of one session, in time order.

        Raises:
            UnknownSelectionError: no such session.
        """
        p = self.prepared
        cats = p.df["session_id"].cat.categories
        code = cats.get_indexer([session_id])[0]
        first_codes = p.sess[p.starts]
        where = int(np.searchsorted(first_codes, code))
        if code < 0 or where >= len(first_codes) or first_codes[where] != code:
            raise UnknownSelectionError(f"no session {session_id!r} in the log")
        lo, hi = p.starts[where], p.ends[where]
        return p.df.iloc[lo:hi].reset_index(drop=True)
