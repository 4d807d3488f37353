"""Handing conversations back to the bot and agent replies, as run on a conversation's worker.

- :func:`resolve`: the agent is done (``igbot resolve USER`` / ``POST /api/resolve``): take the
  thread back from the agent inbox (``take_thread_control``), log ``resolve``, and let the
  engine resume (it may greet the person again if ``config.instagram.resume`` says so).
- :func:`agent_send`: a reply typed by a person (``igbot agent-send`` / ``POST
  /api/agent/send``): within 24 h a normal reply, past 24 h tagged ``HUMAN_AGENT`` by the
  send policy, past 7 days refused with :class:`~igbot.channel.HumanAgentWindowClosedError`
  (and a ``refused`` log line).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from igbot._errors import ConflictError
from igbot.channel import GraphError, PolicyError
from igbot.models import OutboundRequest, SendMessageRequest
from igbot.server._lines import outcome_lines, system_line
from igbot.server._state import OutboxRow, Unit

if TYPE_CHECKING:
    from igbot.server._worker import _Worker

__all__ = ["admin_answer", "agent_send", "resolve"]

Answer = tuple[int, dict[str, Any]]
"""An admin API call's HTTP status and JSON."""


def resolve(worker: _Worker, user: str, by: str = "api") -> dict[str, Any]:
    """Give ``user``'s conversation back to the bot; what happened, as JSON."""
    session = worker.engine.session(user)
    if session is None or not session.agent:
        return {"user": user, "resolved": False, "reason": "the bot already owns this conversation"}
    take_error: str | None = None
    try:
        worker.client.take_thread_control(user, metadata=f"resolved by {by}")
    except GraphError as exc:  # the inbox may have released it already: resume anyway
        take_error = f"{type(exc).__name__}: {exc}"
    for _attempt in range(5):
        unit = Unit()
        with worker.pool.store.unit(unit):
            turn = worker.engine.resume(user)
        payload: dict[str, Any] = {"by": by}
        if take_error:
            payload["take_thread_control_error"] = take_error
        unit.log.append(system_line(user, "resolve", "out", payload))
        worker.add_requests(unit, user, turn)
        try:
            rows = worker.db.commit(unit)
        except ConflictError:  # another write came first: read again
            continue
        outcomes = worker.send_rows(rows or [])
        sent = sum(1 for o in outcomes if not isinstance(o, Exception))
        return {"user": user, "resolved": True, "requests": len(outcomes), "sent": sent}
    return {"user": user, "resolved": False, "reason": "conflicting writes"}


def agent_send(worker: _Worker, user: str, text: str, *,
               now: datetime | None = None) -> dict[str, Any]:
    """Send an agent's ``text`` to ``user``; Meta's answer as JSON.

    Raises:
        PolicyError: refused (past 7 days: :class:`HumanAgentWindowClosedError`); logged.
        GraphError: Meta refused it; logged.
    """
    request = OutboundRequest.from_model(
        SendMessageRequest.text(str(user), text, messaging_type="RESPONSE"))
    request = worker.policy.tag(request, "agent", now=now)  # HUMAN_AGENT past 24 h
    row = OutboxRow(0, str(user), request, "agent", {"by": "agent"})
    decision = worker.policy.check(request.body, role="agent", now=now, mark=False)
    if decision.error is not None:  # past 7 days: HumanAgentWindowClosedError
        worker.db.queue_log(outcome_lines(row, decision.error))
        raise decision.error
    try:
        result = worker.client.send(request, role="agent")
    except (PolicyError, GraphError) as exc:
        worker.db.queue_log(outcome_lines(row, exc))
        raise
    worker.db.queue_log(outcome_lines(row, result))
    return {"user": user, "message_id": result.message_id, "tag": request.tag}


def admin_answer(worker: _Worker, user: str, text: str | None) -> Answer:
    """``POST /api/resolve`` (``text`` None) or ``/api/agent/send`` run on the conversation's
    worker: the HTTP status and JSON (409 refused by the send policy, 502 refused by Meta).

    A plain tuple, so it crosses to the intake process when processing runs in its own.
    """
    try:
        result = resolve(worker, user) if text is None else agent_send(worker, user, text)
    except PolicyError as exc:
        return 409, {"error": {"type": type(exc).__name__, "rule": exc.rule, "message": str(exc)}}
    except GraphError as exc:
        return 502, {"error": {"type": type(exc).__name__, "code": exc.code,
                               "subcode": exc.subcode, "message": str(exc)}}
    return 200, result
