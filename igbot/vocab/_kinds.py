"""Event kinds: what each kind of webhook event (and each log row kind) means to igbot.

The kinds themselves are those of :mod:`igbot.models` (``Event.kind``) plus the kinds only a log
row has (``handover``, ``resolve``, ``refused``, ``error``). Every floor asks these sets, so a
kind means the same to the engine's dispatcher, the server, the send policy and analytics.
"""

from __future__ import annotations

__all__ = [
    "COMMENT_KINDS",
    "NON_MESSAGE_KINDS",
    "NOT_OPENING_KINDS",
    "NO_TEXT_KINDS",
    "PERSON_KINDS",
    "SYSTEM_KINDS",
    "THREAD_KINDS",
]

PERSON_KINDS: frozenset[str] = frozenset({
    "text", "image", "video", "audio", "file", "share", "story_mention", "ig_reel", "reel",
    "ephemeral", "story_reply", "inline_reply", "quick_reply", "postback", "comment",
    "live_comment", "referral",
})
"""A person speaking: the bot answers it (unless an agent owns the thread); in standby it tells
igbot an agent's app owns the thread."""

THREAD_KINDS: tuple[str, ...] = ("pass_thread_control", "take_thread_control",
                                 "request_thread_control")
"""Thread control (Meta's handover protocol) arriving as webhook events."""

COMMENT_KINDS: frozenset[str] = frozenset({"comment", "live_comment"})
"""Comments: they allow one private reply, not the 24 h messaging window."""

SYSTEM_KINDS: frozenset[str] = frozenset({"handover", "resolve", "refused", "error"})
"""Log row kinds written by igbot itself (role ``system``, or a refused/failed reply)."""

NON_MESSAGE_KINDS: frozenset[str] = frozenset({
    "read", "reaction", "deleted", "message_edit", "echo", "typing", "seen",
    *THREAD_KINDS, *SYSTEM_KINDS,
})
"""Not a message: a row of this kind never opens a session nor counts as a message or a turn."""

NOT_OPENING_KINDS: frozenset[str] = frozenset({
    "echo", "read", "deleted", "message_edit", "unsupported", "unknown", *THREAD_KINDS,
})
"""Events that do not (re)open the 24 h messaging window: the person did not write."""

NO_TEXT_KINDS: frozenset[str] = frozenset({"deleted", "read", "reaction", "unknown",
                                            *THREAD_KINDS})
"""Events whose log row keeps no text worth redacting later (their mid is not indexed)."""
