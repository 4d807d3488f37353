"""Instagram-like chat bubbles in HTML, for notebooks and widgets.

Bot messages are grey bubbles on the left, the person's are purple-to-blue bubbles on the right.
Everything taken from a message is HTML-escaped, and only ``http(s)`` urls become ``src``/``href``.
The CSS is inline, so the HTML shows the same anywhere (a notebook, a saved file, a widget).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from pydantic import BaseModel

__all__ = ["event_bubble_html", "person_bubble_html", "render_bubbles", "request_html"]

_FONT = ("font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,"
         "sans-serif;font-size:14px;line-height:1.35")
_WRAP = f"display:flex;flex-direction:column;gap:6px;max-width:380px;padding:10px;{_FONT}"
_BUBBLE = ("padding:8px 12px;border-radius:18px;max-width:75%;white-space:pre-wrap;"
           "overflow-wrap:anywhere")
_BOT = f"{_BUBBLE};align-self:flex-start;background:#efefef;color:#000"
_PERSON = (f"{_BUBBLE};align-self:flex-end;color:#fff;"
           "background:linear-gradient(135deg,#a033ff 0%,#6f4cf5 50%,#3797f0 100%)")
_CHIP = ("border:1px solid #dbdbdb;border-radius:16px;padding:5px 12px;font-size:13px;"
         "color:#0095f6;background:#fff;white-space:nowrap")
_CARD = ("flex:0 0 200px;border:1px solid #dbdbdb;border-radius:18px;overflow:hidden;"
         "background:#fff;color:#000")
_BTN = ("display:block;border-top:1px solid #dbdbdb;padding:8px;text-align:center;"
        "color:#0095f6;text-decoration:none;font-weight:600")
_NOTE = "align-self:center;color:#8e8e8e;font-size:12px"


def render_bubbles(items: Iterable[Any]) -> str:
    """HTML for a conversation: Send API requests (bot), events or plain strings (person)."""
    parts = []
    for item in items:
        if isinstance(item, str):
            parts.append(_div(_PERSON, escape(item)))
        elif hasattr(item, "to_message") and hasattr(item, "kind"):
            parts.append(event_bubble_html(item))
        elif isinstance(item, BaseModel):
            parts.append(request_html(item))
        else:
            parts.append(_div(_NOTE, escape(f"({type(item).__name__})")))
    return f'<div class="igbot-chat" style="{_WRAP}">{"".join(parts)}</div>'


def person_bubble_html(text: str) -> str:
    """One person bubble (purple-blue, on the right), standalone."""
    return f'<div class="igbot-chat" style="{_WRAP}">{_div(_PERSON, escape(text))}</div>'


def event_bubble_html(event: Any) -> str:
    """The bubble of one webhook event: the person's message, an echo, or a small note."""
    kind = event.kind
    text = getattr(event, "text", None) or getattr(event, "title", None)
    attachments = getattr(event, "attachments", None) or []
    if kind == "echo":
        body = escape(text) if text else _attachments(attachments)
        return _div(_BOT, body or "(echo)")
    if kind in ("read", "deleted", "unsupported", "unknown", "message_edit", "reaction") or (
        kind.endswith("thread_control")
    ):
        note = {"read": "Seen", "deleted": "message unsent", "unsupported": "unsupported message",
                "reaction": f"reacted {getattr(event, 'emoji', None) or ''}".strip(),
                "message_edit": f"edited: {text or ''}"}.get(kind, kind.replace("_", " "))
        return _div(_NOTE, escape(note))
    html = []
    if kind == "story_mention":
        url = attachments[0].url if attachments else None
        return _div(_NOTE, "mentioned you in their story") + _story_card(url, right=True)
    if kind == "story_reply":
        html.append(_div(_NOTE, "replied to your story"))
        html.append(_story_card(getattr(event, "story_url", None), right=True))
    if kind in ("comment", "live_comment"):
        user = getattr(event, "username", None) or event.sender_id or ""
        html.append(_div(_NOTE, escape(f"@{user} commented")))
    if attachments:
        html.append(f'<div style="align-self:flex-end">{_attachments(attachments)}</div>')
    if text:
        html.append(_div(_PERSON, escape(text)))
    if not html:
        html.append(_div(_NOTE, escape(kind.replace("_", " "))))
    return "".join(html)


_STORY = ("align-self:flex-end;width:120px;height:200px;border-radius:12px;overflow:hidden;"
          "position:relative;background:linear-gradient(160deg,#feda75,#fa7e1e 30%,#d62976 60%,"
          "#962fbf 80%,#4f5bd5);border:1px solid #dbdbdb")
_STORY_LABEL = ("position:absolute;left:8px;bottom:6px;color:#fff;font-size:12px;font-weight:600;"
                "text-shadow:0 1px 2px rgba(0,0,0,.6)")


def _story_card(url: str | None, *, right: bool) -> str:
    """The story a person replied to or mentioned the account in: a tall rounded card with the
    story's media (the Instagram gradient when the url is gone or not http), labelled Story."""
    side = "flex-end" if right else "flex-start"
    media = ""
    if _safe(url):
        media = (f'<img src="{escape(url or "", quote=True)}" alt="" title="story" '
                 'style="width:100%;height:100%;object-fit:cover;display:block">')
    return (f'<div class="igbot-story" style="{_STORY};align-self:{side}">{media}'
            f'<span style="{_STORY_LABEL}">Story</span></div>')


