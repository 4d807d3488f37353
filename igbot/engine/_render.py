"""Kata actions rendered as Instagram Send API bodies.

| Kata | Instagram |
|---|---|
| ``text`` (and template ``text``) | text message (split past 1,000 bytes) |
| template ``image`` / ``video`` / ``audio`` | attachment with the url (a list: up to 10 in one) |
| template ``share`` with ``items.postId`` | ``MEDIA_SHARE`` of one of the account's posts |
| ``quickreply`` ``user_phone_number`` / ``user_email`` | the chip with the person's own number / email |
| template ``button`` | button template; a generic template of one card when it has a title or image |
| template ``carousel`` (static or dynamic) | generic template (one card an item) |
| ``items.quickreply`` on any of them | ``quick_replies`` on the (last) message |
| template ``sticker`` with ``items.sticker: like_heart`` | the like_heart sticker |
| LINE sticker (``stickerId``/``packageId``) | substitute: like_heart, with a warning |
| template ``location`` | substitute: a text with the address and a map link, with a warning |
| template ``imagemap`` | not sent: an error in the record (no Instagram counterpart) |

Postback payload objects are encoded with :func:`igbot.models.encode_payload`, so they come back
as the same object when the person taps the button.

A rendering is a list of :data:`Recipe`: which factory of :class:`igbot.models.OutboundMessage`
builds the message (``text``, ``media``, ``media_list``, ``generic``, ``buttons``,
``like_heart``, ``media_share``) and with what. Then :func:`finalize_message` builds it with that
factory (one validation) and applies Meta's limits once (:func:`igbot.models.apply_message_limits`),
giving its parts (a text over 1,000 bytes is several), each ``(kind, message)`` ready to be
addressed. Static replies are rendered and checked once (the engine caches them per action; this
module caches by content, so a templated reply that renders the same is not checked again), and
a turn only attaches the recipient.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import msgspec
from pydantic import ValidationError

from igbot.models import OutboundMessage, apply_message_limits, encode_payload, message_kind

__all__ = ["InvalidReply", "Part", "Recipe", "RenderError", "finalize_message",
           "render_kata_message", "render_template", "render_text"]

logger = logging.getLogger(__name__)

Part = tuple[str, Mapping[str, Any]]
"""One message to send, checked against Meta's limits: ``(kind, message)`` (shared: read-only)."""
Recipe = tuple[str, dict[str, Any]]
"""A message to build: the :class:`~igbot.models.OutboundMessage` factory (``build_<name>``) and
its arguments."""
_FACTORIES: dict[str, Callable[..., OutboundMessage]] = {
    "text": OutboundMessage.build_text,
    "media": OutboundMessage.build_media,
    "media_list": OutboundMessage.build_media_list,
    "generic": OutboundMessage.build_generic,
    "buttons": OutboundMessage.build_buttons,
    "like_heart": OutboundMessage.build_like_heart,
    "media_share": OutboundMessage.build_media_share,
}

WEB_SCHEMES = ("http://", "https://")


class RenderError(Exception):
    """An action with no Instagram rendering (the engine records it; nothing is sent)."""


class InvalidReply(Exception):
    """A rendered reply Meta would refuse (the engine records it; nothing is sent).

    Attributes:
        problems: each broken rule as ``path: message`` (``message.attachment...``), joined.
    """

    def __init__(self, problems: str) -> None:
        super().__init__(problems)
        self.problems = problems


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def render_text(text: str) -> list[Recipe]:
    """A text message (the engine applies Meta's byte limit afterwards)."""
    return [("text", {"text": text})]


def _payload(value: Any, label: str) -> str:
    if value is None:
        return label
    return value if isinstance(value, str) else encode_payload(value)


def _buttons(actions: Any, warnings: list[str]) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for i, action in enumerate(actions if isinstance(actions, list) else []):
        if not isinstance(action, dict):
            continue
        kind, label = action.get("type", "postback"), _text(action.get("label"))
        if kind == "postback":
            buttons.append({"type": "postback", "title": label,
                            "payload": _payload(action.get("payload"), label)})
        elif kind in ("url", "web_url"):
            url = _text(action.get("url"))
            if url.startswith(WEB_SCHEMES):
                buttons.append({"type": "web_url", "url": url, "title": label})
            else:
                warnings.append(
                    f"button {i + 1} ({label!r}): Instagram buttons open only http(s) links, "
                    f"not {url.split(':', 1)[0]!r}; button left out"
                )
        else:
            warnings.append(f"button {i + 1} ({label!r}): type {kind!r} has no Instagram button; left out")
    return buttons


