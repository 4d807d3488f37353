"""Meta's Send API limits: each number, its unit and where Meta says it, in one table.

The request models in :mod:`igbot.models._send` name a limit beside each field it limits
(``Field(json_schema_extra={"limit": "text"})``); :mod:`igbot.models._checks` reads that name and
this table. Counting rules:

- ``bytes``: the UTF-8 encoding's length (a four-byte emoji counts 4).
- ``characters``: Unicode code points (what Meta's servers count). Cutting to a limit always
  happens at a grapheme boundary (``regex``'s ``\\X``), so an emoji, a flag or a ZWJ family is
  never cut in half; the result may then be a few code points shorter than the limit.
- ``items``: the length of a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic.config import JsonDict

__all__ = ["LIMITS", "Limit", "LimitUnit", "limit", "meta_limits"]

LimitUnit = Literal["bytes", "characters", "items"]

_SEND = "Meta, Instagram Messaging: Send a Message"
_QR = "Meta, Instagram Messaging: Quick Replies"
_GENERIC = "Meta, Instagram Messaging: Generic Template"
_BUTTON = "Meta, Instagram Messaging: Button Template"
_ICE = "Meta, Instagram Messaging: Ice Breakers"
_MENU = "Meta, Instagram Messaging: Persistent Menu"
_COMMENT = "Meta, Instagram Graph API: IG Comment Replies"


@dataclass(frozen=True, slots=True)
class Limit:
    """One of Meta's limits: ``value`` ``unit`` at most, documented in ``source``."""

    name: str
    value: int
    unit: LimitUnit
    source: str
    what: str


LIMITS: dict[str, Limit] = {
    lim.name: lim
    for lim in (
        Limit("text", 1000, "bytes", f"{_SEND} (UTF-8, 1,000 bytes)", "message text"),
        Limit("attachments", 10, "items", _SEND, "attachments in one message"),
        Limit("quick_replies", 13, "items", _QR, "quick replies"),
        Limit("quick_reply_title", 20, "characters", _QR, "quick reply title"),
        Limit("quick_reply_payload", 1000, "characters", _QR, "quick reply payload"),
        Limit("elements", 10, "items", _GENERIC, "generic template elements"),
        Limit("element_title", 80, "characters", _GENERIC, "card title"),
        Limit("element_subtitle", 80, "characters", _GENERIC, "card subtitle"),
        Limit("buttons", 3, "items", f"{_GENERIC}; {_BUTTON}", "buttons"),
        Limit("button_title", 20, "characters", f"{_GENERIC}; {_BUTTON}", "button title"),
        Limit("postback_payload", 1000, "characters", f"{_GENERIC}; {_BUTTON}", "button payload"),
        Limit("button_template_text", 640, "characters", _BUTTON, "button template text"),
        Limit("ice_breakers", 4, "items", _ICE, "ice breaker questions"),
        Limit("ice_breaker_payload", 1000, "characters", _ICE, "ice breaker payload"),
        Limit("menu_items", 20, "items", _MENU, "persistent menu items"),
        Limit("menu_item_title", 30, "characters", _MENU, "persistent menu item title"),
        Limit("menu_item_payload", 1000, "characters", _MENU, "persistent menu item payload"),
        Limit("comment_reply", 2200, "characters", _COMMENT, "public comment reply"),
    )
}


def limit(name: str) -> JsonDict:
    """``json_schema_extra`` naming the limit a model field carries (checked at import)."""
    if name not in LIMITS:
        raise KeyError(f"no such limit: {name}")
    return {"limit": name}


def meta_limits() -> dict[str, Limit]:
    """Every limit igbot enforces, by name (a copy of the table)."""
    return dict(LIMITS)
