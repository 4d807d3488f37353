"""The conversation log's schema and the one function that makes a log row.

A log row is one canonical event: exactly the columns of :data:`LOG_SCHEMA`, in that order. The
server writes its log with :func:`log_line`; analytics reads logs into a frame whose dtypes come
from :data:`LOG_SCHEMA` and writes logs with :func:`log_row`; the engine's dispatcher describes
every event it handles as rows made here. So a row means the same wherever it is made or read.

==================  ==========================  ==============================================
column              dtype (pandas)              meaning
==================  ==========================  ==============================================
conversation_id     category                    the person's thread with the account
session_id          category                    filled by analytics' ``sessionize``
timestamp           datetime64[ns, UTC]         ISO-8601 UTC with milliseconds in a file
direction           category: in, out           ``in`` from the person, ``out`` from the account
role                category: user, bot,        the person, the bot, a human agent, or the
                    agent, system               platform / igbot itself
kind                category                    an event kind (:mod:`igbot.vocab._kinds`)
text                string                      what was written
payload             string (JSON text)          structured data: postback payload, reason, tag
flow, state         category                    the Kata flow and state that handled / produced it
intent              category                    the intent matched on an incoming message
is_fallback         boolean (nullable)          answered by a fallback intent or flow
mid                 string                      the platform's message id
source              category                    igbot_log, parquet, webhook, graph, dyi, csv
==================  ==========================  ==============================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

__all__ = [
    "DIRECTIONS",
    "LOG_FIELDS",
    "LOG_SCHEMA",
    "LOG_SOURCE",
    "ROLES",
    "Direction",
    "LogRole",
    "dump_row",
    "iso_ms",
    "log_line",
    "log_row",
    "timestamp_ns",
]

Direction = Literal["in", "out"]
LogRole = Literal["user", "bot", "agent", "system"]
DIRECTIONS: tuple[str, ...] = ("in", "out")
ROLES: tuple[str, ...] = ("user", "bot", "agent", "system")
LOG_SOURCE = "igbot_log"

LOG_SCHEMA: dict[str, tuple[str, str]] = {
    "conversation_id": ("category", "the person's thread with the account"),
    "session_id": ("category", "session within the conversation, filled by sessionize()"),
    "timestamp": ("datetime64[ns, UTC]", "when the event happened, tz-aware UTC"),
    "direction": ("category", "'in' from the person, 'out' from the account"),
    "role": ("category", "user, bot, agent or system"),
    "kind": ("category", "text, story_reply, story_mention, quick_reply, postback, comment, "
             "image, ..., handover, resolve, refused, error"),
    "text": ("string", "message text or button title"),
    "payload": ("string", "JSON object: postback payload, template, error reason, tag"),
    "flow": ("category", "Kata flow that handled or produced the event"),
    "state": ("category", "Kata state the event moved to or came from"),
    "intent": ("category", "intent matched on an incoming message"),
    "is_fallback": ("boolean", "answered by a fallback intent or flow (nullable)"),
    "mid": ("string", "platform message id"),
    "source": ("category", "igbot_log, parquet, webhook, graph, dyi or csv"),
}
"""Column -> (pandas dtype, meaning), in the order of a row."""

LOG_FIELDS: tuple[str, ...] = tuple(LOG_SCHEMA)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STRING_FIELDS = ("session_id", "text", "flow", "state", "intent", "mid")


def timestamp_ns(value: datetime | int | float | str) -> int:
    """Nanoseconds since the epoch from a datetime (naive means UTC), epoch milliseconds, or
    ISO-8601 text (``Z``, ``+00:00`` or ``+0000``; naive means UTC). Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("timestamp: a boolean is not a time")
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return (moment - _EPOCH) // timedelta(microseconds=1) * 1000
    if isinstance(value, int):
        return value * 1_000_000
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("timestamp: not a finite number")
        return int(value * 1_000_000)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        elif len(text) > 5 and text[-5] in "+-" and text[-3] != ":" and "T" in text:
            text = text[:-2] + ":" + text[-2:]  # +0000 -> +00:00
        try:
            return timestamp_ns(datetime.fromisoformat(text))
        except ValueError:
            raise ValueError(f"timestamp: {value!r} is not ISO-8601 or milliseconds") from None
    raise ValueError(f"timestamp: expected ISO-8601 text or ms, got {type(value).__name__}")


def iso_ms(ns: int) -> str:
    """ISO-8601 UTC with milliseconds (``2024-05-01T10:00:00.123Z``) of epoch nanoseconds."""
    moment = _EPOCH + timedelta(seconds=ns // 1_000_000_000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{(ns // 1_000_000) % 1000:03d}Z"


def check_fields(direction: Any, role: Any, kind: Any, is_fallback: Any) -> None:
    """Check a row's closed fields (what the writer and every reader of the log insist on).

    Raises:
        ValueError: naming the field and its wrong value.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: {direction!r} is not 'in' or 'out'")
    if role not in ROLES:
        raise ValueError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind: expected a non-empty string, got {kind!r}")
    if is_fallback is not None and not isinstance(is_fallback, bool):
        raise ValueError(f"is_fallback: expected true, false or null, got {is_fallback!r}")


def log_row(conversation_id: str, timestamp: datetime | int | float | str, direction: str,
            role: str, kind: str, *, text: str | None = None,
            payload: Mapping[str, Any] | Sequence[Any] | str | None = None,
            flow: str | None = None, state: str | None = None, intent: str | None = None,
            is_fallback: bool | None = None, mid: str | None = None,
            session_id: str | None = None, source: str = LOG_SOURCE) -> dict[str, Any]:
    """One log row: a dict with exactly :data:`LOG_FIELDS`, in order, checked.

    Args:
        timestamp: a datetime (naive means UTC), epoch milliseconds or ISO-8601 text; the row
            holds ISO-8601 UTC with milliseconds.
        payload: an object (serialised as compact JSON; values JSON cannot hold as text) or
            JSON text.

    Raises:
        ValueError: naming the field that is missing or has a wrong value.
    """
    if not conversation_id:
        raise ValueError("conversation_id: missing")
    check_fields(direction, role, kind, is_fallback)
    if payload is not None and not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    row = {
        "conversation_id": str(conversation_id), "session_id": session_id,
        "timestamp": iso_ms(timestamp_ns(timestamp)), "direction": direction, "role": role,
        "kind": kind, "text": text, "payload": payload, "flow": flow, "state": state,
        "intent": intent, "is_fallback": is_fallback, "mid": mid, "source": source,
    }
    for name in _STRING_FIELDS:
        value = row[name]
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name}: expected a string, got {type(value).__name__}")
    return row


def dump_row(row: Mapping[str, Any]) -> str:
    """A log row as one line of JSON text (no newline), as a log file holds it."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def log_line(conversation_id: str, timestamp: datetime | int | float | str, direction: str,
             role: str, kind: str, **fields: Any) -> str:
    """:func:`log_row` as one line of JSON text (what the server's log file holds)."""
    return dump_row(log_row(conversation_id, timestamp, direction, role, kind, **fields))
