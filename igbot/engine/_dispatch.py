"""``handle_event``: what every kind of webhook event means, decided in one place.

The server, ``Engine.handle_webhook`` (notebooks, ``igbot run``) and anything else holding a parsed
event call this, so a webhook means the same everywhere (the simulator, replay and the sample-log
generator, which hold Kata messages, call it with a :class:`~igbot.engine.MessageEvent`):

- a person speaking (:data:`igbot.vocab.PERSON_KINDS`) is a turn of the bot; in standby (another
  app owns the thread) the bot first notes that an agent owns it, and stays silent; a turn whose
  flow hands the thread to people is a ``handover`` thread change (``by="bot"``);
- a comment whose author the webhook leaves out (Meta's older sample) is still answered, by a
  private reply to the comment; its session is the comment's (``comment:<id>``);
- an echo of a message the bot sent is nothing; of anyone else's send (a person typing in the
  Instagram app, an agent inbox) it is an ``agent`` row. "Is this mid ours?" is asked of the
  caller (:class:`OwnMessages`: the server knows what it sent) after this app's own ``app_id``;
- a deletion is a row and a redaction of the deleted message's row;
- thread control: ``pass_thread_control`` to this app resumes the bot (``resolve``), to anyone
  else hands the thread over (``handover``); ``take_thread_control`` hands it over;
  ``request_thread_control`` is noted;
- anything else (reads, reactions, edits, unknown items) is a row.

The send policy's notes (24 h window, comments) are returned as data for the caller to apply.

What is read of an event (any decoder's events must have these): ``kind``, ``person_id``,
``mid``, ``timestamp``, ``standby``, ``triggers_bot``, ``opens_window``, ``dedupe_key``,
``repaired`` and ``to_message()``; by kind, ``raw`` and ``comment_id`` (comments), ``app_id``,
``text`` and ``attachments`` (echoes), ``new_owner_app_id``, ``previous_owner_app_id``,
``requested_owner_app_id`` and ``metadata`` (thread control).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from igbot.engine._outcome import LogEntry, Outcome, PolicyNote, ThreadChange
from igbot.engine._records import Turn, TurnRecord
from igbot.engine._session import Session
from igbot.models import Incoming
from igbot.vocab import (
    COMMENT_KINDS,
    NO_TEXT_KINDS,
    PERSON_KINDS,
    THREAD_KINDS,
    ThreadChangeKind,
    log_row,
)

__all__ = [
    "EventEngine", "OwnMessages", "conversation_of", "dispatch_into", "event_row", "handle_event",
    "system_row",
]

logger = logging.getLogger(__name__)

OwnMessages = Callable[[str], bool]
"""``is_ours(mid)``: whether this bot sent the message with that id (the server's outbox knows)."""

_THREAD_INFO = ("new_owner_app_id", "previous_owner_app_id", "requested_owner_app_id", "metadata")


class EventEngine(Protocol):
    """What the dispatcher needs of an engine (:class:`~igbot.engine.Engine` has it all)."""

    app_id: str | None
    clock: Callable[[], float]

    def handle(self, message: Any, user: str | None = None) -> Turn: ...

    def handle_into(self, turn: Turn, message: Any, user: str) -> None: ...

    def session(self, user: str) -> Session | None: ...

    def mark_agent(self, user: str, *, by: str = "agent", app_id: str | None = None) -> None: ...

    def owns(self, app_id: str | None) -> bool: ...

    def passed_to(self, user: str, app_id: str | None) -> Turn: ...


def event_row(event: Any, conversation: str, record: TurnRecord | None = None, *,
              role: str = "user", direction: str = "in", kind: str | None = None,
              extra: dict[str, Any] | None = None) -> LogEntry:
    """The log row of an incoming event (with the engine's record when the bot processed it),
    made when first read.

    A person's message with content is indexed by its ``mid``, so a later deletion redacts it.
    """
    return LogEntry(build=_event_row, args=(event, conversation, record, role, direction, kind,
                                            extra))


def _event_row(event: Any, conversation: str, record: TurnRecord | None, role: str,
               direction: str, kind: str | None,
               extra: dict[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """:func:`event_row`'s row and indexed mid, made when the row is first read."""
    message = event.kata if type(event) is Incoming else event.to_message()
    payload = dict(message.payload) if message.payload else {}
    if extra:
        payload.update(extra)
    if event.repaired:
        payload["repaired"] = {"fields": event.repaired,
                               "reason": "lone UTF-16 surrogates replaced by U+FFFD"}
    content = message.content
    row = log_row(
        conversation, event.timestamp, direction, role, kind or event.kind,
        text=content, payload=payload or None, mid=event.mid,
        flow=record.flow if record else None, state=record.state if record else None,
        intent=record.intent if record else None,
        is_fallback=record.is_fallback if record and not record.agent_owned else None)
    keeps_text = event.kind not in NO_TEXT_KINDS and (content or payload)
    return row, event.mid if direction == "in" and keeps_text else None


def system_row(conversation: str, kind: str, direction: str, payload: dict[str, Any],
               at_ms: int, *, flow: str | None = None, state: str | None = None,
               role: str = "system") -> LogEntry:
    """A row igbot writes itself (handover, resolve, error), at ``at_ms`` (epoch ms)."""
    return LogEntry(log_row(conversation, at_ms, direction, role, kind, payload=payload,
                            flow=flow, state=state))


def _comment_id(event: Any) -> str | None:
    value = getattr(event, "comment_id", None)
    return str(value) if value else None


def _policy_note(event: Any) -> PolicyNote | None:
    """What the send policy must hear of ``event`` (as ``SendPolicy.record_event`` decides)."""
    kind = event.kind
    if event.standby:
        if event.opens_window and event.person_id:
            return PolicyNote(event.person_id, kind, event.timestamp)
        return None
    if not (event.opens_window or kind in COMMENT_KINDS):
        return None
    comment_id = None
    if kind in COMMENT_KINDS:
        raw = getattr(event, "raw", {}) or {}
        comment_id = raw.get("id") or raw.get("comment_id") or event.dedupe_key
    return PolicyNote(event.person_id or "", kind, event.timestamp, comment_id)


def conversation_of(event: Any) -> str:
    """The conversation an event belongs to when its caller names none: the person, else the
    comment, else the event itself."""
    if event.person_id:
        return str(event.person_id)
    comment = _comment_id(event)
    if comment:
        return f"comment:{comment}"
    return f"event:{event.dedupe_key or event.kind}"


def handle_event(engine: EventEngine, event: Any, *, conversation: str | None = None,
                 is_ours: OwnMessages | None = None) -> Outcome:
    """Decide what ``event`` (a parsed :class:`igbot.models.Event`) means; see the module
    docstring.

    Args:
        engine: runs the turns and keeps the sessions.
        conversation: the log's conversation id (default: :func:`conversation_of`).
        is_ours: asked for an echo whose ``app_id`` is not this app's: did the bot send it?

    Returns:
        The :class:`Outcome`: the turn (records and requests), log rows, policy notes,
        redactions and thread changes. Sessions are already changed through the engine's store.
    """
    outcome = Outcome()
    dispatch_into(outcome, engine, event, conversation=conversation, is_ours=is_ours)
    return outcome


def dispatch_into(outcome: Outcome, engine: EventEngine, event: Any, *,
                  conversation: str | None = None, is_ours: OwnMessages | None = None) -> None:
    """:func:`handle_event`, appending to ``outcome`` (a body of several events builds one)."""
    if type(event) is Incoming:  # a person's message or tap read on the fast path
        person = event.person_id  # never standby, opens the window, not a comment: a turn
        outcome.policy.append(PolicyNote(person, event.kind, event))  # its time read when asked
        records = outcome.turn.records  # _turn, inlined: a call less per event
        first = len(records)
        engine.handle_into(outcome.turn, event.kata, person)
        record = records[first] if len(records) > first else None
        if record is not None and (record.handover or len(records) > first + 1):
            _handover(outcome, engine, records, first, person)
        extra = {"agent_owned": True} if record is not None and record.agent_owned else None
        outcome.log.append(LogEntry(None, None, _event_row, (
            event, conversation or person, record, "user", "in", None, extra)))
        return
    conv = conversation or conversation_of(event)
    note = _policy_note(event)
    if note is not None:
        outcome.policy.append(note)
    kind = event.kind
    user = event.person_id
    if kind in THREAD_KINDS:
        _thread_control(engine, event, conv, outcome)
    elif kind == "echo":
        ours = bool(engine.app_id and event.app_id and str(event.app_id) == str(engine.app_id))
        if not ours and event.mid and is_ours is not None:
            ours = is_ours(event.mid)
        if not ours:  # a person typing in the Instagram app, or an agent inbox
            text_kind = "text" if event.text else (
                event.attachments[0].type if event.attachments else "echo")
            outcome.log.append(event_row(event, conv, role="agent", direction="out",
                                         kind=text_kind, extra={"app_id": event.app_id}))
    elif kind == "deleted":
        outcome.log.append(event_row(event, conv))
        if event.mid:
            outcome.redactions.append(event.mid)
    elif user and (event.triggers_bot or (event.standby and kind in PERSON_KINDS)):
        if event.standby:
            session = engine.session(user)
            if session is None or not session.agent:
                engine.mark_agent(user, by="agent")
                outcome.thread.append(ThreadChange("take", user))
        record = _turn(outcome, engine, event.to_message(), user)
        extra = {"agent_owned": True} if record and record.agent_owned else None
        outcome.log.append(event_row(event, conv, record, extra=extra))
    elif event.triggers_bot and _comment_id(event):
        user = f"comment:{_comment_id(event)}"
        record = _turn(outcome, engine, event.to_message(), user)
        outcome.log.append(event_row(event, conv, record))
    else:
        outcome.log.append(event_row(event, conv))


def _turn(outcome: Outcome, engine: EventEngine, message: Any, user: str) -> TurnRecord | None:
    """Run the bot's turn on ``message`` into ``outcome``; a turn whose flow handed the thread
    to people is a thread change too. Returns the record of ``message`` itself."""
    records = outcome.turn.records
    first = len(records)
    engine.handle_into(outcome.turn, message, user)
    _handover(outcome, engine, records, first, user)
    return records[first] if len(records) > first else None


def _handover(outcome: Outcome, engine: EventEngine, records: list[TurnRecord], first: int,
              user: str) -> None:
    """A turn (its records from ``first``) whose flow handed the thread to people is a
    thread change too."""
    for record in records[first:]:
        if not record.handover:
            continue
        session = engine.session(user)
        app_id = (session.agent or {}).get("app_id") if session is not None else None
        outcome.thread.append(ThreadChange("handover", user, _str(app_id), by="bot"))
        break


def _thread_control(engine: EventEngine, event: Any, conv: str, outcome: Outcome) -> None:
    user = event.person_id
    info = {k: getattr(event, k) for k in _THREAD_INFO if getattr(event, k, None) is not None}
    now = int(engine.clock() * 1000)
    if event.kind == "pass_thread_control" and user:
        app_id = event.new_owner_app_id
        resumed = engine.owns(app_id)
        outcome.turn.extend(engine.passed_to(user, app_id))
        change: ThreadChangeKind = "resolve" if resumed else "handover"
        outcome.log.append(system_row(conv, change, "in", {**info, "by": "agent"}, now))
        outcome.thread.append(ThreadChange(change, user, _str(app_id)))
    elif event.kind == "take_thread_control" and user:
        engine.mark_agent(user, by="agent", app_id=event.new_owner_app_id)
        outcome.log.append(system_row(conv, "handover", "in", {**info, "by": "agent"}, now))
        outcome.thread.append(ThreadChange("take", user, _str(event.new_owner_app_id)))
    else:
        outcome.log.append(system_row(conv, event.kind, "in", info, now))
        if event.kind == "request_thread_control" and user:
            outcome.thread.append(ThreadChange(
                "request", user, _str(getattr(event, "requested_owner_app_id", None))))


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
