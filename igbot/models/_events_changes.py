"""Events beside the messages: comments (``changes``), thread control and unknown items.

Also :data:`AnyEvent`, the union of every event model tagged by ``kind``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, computed_field

from igbot._message import MessageType
from igbot.models._events import (
    AttachmentEvent,
    Event,
    InlineReplyEvent,
    PostbackEvent,
    QuickReplyEvent,
    StoryReplyEvent,
    TextEvent,
)
from igbot.models._events_signals import (
    DeletedEvent,
    EchoEvent,
    MessageEditEvent,
    ReactionEvent,
    ReadEvent,
    ReferralEvent,
    UnsupportedEvent,
)

__all__ = [
    "AnyEvent", "CommentEvent", "CommentKind", "ThreadControlEvent", "ThreadControlKind", "UnknownEvent"
]

CommentKind = Literal["comment", "live_comment"]
ThreadControlKind = Literal["pass_thread_control", "take_thread_control", "request_thread_control"]


class CommentEvent(Event):
    """A comment on one of the account's posts or reels (``comment``) or lives (``live_comment``).

    ``sender_id`` is the commenter (``from.id``); a comment the account wrote itself does not
    trigger the bot. A private reply goes to ``recipient: {comment_id}``.
    """

    _triggers: ClassVar[bool] = True
    _opens_window: ClassVar[bool] = False  # it allows one private reply, not the 24 h window

    kind: CommentKind = "comment"
    comment_id: str
    text: str | None = None
    username: str | None = None
    parent_id: str | None = None
    media_id: str | None = None
    media_product_type: str | None = None
    ad_id: str | None = None
    ad_title: str | None = None
    original_media_id: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """The comment id."""
        return self.comment_id

    @computed_field  # type: ignore[prop-decorator]
    @property
    def triggers_bot(self) -> bool:
        """A person's comment (not the account's own, not in standby)."""
        return not self.standby and self.sender_id != self.account_id

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload: dict[str, Any] = {
            "type": self.kind,
            "comment_id": self.comment_id,
            "media_id": self.media_id,
        }
        for name in ("parent_id", "media_product_type", "ad_id", "ad_title", "original_media_id"):
            if getattr(self, name) is not None:
                payload[name] = getattr(self, name)
        return "data", self.text, payload

    def _metadata(self) -> dict[str, Any]:
        return {**super()._metadata(), "username": self.username}


class ThreadControlEvent(Event):
    """Conversation routing: the thread was passed to, taken by, or requested by an app."""

    kind: ThreadControlKind
    new_owner_app_id: str | None = None
    previous_owner_app_id: str | None = None
    requested_owner_app_id: str | None = None
    metadata: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """(kind, sender, time, apps)."""
        return self._synthetic_key(
            self.new_owner_app_id, self.previous_owner_app_id, self.requested_owner_app_id
        )

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload: dict[str, Any] = {"type": self.kind, "metadata": self.metadata}
        for name in ("new_owner_app_id", "previous_owner_app_id", "requested_owner_app_id"):
            if getattr(self, name) is not None:
                payload[name] = getattr(self, name)
        return "data", None, payload


class UnknownEvent(Event):
    """Anything igbot does not know (a new Meta field) or cannot read (a malformed item).

    ``reason`` says which (``entry[0].messaging[1]: missing sender.id``); ``raw`` keeps the item,
    and ``where`` the item's place in the body.
    """

    kind: Literal["unknown"] = "unknown"
    reason: str = ""
    where: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """None: an unknown item cannot be told from a repeat."""
        return None

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        return "data", None, {"type": "unknown", "reason": self.reason}


AnyEvent = Annotated[
    TextEvent
    | AttachmentEvent
    | StoryReplyEvent
    | InlineReplyEvent
    | QuickReplyEvent
    | PostbackEvent
    | EchoEvent
    | DeletedEvent
    | UnsupportedEvent
    | ReadEvent
    | ReactionEvent
    | MessageEditEvent
    | ReferralEvent
    | CommentEvent
    | ThreadControlEvent
    | UnknownEvent,
    Field(discriminator="kind"),
]
"""Every event model, tagged by ``kind`` (for ``TypeAdapter(AnyEvent).validate_python``)."""
