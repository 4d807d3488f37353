"""The shape of the webhook bodies the fast path reads, as msgspec structs.

:func:`igbot.models.decode_messages` decodes a body into :class:`Body` (an unknown field, a
number where an id is text, a missing sender: a ``ValidationError``, and the body goes to the
pydantic parser). These classes are kept apart from the decoder so that the decoder can be
compiled with mypyc while msgspec reads these annotations as written.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["Body", "Entry", "Item", "Message", "Party", "Postback", "QuickReply", "ReplyTo", "Story"]


class Party(msgspec.Struct, forbid_unknown_fields=True):
    id: str


class QuickReply(msgspec.Struct, forbid_unknown_fields=True):
    payload: str | None = None


class Story(msgspec.Struct, forbid_unknown_fields=True):
    url: str | None = None
    id: str | None = None


class ReplyTo(msgspec.Struct, forbid_unknown_fields=True):
    story: Story


class Message(msgspec.Struct, forbid_unknown_fields=True):
    mid: str | None = None
    text: str | None = None
    quick_reply: QuickReply | None = None
    reply_to: ReplyTo | None = None


class Postback(msgspec.Struct, forbid_unknown_fields=True):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None


class Item(msgspec.Struct, forbid_unknown_fields=True):
    sender: Party
    timestamp: int
    recipient: Party | None = None
    message: Message | None = None
    postback: Postback | None = None


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    messaging: list[Item]
    time: int | None = None


class Body(msgspec.Struct):
    object: Literal["instagram", "page"]
    entry: list[Entry]
