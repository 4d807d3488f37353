"""One session of the canonical frame drawn as Instagram bubbles, with the bot's record on each
turn (flow, state, intent, fallback) under the person's message.

The person's messages are on the right (Instagram's gradient), the bot's and agents' on the left,
platform events (handover, resolve, refused sends) centred. Story replies and mentions read as
Instagram shows them; quick replies as chips; carousels as cards. Everything from the log is
HTML-escaped: a message is never trusted.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import pandas as pd

__all__ = ["transcript_html"]

_FONT = ("font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,"
         "sans-serif;font-size:14px;line-height:1.35")
_WRAP = f"display:flex;flex-direction:column;gap:4px;max-width:420px;padding:10px;{_FONT}"
_BUBBLE = "padding:8px 12px;border-radius:18px;max-width:78%;white-space:pre-wrap;word-wrap:break-word"
_LEFT = f"{_BUBBLE};align-self:flex-start;background:#efefef;color:#000"
_RIGHT = (f"{_BUBBLE};align-self:flex-end;color:#fff;"
          "background:linear-gradient(135deg,#7b2ff7 0%,#c13584 60%,#f56040 100%)")
_NOTE = "align-self:center;color:#8e8e8e;font-size:12px;margin:4px 0"
_RECORD = "align-self:flex-end;font-size:11px;color:#737373;margin:0 4px 6px 0"
_FALLBACK = "color:#c62828;font-weight:600"
_WHO = "align-self:flex-start;font-size:11px;color:#8e8e8e;margin:4px 0 0 8px"
_CHIP = ("display:inline-block;border:1px solid #dbdbdb;border-radius:16px;padding:3px 10px;"
         "margin:2px;font-size:12px;color:#0095f6")
_CARD = ("display:inline-block;vertical-align:top;width:170px;border:1px solid #dbdbdb;"
         "border-radius:14px;margin:2px;padding:6px 8px;font-size:12px;background:#fff")
_STORY = ("align-self:flex-end;width:110px;height:150px;border-radius:12px;display:flex;"
          "align-items:flex-end;justify-content:center;color:#fff;font-size:11px;padding:6px;"
          "background:linear-gradient(160deg,#feda75,#fa7e1e,#d62976,#962fbf)")

_MEDIA_WORDS = {"image": "📷 Photo", "video": "🎬 Video", "audio": "🎤 Voice message",
                "file": "📎 File", "share": "↗ Shared a post", "reel": "🎬 Reel",
                "like_heart": "❤️", "sticker": "❤️"}


def _json(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) \
        else str(value)


def _div(style: str, inner: str) -> str:
    return f'<div style="{style}">{inner}</div>'


def _chips(payload: Any) -> str:
    items = payload.get("quick_replies") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return ""
    titles = [escape(str(q.get("title", ""))) for q in items if isinstance(q, dict)]
    return _div("align-self:flex-start", "".join(f'<span style="{_CHIP}">{t}</span>' for t in titles))


def _cards(payload: Any) -> str:
    elements = payload.get("elements") if isinstance(payload, dict) else None
    if not isinstance(elements, list):
        return ""
    cards = []
    for el in elements:
        if not isinstance(el, dict):
            continue
        buttons = "".join(f'<div style="color:#0095f6">{escape(str(b.get("title", "")))}</div>'
                          for b in el.get("buttons") or [] if isinstance(b, dict))
        cards.append(f'<div style="{_CARD}"><b>{escape(str(el.get("title", "")))}</b><br>'
                     f'{escape(str(el.get("subtitle", "") or ""))}{buttons}</div>')
    return _div("align-self:flex-start;white-space:nowrap;overflow-x:auto;max-width:100%",
                "".join(cards))


def _person(kind: str, text: str | None) -> str:
    if kind == "story_mention":
        return (_div(_NOTE.replace("center", "flex-end"), "Mentioned you in their story")
                + _div(_STORY, "story"))
    if kind == "story_reply":
        head = _div(_NOTE.replace("center", "flex-end"), "Replied to your story") + _div(_STORY, "story")
        return head + (_div(_RIGHT, escape(text)) if text else "")
    if kind in ("comment", "live_comment"):
        return (_div(_NOTE.replace("center", "flex-end"), "Commented on your post")
                + _div(_RIGHT, escape(text or "")))
    if kind == "referral":
        return _div(_NOTE, "Opened the chat from an ad")
    if kind == "reaction":
        return _div(_NOTE.replace("center", "flex-end"), f"Reacted {escape(text or '')}")
    shown = text if text else _MEDIA_WORDS.get(kind, kind)
    return _div(_RIGHT, escape(shown))


def _record(row: dict[str, Any]) -> str:
    parts = []
    flow, state, intent = _text(row.get("flow")), _text(row.get("state")), _text(row.get("intent"))
    if flow or state:
        parts.append(escape(" › ".join(x for x in (flow, state) if x)))
    if intent:
        parts.append("intent " + escape(intent))
    if row.get("fallback"):
        parts.append(f'<span style="{_FALLBACK}">fallback</span>')
    return _div(_RECORD, " · ".join(parts)) if parts else ""


def _account(kind: str, role: str, text: str | None, payload: Any) -> str:
    who = _div(_WHO, "agent") if role == "agent" else ""
    if kind == "carousel" or (isinstance(payload, dict) and "elements" in payload):
        return who + _cards(payload)
    body = text if text else _MEDIA_WORDS.get(kind, kind)
    return who + _div(_LEFT, escape(body)) + _chips(payload)


def transcript_html(events: pd.DataFrame, *, fallback: Any = None, title: str | None = None) -> str:
    """One session's events as Instagram bubbles.

    Args:
        events: the session's rows of a canonical frame, in time order.
        fallback: a boolean per row: the person's message was answered by a fallback (default:
            the ``is_fallback`` column).
        title: a line shown above the conversation.
    """
    rows = events.to_dict("records")
    marks = list(fallback) if fallback is not None else [
        bool(r.get("is_fallback")) if r.get("is_fallback") is not pd.NA else False for r in rows]
    parts = [_div("font-weight:600;margin-bottom:6px", escape(title))] if title else []
    day = None
    for row, is_fb in zip(rows, marks, strict=True):
        ts = row.get("timestamp")
        if isinstance(ts, pd.Timestamp) and ts.date() != day:
            day = ts.date()
            parts.append(_div(_NOTE, ts.strftime("%a %d %b %Y")))
        kind = _text(row.get("kind")) or "text"
        role = _text(row.get("role")) or ""
        text = _text(row.get("text"))
        payload = _json(_text(row.get("payload")))
        when = f'<span title="{escape(str(ts))}"></span>' if ts is not None else ""
        if kind == "handover":
            parts.append(_div(_NOTE, "Handed over to a person" + when))
        elif kind == "resolve":
            parts.append(_div(_NOTE, "Back to the bot" + when))
        elif kind in ("refused", "error"):
            reason = payload.get("reason") if isinstance(payload, dict) else None
            parts.append(_div(_NOTE + ";color:#c62828",
                              "Not sent" + (f": {escape(str(reason))}" if reason else "")))
        elif kind in ("read", "deleted", "edit"):
            continue
        elif _text(row.get("direction")) == "in":
            parts.append(_person(kind, text))
            parts.append(_record({**row, "fallback": is_fb}))
        else:
            parts.append(_account(kind, role, text, payload))
    return f'<div class="igbot-transcript" style="{_WRAP}">{"".join(parts)}</div>'
