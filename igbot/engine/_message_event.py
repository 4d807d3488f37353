"""A Kata message a person sent, as an event: what the simulator, replay and the sample-log
generator hand to :func:`~igbot.engine.handle_event` when there is no webhook behind it.

It answers the attributes the dispatcher reads of a decoded webhook event (see
:mod:`igbot.engine._dispatch`), as a person's message in the bot's own thread: never in standby,
always answered, opening the 24 h window (a comment allows a private reply instead).
"""

from __future__ import annotations

import time
from typing import Any

from igbot._message import Message
from igbot.vocab import COMMENT_KINDS

__all__ = ["MessageEvent"]


class MessageEvent:
    """``message`` from ``user`` at ``timestamp_ms`` (default: its metadata's, else now).

    ``kind`` is the payload's ``type`` (``story_reply``, ``comment``, ``postback``...) or the
    message's own type (``text``, ``data``, ``command``).
    """

    __slots__ = ("kind", "message", "mid", "person_id", "raw", "timestamp")

    standby = False
    triggers_bot = True
    repaired: tuple[str, ...] = ()
    dedupe_key = None

    def __init__(self, message: Message | dict[str, Any], user: str, *,
                 timestamp_ms: int | None = None) -> None:
        msg = message if isinstance(message, Message) else Message.model_validate(message)
        if not user:
            raise ValueError("MessageEvent needs the user who sent the message")
        payload = msg.payload or {}
        self.message = msg
        self.person_id = str(user)
        self.kind = str(payload.get("type") or msg.type)
        mid = msg.metadata.get("mid")
        self.mid = None if mid is None else str(mid)
        at = timestamp_ms if timestamp_ms is not None else msg.metadata.get("timestamp")
        self.timestamp = int(at) if isinstance(at, int | float) else int(time.time() * 1000)
        comment = payload.get("comment_id") if self.kind in COMMENT_KINDS else None
        self.raw = {"id": str(comment)} if comment else {}

    @property
    def opens_window(self) -> bool:
        """A person wrote: the window opens (a comment allows a private reply instead)."""
        return self.kind not in COMMENT_KINDS

    def to_message(self) -> Message:
        """The Kata message, as the person sent it."""
        return self.message

    def __repr__(self) -> str:
        return f"MessageEvent({self.kind!r}, person_id={self.person_id!r})"
