"""Instagram webhook events: one typed pydantic model per kind of ``messaging`` item.

:class:`Event` is the base every event derives from (see the contract in ``notes/TEAM.md``); the
subclasses are tagged by ``kind``. :data:`AnyEvent` is the discriminated union, for reading dumped
events back (``pydantic.TypeAdapter(AnyEvent)``). Comments, thread control and unknown items are
in :mod:`igbot.models._events_changes`; echoes, reads, reactions, edits, deletions and referrals
in :mod:`igbot.models._events_signals`.

A message with several attachments is ONE :class:`AttachmentEvent` whose ``kind`` is the first
attachment's type and whose ``attachments`` hold all of them; its Kata message carries every url.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field

from igbot._message import Message, MessageType
from igbot.models._payload import decode_payload
from igbot.models._time import to_ms

__all__ = [
    "ATTACHMENT_KINDS",
    "Attachment",
    "AttachmentEvent",
    "Event",
    "InlineReplyEvent",
    "PostbackEvent",
    "QuickReplyEvent",
    "StoryReplyEvent",
    "TextEvent",
]

AttachmentKind = Literal[
    "image", "video", "audio", "file", "share", "story_mention", "ig_reel", "reel", "ephemeral"
]
ATTACHMENT_KINDS: frozenset[str] = frozenset(get_args(AttachmentKind))


_EMAIL = re.compile(r"^[^@\s{}\[\]\"]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{5,}[0-9]$")


def kata_metadata(account_id: str, sender_id: str | None, person_id: str | None,
                  mid: str | None, timestamp_ms: int, standby: bool, kind: str) -> dict[str, Any]:
    """The ``metadata`` of an event's Kata message (also built by the fast decoder)."""
    return {
        "channelType": "instagram",
        "accountId": account_id,
        "senderId": sender_id,
        "personId": person_id,
        "mid": mid,
        "timestamp": timestamp_ms,
        "standby": standby,
        "kind": kind,
    }


def story_reply_payload(url: str | None, story_id: str | None) -> dict[str, Any]:
    """A story reply's Kata payload (before attachments and referral)."""
    return {"type": "story_reply", "url": url, "story_id": story_id}


def quick_reply_payload(payload: str | None, text: str | None) -> dict[str, Any]:
    """A quick reply's Kata payload: its decoded payload, and the email or phone number a
    ``user_email`` / ``user_phone_number`` chip sent."""
    obj = button_payload("quick_reply", payload, text)
    # a user_phone_number / user_email chip sends the person's own number or email as the
    # payload (Meta, Instagram Messaging: Quick Replies): name it, so a flow can test
    # payload.user_email or payload.user_phone_number
    raw = payload or ""
    if _EMAIL.match(raw):
        obj["user_email"] = raw
    elif _PHONE.match(raw):
        obj["user_phone_number"] = raw
    return obj


def button_payload(kind: str, payload: str | None, title: str | None) -> dict[str, Any]:
    """A postback's or quick reply's Kata payload: the decoded payload string, with its
    ``type`` (default: ``kind``) and ``title``."""
    obj: dict[str, Any] = dict(decode_payload(payload)) if payload is not None else {"payload": None}
    obj.setdefault("type", kind)
    obj.setdefault("title", title)
    return obj


class Event(BaseModel):
    """One thing that happened in an Instagram conversation, as a webhook told it.

    ``person_id`` is the other party (the sender, or the recipient of an echo); ``triggers_bot``
    says whether a flow should answer; ``opens_window`` whether it (re)opens the 24 h window.
    ``raw`` is the webhook item exactly as it came, unknown fields included (text repaired:
    ``repaired`` names the fields whose lone UTF-16 surrogates became U+FFFD, else it is empty).
    """

    model_config = ConfigDict(extra="ignore")

    _triggers: ClassVar[bool] = False
    _opens_window: ClassVar[bool] = False

    kind: str
    account_id: str
    sender_id: str | None = None
    recipient_id: str | None = None
    timestamp: datetime
    mid: str | None = None
    standby: bool = False
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
    repaired: list[str] = Field(default_factory=list, repr=False)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def timestamp_ms(self) -> int:
        """``timestamp`` as milliseconds since the epoch."""
        return to_ms(self.timestamp)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def person_id(self) -> str | None:
        """The person on the other side of the conversation."""
        return self.sender_id

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """What tells a repeated delivery of this event from a new one."""
        return self.mid

    @computed_field  # type: ignore[prop-decorator]
    @property
    def triggers_bot(self) -> bool:
        """A person said or did something the flow should answer (never in standby)."""
        return self._triggers and not self.standby

    @computed_field  # type: ignore[prop-decorator]
    @property
    def opens_window(self) -> bool:
        """The event (re)opens the 24 h standard messaging window."""
        return self._opens_window

    def to_message(self) -> Message:
        """The event as the Kata message a flow sees (see the mapping in kata-ml.md)."""
        type_, content, payload = self._kata()
        return Message(type=type_, content=content, payload=payload, metadata=self._metadata())

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        return "data", None, {"type": self.kind}

    def _metadata(self) -> dict[str, Any]:
        return kata_metadata(self.account_id, self.sender_id, self.person_id, self.mid,
                             self.timestamp_ms, self.standby, self.kind)

    def _synthetic_key(self, *parts: object) -> str:
        digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:16]
        return f"{self.kind}|{self.sender_id}|{self.timestamp_ms}|{digest}"

    def _repr_html_(self) -> str:
        from igbot.models._bubbles import event_bubble_html

        return event_bubble_html(self)


