"""The canonical event table every loader produces.

One row per event, whatever the source (igbot's log, webhook archives, Graph API exports,
Instagram's "Download your information", agent-inbox CSV):

==================  ==========================  ==============================================
column              dtype                       meaning
==================  ==========================  ==============================================
conversation_id     category                    the person's thread with the account
session_id          category                    filled by :func:`sessionize` (``<conv>#<n>``)
timestamp           datetime64[ns, UTC]         when the event happened (tz-aware UTC)
direction           category: in, out           ``in`` from the person, ``out`` from the account
role                category: user, bot,        who acted: the person, the bot, a human agent,
                    agent, system               or the platform (handover, resolve)
kind                category                    text, story_reply, story_mention, quick_reply,
                                                postback, comment, image, video, audio, file,
                                                share, referral, reaction, deleted, read,
                                                handover, resolve, refused, error, ...
text                string                      what was written (message text, button title)
payload             string (JSON)               structured data: postback payload, template,
                                                error (``{"reason": "outside_window"}``), tag
flow                category                    Kata flow that handled / produced the event
state               category                    Kata state the event moved to / came from
intent              category                    intent matched on an incoming message
is_fallback         boolean (nullable)          answered by a fallback intent or flow
mid                 string                      platform message id, when known
source              category                    igbot_log, parquet, webhook, graph, dyi, csv
==================  ==========================  ==============================================

The columns, their dtypes and meanings are :data:`igbot.vocab.LOG_SCHEMA` (the server writes its
log with the same schema); ``direction``/``role`` categories are :data:`igbot.vocab.DIRECTIONS`
and :data:`igbot.vocab.ROLES`; :data:`NON_MESSAGE_KINDS` is :data:`igbot.vocab.NON_MESSAGE_KINDS`.

Loaders record what they could not read in ``df.attrs["problems"]`` (a list of
``{"file", "line", "reason"}``) and ``df.attrs["skipped"]`` (how many records or files).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from igbot.vocab import (
    DIRECTIONS,
    LOG_FIELDS,
    LOG_SCHEMA,
    NON_MESSAGE_KINDS,
    ROLES,
    check_fields,
    timestamp_ns,
)

__all__ = [
    "COLUMNS",
    "DIRECTIONS",
    "NON_MESSAGE_KINDS",
    "ROLES",
    "SCHEMA",
    "Problems",
    "build_frame",
    "concat_frames",
    "conform_categories",
    "empty_frame",
    "parse_timestamp_ns",
    "record_values",
    "sort_events",
    "str_categories",
    "text_field",
    "ts_ns",
]

logger = logging.getLogger(__name__)

SCHEMA: dict[str, tuple[str, str]] = LOG_SCHEMA  # column -> (dtype, meaning), from vocab
COLUMNS: tuple[str, ...] = LOG_FIELDS
_CATEGORY_COLUMNS = tuple(c for c, (t, _) in SCHEMA.items() if t == "category")
_STRING_COLUMNS = tuple(c for c, (t, _) in SCHEMA.items() if t == "string")
_FIXED = {"direction": DIRECTIONS, "role": ROLES}
STRING_DTYPE = pd.StringDtype("pyarrow")


class Problems:
    """Collects what a loader could not read: file, line and reason, and logs a warning each."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, file: str | None, line: int | None, reason: str) -> None:
        """Record one skipped record (or a skipped file when ``line`` is None)."""
        self.items.append({"file": file, "line": line, "reason": reason})
        logger.warning("skipped %s%s: %s", file, f":{line}" if line else "", reason)

    def __len__(self) -> int:
        return len(self.items)

    def attach(self, df: pd.DataFrame) -> pd.DataFrame:
        """Store the problems in ``df.attrs`` (``skipped`` and ``problems``)."""
        df.attrs["skipped"] = len(self.items)
        df.attrs["problems"] = list(self.items)
        return df


def parse_timestamp_ns(value: Any) -> int:
    """Nanoseconds since the epoch from ISO-8601 text (naive means UTC) or ms since the epoch:
    the log schema's own reading (:func:`igbot.vocab.timestamp_ns`), so the server's rows and
    analytics' frames agree to the nanosecond."""
    return timestamp_ns(value)


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and key.endswith("_id"):
        return str(value)
    raise ValueError(f"{key}: expected a string, got {type(value).__name__}")


def text_field(key: str, value: Any) -> str | None:
    """A text field's value as :func:`record_values` takes it: a string, null, a number for an
    ``_id`` field (as its text), an object or array for ``payload`` (as compact JSON); raises
    ValueError naming the field for anything else."""
    if key == "payload" and isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if key == "payload" and value is not None and not isinstance(value, str):
        raise ValueError(f"payload: expected JSON text or an object, got {type(value).__name__}")
    return _opt_str({key: value}, key)