def request_html(request: BaseModel) -> str:
    """The bubble(s) of one Send API request body."""
    data = request.model_dump(exclude_none=True)
    if "message" in data:
        return _message(data["message"])
    action = data.get("sender_action")
    if action == "typing_on":
        return _div(_BOT, '<span style="letter-spacing:2px;color:#8e8e8e">•••</span>')
    if action in ("typing_off", "mark_seen"):
        return _div(_NOTE, "Seen" if action == "mark_seen" else "stopped typing")
    if action in ("react", "unreact"):
        reaction = data.get("payload", {}).get("reaction") or ""
        return _div(_NOTE, escape(f"bot {action}ed {reaction}".strip()))
    if "ice_breakers" in data:
        chips = [q["question"] for ib in data["ice_breakers"] for q in ib["call_to_actions"]]
        return _div(_NOTE, "ice breakers") + _chips(chips, center=True)
    endpoint = getattr(request, "endpoint", "")
    if endpoint.endswith("thread_control"):
        target = data.get("target_app_id")
        return _div(_NOTE, escape(endpoint.replace("_", " ") + (f" to {target}" if target else "")))
    return _div(_NOTE, escape(type(request).__name__))


def _message(message: dict[str, Any]) -> str:
    html = []
    if "text" in message:
        html.append(_div(_BOT, escape(message["text"])))
    if "attachment" in message:
        html.append(_attachment(message["attachment"]))
    for att in message.get("attachments", []):
        html.append(_attachment(att))
    if message.get("quick_replies"):
        # a user_email / user_phone_number chip shows the person's own, so it has no title
        html.append(_chips([q.get("title") or str(q.get("content_type", "")).replace("_", " ")
                            for q in message["quick_replies"]]))
    return "".join(html)


def _attachment(att: dict[str, Any]) -> str:
    kind = att.get("type")
    payload = att.get("payload", {})
    if kind == "like_heart":
        return '<div style="align-self:flex-start;font-size:44px;line-height:1">❤️</div>'
    if kind == "MEDIA_SHARE":
        return _div(_BOT, escape(f"shared post {payload.get('id', '')}"))
    if kind == "template" and payload.get("template_type") == "generic":
        cards = "".join(_card(e) for e in payload.get("elements", []))
        return (f'<div style="align-self:stretch;display:flex;gap:8px;overflow-x:auto;'
                f'padding-bottom:4px">{cards}</div>')
    if kind == "template" and payload.get("template_type") == "button":
        text = f'<div style="padding:8px 12px;white-space:pre-wrap">{escape(payload["text"])}</div>'
        buttons = "".join(_button(b) for b in payload.get("buttons", []))
        return (f'<div style="align-self:flex-start;max-width:75%;border-radius:18px;'
                f'overflow:hidden;background:#efefef">{text}{buttons}</div>')
    return _media(kind or "file", payload.get("url"), payload.get("attachment_id"), left=True)


def _attachments(attachments: list[Any]) -> str:
    return "".join(_media(a.type, a.url, None, left=False) for a in attachments)


def _media(kind: str, url: str | None, attachment_id: str | None, *, left: bool) -> str:
    side = "flex-start" if left else "flex-end"
    if kind in ("image", "story_mention", "share") and _safe(url):
        return (f'<img src="{escape(url or "", quote=True)}" alt="{escape(kind)}" '
                f'style="align-self:{side};max-width:220px;max-height:260px;border-radius:18px">')
    label = {"audio": "🎵 audio", "video": "🎬 video", "file": "📄 file", "ig_reel": "🎬 reel",
             "reel": "🎬 reel", "ephemeral": "⏱ photo (view once)"}.get(kind, kind)
    ref = f' <a href="{escape(url or "", quote=True)}">open</a>' if _safe(url) else ""
    if attachment_id:
        label += f" #{attachment_id}"
    return _div(_BOT if left else _PERSON, escape(label) + ref)


def _card(element: dict[str, Any]) -> str:
    img = ""
    if _safe(element.get("image_url")):
        img = (f'<img src="{escape(element["image_url"], quote=True)}" alt="" '
               'style="display:block;width:100%;height:110px;object-fit:cover">')
    title = f'<div style="font-weight:600">{escape(element.get("title", ""))}</div>'
    sub = element.get("subtitle")
    subtitle = f'<div style="color:#8e8e8e;font-size:13px">{escape(sub)}</div>' if sub else ""
    buttons = "".join(_button(b) for b in element.get("buttons", []))
    return (f'<div style="{_CARD}">{img}<div style="padding:8px 12px">{title}{subtitle}</div>'
            f"{buttons}</div>")


def _button(button: dict[str, Any]) -> str:
    title = escape(button.get("title", ""))
    if button.get("type") == "web_url" and _safe(button.get("url")):
        return f'<a style="{_BTN}" href="{escape(button["url"], quote=True)}">{title}</a>'
    return f'<div style="{_BTN}">{title}</div>'


def _chips(titles: list[str], *, center: bool = False) -> str:
    chips = "".join(f'<span style="{_CHIP}">{escape(t)}</span>' for t in titles)
    align = "center" if center else "flex-start"
    return f'<div style="display:flex;flex-wrap:wrap;gap:6px;align-self:{align}">{chips}</div>'


def _div(style: str, inner: str) -> str:
    return f'<div style="{style}">{inner}</div>'


def _safe(url: object) -> bool:
    return isinstance(url, str) and url.lower().startswith(("https://", "http://"))
