"""Which log line each incoming event and each request's outcome writes (canonical fields)."""

from __future__ import annotations

import time
from typing import Any

from igbot.channel import GraphError, PolicyError
from igbot.engine import system_row
from igbot.models import OutboundRequest
from igbot.server._log import log_line
from igbot.server._state import LogLine, OutboxRow

__all__ = ["dropped_line", "outcome_lines", "refusal_reason", "system_line"]

_REASONS = {
    "window_24h": "outside_window",
    "human_agent_7d": "outside_human_agent_window",
    "message_tag": "tag_not_allowed",
    "private_reply_once": "private_reply_already_sent",
    "private_reply_7d": "private_reply_expired",
}
_ERROR_REASONS = {
    "OutsideWindowError": "outside_window",
    "PersonUnavailableError": "person_unavailable",
    "NoMatchingUserError": "no_matching_user",
    "PrivateReplyNotAllowedError": "private_reply_not_allowed",
    "ThreadOwnedByOtherAppError": "thread_owned_by_other_app",
    "TokenError": "token",
    "PermissionDeniedError": "permission",
    "RateLimitedError": "rate_limited",
    "GraphConnectionError": "network",
    "TransientGraphError": "transient",
}


def refusal_reason(error: PolicyError) -> str:
    """The log's ``reason`` for a send the policy refused (``outside_window``...)."""
    return _REASONS.get(error.rule, error.rule)


def system_line(conversation: str, kind: str, direction: str, payload: dict[str, Any],
                *, flow: str | None = None, state: str | None = None,
                role: str = "system") -> LogLine:
    """A handover/resolve/error line written by the server itself (now); the rows of incoming
    events are the engine's (:func:`igbot.engine.handle_event`)."""
    entry = system_row(conversation, kind, direction, payload, int(time.time() * 1000),
                       flow=flow, state=state, role=role)
    return entry.line, None


def dropped_line(conversation: str, role: str, requests: list[OutboundRequest], limit: int, *,
                 flow: str | None = None, state: str | None = None) -> LogLine:
    """The ``refused`` line of the messages a turn asked for past ``max_sends``."""
    fields = [request.log_fields() for request in requests]
    first = fields[0][1] if fields else None
    payload = {"reason": "too_many_sends", "rule": "max_sends", "limit": limit,
               "dropped": len(requests), "kinds": sorted({kind for kind, _, _ in fields}),
               "message": f"{len(requests)} more messages than the {limit} one event may send"}
    return log_line(conversation, int(time.time() * 1000), "out", role, "refused",
                    text=first, payload=payload, flow=flow, state=state), None


def outcome_lines(row: OutboxRow, outcome: Any) -> list[LogLine]:
    """The lines of a request's outcome: the sent message, the handover, or the refusal/error.

    A message sent with ``thread_control`` (Conversation Routing's Send API form, which the
    engine uses when ``config.instagram.thread_control: send_api``) passed the thread too: a
    ``handover`` line follows its message line, as for a ``pass_thread_control`` call.
    """
    line = _outcome_line(row, outcome)
    control = row.request.fields.get("thread_control") if row.endpoint == "messages" else None
    if not isinstance(control, dict) or isinstance(outcome, GraphError | PolicyError):
        return [line]
    payload = {"target_app_id": control.get("app_id"), "by": "bot", "via": "send_api"}
    handover = log_line(row.conversation, int(time.time() * 1000), "out", "system", "handover",
                        payload=payload, flow=row.meta.get("flow"), state=row.meta.get("state"))
    return [line, (handover, None)]


def _outcome_line(row: OutboxRow, outcome: Any) -> LogLine:
    meta, conv = row.meta, row.conversation
    flow, state = meta.get("flow"), meta.get("state")
    now = int(time.time() * 1000)
    kind, text, payload = row.request.log_fields()
    if row.endpoint == "messages":
        if isinstance(outcome, PolicyError):
            payload = {**payload, "reason": refusal_reason(outcome), "rule": outcome.rule,
                       "message": outcome.reason, "kind": kind}
            return log_line(conv, now, "out", row.role, "refused", text=text, payload=payload,
                            flow=flow, state=state), None
        if isinstance(outcome, GraphError):
            return _error_line(row, outcome, text, payload, kind), None
        mid = getattr(outcome, "message_id", None)
        return log_line(conv, now, "out", row.role, kind, text=text, payload=payload or None,
                        flow=flow, state=state, mid=mid), None
    payload.update({k: meta[k] for k in ("by",) if k in meta})
    if isinstance(outcome, GraphError | PolicyError):
        return _error_line(row, outcome, None, payload, kind), None
    return log_line(conv, now, "out", "system", kind, payload=payload, flow=flow,
                    state=state), None


def _error_line(row: OutboxRow, error: Any, text: str | None, payload: dict[str, Any],
                kind: str) -> str:
    name = type(error).__name__
    details = {**payload, "reason": _ERROR_REASONS.get(name, "graph_error"), "error": name,
               "kind": kind, "endpoint": row.endpoint}
    for attr in ("code", "subcode", "fbtrace_id", "http_status"):
        if getattr(error, attr, None) is not None:
            details[attr] = getattr(error, attr)
    details["message"] = getattr(error, "meta_message", None) or str(error)
    role = row.role if row.endpoint == "messages" else "system"
    return log_line(row.conversation, int(time.time() * 1000), "out", role, "error", text=text,
                    payload=details, flow=row.meta.get("flow"), state=row.meta.get("state"))
