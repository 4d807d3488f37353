"""What one event caused: the :class:`Outcome` the dispatcher returns and the server persists.

An Outcome is data. The engine has already changed the session (through its store); everything
else is for the caller to apply: the server puts :attr:`Outcome.requests` in its outbox, writes
:attr:`Outcome.log` in the same transaction, applies :attr:`Outcome.policy` to its send policy and
redacts :attr:`Outcome.redactions` from its log; a notebook just looks at it. An Outcome reads like
the :class:`~igbot.engine.Turn` it holds (``requests``, ``records``, ``record``, ``errors``,
iteration), so callers of ``Engine.handle_webhook`` that expected a Turn keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from igbot.engine._records import Turn, TurnRecord
from igbot.models import Incoming
from igbot.vocab import ThreadChangeKind, dump_row

__all__ = ["LogEntry", "Outcome", "PolicyNote", "ThreadChange"]


class LogEntry:
    """One conversation-log row (:func:`igbot.vocab.log_row`) and, for a person's message with
    content, the ``mid`` under which it is indexed (to redact it if the person deletes it).

    Made lazily when the dispatcher gives ``build`` (a function returning both, called with
    ``args``): a caller that never reads the log (a notebook, a benchmark) does not pay for it.
    """

    __slots__ = ("_args", "_build", "_mid", "_row")

    def __init__(self, row: dict[str, Any] | None = None, indexed_mid: str | None = None,
                 build: Callable[..., tuple[dict[str, Any], str | None]] | None = None,
                 args: tuple[Any, ...] = ()) -> None:
        # ``build`` and ``args`` may be given by position: a class called with keywords
        # builds a dict of them first (the dispatcher makes one entry per event)
        if row is None and build is None:
            raise ValueError("LogEntry needs a row or a function that builds it")
        self._row, self._mid, self._build, self._args = row, indexed_mid, build, args

    def _made(self) -> dict[str, Any]:
        if self._row is None:
            assert self._build is not None
            self._row, self._mid = self._build(*self._args)
            self._build, self._args = None, ()
        return self._row

    @property
    def row(self) -> dict[str, Any]:
        """The row: a dict with exactly :data:`igbot.vocab.LOG_FIELDS`."""
        return self._made()

    @property
    def indexed_mid(self) -> str | None:
        """The mid to index the row under (a person's message with content), else None."""
        self._made()
        return self._mid

    @property
    def line(self) -> str:
        """The row as the log file holds it (one line of JSON, no newline)."""
        return dump_row(self._made())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogEntry):
            return NotImplemented
        return (self.row, self.indexed_mid) == (other.row, other.indexed_mid)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LogEntry({self.row!r}, indexed_mid={self.indexed_mid!r})"


class PolicyNote:
    """Something a person did that the send policy must remember (``SendPolicy.record_inbound``
    arguments): it may open the 24 h window, or allow a private reply to a comment.

    ``timestamp`` may be given as the event it is read from (``event.timestamp``, read when
    first asked: a caller that never applies the policy does not pay for the datetime)."""

    __slots__ = ("_timestamp", "comment_id", "kind", "person_id")
    __match_args__ = ("person_id", "kind", "timestamp", "comment_id")

    def __init__(self, person_id: str, kind: str, timestamp: datetime | int | float | Incoming,
                 comment_id: str | None = None) -> None:
        self.person_id = person_id
        self.kind = kind
        self._timestamp = timestamp
        self.comment_id = comment_id

    @property
    def timestamp(self) -> datetime | int | float:
        """When the person did it."""
        value = self._timestamp
        if isinstance(value, Incoming):
            value = self._timestamp = value.timestamp
        return value

    @timestamp.setter
    def timestamp(self, value: datetime | int | float) -> None:
        self._timestamp = value

    def _fields(self) -> tuple[Any, ...]:
        return self.person_id, self.kind, self.timestamp, self.comment_id

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, PolicyNote)
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"PolicyNote(person_id={self.person_id!r}, kind={self.kind!r}, "
                f"timestamp={self.timestamp!r}, comment_id={self.comment_id!r})")


@dataclass(slots=True)
class ThreadChange:
    """Who owns a conversation's thread now, as an event said.

    ``kind``: ``handover`` (given to people, or to another app), ``resolve`` (given back to the
    bot), ``take`` (taken by another app), ``request`` (another app asks for it; nothing changes
    until the bot passes it). ``app_id`` is the app concerned, when the event names it.
    """

    kind: ThreadChangeKind
    user: str
    app_id: str | None = None
    by: str = "agent"


@dataclass(init=False)
class Outcome:
    """Everything one event (or one webhook body) caused; see the module docstring."""

    turn: Turn = field(default_factory=Turn)
    log: list[LogEntry] = field(default_factory=list)
    policy: list[PolicyNote] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)
    thread: list[ThreadChange] = field(default_factory=list)

    def __init__(self, turn: Turn | None = None, log: list[LogEntry] | None = None,
                 policy: list[PolicyNote] | None = None, redactions: list[str] | None = None,
                 thread: list[ThreadChange] | None = None) -> None:
        # what the dataclass's __init__ does, without a call per default
        self.turn = Turn() if turn is None else turn
        self.log = [] if log is None else log
        self.policy = [] if policy is None else policy
        self.redactions = [] if redactions is None else redactions
        self.thread = [] if thread is None else thread

    @property
    def requests(self) -> list[Any]:
        """What the bot asks Instagram for, in order: the turn's requests as the engine made
        them (``Turn.requests``; typed outbound requests, whatever their type)."""
        return self.turn.requests

    @property
    def records(self) -> list[TurnRecord]:
        """One record per message the engine processed."""
        return self.turn.records

    @property
    def record(self) -> TurnRecord | None:
        """The record of the person's own message, if the event was one."""
        return self.turn.record

    @property
    def errors(self) -> list[str]:
        """Every error of every record."""
        return self.turn.errors

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The log rows alone."""
        return [entry.row for entry in self.log]

    def extend(self, other: Outcome | Turn) -> None:
        """Append another outcome (or a bare turn) after this one (a body of several events)."""
        if isinstance(other, Turn):
            self.turn.extend(other)
            return
        self.turn.extend(other.turn)
        self.log.extend(other.log)
        self.policy.extend(other.policy)
        self.redactions.extend(other.redactions)
        self.thread.extend(other.thread)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.turn.requests)

    def __len__(self) -> int:
        return len(self.turn.requests)

    def _repr_html_(self) -> str:
        return self.turn._repr_html_()
