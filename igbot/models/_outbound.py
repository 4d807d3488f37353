"""The typed outbound request: what the bot (or an agent) sends, from the engine to the Graph API.

An :class:`OutboundRequest` is built once (the engine renders a static reply once per action
and reuses it; only the recipient is attached per turn) and read by attribute everywhere else:
the server's outbox, the channel, the log line, replay, the simulator and the analytics
generator. Its Graph API JSON is made in one place, :attr:`OutboundRequest.body`, at the edge
(sending, storing); :meth:`OutboundRequest.from_body` reads such JSON back (a stored outbox
row, a request written by hand). The pydantic models of :mod:`igbot.models._send` are built
only when a caller asks (:meth:`OutboundRequest.to_request`).

``kind`` says what the request is:

- ``messages`` with a message: ``text``, ``image``/``video``/``audio``/``file``, ``media``
  (several), ``generic``, ``button``, ``like_heart``, ``media_share``;
- ``messages`` without one: ``sender_action`` (typing, seen), ``react``, ``unreact``;
- any other endpoint: the endpoint (``pass_thread_control``, ``comment_reply``, ...).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from igbot.models._bubbles import render_bubbles
from igbot.models._send import (
    CommentReplyRequest,
    ExtendThreadControlRequest,
    HideCommentRequest,
    PassThreadControlRequest,
    ReactionRequest,
    ReleaseThreadControlRequest,
    RequestThreadControlRequest,
    SenderActionRequest,
    SendMessageRequest,
    TakeThreadControlRequest,
)

__all__ = ["OutboundRequest", "Tap", "message_kind", "requests_html"]

_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})
_ATTACHMENT_KINDS = {"template": None, "like_heart": "like_heart", "MEDIA_SHARE": "media_share"}
_MODELS: dict[str, type[BaseModel]] = {
    "pass_thread_control": PassThreadControlRequest,
    "take_thread_control": TakeThreadControlRequest,
    "release_thread_control": ReleaseThreadControlRequest,
    "request_thread_control": RequestThreadControlRequest,
    "extend_thread_control": ExtendThreadControlRequest,
    "comment_reply": CommentReplyRequest,
    "hide_comment": HideCommentRequest,
}
_LOG_KINDS = {"pass_thread_control": "handover", "take_thread_control": "resolve",
              "release_thread_control": "resolve"}
_THREAD_CONTROL = {
    "pass_thread_control": "handed over to the agent inbox",
    "take_thread_control": "the bot took the thread back",
    "release_thread_control": "the thread was released",
    "request_thread_control": "the bot asked for the thread",
}


def message_kind(message: Mapping[str, Any]) -> str:
    """The ``kind`` of a Send API ``message`` object (see the module docstring)."""
    if message.get("text") is not None:
        return "text"
    if message.get("attachments"):
        return "media"
    attachment = message.get("attachment")
    if isinstance(attachment, Mapping):
        kind = str(attachment.get("type") or "attachment")
        if kind == "template":
            payload = attachment.get("payload")
            return str((payload or {}).get("template_type") or "template") \
                if isinstance(payload, Mapping) else "template"
        return _ATTACHMENT_KINDS.get(kind) or kind
    return "attachment"


@dataclass(frozen=True, slots=True)
class Tap:
    """Something the person can tap under a message: a quick reply or a postback button."""

    kind: str  # quick_reply | postback
    title: str
    payload: str | None


@dataclass(frozen=True, slots=True, init=False)
class OutboundRequest:
    """One request for Meta's Graph API, in the order it must be sent.

    The parts it holds are shared between the turns that send the same reply: treat them as
    read-only (``with_recipient``/``with_fields`` give a changed copy).

    Attributes:
        endpoint: ``messages``, ``pass_thread_control``, ``take_thread_control``,
            ``release_thread_control``, ``request_thread_control``, ``extend_thread_control``,
            ``comment_reply`` or ``hide_comment``.
        kind: what it is (see the module docstring).
        recipient: ``{"id": IGSID}``, ``{"comment_id": ...}`` for a private reply, or None
            (comment endpoints, or a reply not addressed yet).
        message: the Send API ``message`` object, already held to Meta's limits.
        fields: the body's other fields, in Meta's order (``sender_action``, ``payload``,
            ``target_app_id``, ``thread_control``, ``messaging_type``, ``tag``...).
        action: the Kata action that produced it (``None`` for the engine's own requests).
        flow: the flow the action belongs to.
    """

    endpoint: str
    kind: str
    recipient: Mapping[str, str] | None = None
    message: Mapping[str, Any] | None = None
    fields: Mapping[str, Any] = field(default_factory=lambda: _NO_FIELDS)
    action: str | None = None
    flow: str | None = None

    def __init__(self, endpoint: str, kind: str, recipient: Mapping[str, str] | None = None,
                 message: Mapping[str, Any] | None = None, fields: Mapping[str, Any] = _NO_FIELDS,
                 action: str | None = None, flow: str | None = None) -> None:
        # the frozen dataclass's __init__, each field set through its slot (not through
        # object.__setattr__ by name: half the cost, and the engine makes one per reply)
        _SET_ENDPOINT(self, endpoint)
        _SET_KIND(self, kind)
        _SET_RECIPIENT(self, recipient)
        _SET_MESSAGE(self, message)
        _SET_FIELDS(self, fields)
        _SET_ACTION(self, action)
        _SET_FLOW(self, flow)

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def from_body(cls, endpoint: str, body: Mapping[str, Any], action: str | None = None,
                  flow: str | None = None) -> OutboundRequest:
        """The request for a Graph API body (a stored outbox row, a body written by hand)."""
        recipient = body.get("recipient")
        message = body.get("message")
        if endpoint == "messages" and isinstance(message, Mapping):
            kind = message_kind(message)
            rest = {k: v for k, v in body.items() if k not in ("recipient", "message")}
        else:
            message = None
            action_name = body.get("sender_action")
            kind = (str(action_name) if action_name in ("react", "unreact") else "sender_action"
                    ) if endpoint == "messages" else endpoint
            rest = {k: v for k, v in body.items() if k != "recipient"}
        return cls(endpoint, kind, dict(recipient) if isinstance(recipient, Mapping) else None,
                   message, rest or _NO_FIELDS, action, flow)

    @classmethod
    def from_model(cls, request: BaseModel, action: str | None = None,
                   flow: str | None = None) -> OutboundRequest:
        """The request for a Send API model (:class:`SendMessageRequest` and friends)."""
        body = request.model_dump(mode="json", exclude_none=True, by_alias=True)
        if "message" in body:  # Meta's order: recipient, message, then the rest
            body = {"recipient": body.pop("recipient"), "message": body.pop("message"), **body}
        endpoint = str(getattr(request, "endpoint", "messages"))
        return cls.from_body(endpoint, body, action, flow)

    def with_recipient(self, recipient: Mapping[str, str]) -> OutboundRequest:
        """A copy addressed to ``recipient``."""
        return replace(self, recipient=recipient)

    def with_fields(self, **fields: Any) -> OutboundRequest:
        """A copy with body fields added or changed (``messaging_type``, ``tag``, ...)."""
        return replace(self, fields={**self.fields, **fields})

    # -- reading -----------------------------------------------------------------------------

    @property
    def body(self) -> dict[str, Any]:
        """The JSON Meta expects for :attr:`endpoint` (a fresh copy: the caller may change it)."""
        out: dict[str, Any] = {}
        if self.recipient is not None:
            out["recipient"] = dict(self.recipient)
        if self.message is not None:
            out["message"] = _copy(self.message)
        for key, value in self.fields.items():
            out[key] = _copy(value)
        return out

    def body_view(self) -> dict[str, Any]:
        """:attr:`body` without the copy: its parts are the request's own, to be serialized
        (the channel sends it; the outbox stores it), never changed."""
        out: dict[str, Any] = {}
        if self.recipient is not None:
            out["recipient"] = self.recipient
        if self.message is not None:
            out["message"] = self.message
        out.update(self.fields)
        return out

    def to_json(self) -> str:
        """:attr:`body` as JSON text (how the server's outbox stores it)."""
        return json.dumps(self.body_view())

    @property
    def text(self) -> str | None:
        """The message's text (a comment reply's text), if it has one."""
        if self.message is not None:
            text = self.message.get("text")
            return None if text is None else str(text)
        if self.endpoint == "comment_reply":
            return str(self.fields.get("message") or "")
        return None

    @property
    def attachment(self) -> Mapping[str, Any] | None:
        """The message's one attachment (a template, media, a sticker), as Meta's JSON."""
        attachment = self.message.get("attachment") if self.message is not None else None
        return attachment if isinstance(attachment, Mapping) else None

    @property
    def template(self) -> Mapping[str, Any] | None:
        """A template message's payload (``template_type``, ``elements`` or ``text``/``buttons``)."""
        attachment = self.attachment
        if attachment is None or attachment.get("type") != "template":
            return None
        payload = attachment.get("payload")
        return payload if isinstance(payload, Mapping) else None

    @property
    def quick_replies(self) -> list[Mapping[str, Any]]:
        """The message's quick replies, as Meta's JSON (``content_type``, ``title``, ``payload``)."""
        replies = self.message.get("quick_replies") if self.message is not None else None
        return list(replies) if replies else []

    @property
    def taps(self) -> list[Tap]:
        """What the person can tap: the quick replies, then the postback buttons, in order."""
        out = [Tap("quick_reply", str(q.get("title", "")), q.get("payload"))
               for q in self.quick_replies]
        template = self.template or {}
        buttons = [b for e in template.get("elements") or [] for b in e.get("buttons") or []]
        buttons += template.get("buttons") or []
        out += [Tap("postback", str(b.get("title", "")), b.get("payload"))
                for b in buttons if b.get("type") == "postback"]
        return out

    @property
    def comment_id(self) -> str | None:
        """The comment a private reply answers (``recipient.comment_id``), or a comment
        endpoint's comment."""
        if self.recipient is not None and self.recipient.get("comment_id") is not None:
            return str(self.recipient["comment_id"])
        value = self.fields.get("comment_id")
        return None if value is None else str(value)

    @property
    def private_reply(self) -> bool:
        """Whether this is the private reply to a comment."""
        return self.recipient is not None and self.recipient.get("comment_id") is not None

    @property
    def sender_action(self) -> str | None:
        """``typing_on``, ``typing_off``, ``mark_seen``, ``react`` or ``unreact``."""
        value = self.fields.get("sender_action")
        return None if value is None else str(value)

    @property
    def tag(self) -> str | None:
        """The message tag (``HUMAN_AGENT``) the channel gave it, if any."""
        value = self.fields.get("tag")
        return None if value is None else str(value)

    def log_fields(self) -> tuple[str, str | None, dict[str, Any]]:
        """``(kind, text, payload)`` of this request's log line (the one place they come from).

        A message's kind is its attachment's type (``template``, ``image``, ``like_heart``,
        ``MEDIA_SHARE``), ``text``, ``attachment`` or ``sender_action``; other requests log as
        ``handover``/``resolve`` or their endpoint, with their fields as the payload.
        """
        if self.endpoint != "messages":
            return _LOG_KINDS.get(self.endpoint, self.endpoint), None, dict(self.fields)
        payload: dict[str, Any] = {}
        if self.private_reply:
            payload["private_reply"] = True
            payload["comment_id"] = self.comment_id
        if self.tag:
            payload["tag"] = self.tag
        message = self.message
        if message is None:
            payload["sender_action"] = self.fields.get("sender_action")
            return "sender_action", None, payload
        text = message.get("text")
        attachment = self.attachment
        if attachment is not None:
            kind = attachment.get("type") or "attachment"
            payload["attachment"] = attachment
        else:
            kind = "text" if text is not None else "attachment"
        if message.get("quick_replies"):
            payload["quick_replies"] = message["quick_replies"]
        return kind, text, payload

    def to_request(self) -> BaseModel:
        """The pydantic Send API model of this request (validated now)."""
        body = self.body
        if self.endpoint == "messages":
            if self.message is not None:
                return SendMessageRequest.model_validate(body)
            if self.kind in ("react", "unreact"):
                return ReactionRequest.model_validate(body)
            return SenderActionRequest.model_validate(body)
        model = _MODELS.get(self.endpoint)
        if model is None:
            raise ValueError(f"no Send API model for endpoint {self.endpoint!r}")
        return model.model_validate(body)

    def to_dict(self) -> dict[str, Any]:
        """``{"endpoint": ..., "body": ...}``, the line format of ``igbot run``."""
        return {"endpoint": self.endpoint, "body": self.body}

    def _repr_html_(self) -> str:
        return requests_html([self])



_SET_ENDPOINT, _SET_KIND, _SET_RECIPIENT, _SET_MESSAGE, _SET_FIELDS, _SET_ACTION, _SET_FLOW = (
    OutboundRequest.__dict__[name].__set__
    for name in ("endpoint", "kind", "recipient", "message", "fields", "action", "flow"))

def _copy(value: Any) -> Any:
    """A copy of a JSON value (dicts and lists copied all the way down)."""
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def requests_html(requests: Iterable[OutboundRequest]) -> str:
    """HTML bubbles for outbound requests (messages as bubbles, thread control as a banner)."""
    parts: list[str] = []
    batch: list[BaseModel] = []
    for request in requests:
        if request.endpoint == "messages":
            batch.append(request.to_request())
            continue
        if batch:
            parts.append(render_bubbles(batch))
            batch = []
        target = html.escape(str(request.fields.get("target_app_id", "")))
        what = _THREAD_CONTROL.get(request.endpoint, html.escape(request.endpoint))
        parts.append(
            '<div style="margin:6px 0;padding:6px 10px;border-radius:8px;background:#fff4e5;'
            f'color:#8a4b00;font:13px sans-serif">&#128100; {what}'
            f"{f' (app {target})' if target else ''}</div>"
        )
    if batch:
        parts.append(render_bubbles(batch))
    return "".join(parts)
