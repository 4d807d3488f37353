"""Meta's limits applied to a request: ``check_limits`` reports, ``apply_limits`` enforces.

``apply_limits(request, mode="strict")`` raises :class:`igbot.LimitError` at the first value over a
limit. ``mode="lenient"`` does what Instagram itself would do and says so: titles cut to their
limit at a grapheme boundary, lists cut to their first items, a text over 1,000 bytes split into
several messages (at words, else graphemes; quick replies on the last part, ``reply_to`` on the
first). A payload over 1,000 characters raises in both modes: a cut payload would not decode, and
Instagram rejects it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from igbot._errors import LimitError
from igbot.models._limits import LIMITS, Limit
from igbot.models._send import OutboundMessage, SendMessageRequest
from igbot.models._split import split_text, truncate_chars

__all__ = ["LimitResult", "LimitViolation", "LimitWarning", "apply_limits", "apply_message_limits",
           "check_limits"]

logger = logging.getLogger(__name__)

Action = Literal["truncate", "keep_first", "split", "reject"]
_M = TypeVar("_M", bound=BaseModel)
_REJECT = {"quick_reply_payload", "postback_payload", "ice_breaker_payload"}
_INDEXED = {
    "quick_replies": "quick reply",
    "elements": "card",
    "buttons": "button",
    "attachments": "attachment",
    "call_to_actions": "ice breaker",
}
_WHOLE = {
    "message.text": "message text",
    "message.attachments": "attachments",
    "message.quick_replies": "quick replies",
    "message.attachment.payload.elements": "carousel cards",
    "message.attachment.payload.text": "button template text",
    "message.attachment.payload.buttons": "buttons",
    "call_to_actions": "ice breaker questions",
}
_SEGMENT = re.compile(r"([a-z_]+)(?:\[(\d+)\])?")


@dataclass(frozen=True, slots=True)
class LimitViolation:
    """A value over one of Meta's limits, found by :func:`check_limits`."""

    field: str
    limit: int
    size: int
    unit: str
    source: str
    action: Action

    @property
    def label(self) -> str:
        """The field as a person says it (``quick reply 3 title``)."""
        return _label(self.field)

    @property
    def message(self) -> str:
        """What is wrong and what Instagram (or lenient mode) does about it."""
        over = f"{self.label}: {self.size:,} {self.unit}, over Instagram's limit of {self.limit:,}"
        fate = {
            "truncate": f"Instagram will cut it to {self.limit:,} {self.unit}",
            "keep_first": f"only the first {self.limit:,} will be kept",
            "split": "Instagram rejects it; lenient mode splits it into several messages",
            "reject": "Instagram rejects it (a payload cannot be cut; make it shorter)",
        }[self.action]
        return f"{over}; {fate}"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class LimitWarning:
    """A change :func:`apply_limits` made in lenient mode: what, why, and what was done."""

    field: str
    limit: int
    size: int
    unit: str
    done: str
    source: str = ""

    def __str__(self) -> str:
        return (f"{_label(self.field)}: {self.size:,} {self.unit}, over Instagram's limit of "
                f"{self.limit:,}; {self.done}")


@dataclass(slots=True)
class LimitResult:
    """The requests to send (one, or several when a text was split) and the changes made."""

    requests: list[BaseModel]
    warnings: list[LimitWarning] = field(default_factory=list)


def check_limits(request: BaseModel, path: str = "") -> list[LimitViolation]:
    """Every value of ``request`` over one of Meta's limits; never raises.

    ``path`` is where ``request`` sits in its body (``message`` for a message object).
    """
    out = []
    for here, _owner, _name, value, lim in _walk(request, path):
        size = _size(value, lim)
        if size > lim.value:
            out.append(LimitViolation(here, lim.value, size, lim.unit, lim.source, _action(lim)))
    return out


def apply_limits(
    request: BaseModel, mode: Literal["strict", "lenient"] = "strict"
) -> LimitResult:
    """``request`` made to fit Meta's limits (lenient), or checked that it does (strict).

    Raises:
        LimitError: strict mode and a value over a limit; either mode and a payload over
            1,000 characters. It names the field (``message.quick_replies[2].title``), the
            limit, the value's size, the unit and the source.
        ValueError: ``mode`` is neither ``"strict"`` nor ``"lenient"``.
    """
    fixed, warnings = _fit(request, "", mode)
    requests: list[BaseModel] = [fixed]
    if isinstance(fixed, SendMessageRequest) and fixed.message.text is not None:
        lim = LIMITS["text"]
        size = len(fixed.message.text.encode("utf-8"))
        if size > lim.value:
            requests = list(_split_message(fixed, lim.value))
            done = f"split into {len(requests)} messages {_how_split(fixed.message.text, requests)}"
            warnings.append(_warn("message.text", lim, size, done))
    return LimitResult(requests, warnings)


