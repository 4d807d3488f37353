"""One webhook item (a ``messaging``/``standby`` item or a ``changes`` item) to one event.

Raises :class:`ItemError` with what is wrong (``missing sender.id``); ``parse_webhook`` adds where
the item sits. Well-formed items of a kind igbot does not know become :class:`UnknownEvent`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from igbot.models._events import (
    ATTACHMENT_KINDS,
    Attachment,
    AttachmentEvent,
    AttachmentKind,
    Event,
    InlineReplyEvent,
    PostbackEvent,
    QuickReplyEvent,
    StoryReplyEvent,
    TextEvent,
)
from igbot.models._events_changes import (
    CommentEvent,
    CommentKind,
    ThreadControlEvent,
    ThreadControlKind,
    UnknownEvent,
)
from igbot.models._events_signals import (
    DeletedEvent,
    EchoEvent,
    MessageEditEvent,
    ReactionEvent,
    ReadEvent,
    ReferralEvent,
    UnsupportedEvent,
)
from igbot.models._time import parse_time

__all__ = ["ItemError", "parse_change", "parse_messaging"]

_THREAD_CONTROL: tuple[ThreadControlKind, ...] = (
    "pass_thread_control", "take_thread_control", "request_thread_control"
)
_ATTACHMENT_FIELDS = ("type", "payload", "url", "title", "reel_video_id")
_COMMENT_FIELDS: dict[str, CommentKind] = {"comments": "comment", "live_comments": "live_comment"}


class ItemError(ValueError):
    """One item of a webhook batch that cannot be read (the message says why)."""


def parse_messaging(
    item: object, account_id: str, entry_time: datetime | None, *, standby: bool = False
) -> Event:
    """A ``messaging`` (or ``standby``) item as its event."""
    item = _obj(item, "item")
    sender = _id(_obj(item.get("sender"), "sender", missing="missing sender.id").get("id"))
    if sender is None:
        raise ItemError("missing sender.id")
    recipient_obj = item.get("recipient")
    recipient = _id(recipient_obj.get("id")) if isinstance(recipient_obj, dict) else None
    common: dict[str, Any] = {
        "account_id": account_id,
        "sender_id": sender,
        "recipient_id": recipient,
        "timestamp": _time(item.get("timestamp"), entry_time),
        "standby": standby,
        "raw": item,
    }
    if "message" in item:
        return _message(_obj(item["message"], "message"), common)
    if "postback" in item:
        pb = _obj(item["postback"], "postback")
        return PostbackEvent(
            **common, mid=_id(pb.get("mid")), title=_str(pb, "title", "postback"),
            payload=_str(pb, "payload", "postback"), referral=_opt_obj(pb, "referral"),
        )
    if "reaction" in item:
        r = _obj(item["reaction"], "reaction")
        action = _str(r, "action", "reaction")
        if action is None:
            raise ItemError("missing reaction.action")
        return ReactionEvent(
            **common, mid=_id(r.get("mid")), action=action,
            reaction=_str(r, "reaction", "reaction"), emoji=_str(r, "emoji", "reaction"),
        )
    if "read" in item:
        r = _obj(item["read"], "read")
        wm = r.get("watermark")
        return ReadEvent(**common, mid=_id(r.get("mid")),
                         watermark=None if wm is None else parse_time(wm))
    if "message_edit" in item:
        e = _obj(item["message_edit"], "message_edit")
        num = e.get("num_edit")
        if isinstance(num, str) and num.strip().isdigit():  # "37" (restfb's fixture), like times
            num = int(num)
        if num is not None and (isinstance(num, bool) or not isinstance(num, int)):
            raise ItemError("message_edit.num_edit is not an integer")
        return MessageEditEvent(**common, mid=_id(e.get("mid")),
                                text=_str(e, "text", "message_edit"), num_edit=num)
    if "referral" in item:
        ref = _obj(item["referral"], "referral")
        return ReferralEvent(
            **common, ref=_str(ref, "ref", "referral"), source=_str(ref, "source", "referral"),
            referral_type=_str(ref, "type", "referral"), ad_id=_id(ref.get("ad_id")),
            referral=ref,
        )
    for kind in _THREAD_CONTROL:
        if kind in item:
            tc = _obj(item[kind], kind)
            return ThreadControlEvent(
                **common, kind=kind, new_owner_app_id=_id(tc.get("new_owner_app_id")),
                previous_owner_app_id=_id(tc.get("previous_owner_app_id")),
                requested_owner_app_id=_id(tc.get("requested_owner_app_id")),
                metadata=_str(tc, "metadata", kind),
            )
    keys = ", ".join(sorted(k for k in item if k not in ("sender", "recipient", "timestamp")))
    return UnknownEvent(**common, reason=f"no event igbot knows in this item (keys: {keys})")


def _message(msg: dict[str, Any], common: dict[str, Any]) -> Event:
    mid = _id(msg.get("mid"))
    text = _str(msg, "text", "message")
    attachments = _attachments(msg.get("attachments"))
    if msg.get("is_echo") is True:
        return EchoEvent(**common, mid=mid, text=text, attachments=attachments,
                         is_self=msg.get("is_self") is True, app_id=_id(msg.get("app_id")))
    if msg.get("is_deleted") is True:
        return DeletedEvent(**common, mid=mid)
    if msg.get("is_unsupported") is True:
        return UnsupportedEvent(**common, mid=mid)
    person = {**common, "mid": mid, "text": text, "referral": _opt_obj(msg, "referral")}
    if "quick_reply" in msg:
        qr = _obj(msg["quick_reply"], "message.quick_reply")
        return QuickReplyEvent(**person, payload=_str(qr, "payload", "message.quick_reply"))
    reply_to = _opt_obj(msg, "reply_to")
    if reply_to and "story" in reply_to:
        story = _obj(reply_to["story"], "message.reply_to.story")
        return StoryReplyEvent(
            **person, story_url=_str(story, "url", "message.reply_to.story"),
            story_id=_id(story.get("id")), attachments=attachments,
        )
    if reply_to and reply_to.get("mid") is not None:
        reply_mid = _id(reply_to["mid"])
        if reply_mid is None:
            raise ItemError("message.reply_to.mid is not an id")
        return InlineReplyEvent(**person, reply_to_mid=reply_mid, attachments=attachments)
    if attachments:
        kind = attachments[0].type
        if kind not in ATTACHMENT_KINDS:
            return UnknownEvent(
                **common, mid=mid, reason=f"attachment type {kind!r} is not one igbot knows"
            )
        # checked against ATTACHMENT_KINDS just above
        return AttachmentEvent(**person, kind=cast(AttachmentKind, kind), attachments=attachments)
    if text is not None:
        return TextEvent(**person)
    return UnknownEvent(**common, mid=mid, reason="message has neither text nor attachments")


def _attachments(value: object) -> list[Attachment]:
    if value is None:
        return []
    if isinstance(value, dict):  # Messenger once sent a single attachment object
        value = [value]
    if not isinstance(value, list):
        raise ItemError("message.attachments is not a list")
    out = []
    for k, att in enumerate(value):
        att = _obj(att, f"message.attachments[{k}]")
        kind = att.get("type")
        if not isinstance(kind, str):
            raise ItemError(f"missing message.attachments[{k}].type")
        raw_payload = att.get("payload")
        payload: dict[str, Any] = raw_payload if isinstance(raw_payload, dict) else {}
        where = f"message.attachments[{k}].payload"
        extra = {k2: v for k2, v in att.items() if k2 not in _ATTACHMENT_FIELDS}
        out.append(Attachment(
            **extra, type=kind, url=_str(payload, "url", where),
            title=_str(payload, "title", where),
            reel_video_id=_id(payload.get("reel_video_id")), payload=payload,
        ))
    return out


def parse_change(
    change: object, account_id: str, entry_time: datetime | None, where: str
) -> Event:
    """A ``changes`` item (``{field, value}``) as its event."""
    change = _obj(change, "change")
    field = change.get("field")
    if not isinstance(field, str):
        raise ItemError("missing field")
    value = _obj(change.get("value"), "value", missing="missing value")
    if field in _COMMENT_FIELDS:
        comment_id = _id(value.get("id")) or _id(value.get("comment_id"))
        if comment_id is None:
            raise ItemError("missing value.id (the comment id)")
        frm = _opt_obj(value, "from") or {}
        media = _opt_obj(value, "media") or {}
        return CommentEvent(
            kind=_COMMENT_FIELDS[field], account_id=account_id, sender_id=_id(frm.get("id")),
            recipient_id=account_id, timestamp=_time(value.get("timestamp"), entry_time),
            raw=change, comment_id=comment_id, text=_str(value, "text", "value"),
            username=_str(frm, "username", "value.from"), parent_id=_id(value.get("parent_id")),
            media_id=_id(media.get("id")),
            media_product_type=_str(media, "media_product_type", "value.media"),
            ad_id=_id(media.get("ad_id")), ad_title=_str(media, "ad_title", "value.media"),
            original_media_id=_id(media.get("original_media_id")),
        )
    if "sender" in value:  # the dashboard's test sends messaging items as changes
        return parse_messaging(value, account_id, entry_time, standby=field == "standby")
    return UnknownEvent(
        account_id=account_id, timestamp=_time(value.get("timestamp"), entry_time,
                                               required=False),
        raw=change, reason=f"field {field!r} is not one igbot knows", where=where,
    )


def _obj(value: object, name: str, missing: str | None = None) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value is None:
        raise ItemError(missing or f"missing {name}")
    raise ItemError(f"{name} is not an object")


def _opt_obj(container: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = container.get(key)
    return value if isinstance(value, dict) else None


def _id(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


def _str(container: dict[str, Any], key: str, where: str) -> str | None:
    value = container.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ItemError(f"{where}.{key} is not a string")


def _time(value: object, fallback: datetime | None, *, required: bool = True) -> datetime:
    if value is not None:
        try:
            return parse_time(value)
        except ValueError as exc:
            raise ItemError(f"timestamp: {exc}") from None
    if fallback is not None:
        return fallback
    if not required:
        return parse_time(0)
    raise ItemError("missing timestamp (and the entry has no time)")
