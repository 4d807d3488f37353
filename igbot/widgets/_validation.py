"""Field checks for the editor: expression syntax and Meta's limits, as short messages.

Each check takes what a person typed into one field and returns the messages to show beside it
(empty when the field is fine). The numbers come from :func:`igbot.models.meta_limits`; only the
static text counts (what ``$(...)`` gives is not known before the bot runs), like lint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from igbot._errors import ExpressionSyntaxError
from igbot.expr import compile_expr, compile_template
from igbot.models import meta_limits

__all__ = [
    "check_buttons",
    "check_card",
    "check_condition",
    "check_mapping",
    "check_quick_replies",
    "check_size",
    "check_template",
    "syntax_message",
]

_PLACEHOLDER = re.compile(r"\$\([^)]*\)|\$\[[^\]]*\]")
_FATE = {"bytes": "Instagram rejects it; igbot splits it into several messages",
         "characters": "Instagram will cut it to {limit}",
         "items": "only the first {limit} are sent"}


def syntax_message(exc: ExpressionSyntaxError) -> str:
    """``syntax error at position 4: unexpected end of expression`` plus the text and a caret."""
    caret = " " * exc.position + "^"
    return f"syntax error at position {exc.position}: {exc.reason}\n{exc.expression}\n{caret}"


def check_condition(text: str | None) -> list[str]:
    """A condition or mapping value: empty is fine, otherwise it must parse."""
    if text is None or not str(text).strip():
        return []
    try:
        compile_expr(str(text))
    except ExpressionSyntaxError as exc:
        return [syntax_message(exc)]
    return []


def check_template(text: Any) -> list[str]:
    """A string option that may hold ``$(...)`` interpolations."""
    if not isinstance(text, str) or "$(" not in text:
        return []
    try:
        compile_template(text)
    except ExpressionSyntaxError as exc:
        return [syntax_message(exc)]
    return []


def check_mapping(mapping: Mapping[str, Any] | None) -> list[str]:
    """Every value of a mapping (``path: expression``) must parse."""
    out = []
    for path, value in (mapping or {}).items():
        out += [f"{path}: {m}" for m in check_condition(None if value is None else str(value))]
    return out


def _static(text: str) -> str:
    return _PLACEHOLDER.sub("", text)


def check_size(limit_name: str, text: Any, label: str) -> list[str]:
    """``label: 23 characters, Instagram will cut it to 20`` when ``text`` is over the limit."""
    if not isinstance(text, str):
        return []
    lim = meta_limits()[limit_name]
    static = _static(text)
    size = len(static.encode("utf-8")) if lim.unit == "bytes" else len(static)
    if size <= lim.value:
        return []
    fate = _FATE[lim.unit].format(limit=lim.value)
    least = "" if static == text else "at least "
    return [f"{label}: {least}{size} {lim.unit}, {fate} (limit {lim.value}, {lim.source})"]


def _count(limit_name: str, items: Sequence[Any], label: str) -> list[str]:
    lim = meta_limits()[limit_name]
    if len(items) <= lim.value:
        return []
    return [f"{len(items)} {label}: {_FATE['items'].format(limit=lim.value)} "
            f"(limit {lim.value}, {lim.source})"]


def _payload(limit_name: str, payload: Any, label: str) -> list[str]:
    if payload is None or (isinstance(payload, str) and "$(" in payload):
        return []
    text = payload if isinstance(payload, str) else json.dumps(
        payload, separators=(",", ":"), ensure_ascii=False, default=str)
    lim = meta_limits()[limit_name]
    if len(text) <= lim.value:
        return []
    return [f"{label} payload: {len(text)} characters encoded, Instagram rejects more than "
            f"{lim.value}"]


def check_quick_replies(replies: Sequence[Mapping[str, Any]]) -> list[str]:
    """Quick replies: how many, each label's length and each payload's encoded length."""
    out = _count("quick_replies", replies, "quick replies")
    for i, reply in enumerate(replies, 1):
        label = reply.get("label", reply.get("title"))
        out += check_size("quick_reply_title", label, f"quick reply {i}")
        out += check_template(label)
        out += _payload("quick_reply_payload", reply.get("payload"), f"quick reply {i}")
    return out


def check_buttons(buttons: Sequence[Mapping[str, Any]], where: str = "") -> list[str]:
    """Template buttons: how many, label lengths, payload lengths and web-only urls."""
    prefix = f"{where}, " if where else ""
    out = _count("buttons", buttons, f"{prefix}buttons".strip())
    for i, button in enumerate(buttons, 1):
        name = f"{prefix}button {i}"
        out += check_size("button_title", button.get("label"), name)
        if button.get("type", "postback") == "postback":
            out += _payload("postback_payload", button.get("payload"), name)
        else:
            url = button.get("url")
            if isinstance(url, str) and not url.startswith(("http://", "https://", "$(")):
                out.append(f"{name}: {url!r} is not an http(s) link; Instagram leaves it out")
            out += check_template(url)
    return out


def check_card(card: Mapping[str, Any], index: int) -> list[str]:
    """One carousel card: title and subtitle lengths, interpolations, its buttons."""
    where = f"card {index}"
    out = check_size("element_title", card.get("title"), f"{where} title")
    out += check_size("element_subtitle", card.get("text"), f"{where} text")
    for key in ("title", "text", "thumbnailImageUrl"):
        out += check_template(card.get(key))
    return out + check_buttons(card.get("actions") or [], where)
