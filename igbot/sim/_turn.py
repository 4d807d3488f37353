"""What the simulated bot did with one message: the replies it sent and where it went.

A :data:`Responder` answers the simulated person's Kata message given the session dict;
:class:`igbot.sim.EngineResponder` is the real flow engine running a Kata-ML bot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from igbot._message import Message

__all__ = ["BotTurn", "Reply", "Responder"]


@dataclass
class Reply:
    """One message the bot sends: ``kind`` text, quick_replies, carousel, private_reply or image."""

    text: str | None = None
    kind: str = "text"
    payload: dict[str, Any] | None = None


@dataclass
class BotTurn:
    """What the bot did with one incoming message."""

    replies: list[Reply] = field(default_factory=list)
    flow: str | None = None
    state: str | None = None
    intent: str | None = None
    is_fallback: bool = False
    handover: bool = False


Responder = Callable[[Message, dict[str, Any]], BotTurn]