class _PersonMessage(Event):
    """A message a person sent: opens the window and triggers the bot."""

    _triggers: ClassVar[bool] = True
    _opens_window: ClassVar[bool] = True

    text: str | None = None
    referral: dict[str, Any] | None = None

    def _with_referral(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self.referral:
            payload["referral"] = self.referral
        return payload


class TextEvent(_PersonMessage):
    """A text DM."""

    kind: Literal["text"] = "text"
    text: str = ""

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        return "text", self.text, self._with_referral({}) or None


class Attachment(BaseModel):
    """One attachment: its type, its url (none for ``ephemeral``) and everything else it had."""

    model_config = ConfigDict(extra="allow")

    type: str
    url: str | None = None
    title: str | None = None
    reel_video_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, repr=False)

    def as_payload(self) -> dict[str, Any]:
        """The attachment as it goes into a Kata payload (no empty fields)."""
        out: dict[str, Any] = {"type": self.type, "url": self.url}
        if self.title is not None:
            out["title"] = self.title
        if self.reel_video_id is not None:
            out["reel_video_id"] = self.reel_video_id
        return out


class AttachmentEvent(_PersonMessage):
    """A message with attachments; ``kind`` is the first attachment's type."""

    kind: AttachmentKind
    attachments: list[Attachment]

    @property
    def url(self) -> str | None:
        """The first attachment's url."""
        return self.attachments[0].url if self.attachments else None

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload: dict[str, Any] = (
            self.attachments[0].as_payload() if self.attachments else {"url": None}
        )
        payload["type"] = self.kind
        payload["urls"] = [a.url for a in self.attachments if a.url]
        payload["attachments"] = [a.as_payload() for a in self.attachments]
        return "data", self.text, self._with_referral(payload)


class StoryReplyEvent(_PersonMessage):
    """A reply to the account's story (``reply_to.story``)."""

    kind: Literal["story_reply"] = "story_reply"
    story_url: str | None = None
    story_id: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload = story_reply_payload(self.story_url, self.story_id)
        if self.attachments:
            payload["attachments"] = [a.as_payload() for a in self.attachments]
        return "data", self.text, self._with_referral(payload)


class InlineReplyEvent(_PersonMessage):
    """A reply to one earlier message of the conversation (``reply_to.mid``)."""

    kind: Literal["inline_reply"] = "inline_reply"
    reply_to_mid: str
    attachments: list[Attachment] = Field(default_factory=list)

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload: dict[str, Any] = {"type": "inline_reply", "reply_to_mid": self.reply_to_mid}
        if self.attachments:
            payload["attachments"] = [a.as_payload() for a in self.attachments]
            payload["urls"] = [a.url for a in self.attachments if a.url]
        return ("data" if self.text is None else "text"), self.text, payload


class QuickReplyEvent(_PersonMessage):
    """A tap on a quick reply: ``text`` is its title, ``payload`` the string it carried."""

    kind: Literal["quick_reply"] = "quick_reply"
    payload: str | None = None

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        return "text", self.text, quick_reply_payload(self.payload, self.text)


class PostbackEvent(Event):
    """A tap on a template button, an ice breaker or a menu item (``mid`` may be absent)."""

    _triggers: ClassVar[bool] = True
    _opens_window: ClassVar[bool] = True

    kind: Literal["postback"] = "postback"
    title: str | None = None
    payload: str | None = None
    referral: dict[str, Any] | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """The mid, or (sender, time, title, payload) for a postback without one."""
        return self.mid or self._synthetic_key(self.title, self.payload)

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload = button_payload("postback", self.payload, self.title)
        if self.referral:
            payload.setdefault("referral", self.referral)
        return "data", self.title, payload
