"""Outbound requests drawn as Instagram bubbles in a notebook."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["preview_action", "requests_html"]


_THREAD_CONTROL = {
    "pass_thread_control": "handed over to the agent inbox",
    "take_thread_control": "the bot took the thread back",
    "release_thread_control": "the thread was released",
    "request_thread_control": "the bot asked for the thread",
}


def requests_html(requests: Sequence[Any]) -> str:
    """HTML bubbles for engine requests (messages as bubbles, thread control as a banner)."""
    from igbot.models import SendMessageRequest, render_bubbles

    parts: list[str] = []
    batch: list[Any] = []
    for request in requests:
        if request.endpoint == "messages":
            batch.append(SendMessageRequest.model_validate(request.body))
            continue
        if batch:
            parts.append(render_bubbles(batch))
            batch = []
        target = html.escape(str(request.body.get("target_app_id", "")))
        what = _THREAD_CONTROL.get(request.endpoint, html.escape(request.endpoint))
        parts.append(
            '<div style="margin:6px 0;padding:6px 10px;border-radius:8px;background:#fff4e5;'
            f'color:#8a4b00;font:13px sans-serif">&#128100; {what}'
            f"{f' (app {target})' if target else ''}</div>"
        )
    if batch:
        parts.append(render_bubbles(batch))
    return "".join(parts)


def preview_action(
    engine: Any, flow: str, action: str, *, context: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None, message: dict[str, Any] | None = None,
) -> tuple[list[Any], list[str]]:
    """Render one action of ``flow`` as the requests Instagram would get, without a conversation.

    Interpolations read the given ``context``/``data``/``message`` (missing values render
    empty). Returns ``(requests, problems)``: problems are the warnings and errors the engine
    would record (limits applied, substitutes, actions with no Instagram rendering).
    """
    from igbot._message import Message
    from igbot.engine._actions import TurnContext
    from igbot.engine._scope import Scope
    from igbot.engine._session import Session
    from igbot.kataml import ActionRef

    msg = Message.model_validate(message or {"type": "text", "content": ""})
    session = Session(user="preview", flow=flow, context=dict(context or {}), data=dict(data or {}))
    scope = Scope(msg, session, engine.bot.config or {})
    turn = TurnContext(session=session, recipient={"id": "preview"})
    record = engine._record(session, msg, 0)
    engine.actions.run_state(turn, scope, flow, [ActionRef(name=action)], record, lambda _m: None)
    return turn.requests, [*record.warnings, *record.errors]
