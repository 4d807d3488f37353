"""The storage interface of the webhook server: what it keeps, whatever the database.

:class:`StateStore` is everything the workers read and write for one event: sessions, processed
events (dedupe keys), dead letters, the outbox of Graph requests and the conversation log. Two
implementations: :class:`~igbot.server._state.StateDB` (SQLite in the data directory, the
embedded default; one process) and :class:`~igbot.server._postgres.PgState` (PostgreSQL; many
``igbot serve`` processes share it). The inbox and the send policy's store have their own
interfaces (``append``/``get``/``redact`` and :class:`~igbot.channel.PolicyStore`).
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from igbot.channel import Role
from igbot.engine import Session
from igbot.models import OutboundRequest

__all__ = ["LogLine", "OutboxRow", "StateStore", "Unit"]

LogLine = tuple[str, str | None]
"""A log line and, for a person's message with content, its mid (to redact it on delete)."""

@dataclass
class OutboxRow:
    """One Graph API request waiting to be sent, or sent (``state``).

    The request stays typed; it becomes JSON only where it is stored (:meth:`stored_body`)
    and is read back by :meth:`stored` (rows of older data directories too: JSON bodies).
    ``id`` is 0 until the row is committed.
    """

    id: int
    conversation: str
    request: OutboundRequest
    role: Role
    meta: dict[str, Any]
    state: str = "pending"
    message_id: str | None = None

    @property
    def endpoint(self) -> str:
        """The Graph API endpoint of the request."""
        return self.request.endpoint

    @property
    def body(self) -> dict[str, Any]:
        """The request's JSON (a fresh copy)."""
        return self.request.body

    def stored_body(self) -> str:
        """The ``body`` column: the request's JSON."""
        return self.request.to_json()

    def stored_meta(self) -> str:
        """The ``meta`` column."""
        return json.dumps(self.meta)

    @classmethod
    def stored(cls, id: int, conversation: str, endpoint: str, body: str, role: Role, meta: str,
               state: str = "pending") -> OutboxRow:
        """A row read back from its columns (``body`` and ``meta`` as JSON text)."""
        info = json.loads(meta)
        request = OutboundRequest.from_body(endpoint, json.loads(body), info.get("action"),
                                            info.get("flow"))
        return cls(id, conversation, request, role, info, state)


@dataclass
class Unit:
    """Everything one event (or one API call) changes, committed at once."""

    key: str | None = None
    inbox_id: int | None = None
    idx: int | None = None
    kind: str | None = None
    sessions: dict[tuple[str, str], tuple[Session, int]] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    redact: list[str] = field(default_factory=list)




class StateStore(ABC):
    """What one server keeps about its conversations (see the module docstring).

    Attributes:
        log_ready: notified when log lines were committed (the log writer waits on it).
    """

    log_ready: threading.Condition

    @abstractmethod
    def close(self) -> None:
        """Release the connection(s)."""

    # sessions
    @abstractmethod
    def get_session(self, channel: str, user: str) -> Session | None:
        """The committed session."""

    @abstractmethod
    def session_version(self, channel: str, user: str) -> int:
        """The committed version (0: none)."""

    @abstractmethod
    def put_session(self, session: Session, expected: int) -> None:
        """Write one session outside a unit.

        Raises:
            ConflictError: its version is no longer ``expected``.
        """

    @abstractmethod
    def delete_session(self, channel: str, user: str) -> None:
        """Forget a conversation."""

    # events
    @abstractmethod
    def seen(self, key: str) -> bool:
        """Whether the event with this dedupe key was processed already."""

    @abstractmethod
    def commit(self, unit: Unit) -> list[OutboxRow] | None:
        """Commit a unit at once; its outbox rows, or None if its event was processed meanwhile.

        Raises:
            ConflictError: a session changed since the unit read it (run the event again).
        """

    @abstractmethod
    def mark_done(self, inbox_id: int) -> None:
        """Record that every event of an inbox entry is processed."""

    @abstractmethod
    def is_done(self, inbox_id: int) -> bool:
        """Whether an inbox entry is fully processed (or dead-lettered)."""

    @abstractmethod
    def dead_letter(self, inbox_id: int, received_at: float, reason: str, body: bytes) -> None:
        """Keep a body that is not a webhook, with the reason; the entry counts as done."""

    @abstractmethod
    def dead_letters(self) -> list[dict[str, Any]]:
        """Every dead letter: ``{"inbox_id", "received_at", "reason", "body"}``."""

    @abstractmethod
    def inbox_id_of(self, key: str) -> int | None:
        """The inbox entry an event (by dedupe key) came in."""

    # outbox
    @abstractmethod
    def unsent(self) -> list[OutboxRow]:
        """Outbox rows not finished (``pending``, or ``sending`` = outcome unknown), in order."""

    @abstractmethod
    def mark_sending(self, row_id: int) -> None:
        """The request is about to leave: after a crash its outcome is unknown."""

    @abstractmethod
    def finish(self, row_id: int, state: str, message_id: str | None = None,
               error: str | None = None, log: list[LogLine] | None = None) -> bool:
        """Record a request's outcome (``sent``, ``refused``, ``failed``) with its log lines.

        Returns False when the row was already finished (e.g. resolved by an echo).
        """

    @abstractmethod
    def is_our_message(self, mid: str) -> bool:
        """Whether ``mid`` is a message this server sent."""

    # log
    @abstractmethod
    def queue_log(self, lines: list[LogLine], redact: tuple[str, ...] | list[str] = ()) -> None:
        """Log lines (and redactions) outside a unit."""

    @abstractmethod
    def log_pending(self) -> bool:
        """Whether committed log lines still wait to reach the log."""
