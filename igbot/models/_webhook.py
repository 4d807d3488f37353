"""``parse_webhook``: an Instagram webhook body in, typed events out, in time order.

Two kinds of problem, handled differently:

- the body as a whole is not an Instagram webhook (not JSON, not a JSON object, ``object`` not
  ``instagram``/``page``, no ``entry`` list, an entry without ``id``): :class:`WebhookFormatError`
  naming what is wrong, and nothing is returned;
- one item of an otherwise good batch is malformed (``entry[0].messaging[1]: missing sender.id``):
  that item becomes an :class:`UnknownEvent` carrying the reason (logged as a warning) and every
  other item is kept. ``strict=True`` raises :class:`WebhookFormatError` instead.

Items igbot does not know (a new Meta field) are :class:`UnknownEvent` too, in both modes.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from igbot._errors import WebhookFormatError
from igbot.models._events import Event
from igbot.models._events_changes import UnknownEvent
from igbot.models._items import ItemError, parse_change, parse_messaging
from igbot.models._time import parse_time

__all__ = ["parse_webhook"]

logger = logging.getLogger(__name__)

_OBJECTS = ("instagram", "page")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_webhook(body: bytes | str | dict[str, Any], *, strict: bool = False) -> list[Event]:
    """Every event of a webhook body (all entries, all items), sorted by time (stable).

    Args:
        body: the raw request body (bytes or str) or the already-decoded JSON object.
        strict: raise on a malformed item instead of turning it into an :class:`UnknownEvent`.

    Raises:
        WebhookFormatError: the body is not an Instagram webhook (or, when strict, an item is
            malformed); the message names what is wrong and where.
    """
    data = _load(body)
    obj = data.get("object")
    if obj not in _OBJECTS:
        what = "has no 'object'" if obj is None else f"object is {_short(obj)}"
        raise WebhookFormatError(f"{what}, expected 'instagram' or 'page'")
    entries = data.get("entry")
    if not isinstance(entries, list):
        got = "has no 'entry'" if entries is None else f"'entry' is {type(entries).__name__}"
        raise WebhookFormatError(f"body {got}, expected a list of entries")
    events: list[Event] = []
    for i, entry in enumerate(entries):
        events.extend(_entry(entry, f"entry[{i}]", strict))
    events.sort(key=lambda e: e.timestamp_ms)
    return events


def _load(body: object) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    if not isinstance(body, bytes | str):
        raise WebhookFormatError(f"body is {type(body).__name__}, expected bytes, str or dict")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise WebhookFormatError(
            f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except UnicodeDecodeError as exc:
        raise WebhookFormatError(f"body is not JSON: not UTF-8 ({exc.reason})") from None
    except RecursionError:
        raise WebhookFormatError("body is not JSON igbot can read: nested too deeply") from None
    except ValueError as exc:
        raise WebhookFormatError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise WebhookFormatError(f"body is a JSON {_json_type(data)}, expected an object")
    return data


def _entry(entry: object, where: str, strict: bool) -> list[Event]:
    if not isinstance(entry, dict):
        raise WebhookFormatError(f"{where} is a JSON {_json_type(entry)}, expected an object")
    account_id = entry.get("id")
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        account_id = str(account_id)
    if not isinstance(account_id, str) or not account_id:
        raise WebhookFormatError(f"{where}: missing id (the account the entry is for)")
    try:
        entry_time: datetime | None = parse_time(entry.get("time"))
    except ValueError:
        entry_time = None
    out: list[Event] = []
    for key in ("messaging", "standby", "changes"):
        items = entry.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            items = [items]  # reported per item below when it is not an object
            if strict:
                raise WebhookFormatError(f"{where}.{key} is not a list")
        for j, item in enumerate(items):
            out.append(_item(key, item, f"{where}.{key}[{j}]", account_id, entry_time, strict))
    if "field" in entry and "value" in entry:  # one doc example puts the change on the entry
        out.append(_item("changes", entry, where, account_id, entry_time, strict))
    return out


def _item(
    key: str, item: object, where: str, account_id: str, entry_time: datetime | None,
    strict: bool,
) -> Event:
    try:
        if key == "changes":
            return parse_change(item, account_id, entry_time, where)
        return parse_messaging(item, account_id, entry_time, standby=key == "standby")
    except (ItemError, ValueError, TypeError, OverflowError) as exc:
        reason = f"{where}: {exc}"
        if strict:
            raise WebhookFormatError(reason) from None
        logger.warning("webhook item ignored: %s", reason)
        return _unknown(item, where, reason, account_id, entry_time, standby=key == "standby")


def _unknown(
    item: object, where: str, reason: str, account_id: str, entry_time: datetime | None,
    standby: bool,
) -> UnknownEvent:
    moment = entry_time or _EPOCH
    if isinstance(item, dict):
        with contextlib.suppress(ValueError, TypeError):
            moment = parse_time(item.get("timestamp"))
    raw = item if isinstance(item, dict) else {"item": item}
    # model_construct: the raw item is kept exactly as it came, whatever it holds.
    return UnknownEvent.model_construct(
        kind="unknown", account_id=account_id, sender_id=None, recipient_id=None,
        timestamp=moment, mid=None, standby=standby, raw=raw, reason=reason, where=where,
    )


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
