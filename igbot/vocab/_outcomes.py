"""Names of what happens to a request the engine asked for, and to a conversation's thread."""

from __future__ import annotations

from typing import Literal

__all__ = ["OUTBOX_STATES", "SEND_OUTCOMES", "THREAD_CHANGES", "SendOutcome", "ThreadChangeKind"]

SendOutcome = Literal["sent", "refused", "failed"]
SEND_OUTCOMES: tuple[str, ...] = ("sent", "refused", "failed")
"""How a send ended: Meta took it, the send policy refused it, or the Graph API failed it."""

OUTBOX_STATES: tuple[str, ...] = ("pending", "sending", *SEND_OUTCOMES)
"""An outbox row's life: stored, handed to the client (outcome unknown until answered), ended."""

ThreadChangeKind = Literal["handover", "resolve", "take", "request"]
THREAD_CHANGES: tuple[str, ...] = ("handover", "resolve", "take", "request")
"""What an event did to who owns a thread: given to people, given back to the bot, taken by
another app, or asked for by another app (the bot keeps it)."""
