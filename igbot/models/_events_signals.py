"""Instagram webhook events that are not a person's new message: echoes of the account's own
messages, reads, reactions, edits, deletions, unsupported messages and referrals."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field, computed_field

from igbot._message import MessageType
from igbot.models._events import Attachment, Event
from igbot.models._time import to_ms

__all__ = [
    "DeletedEvent",
    "EchoEvent",
    "MessageEditEvent",
    "ReactionEvent",
    "ReadEvent",
    "ReferralEvent",
    "UnsupportedEvent",
]


class EchoEvent(Event):
    """A copy of a message the account itself sent (by this app, another app or a person)."""

    kind: Literal["echo"] = "echo"
    text: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    is_self: bool = False
    app_id: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def person_id(self) -> str | None:
        """The person the echoed message went to."""
        return self.recipient_id

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload: dict[str, Any] = {"type": "echo", "is_self": self.is_self}
        if self.attachments:
            payload["attachments"] = [a.as_payload() for a in self.attachments]
        return "data", self.text, payload


class _AboutEarlierMessage(Event):
    """An event about an earlier message (its ``mid``); the key must not collide with it."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """``kind|mid``, so it never equals the key of the message it is about."""
        return f"{self.kind}|{self.mid}" if self.mid else self._synthetic_key()

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        return "data", None, {"type": self.kind, "mid": self.mid}


class DeletedEvent(_AboutEarlierMessage):
    """The person unsent a message: delete the copy you keep."""

    kind: Literal["deleted"] = "deleted"


class UnsupportedEvent(Event):
    """A message Instagram cannot pass on through the API. Opens the window; no bot answer."""

    _opens_window: ClassVar[bool] = True
    kind: Literal["unsupported"] = "unsupported"


class ReadEvent(_AboutEarlierMessage):
    """The person saw messages up to ``mid`` (Instagram) or ``watermark`` (Messenger)."""

    kind: Literal["read"] = "read"
    watermark: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """``read|mid``, or ``read|watermark ms``."""
        if self.mid:
            return f"read|{self.mid}"
        return f"read|{self.sender_id}|{to_ms(self.watermark) if self.watermark else None}"

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        wm = to_ms(self.watermark) if self.watermark else None
        return "data", None, {"type": "read", "mid": self.mid, "watermark": wm}


class ReactionEvent(Event):
    """A reaction put on (``react``) or taken off (``unreact``) a message."""

    _opens_window: ClassVar[bool] = True
    kind: Literal["reaction"] = "reaction"
    action: str
    reaction: str | None = None
    emoji: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """``reaction|mid|action|reaction``."""
        return f"reaction|{self.mid}|{self.action}|{self.reaction or ''}"

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload = {"type": "reaction", "mid": self.mid, "action": self.action,
                   "reaction": self.reaction, "emoji": self.emoji}
        return "data", None, payload


class MessageEditEvent(_AboutEarlierMessage):
    """The person edited a message: ``text`` is the new text, ``num_edit`` how many edits."""

    kind: Literal["message_edit"] = "message_edit"
    text: str | None = None
    num_edit: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """``message_edit|mid|num_edit``."""
        return f"message_edit|{self.mid}|{self.num_edit}"

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        return "data", self.text, {"type": "message_edit", "mid": self.mid,
                                   "num_edit": self.num_edit}


class ReferralEvent(Event):
    """The person came from an ig.me link (``source: IGME``/``SHORTLINK``) or an ad (``ADS``)."""

    _triggers: ClassVar[bool] = True
    kind: Literal["referral"] = "referral"
    ref: str | None = None
    source: str | None = None
    referral_type: str | None = None
    ad_id: str | None = None
    referral: dict[str, Any] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str | None:
        """The mid, or (sender, time, ref)."""
        return self.mid or self._synthetic_key(self.ref, self.source, self.ad_id)

    def _kata(self) -> tuple[MessageType, str | None, dict[str, Any] | None]:
        payload: dict[str, Any] = {k: v for k, v in self.referral.items() if k != "type"}
        payload.update(type="referral", ref=self.ref, source=self.source,
                       referral_type=self.referral_type)
        if self.ad_id is not None:
            payload["ad_id"] = self.ad_id
        return "data", None, payload