def apply_message_limits(
    message: OutboundMessage, mode: Literal["strict", "lenient"] = "strict"
) -> LimitResult:
    """:func:`apply_limits` for a ``message`` object before it has a recipient: the same
    checks, changes and warnings (paths start ``message.``); ``requests`` are the messages.
    """
    fixed, warnings = _fit(message, "message", mode)
    messages: list[BaseModel] = [fixed]
    if fixed.text is not None:
        lim = LIMITS["text"]
        size = len(fixed.text.encode("utf-8"))
        if size > lim.value:
            messages = list(_split_text(fixed, lim.value))
            done = f"split into {len(messages)} messages {_how_split(fixed.text, messages)}"
            warnings.append(_warn("message.text", lim, size, done))
    return LimitResult(messages, warnings)


def _fit(request: _M, path: str, mode: str) -> tuple[_M, list[LimitWarning]]:
    """A copy of ``request`` cut to Meta's limits (lenient) and the changes, or LimitError."""
    if mode not in ("strict", "lenient"):
        raise ValueError(f"mode must be 'strict' or 'lenient', not {mode!r}")
    for v in check_limits(request, path):
        if mode == "strict" or v.action == "reject":
            raise LimitError(v.field, v.limit, v.size, v.unit, v.source)
    # a fresh copy (not deepcopy: it would keep one quick reply listed twice as one object)
    fixed = type(request).model_validate(request.model_dump())
    warnings: list[LimitWarning] = []
    for here, owner, name, value, lim in _walk(fixed, path):
        size = _size(value, lim)
        if size <= lim.value or _action(lim) == "split":
            continue
        if lim.unit == "items":
            setattr(owner, name, value[: lim.value])
            done = f"kept the first {lim.value:,}, dropped {size - lim.value:,}"
        else:
            setattr(owner, name, truncate_chars(value, lim.value))
            done = f"cut to {len(getattr(owner, name)):,} characters"
        warnings.append(_warn(here, lim, size, done))
    return fixed, warnings


def _how_split(text: str, parts: list[BaseModel]) -> str:
    """Where the cuts fell: at spaces, between graphemes (no space to cut at), or both."""
    at_space = between = 0
    position = 0
    for request in parts[:-1]:
        part = getattr(getattr(request, "message", request), "text", None) or ""
        start = text.find(part, position)
        end = (start if start >= 0 else position) + len(part)
        if end < len(text) and text[end].isspace():
            at_space += 1
        else:
            between += 1
        position = end
    if not between:
        return "at word boundaries"
    if not at_space:
        return "between characters (no space to cut at; never inside an emoji or accented letter)"
    return ("at word boundaries where it could, else between characters (never inside an emoji "
            "or accented letter)")


def _split_message(request: SendMessageRequest, max_bytes: int) -> Iterator[SendMessageRequest]:
    for i, message in enumerate(_split_text(request.message, max_bytes)):
        yield request.model_copy(
            update={"message": message, "reply_to": request.reply_to if i == 0 else None}
        )


def _split_text(message: OutboundMessage, max_bytes: int) -> Iterator[OutboundMessage]:
    """The text in parts of at most ``max_bytes``; quick replies on the last part."""
    parts = split_text(message.text or "", max_bytes)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        yield message.model_copy(
            update={"text": part, "quick_replies": message.quick_replies if last else None})


def _warn(path: str, lim: Limit, size: int, done: str) -> LimitWarning:
    warning = LimitWarning(path, lim.value, size, lim.unit, done, lim.source)
    logger.info("%s", warning)
    return warning


def _walk(model: BaseModel, path: str) -> Iterator[tuple[str, BaseModel, str, Any, Limit]]:
    """(path, owner, field name, value, limit) for every limited field, depth first.

    The caller may replace a yielded value (``setattr(owner, name, ...)``) before the walk goes
    on: the walk reads the field again, so children dropped from a list are not visited.
    """
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        here = f"{path}.{name}" if path else name
        extra = info.json_schema_extra
        limit_name = extra.get("limit") if isinstance(extra, dict) else None
        if isinstance(limit_name, str):
            yield here, model, name, value, LIMITS[limit_name]
            value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _walk(value, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _walk(item, f"{here}[{i}]")


def _size(value: Any, lim: Limit) -> int:
    if lim.unit == "bytes":
        return len(str(value).encode("utf-8"))
    return len(value)


def _action(lim: Limit) -> Action:
    if lim.name in _REJECT:
        return "reject"
    if lim.unit == "bytes":
        return "split"
    return "keep_first" if lim.unit == "items" else "truncate"


def _label(path: str) -> str:
    """``message.attachment.payload.elements[1].buttons[0].title`` -> ``card 2, button 1 title``."""
    segments = [_SEGMENT.fullmatch(s) for s in path.split(".")]
    numbered = [
        f"{_INDEXED[m.group(1)]} {int(m.group(2)) + 1}"
        for m in segments[:-1] if m and m.group(2) is not None and m.group(1) in _INDEXED
    ]
    last = segments[-1]
    name = last.group(1) if last else path
    if last and last.group(2) is not None and name in _INDEXED:
        numbered.append(f"{_INDEXED[name]} {int(last.group(2)) + 1}")
        name = ""
    if not numbered:
        return _WHOLE.get(path) or _WHOLE.get(name) or name.replace("_", " ")
    return ", ".join(numbered) + (f" {name.replace('_', ' ')}" if name else "")