def record_values(obj: Any) -> tuple[Any, ...]:
    """One record (a mapping with canonical keys) as a tuple in ``COLUMNS`` order, checked.

    Raises ValueError naming the field when a value has the wrong type or is missing.
    """
    if not isinstance(obj, Mapping):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    conversation = _opt_str(obj, "conversation_id")
    if not conversation:
        raise ValueError("conversation_id: missing")
    if obj.get("timestamp") is None:
        raise ValueError("timestamp: missing")
    ts = parse_timestamp_ns(obj["timestamp"])
    direction, role, kind = obj.get("direction"), obj.get("role"), obj.get("kind")
    fallback = obj.get("is_fallback")
    check_fields(direction, role, kind, fallback)
    payload = text_field("payload", obj.get("payload"))
    return (
        conversation, _opt_str(obj, "session_id"), ts, direction, role, kind,
        _opt_str(obj, "text"), payload, _opt_str(obj, "flow"), _opt_str(obj, "state"),
        _opt_str(obj, "intent"), fallback, _opt_str(obj, "mid"), _opt_str(obj, "source"),
    )


def _category(values: Any, name: str) -> pd.Categorical:
    if name in _FIXED:
        return pd.Categorical(values, categories=list(_FIXED[name]))
    return str_categories(pd.Categorical(values))


def str_categories(cat: Any) -> Any:
    """The categorical (or categorical Series) with ``str`` categories, so frames concatenate."""
    cats = cat.cat.categories if isinstance(cat, pd.Series) else cat.categories
    if cats.dtype == "str":
        return cat
    new = pd.Index([str(c) for c in cats], dtype="str")
    if isinstance(cat, pd.Series):
        return pd.Series(pd.Categorical.from_codes(cat.cat.codes.to_numpy(), categories=new),
                         index=cat.index, name=cat.name)
    return pd.Categorical.from_codes(cat.codes, categories=new)


def build_frame(columns: Mapping[str, Sequence[Any] | np.ndarray], source: str | None = None,
                timestamps_ns: bool = True) -> pd.DataFrame:
    """A canonical frame from column sequences (timestamps as int ns unless told otherwise)."""
    n = len(next(iter(columns.values()))) if columns else 0
    data: dict[str, Any] = {}
    for name in COLUMNS:
        values = columns.get(name)
        if values is None:
            values = [source if name == "source" else None] * n
        if name == "timestamp":
            arr = np.asarray(values, dtype="int64") if timestamps_ns else values
            data[name] = pd.to_datetime(arr, utc=True).as_unit("ns") if n else pd.DatetimeIndex(
                [], dtype="datetime64[ns, UTC]")
        elif name in _CATEGORY_COLUMNS:
            data[name] = _category(values, name)
        elif name == "is_fallback":
            data[name] = pd.array(values, dtype="boolean")
        else:
            data[name] = pd.array(values, dtype=STRING_DTYPE)
    df = pd.DataFrame(data)
    df["timestamp"] = df["timestamp"].astype("datetime64[ns, UTC]")
    return df


def conform_categories(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with every categorical column of ``SCHEMA`` categorical again (in place too)."""
    for name in _CATEGORY_COLUMNS:
        col = df[name]
        if name in _FIXED:
            df[name] = col.astype(pd.CategoricalDtype(list(_FIXED[name])))
        else:
            df[name] = str_categories(col.astype(object).astype("category"))
    return df


def empty_frame() -> pd.DataFrame:
    """A canonical frame with no rows (all columns typed)."""
    return build_frame({c: [] for c in COLUMNS})


def ts_ns(df: pd.DataFrame) -> np.ndarray:
    """The timestamp column as int64 nanoseconds since the epoch (UTC)."""
    return df["timestamp"].astype("datetime64[ns, UTC]").array.asi8


def sort_events(df: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by conversation then time (stable: equal times keep their order)."""
    if df.empty:
        return df.reset_index(drop=True)
    conv = df["conversation_id"].cat.codes.to_numpy()
    ts = ts_ns(df)
    step = np.diff(conv)
    if (step >= 0).all() and (np.diff(ts)[step == 0] >= 0).all():
        return df.reset_index(drop=True)  # already in order: no copy
    order = np.lexsort((ts, conv))
    return df.take(order).reset_index(drop=True)


def concat_frames(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate canonical frames, uniting categories, then sort by conversation and time."""
    frames = [f for f in frames if f is not None]
    if not frames:
        return empty_frame()
    if len(frames) == 1:
        out = frames[0]
    else:
        data: dict[str, Any] = {}
        for name in COLUMNS:
            parts = [f[name] for f in frames]
            if name in _CATEGORY_COLUMNS and name not in _FIXED:
                cats = pd.api.types.union_categoricals(
                    [str_categories(p.astype("category")) for p in parts], ignore_order=True)
                data[name] = cats
            else:
                data[name] = pd.concat(parts, ignore_index=True)
                if name in _FIXED:
                    data[name] = data[name].astype(pd.CategoricalDtype(list(_FIXED[name])))
        out = pd.DataFrame(data)
    return sort_events(out)
