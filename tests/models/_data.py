"""Where the test data is: the repo's samples and the shared conformance files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "webhooks" / "all_kinds.jsonl"
SHARED = ROOT / ".." / "shared"
CHATWOOT = SHARED / "conformance" / "webhooks" / "chatwoot.jsonl"
ACCOUNT = "17841400000000001"
PERSON = "6251234567890123"

# The lines of all_kinds.jsonl, in order: (name, kinds of the events it gives, in time order).
SAMPLE_KINDS: list[tuple[str, list[str]]] = [
    ("text", ["text"]),
    ("image", ["image"]),
    ("video", ["video"]),
    ("audio", ["audio"]),
    ("file", ["file"]),
    ("share", ["share"]),
    ("story_mention", ["story_mention"]),
    ("ig_reel", ["ig_reel"]),
    ("reel", ["reel"]),
    ("ephemeral", ["ephemeral"]),
    ("two_images", ["image"]),
    ("story_reply", ["story_reply"]),
    ("inline_reply", ["inline_reply"]),
    ("quick_reply_string", ["quick_reply"]),
    ("quick_reply_object", ["quick_reply"]),
    ("postback", ["postback"]),
    ("postback_ice_breaker_no_mid", ["postback"]),
    ("echo", ["echo"]),
    ("echo_is_self", ["echo"]),
    ("deleted", ["deleted"]),
    ("unsupported", ["unsupported"]),
    ("read_mid", ["read"]),
    ("read_watermark", ["read"]),
    ("reaction_react", ["reaction"]),
    ("reaction_unreact", ["reaction"]),
    ("message_edit", ["message_edit"]),
    ("referral_igme", ["referral"]),
    ("referral_ads", ["referral"]),
    ("comment", ["comment"]),
    ("live_comment", ["live_comment"]),
    ("comment_on_entry", ["comment"]),
    ("pass_thread_control", ["pass_thread_control"]),
    ("take_thread_control", ["take_thread_control"]),
    ("request_thread_control", ["request_thread_control"]),
    ("standby_text", ["text"]),
    ("unknown_optin", ["unknown"]),
    ("text_with_ad_referral", ["text"]),
    ("batch", ["text", "read", "text", "postback"]),
]


def samples() -> dict[str, dict[str, Any]]:
    """The sample bodies by name."""
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(SAMPLE_KINDS), "all_kinds.jsonl and SAMPLE_KINDS disagree"
    return {name: json.loads(line) for (name, _), line in zip(SAMPLE_KINDS, lines, strict=True)}


def chatwoot_cases() -> list[dict[str, Any]]:
    """The Chatwoot conformance cases ({case, body})."""
    return [json.loads(line) for line in CHATWOOT.read_text(encoding="utf-8").splitlines() if line]
