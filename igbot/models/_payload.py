"""Button and quick-reply payloads: Kata objects in, Instagram strings out, and back.

Instagram carries a postback or quick-reply payload as a string of at most 1,000 characters; a
Kata button payload is an object (``{type: "pizza", size: "L"}``). ``encode_payload`` writes an
object as compact JSON and ``decode_payload`` reads it back, so ``payload.type == 'pizza'`` holds
after a round trip through a button, a tap and its webhook.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from igbot._errors import LimitError
from igbot.models._limits import LIMITS

__all__ = ["decode_payload", "encode_payload"]

_DECODER = msgspec.json.Decoder()


def encode_payload(obj: dict[str, Any] | str) -> str:
    """The string to put in a button's or quick reply's ``payload``.

    A dict becomes compact JSON (non-ASCII kept as is); a string is used unchanged.

    Raises:
        LimitError: the result is over Instagram's 1,000 characters.
        TypeError: ``obj`` is neither a dict nor a string, or holds something JSON cannot.
    """
    if isinstance(obj, str):
        text = obj
    elif isinstance(obj, dict):
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    else:
        raise TypeError(f"a payload is a dict or a string, not {type(obj).__name__}")
    lim = LIMITS["postback_payload"]
    if len(text) > lim.value:
        raise LimitError("payload", lim.value, len(text), lim.unit, lim.source)
    return text


def decode_payload(text: str) -> dict[str, Any]:
    """The object a payload string stands for.

    A string holding a JSON object gives that object; anything else (a plain string such as
    ``"MENU"``, a JSON list or number) gives ``{"payload": text}``.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        try:  # msgspec first (fast); what it refuses (NaN, 1e400, lone surrogates) json reads
            value = _DECODER.decode(stripped)
        except (msgspec.DecodeError, msgspec.ValidationError):
            try:
                value = json.loads(stripped)
            except (ValueError, RecursionError):
                value = None
        if isinstance(value, dict):
            return value
    return {"payload": text}
