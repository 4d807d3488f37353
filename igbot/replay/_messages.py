"""From a logged event back to the Kata message the bot saw, and from requests to reply text.

:func:`kata_message` rebuilds a person's message from the canonical columns ``kind``, ``text``
and ``payload`` (JSON text or a dict) following the mapping table of kata-ml.md, whichever
loader wrote the row (igbot's log keeps a button's string as ``{"payload": "..."}``; the
webhook loader keeps the decoded object with its ``type`` and ``title``).
:class:`ApiStub` answers ``api`` actions during a replay; :func:`reply_text` summarises what
the bot sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from igbot.engine import ApiCall, OutboundRequest
from igbot.models import decode_payload

__all__ = ["BUTTON_KINDS", "SKIP_KINDS", "ApiStub", "kata_message", "make_api", "reply_text"]

logger = logging.getLogger(__name__)

# Incoming kinds that are not something the person said: never fed to the bot.
SKIP_KINDS = frozenset({
    "read", "reaction", "deleted", "message_edit", "echo", "handover", "resolve",
    "request_thread_control", "pass_thread_control", "take_thread_control", "refused", "error",
    "typing", "seen", "unsupported", "unknown",
})
BUTTON_KINDS = frozenset({"quick_reply", "postback"})
_TEXT_KINDS = frozenset({"text", "quick_reply"})


def _payload_obj(payload: Any) -> dict[str, Any] | None:
    """The payload column as a dict (JSON text, a dict, or nothing)."""
    if payload is None or payload is Ellipsis:
        return None
    if isinstance(payload, Mapping):
        return dict(payload)
    if isinstance(payload, str):
        if not payload.strip():
            return None
        return dict(decode_payload(payload))
    try:  # pandas NA and float NaN
        if payload != payload or str(payload) == "<NA>":
            return None
    except (TypeError, ValueError):
        return None
    return {"payload": payload}


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):
        return None
    text = str(value)
    return None if text == "<NA>" else text


def kata_message(kind: str, text: Any = None, payload: Any = None,
                 metadata: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The Kata message for one incoming event, or ``None`` when it is not a message.

    Args:
        kind: the canonical ``kind`` (text, quick_reply, postback, story_reply, comment, ...).
        text: the ``text`` column (message text, button title).
        payload: the ``payload`` column: JSON text or a dict.
        metadata: put on the message as is (senderId, mid, timestamp ...).

    Returns:
        ``{"type", "content", "payload", "metadata"}``: ``text`` gives ``{type: text, content}``;
        a quick reply ``{type: text, content: title, payload: {type: quick_reply, ...}}``; a
        postback ``{type: data, content: title, payload: <button payload>}``; any other kind
        ``{type: data, content: text, payload: {type: <kind>, ...}}``.
    """
    kind = str(kind)
    if kind in SKIP_KINDS:
        return None
    content = _str_or_none(text)
    obj = _payload_obj(payload)
    if kind in BUTTON_KINDS:
        inner = obj.get("payload") if obj else None
        if obj and set(obj) <= {"payload", "type", "title"} and isinstance(inner, str):
            obj = dict(decode_payload(inner))  # the button's own string, maybe JSON
        obj = dict(obj or {"payload": None})
        obj.setdefault("type", kind)
        obj.setdefault("title", content)
        message_type = "text" if kind == "quick_reply" else "data"
    elif kind == "text":
        message_type = "text"
        obj = obj or None
    elif kind == "referral":
        message_type = "data"
        obj = obj or {}
        nested = obj.pop("referral", None)
        if isinstance(nested, Mapping):
            obj.setdefault("referral_type", nested.get("type"))
            obj.update({k: v for k, v in nested.items() if k != "type"})
        obj["type"] = "referral"
    elif kind == "inline_reply":
        message_type = "data" if content is None else "text"
        obj = {**(obj or {}), "type": kind}
    else:
        message_type = "data"
        obj = {**(obj or {}), "type": kind}
        obj.setdefault("url", None)
    out: dict[str, Any] = {"type": message_type, "content": content, "payload": obj}
    out["metadata"] = dict(metadata or {})
    return out


class ApiStub:
    """Answers ``api`` actions from a dict ``url prefix -> response`` (longest prefix wins).

    A response may be a value (returned as the JSON result) or a callable taking the
    :class:`~igbot.engine.ApiCall`. A url no prefix matches gives ``default`` (``None``: the
    action's ``result`` is null, as Kata does for a failed call). Every call is counted in
    ``calls`` by url prefix (``None`` for unmatched). Picklable, so it crosses processes.
    """

    def __init__(self, responses: Mapping[str, Any] | None = None, default: Any = None) -> None:
        self.responses = dict(responses or {})
        self._order = sorted(self.responses, key=len, reverse=True)
        self.default = default
        self.calls: dict[str | None, int] = {}

    def __call__(self, call: ApiCall) -> Any:
        for prefix in self._order:
            if call.url.startswith(prefix):
                self.calls[prefix] = self.calls.get(prefix, 0) + 1
                answer = self.responses[prefix]
                return answer(call) if callable(answer) else json.loads(json.dumps(answer))
        self.calls[None] = self.calls.get(None, 0) + 1
        logger.debug("api %s %s: no recorded response", call.method, call.url)
        return self.default

    def __repr__(self) -> str:
        return f"ApiStub({len(self.responses)} prefixes)"


def make_api(api: Callable[[ApiCall], Any] | Mapping[str, Any] | None) -> Callable[[ApiCall], Any]:
    """The ``api=`` handler for replay engines: a callable as is, a dict as :class:`ApiStub`,
    ``None`` as a stub answering null (a replay never calls the network)."""
    if api is None:
        return ApiStub()
    if isinstance(api, Mapping):
        return ApiStub(api)
    if callable(api):
        return api
    raise TypeError(f"api must be a callable or a dict url-prefix -> response, not {type(api).__name__}")


def _message_text(request: OutboundRequest) -> str:
    text = request.text
    if text is not None:
        body = text
    elif request.template is not None:
        template = request.template
        if request.kind == "button":
            body = f"[button] {template.get('text', '')}"
        elif request.kind == "generic":
            titles = ", ".join(str(e.get("title", "")) for e in template.get("elements") or [])
            body = f"[carousel] {titles}"
        else:
            body = f"[{request.kind}]"
    elif request.kind == "like_heart":
        body = "[like_heart]"
    else:
        attachment = request.attachment or {}
        payload = attachment.get("payload") or {}
        body = f"[{attachment.get('type')}] {payload.get('url', '')}".rstrip()
    if request.quick_replies:
        body += " [" + ", ".join(str(q.get("title", "")) for q in request.quick_replies) + "]"
    return body


def reply_text(requests: list[OutboundRequest]) -> str:
    """What the bot sent in a turn as one line: texts, ``[carousel] ...``, ``[handover]``.

    Parts are joined with `` | ``; quick replies follow in brackets.
    """
    parts = []
    for request in requests:
        if request.endpoint == "messages":
            if request.message is not None:
                parts.append(_message_text(request))
            elif request.sender_action:
                parts.append(f"[{request.sender_action}]")
        elif request.endpoint == "pass_thread_control":
            parts.append("[handover]")
        else:
            parts.append(f"[{request.endpoint}]")
    return " | ".join(parts)