def _element(item: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    element: dict[str, Any] = {"title": _text(item.get("title") or item.get("text"))}
    if item.get("title") and item.get("text"):
        element["subtitle"] = _text(item["text"])
    image = item.get("thumbnailImageUrl") or item.get("imageUrl")
    if image:
        element["image_url"] = _text(image)
    default_url = item.get("defaultActionUrl")
    if default_url:
        element["default_action"] = {"type": "web_url", "url": _text(default_url)}
    buttons = _buttons(item.get("actions"), warnings)
    if buttons:
        element["buttons"] = buttons
    return element


_CARD_FIELDS = ("subtitle", "image_url", "default_action", "buttons")


def _cards(items: list[Any], warnings: list[str]) -> list[dict[str, Any]]:
    """The generic template's elements; Meta requires a title and at least one other field,
    so a card with only a title (or none) is left out with a warning."""
    cards = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            warnings.append(f"card {i + 1}: not an object; card left out")
            continue
        element = _element(item, warnings)
        if not element["title"] or not any(k in element for k in _CARD_FIELDS):
            warnings.append(
                f"card {i + 1} ({element['title']!r}): Instagram needs a title and at least one of "
                "subtitle, image, default action or buttons; card left out")
            continue
        cards.append(element)
    return cards


def _media_url(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    url = item.get("originalContentUrl") or item.get("url") or item.get("previewImageUrl")
    return _text(url) if url else None


def _quick_replies(items: Any, warnings: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, qr in enumerate(items if isinstance(items, list) else []):
        if not isinstance(qr, dict):
            continue
        if qr.get("type") in ("user_phone_number", "user_email"):  # the person's own, one tap
            out.append({"content_type": qr["type"]})
            continue
        if qr.get("type", "text") != "text":
            warnings.append(f"quick reply {i + 1}: type {qr.get('type')!r} is not on Instagram; left out")
            continue
        label = _text(qr.get("label") or qr.get("title"))
        out.append({"content_type": "text", "title": label, "payload": _payload(qr.get("payload"), label)})
    return out


def render_template(options: dict[str, Any], warnings: list[str]) -> list[Recipe]:
    """The messages for a ``template`` action whose options are already rendered."""
    kind = options.get("type")
    items = options.get("items")
    single = items if isinstance(items, dict) else {}
    messages: list[Recipe]
    if kind == "text":
        messages = render_text(_text(single.get("text")))
    elif kind in ("image", "video", "audio", "file") and isinstance(items, list):
        # several media in one message (Meta, Instagram Messaging: Send a Message)
        media = []
        for i, item in enumerate(items):
            url = _media_url(item)
            if not url:
                raise RenderError(f"template {kind}: items[{i}].originalContentUrl is missing")
            media.append((kind, url))
        if not media:
            raise RenderError(f"template {kind}: no items")
        messages = [("media_list", {"media": media})]
    elif kind in ("image", "video", "audio", "file"):
        url = _media_url(single)
        if not url:
            raise RenderError(f"template {kind}: items.originalContentUrl is missing")
        messages = [("media", {"kind": kind, "url": url})]
    elif kind == "share":
        post = single.get("postId") or single.get("mediaId") or single.get("id")
        if not post:
            raise RenderError("template share: items.postId (the post's media id) is missing")
        messages = [("media_share", {"media_id": _text(post)})]
    elif kind == "button":
        buttons = _buttons(single.get("actions"), warnings)
        if single.get("title") or single.get("thumbnailImageUrl"):
            elements = _cards([single], warnings)
            if not elements:
                raise RenderError("template button: a card with only a title cannot be sent")
            messages = [("generic", {"elements": elements})]
        elif buttons:
            messages = [("buttons", {"text": _text(single.get("text")), "buttons": buttons})]
        else:
            messages = render_text(_text(single.get("text")))
    elif kind == "carousel":
        cards = items if isinstance(items, list) else []
        if not cards:
            raise RenderError("template carousel: no items")
        elements = _cards(cards, warnings)
        if not elements:
            raise RenderError(f"template carousel: none of its {len(cards)} card(s) can be sent "
                              "(each needs a title and one more field)")
        messages = [("generic", {"elements": elements})]
    elif kind == "sticker":
        if single.get("sticker") not in (None, "like_heart"):
            raise RenderError(f"sticker {single.get('sticker')!r}: Instagram only has like_heart")
        if single.get("stickerId") or single.get("packageId"):
            warnings.append(
                f"LINE sticker {single.get('packageId')}/{single.get('stickerId')} has no Instagram "
                "counterpart: sent the like_heart sticker instead"
            )
        messages = [("like_heart", {})]
    elif kind == "location":
        lat, lon = single.get("latitude"), single.get("longitude")
        lines = [_text(single.get("title")), _text(single.get("address"))]
        if lat is not None and lon is not None:
            lines.append("https://www.google.com/maps/search/?api=1&query=" + quote(f"{lat},{lon}"))
        warnings.append("location messages are not on Instagram: sent the address as text")
        messages = render_text("\n".join(x for x in lines if x))
    elif kind == "imagemap":
        raise RenderError("template imagemap is LINE-only: Instagram has no image maps")
    else:
        raise RenderError(f"template type {kind!r} has no Instagram rendering")
    quick = _quick_replies(single.get("quickreply"), warnings)
    if quick:
        messages[-1][1]["quick_replies"] = quick
    return messages


def render_kata_message(message: Any, warnings: list[str]) -> list[Recipe]:
    """The messages for a Kata response message an action method returned.

    ``{type: text, content}`` is a text; ``{type: data, payload: {type: template,
    template_type, items}}`` is rendered like the ``template`` action of that type.
    """
    if not isinstance(message, dict):
        raise RenderError(f"a method returned {type(message).__name__}, not a message object")
    kind = message.get("type")
    if kind == "text":
        return render_text(_text(message.get("content")))
    payload = message.get("payload")
    if kind == "data" and isinstance(payload, dict) and payload.get("type") == "template":
        return render_template({"type": payload.get("template_type"), "items": payload.get("items")},
                               warnings)
    raise RenderError(f"a method returned a message of type {kind!r}: only text messages and "
                      "data messages holding a template can be sent")


_CACHE_SIZE = 4096
# Most replies are static (the same message for everyone), so the checked parts are cached by
# the message's content; they are shared, never changed (the caller adds the recipient).
_cache: OrderedDict[tuple[str, str | bytes], tuple[tuple[Part, ...], tuple[str, ...]]] = OrderedDict()

_KEY_ENCODER = msgspec.msgpack.Encoder()


def finalize_message(recipe: Recipe, mode: str, warnings: list[str]) -> tuple[Part, ...]:
    """Build a rendered message with its factory and hold it to Meta's limits.

    ``lenient``: split text over 1,000 bytes, trim titles, keep the first 13 quick replies (and
    so on), each change added to ``warnings``. ``strict``: raise :class:`igbot.LimitError`.
    Returns the parts to send, each ``(kind, message)`` exactly as Meta's JSON.

    Raises:
        InvalidReply: a message Meta would refuse (the engine records it).
        igbot.LimitError: strict mode over a limit, or a payload too long to cut.
    """
    key: tuple[str, str | bytes]
    try:  # the recipe as MessagePack (which keeps NaN, ints and floats apart): several times
        # faster to make than its repr; tuples and lists, the same to the factories, look alike
        key = (mode, _KEY_ENCODER.encode(recipe))
    except (TypeError, msgspec.EncodeError):  # not plain data: its repr tells it apart
        key = (mode, repr(recipe))
    hit = _cache.get(key)
    if hit is None:
        name, arguments = recipe
        try:
            message = _FACTORIES[name](**arguments)
        except ValidationError as exc:
            raise InvalidReply("; ".join(
                f"{'.'.join(map(str, ('message', *e['loc'])))}: {e['msg']}"
                for e in exc.errors(include_url=False))) from None
        result = apply_message_limits(message, mode=mode)  # type: ignore[arg-type]
        parts = []
        for fixed in result.requests:
            out = fixed.model_dump(mode="json", exclude_none=True, by_alias=True)
            parts.append((message_kind(out), out))
        hit = (tuple(parts), tuple(str(w) for w in result.warnings))
        _cache[key] = hit
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    warnings.extend(hit[1])
    return hit[0]
