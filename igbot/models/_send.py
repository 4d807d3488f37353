"""Send API request bodies: messages, reactions, sender actions, ice breakers, thread control.

``request.model_dump(exclude_none=True)`` is exactly the JSON Meta documents; ``endpoint`` names
the Graph API edge the body is posted to. Limits sit beside the fields (see ``_templates``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from igbot.models._bubbles import render_bubbles
from igbot.models._limits import limit
from igbot.models._payload import encode_payload
from igbot.models._templates import (
    Attachment,
    Button,
    GenericElement,
    MediaAttachment,
)

__all__ = [
    "CommentReplyRequest",
    "ExtendThreadControlRequest",
    "HideCommentRequest",
    "IceBreaker",
    "IceBreakerQuestion",
    "IceBreakersRequest",
    "MenuItem",
    "OutboundMessage",
    "PassThreadControlRequest",
    "PersistentMenu",
    "PersistentMenuRequest",
    "QuickReply",
    "ReactionPayload",
    "ReactionRequest",
    "Recipient",
    "ReleaseThreadControlRequest",
    "ReplyTo",
    "RequestThreadControlRequest",
    "SendMessageRequest",
    "SendRequest",
    "SenderActionRequest",
    "TakeThreadControlRequest",
    "ThreadControl",
    "normalise_menu",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def _repr_html_(self) -> str:
        return render_bubbles([self])


class Recipient(_Model):
    """Who gets it: a person (``id``, the IGSID) or, for a private reply, a ``comment_id``."""

    id: str | None = None
    comment_id: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Recipient:
        if (self.id is None) == (self.comment_id is None):
            raise ValueError("a recipient needs exactly one of id and comment_id")
        return self


class QuickReply(_Model):
    """A chip under the message; a tap sends ``title`` as text with ``payload``.

    ``user_phone_number`` and ``user_email`` chips show the person's own phone number or email
    (from their profile); a tap sends it back as the quick reply's payload. They carry no title
    or payload of their own (Meta, Instagram Messaging: Quick Replies).
    """

    content_type: Literal["text", "user_phone_number", "user_email"] = "text"
    title: str | None = Field(default=None, json_schema_extra=limit("quick_reply_title"))
    payload: str | None = Field(default=None, json_schema_extra=limit("quick_reply_payload"))

    @model_validator(mode="after")
    def _fields(self) -> QuickReply:
        if self.content_type == "text" and (self.title is None or self.payload is None):
            raise ValueError("a text quick reply needs a title and a payload")
        if self.content_type != "text" and (self.title is not None or self.payload is not None):
            raise ValueError(f"a {self.content_type} quick reply has no title or payload")
        return self


_Items = Sequence[Any] | None  # models or their JSON (mappings); validated with the message


class OutboundMessage(_Model):
    """The ``message`` object: a text, one attachment, or up to 10 media attachments.

    The ``build_*`` factories are the one place each shape is written; each validates the
    whole message once (parts may be models or their JSON), so an error names its path
    (``attachment.payload.elements.0.title``).
    """

    text: str | None = Field(default=None, json_schema_extra=limit("text"))
    attachment: Attachment | None = None
    attachments: list[MediaAttachment] | None = Field(
        default=None, json_schema_extra=limit("attachments")
    )
    quick_replies: list[QuickReply] | None = Field(
        default=None, json_schema_extra=limit("quick_replies")
    )

    @model_validator(mode="after")
    def _one_body(self) -> OutboundMessage:
        given = [n for n in ("text", "attachment", "attachments") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                "a message needs exactly one of text, attachment and attachments"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @classmethod
    def _build(cls, body: dict[str, Any], quick_replies: _Items) -> OutboundMessage:
        if quick_replies:
            body["quick_replies"] = list(quick_replies)
        return cls.model_validate(body)

    @classmethod
    def build_text(cls, text: str, quick_replies: _Items = None) -> OutboundMessage:
        """A text (Meta's byte limit is applied by :func:`~igbot.models.apply_limits`)."""
        return cls._build({"text": text}, quick_replies)

    @classmethod
    def build_media(cls, kind: str, url: str | None = None, attachment_id: str | None = None,
                    quick_replies: _Items = None) -> OutboundMessage:
        """An image, audio, video or file, by url or by uploaded attachment id."""
        payload = {"url": url, "attachment_id": attachment_id}
        return cls._build({"attachment": {"type": kind, "payload": payload}}, quick_replies)

    @classmethod
    def build_media_list(cls, media: Sequence[tuple[str, str]],
                         quick_replies: _Items = None) -> OutboundMessage:
        """Several media (``(kind, url)``) in one message (up to 10)."""
        attachments = [{"type": kind, "payload": {"url": url}} for kind, url in media]
        return cls._build({"attachments": attachments}, quick_replies)

    @classmethod
    def build_generic(cls, elements: Sequence[Any], quick_replies: _Items = None) -> OutboundMessage:
        """A carousel (generic template) of cards."""
        return cls._build({"attachment": {"type": "template", "payload": {
            "template_type": "generic", "elements": list(elements)}}}, quick_replies)

    @classmethod
    def build_buttons(cls, text: str, buttons: Sequence[Any],
                      quick_replies: _Items = None) -> OutboundMessage:
        """A button template: text with one to three buttons."""
        return cls._build({"attachment": {"type": "template", "payload": {
            "template_type": "button", "text": text, "buttons": list(buttons)}}}, quick_replies)

    @classmethod
    def build_like_heart(cls, quick_replies: _Items = None) -> OutboundMessage:
        """The heart sticker."""
        return cls._build({"attachment": {"type": "like_heart"}}, quick_replies)

    @classmethod
    def build_media_share(cls, media_id: str, quick_replies: _Items = None) -> OutboundMessage:
        """One of the account's posts."""
        return cls._build({"attachment": {"type": "MEDIA_SHARE", "payload": {"id": media_id}}},
                          quick_replies)


class ReplyTo(_Model):
    """The message this one answers (shown quoted above it)."""

    mid: str


class ThreadControl(_Model):
    """A message that also passes the thread (Meta, Instagram Messaging: Conversation Control
    APIs, "Message send with thread controls"; Conversation Routing only)."""

    app_id: str
    control_type: Literal["pass"] = "pass"


class SendMessageRequest(_Model):
    """``POST /<id>/messages`` with a message.

    Outside the 24 h window only a human may answer, with ``messaging_type="MESSAGE_TAG"`` and
    ``tag="HUMAN_AGENT"`` (within 7 days).
    """

    endpoint: ClassVar[str] = "messages"

    recipient: Recipient
    messaging_type: Literal["RESPONSE", "UPDATE", "MESSAGE_TAG"] | None = None
    tag: Literal["HUMAN_AGENT"] | None = None
    reply_to: ReplyTo | None = None
    message: OutboundMessage
    thread_control: ThreadControl | None = None

    @model_validator(mode="after")
    def _tag(self) -> SendMessageRequest:
        if (self.tag is not None) != (self.messaging_type == "MESSAGE_TAG"):
            raise ValueError('messaging_type "MESSAGE_TAG" and tag "HUMAN_AGENT" go together')
        return self

    @classmethod
    def text(
        cls, recipient_id: str, text: str, quick_replies: list[QuickReply] | None = None,
        **fields: Any,
    ) -> SendMessageRequest:
        """A text message, with quick replies if given."""
        return cls(recipient=Recipient(id=recipient_id),
                   message=OutboundMessage.build_text(text, quick_replies), **fields)

    @classmethod
    def media(
        cls, recipient_id: str, kind: Literal["image", "audio", "video", "file"],
        url: str | None = None, attachment_id: str | None = None, **fields: Any,
    ) -> SendMessageRequest:
        """An image, audio, video or file, by url or by uploaded attachment id."""
        return cls(recipient=Recipient(id=recipient_id),
                   message=OutboundMessage.build_media(kind, url, attachment_id), **fields)

    @classmethod
    def generic(
        cls, recipient_id: str, elements: list[GenericElement], **fields: Any
    ) -> SendMessageRequest:
        """A carousel (generic template)."""
        return cls(recipient=Recipient(id=recipient_id),
                   message=OutboundMessage.build_generic(elements), **fields)

    @classmethod
    def buttons(
        cls, recipient_id: str, text: str, buttons: list[Button], **fields: Any
    ) -> SendMessageRequest:
        """A button template: text with one to three buttons."""
        return cls(recipient=Recipient(id=recipient_id),
                   message=OutboundMessage.build_buttons(text, buttons), **fields)

    @classmethod
    def like_heart(cls, recipient_id: str, **fields: Any) -> SendMessageRequest:
        """The heart sticker."""
        return cls(recipient=Recipient(id=recipient_id),
                   message=OutboundMessage.build_like_heart(), **fields)

    @classmethod
    def media_share(cls, recipient_id: str, media_id: str, **fields: Any) -> SendMessageRequest:
        """Share one of the account's posts."""
        return cls(recipient=Recipient(id=recipient_id),
                   message=OutboundMessage.build_media_share(media_id), **fields)

    @classmethod
    def private_reply(cls, comment_id: str, text: str, **fields: Any) -> SendMessageRequest:
        """A private reply to a comment (one per comment, within 7 days)."""
        return cls(recipient=Recipient(comment_id=comment_id),
                   message=OutboundMessage.build_text(text), **fields)


class ReactionPayload(_Model):
    """The message to react to and the reaction (``love``); no reaction to unreact."""

    message_id: str
    reaction: str | None = None


class ReactionRequest(_Model):
    """Put a reaction on a message (``react``) or take it off (``unreact``)."""

    endpoint: ClassVar[str] = "messages"

    recipient: Recipient
    sender_action: Literal["react", "unreact"]
    payload: ReactionPayload

    @model_validator(mode="after")
    def _reaction(self) -> ReactionRequest:
        if self.sender_action == "react" and not self.payload.reaction:
            raise ValueError('sender_action "react" needs payload.reaction (e.g. "love")')
        return self


class SenderActionRequest(_Model):
    """Typing on or off, or mark the conversation seen (only recipient and sender_action)."""

    endpoint: ClassVar[str] = "messages"

    recipient: Recipient
    sender_action: Literal["typing_on", "typing_off", "mark_seen"]


class IceBreakerQuestion(_Model):
    """One question shown when a person opens the chat for the first time; a tap is a postback."""

    question: str
    payload: str = Field(json_schema_extra=limit("ice_breaker_payload"))


class IceBreaker(_Model):
    """The questions for one locale (``default`` is required)."""

    call_to_actions: list[IceBreakerQuestion] = Field(
        min_length=1, json_schema_extra=limit("ice_breakers")
    )
    locale: str = "default"


class IceBreakersRequest(_Model):
    """``POST /me/messenger_profile?platform=instagram``: the account's ice breakers."""

    endpoint: ClassVar[str] = "messenger_profile"

    platform: Literal["instagram"] = "instagram"
    ice_breakers: list[IceBreaker] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_locale(self) -> IceBreakersRequest:
        if not any(ib.locale == "default" for ib in self.ice_breakers):
            raise ValueError('ice breakers need one entry with locale "default"')
        return self


class MenuItem(_Model):
    """One item of the persistent menu: a postback (its payload comes back as a postback, like
    a button's) or a web_url link."""

    type: Literal["postback", "web_url"]
    title: str = Field(min_length=1, max_length=30, json_schema_extra=limit("menu_item_title"))
    payload: str | None = Field(default=None, json_schema_extra=limit("menu_item_payload"))
    url: str | None = None

    @model_validator(mode="after")
    def _target(self) -> MenuItem:
        if self.type == "postback" and not self.payload:
            raise ValueError("a postback menu item needs a payload")
        if self.type == "web_url" and not (self.url or "").startswith(("http://", "https://")):
            raise ValueError("a web_url menu item needs an http(s) url")
        return self


class PersistentMenu(_Model):
    """The menu for one locale (``default`` is required); Instagram has no
    ``composer_input_disabled`` and no ``webview_height_ratio``."""

    locale: str = "default"
    call_to_actions: list[MenuItem] = Field(min_length=1, max_length=20,
                                            json_schema_extra=limit("menu_items"))


def normalise_menu(menu: Any) -> list[dict[str, Any]]:
    """A persistent menu in Meta's locale form: ``[{"locale", "call_to_actions"}]``.

    Accepts that list, or a plain list of items (taken as the ``default`` locale). Items may
    be written like Kata buttons (``label`` for ``title``, a payload object): a payload
    object is encoded as compact JSON, so its tap comes back as the same object.
    """
    items = [_plain(m) for m in menu] if isinstance(menu, Sequence) and not isinstance(
        menu, str | bytes) else [_plain(menu)]
    if items and all("call_to_actions" not in i for i in items):
        items = [{"locale": "default", "call_to_actions": items}]
    for locale in items:
        buttons = []
        for button in locale.get("call_to_actions") or []:
            button = _plain(button)
            if "label" in button and "title" not in button:
                button["title"] = button.pop("label")
            if button.get("type") == "url":
                button["type"] = "web_url"
            if isinstance(button.get("payload"), Mapping):
                button["payload"] = encode_payload(dict(button["payload"]))
            buttons.append(button)
        locale["call_to_actions"] = buttons
    return items


def _plain(value: Any) -> dict[str, Any]:
    if hasattr(value, "model_dump"):
        return dict(value.model_dump(exclude_none=True))
    return dict(value) if isinstance(value, Mapping) else {"value": value}


class PersistentMenuRequest(_Model):
    """``POST /me/messenger_profile?platform=instagram``: the account's persistent menu."""

    endpoint: ClassVar[str] = "messenger_profile"

    platform: Literal["instagram"] = "instagram"
    persistent_menu: list[PersistentMenu] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_locale(self) -> PersistentMenuRequest:
        if not any(menu.locale == "default" for menu in self.persistent_menu):
            raise ValueError('the persistent menu needs one entry with locale "default"')
        return self


class CommentReplyRequest(_Model):
    """``POST /<comment-id>/replies``: a public reply under a comment (anyone can see it)."""

    endpoint: ClassVar[str] = "comment_reply"

    comment_id: str
    message: str = Field(min_length=1, max_length=2200, json_schema_extra=limit("comment_reply"))


class HideCommentRequest(_Model):
    """``POST /<comment-id>`` with ``hide``: hide a comment from everyone but its author."""

    endpoint: ClassVar[str] = "hide_comment"

    comment_id: str
    hide: bool = True


class _ThreadControl(_Model):
    recipient: Recipient
    metadata: str | None = None


class PassThreadControlRequest(_ThreadControl):
    """Hand the conversation to another app (an agent inbox: 1217981644879628 for Instagram)."""

    endpoint: ClassVar[str] = "pass_thread_control"
    target_app_id: str


class TakeThreadControlRequest(_ThreadControl):
    """Take the conversation back from the app that owns it."""

    endpoint: ClassVar[str] = "take_thread_control"


class ReleaseThreadControlRequest(_ThreadControl):
    """Give the conversation back (to the default owner)."""

    endpoint: ClassVar[str] = "release_thread_control"


class RequestThreadControlRequest(_ThreadControl):
    """Ask the owning app to pass the conversation."""

    endpoint: ClassVar[str] = "request_thread_control"


class ExtendThreadControlRequest(_Model):
    """Keep the conversation for ``duration`` more seconds (at most a day; Conversation
    Control APIs)."""

    endpoint: ClassVar[str] = "extend_thread_control"

    recipient: Recipient
    duration: int = Field(gt=0, le=86400)


SendRequest = (
    SendMessageRequest
    | ReactionRequest
    | SenderActionRequest
    | IceBreakersRequest
    | PersistentMenuRequest
    | CommentReplyRequest
    | HideCommentRequest
    | PassThreadControlRequest
    | TakeThreadControlRequest
    | ReleaseThreadControlRequest
    | RequestThreadControlRequest
    | ExtendThreadControlRequest
)
"""Any request body igbot can send."""
