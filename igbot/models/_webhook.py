"""``parse_webhook``: an Instagram webhook body in, typed events out, in time order.

Two kinds of problem, handled differently:

- the body as a whole is not an Instagram webhook (not JSON, not a JSON object, ``object`` not
  ``instagram``/``page``, no ``entry`` list, an entry without ``id``): :class:`WebhookFormatError`
  naming what is wrong, and nothing is returned;
- one item of an otherwise good batch is malformed (``entry[0].messaging[1]: missing sender.id``):
  that item becomes an :class:`UnknownEvent` carrying the reason (logged as a warning) and every
  other item is kept. ``strict=True`` raises :class:`WebhookFormatError` instead.

Items igbot does not know (a new Meta field) are :class:`UnknownEvent` too, in both modes, and so
is an entry that holds no item at all (no ``messaging``, ``standby`` or ``changes``).

What never passes: ``NaN``/``Infinity`` (not JSON), an empty ``entry`` list, and text that is not
Unicode. JSON may spell a lone UTF-16 surrogate (``"\\ud800"``) that no UTF-8 encoder, SQLite
or log file accepts: every such code point is replaced by U+FFFD (the Unicode replacement
character) and the event's ``repaired`` lists the fields that were changed, so the message is
still processed and its log line says what happened.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import re
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
_ITEM_KEYS = ("messaging", "standby", "changes")
# A JSON escape of a surrogate (``\\ud800``-``\\udfff``): only then can decoded text hold one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_webhook(body: bytes | str | dict[str, Any], *, strict: bool = False) -> list[Event]:
    """Every event of a webhook body (all entries, all items), sorted by time (stable).

    Args:
        body: the raw request body (bytes or str) or the already-decoded JSON object.
        strict: raise on a malformed item instead of turning it into an :class:`UnknownEvent`.

    Raises:
        WebhookFormatError: the body is not an Instagram webhook (or, when strict, an item is
            malformed); the message names what is wrong and where.
    """
    data, repaired = _load(body)
    obj = data.get("object")
    if obj not in _OBJECTS:
        what = "has no 'object'" if obj is None else f"object is {_short(obj)}"
        raise WebhookFormatError(f"{what}, expected 'instagram' or 'page'")
    entries = data.get("entry")
    if not isinstance(entries, list):
        got = "has no 'entry'" if entries is None else f"'entry' is {type(entries).__name__}"
        raise WebhookFormatError(f"body {got}, expected a list of entries")
    if not entries:
        raise WebhookFormatError("body has no entries ('entry' is an empty list)")
    events: list[Event] = []
    for i, entry in enumerate(entries):
        events.extend(_entry(entry, f"entry[{i}]", strict, repaired))
    if repaired:
        logger.warning("webhook text repaired (lone surrogates replaced by U+FFFD): %s",
                       ", ".join(repaired[:20]))
    events.sort(key=lambda e: e.timestamp_ms)
    return events


def _load(body: object) -> tuple[dict[str, Any], list[str]]:
    """The decoded body and the places where text had to be repaired (lone surrogates)."""
    if isinstance(body, dict):
        try:
            found = _repair(body, mutate=False)
            if found:
                body = copy.deepcopy(body)
                _repair(body, mutate=True)
        except RecursionError:
            raise WebhookFormatError("body is nested too deeply") from None
        return body, found
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    if not isinstance(body, bytes | str):
        raise WebhookFormatError(f"body is {type(body).__name__}, expected bytes, str or dict")
    try:
        data = json.loads(body, parse_constant=_no_constant)
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
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if _SURROGATE_ESCAPE.search(raw) or (isinstance(body, str) and _SURROGATE.search(body)):
        return data, _repair(data, mutate=True)
    return data, []


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _fix(text: str) -> str | None:
    """``text`` with every lone surrogate replaced by U+FFFD, or None if it had none."""
    if not _SURROGATE.search(text):
        return None
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _repair(data: Any, *, mutate: bool) -> list[str]:
    """The paths (``entry[0].messaging[0].message.text``) of strings and keys holding a lone
    surrogate; with ``mutate``, each is replaced by its repaired text. Iterative: JSON nesting
    is as deep as the decoder allowed, deeper than a recursive walk would go."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in list(node.items()):
                name = key
                if isinstance(key, str) and (fixed := _fix(key)) is not None:
                    name = fixed
                    found.append(f"{path}.{name}" if path else name)
                    if mutate:
                        del node[key]
                        node[name] = value
                where = f"{path}.{name}" if path else str(name)
                _visit(node, name, value, where, stack, found, mutate)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                _visit(node, i, value, f"{path}[{i}]", stack, found, mutate)
    return found


def _visit(node: Any, key: Any, value: Any, where: str, stack: list[tuple[Any, str]],
           found: list[str], mutate: bool) -> None:
    if isinstance(value, str):
        fixed = _fix(value)
        if fixed is not None:
            found.append(where)
            if mutate:
                node[key] = fixed
    elif isinstance(value, dict | list):
        stack.append((value, where))


def _entry(entry: object, where: str, strict: bool, repaired: list[str]) -> list[Event]:
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
    for key in _ITEM_KEYS:
        items = entry.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            items = [items]  # reported per item below when it is not an object
            if strict:
                raise WebhookFormatError(f"{where}.{key} is not a list")
        for j, item in enumerate(items):
            out.append(_item(key, item, f"{where}.{key}[{j}]", account_id, entry_time, strict,
                             repaired))
    if "field" in entry and "value" in entry:  # one doc example puts the change on the entry
        out.append(_item("changes", entry, where, account_id, entry_time, strict, repaired))
    if not out:
        reason = f"{where}: no items (no messaging, standby or changes)"
        if strict:
            raise WebhookFormatError(reason)
        out.append(_unknown(entry, where, reason, account_id, entry_time, standby=False))
    return out


def _item(
    key: str, item: object, where: str, account_id: str, entry_time: datetime | None,
    strict: bool, repaired: list[str],
) -> Event:
    try:
        if key == "changes":
            event = parse_change(item, account_id, entry_time, where)
        else:
            event = parse_messaging(item, account_id, entry_time, standby=key == "standby")
    except (ItemError, ValueError, TypeError, OverflowError) as exc:
        reason = f"{where}: {exc}"
        if strict:
            raise WebhookFormatError(reason) from None
        logger.warning("webhook item ignored: %s", reason)
        event = _unknown(item, where, reason, account_id, entry_time, standby=key == "standby")
    if repaired:
        mine = [p.removeprefix(where + ".") for p in repaired if p.startswith(where + ".")]
        if mine:
            event.repaired = sorted(mine)
    return event


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
