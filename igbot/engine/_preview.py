"""One action rendered as the requests Instagram would get, without a conversation (the editor's
and the canvas's preview); :func:`igbot.models.requests_html` draws them as bubbles."""

from __future__ import annotations

from typing import Any

from igbot._message import Message
from igbot.engine._actions import TurnContext
from igbot.engine._scope import Scope
from igbot.engine._session import Session
from igbot.kataml import ActionRef
from igbot.models import OutboundRequest

__all__ = ["preview_action"]


def preview_action(
    engine: Any, flow: str, action: str, *, context: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None, message: dict[str, Any] | None = None,
) -> tuple[list[OutboundRequest], list[str]]:
    """Render one action of ``flow`` as the requests Instagram would get, without a conversation.

    Interpolations read the given ``context``/``data``/``message`` (missing values render
    empty). Returns ``(requests, problems)``: problems are the warnings and errors the engine
    would record (limits applied, substitutes, actions with no Instagram rendering).
    """
    msg = Message.model_validate(message or {"type": "text", "content": ""})
    session = Session(user="preview", flow=flow, context=dict(context or {}), data=dict(data or {}))
    scope = Scope(msg, session, engine.bot.config or {})
    turn = TurnContext(session=session, recipient={"id": "preview"})
    record = engine._record(session, msg, 0)
    engine.actions.run_state(turn, scope, flow, [ActionRef(name=action)], record, lambda *_: None)
    return turn.requests, [*record.warnings, *record.errors]
