"""``ReplayResult``: what a bot did with every replayed message and how each session ended.

``messages``, one row per replayed message of the person:

====================  =========================================================================
column                meaning
====================  =========================================================================
session_id            the log's session (``<conversation>#<n>`` when sessionised here)
conversation_id       the person's thread
index                 position of the message in the session (0-based, replayed messages only)
timestamp             when the person sent it (UTC)
kind, text            what the person sent (canonical kind and text)
flow, state           where the message moved the conversation (the person's record)
intent, is_fallback   the intent matched; answered by a fallback intent or flow
transition            ``"a->b"`` or None
handover              the turn handed the person to an agent
agent_owned           an agent owned the thread: the bot stayed silent
flow_ended            an end state closed a flow during the turn
actions               the actions that ran, comma separated (commands and re-entries included)
reply                 what the bot sent, as one line (:func:`~igbot.replay.reply_text`)
replies               how many messages the bot sent
path                  ``flow/state`` of every record of the turn, ``" > "`` separated
errors                the turn's errors, ``"; "`` separated ("" when none)
logged_flow ...       ``logged_flow``, ``logged_state``, ``logged_intent``, ``logged_is_fallback``:
                      what the log says happened at the time
====================  =========================================================================

``sessions``, one row per session: ``session_id``, ``conversation_id``, ``messages``,
``fallbacks`` (messages answered by a fallback), ``any_fallback``, ``handover``,
``handover_index`` (first message that caused one, or NA), ``end_reached`` (an end state of a
flow other than the fallback flow closed its flow), ``last_flow``, ``last_state``, ``errors`` (count).

``hits``: ``kind`` (state, transition, intent, action), ``flow``, ``name`` (state, ``"a->b"``,
intent or action name) and ``count``: what the replay exercised, for :func:`coverage`.

``to_dict()`` gives JSON::

    {"bot": "shop", "summary": {"sessions": 40, "messages": 95, "fallback_messages": 12,
     "fallback_rate": 0.126, "sessions_with_fallback": 9, "handovers": 3, "end_reached": 31,
     "errors": 0, "elapsed_s": 0.21},
     "sessions": [{"session_id", "conversation_id", "messages", "fallbacks", "any_fallback",
                   "handover", "handover_index", "end_reached", "last_flow", "last_state",
                   "errors"}, ...],
     "messages": [{"session_id", "index", "kind", "text", "flow", "state", "intent",
                   "is_fallback", "transition", "handover", "reply", ...}, ...]}

(``messages`` only with ``to_dict(messages=True)``; timestamps as ISO-8601 text.)
"""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd

from igbot.kataml import Bot
from igbot.replay._coverage import Coverage

__all__ = ["MESSAGE_COLUMNS", "SESSION_COLUMNS", "ReplayResult", "frame_html", "records"]

MESSAGE_COLUMNS = (
    "session_id", "conversation_id", "index", "timestamp", "kind", "text", "flow", "state",
    "intent", "is_fallback", "transition", "handover", "agent_owned", "flow_ended", "actions",
    "reply", "replies", "path", "errors", "logged_flow", "logged_state", "logged_intent",
    "logged_is_fallback",
)
SESSION_COLUMNS = (
    "session_id", "conversation_id", "messages", "fallbacks", "any_fallback", "handover",
    "handover_index", "end_reached", "last_flow", "last_state", "errors",
)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready dicts (NA as None, timestamps as ISO-8601 text)."""
    return json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))


def frame_html(df: pd.DataFrame, max_rows: int = 20) -> str:
    """A small HTML table of a frame (at most ``max_rows`` rows)."""
    return df.head(max_rows).to_html(index=False, na_rep="", escape=True, border=0)


def _typed_messages(df: pd.DataFrame) -> pd.DataFrame:
    df["timestamp"] = pd.to_datetime(df["timestamp"].astype("int64"), utc=True)
    for name in ("kind", "flow", "state", "intent", "logged_flow", "logged_state",
                 "logged_intent"):
        df[name] = df[name].astype("category")
    for name in ("is_fallback", "handover", "agent_owned", "flow_ended"):
        df[name] = df[name].astype(bool)
    df["logged_is_fallback"] = df["logged_is_fallback"].astype("boolean")
    df["index"] = df["index"].astype("int64")
    df["replies"] = df["replies"].astype("int64")
    return df


def _typed_sessions(df: pd.DataFrame) -> pd.DataFrame:
    for name in ("any_fallback", "handover", "end_reached"):
        df[name] = df[name].astype(bool)
    df["handover_index"] = df["handover_index"].astype("Int64")
    for name in ("messages", "fallbacks", "errors"):
        df[name] = df[name].astype("int64")
    return df


class ReplayResult:
    """A bot's answers to a replayed log: ``messages``, ``sessions`` and ``hits`` frames.

    Compare two with :func:`igbot.diff`; see what was exercised with :meth:`coverage`.
    """

    def __init__(self, bot: Bot, messages: pd.DataFrame, sessions: pd.DataFrame,
                 hits: pd.DataFrame, *, elapsed: float = 0.0) -> None:
        self.bot = bot
        self.messages = _typed_messages(messages)
        self.sessions = _typed_sessions(sessions)
        self.hits = hits
        self.elapsed = elapsed

    def summary(self) -> dict[str, Any]:
        """Totals: sessions, messages, fallbacks, handovers, end states reached, errors."""
        n = len(self.messages)
        fallbacks = int(self.messages["is_fallback"].sum())
        return {
            "sessions": len(self.sessions),
            "messages": n,
            "fallback_messages": fallbacks,
            "fallback_rate": round(fallbacks / n, 4) if n else 0.0,
            "sessions_with_fallback": int(self.sessions["any_fallback"].sum()),
            "handovers": int(self.sessions["handover"].sum()),
            "end_reached": int(self.sessions["end_reached"].sum()),
            "errors": int(self.sessions["errors"].sum()),
            "elapsed_s": round(self.elapsed, 3),
        }

    def session(self, session_id: str) -> pd.DataFrame:
        """The replayed messages of one session."""
        return self.messages[self.messages["session_id"] == session_id]

    def coverage(self) -> Coverage:
        """States, transitions, intents and actions of the bot this replay exercised."""
        return Coverage.from_hits(self.bot, self.hits)

    def to_dict(self, messages: bool = False) -> dict[str, Any]:
        """JSON-ready: ``{"bot", "summary", "sessions"[, "messages"]}`` (see the module doc)."""
        out: dict[str, Any] = {"bot": self.bot.name, "summary": self.summary(),
                               "sessions": records(self.sessions)}
        if messages:
            out["messages"] = records(self.messages)
        return out

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<ReplayResult {self.bot.name!r}: {s['sessions']} sessions, {s['messages']} "
                f"messages, {s['fallback_messages']} fallbacks, {s['handovers']} handovers>")

    def to_html(self) -> str:
        """The summary and the first sessions as HTML."""
        summary = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>"
                          for k, v in self.summary().items())
        return (f"<div><b>Replay of {html.escape(str(self.bot.name))}</b>"
                f"<table>{summary}</table>{frame_html(self.sessions, 10)}</div>")

    def _repr_html_(self) -> str:
        return self.to_html()
