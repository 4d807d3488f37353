"""Instagram's sending rules, checked before a request leaves (so Meta never has to refuse it).

- the standard window: a bot may message a person for 24 h after the person's last message,
  postback or reaction (``messaging_type`` RESPONSE or UPDATE); a comment opens no window;
- ``MESSAGE_TAG`` + ``HUMAN_AGENT``: only replies typed by people (role ``agent``), for 7 days;
- a private reply (``recipient.comment_id``): one message per comment, within 7 days of the
  comment; for a Live comment only during the broadcast (Meta, Instagram Messaging: Private
  Replies). After it, the bot may write again only once the person writes back.

:class:`SendPolicy` keeps what it needs in a :class:`PolicyStore`: :class:`MemoryPolicyStore`
for tests and notebooks, :class:`SQLitePolicyStore` for a server's data directory.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from igbot._sqlite import Step, connect
from igbot.channel._errors import (
    HumanAgentWindowClosedError,
    PolicyError,
    PrivateReplyAlreadySentError,
    PrivateReplyExpiredError,
    TagNotAllowedError,
    WindowClosedError,
)
from igbot.models import OutboundRequest
from igbot.vocab import COMMENT_KINDS, NOT_OPENING_KINDS

__all__ = [
    "HUMAN_AGENT_WINDOW",
    "LIVE_BROADCAST_WINDOW",
    "PRIVATE_REPLY_WINDOW",
    "STANDARD_WINDOW",
    "Decision",
    "MemoryPolicyStore",
    "PolicyStore",
    "Role",
    "SQLitePolicyStore",
    "SendPolicy",
]

logger = logging.getLogger(__name__)

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
LIVE_BROADCAST_WINDOW = timedelta(hours=4)
"""Instagram Live broadcasts last at most 4 hours: a Live comment older than that was made on a
broadcast that has ended, so it can no longer get a private reply."""
_COMMENT_KINDS = COMMENT_KINDS

Role = Literal["bot", "agent"]
Timestamp = datetime | int | float

# Event kinds that do NOT open the window (everything else a person does, does).
_NOT_OPENING = NOT_OPENING_KINDS


def _utc(ts: Timestamp) -> datetime:
    """A tz-aware UTC datetime from a datetime (naive = UTC), epoch ms (int) or seconds (float)."""
    if isinstance(ts, datetime):
        return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    if isinstance(ts, int) and not isinstance(ts, bool):
        return datetime.fromtimestamp(ts / 1000, UTC)
    return datetime.fromtimestamp(float(ts), UTC)


class PolicyStore(ABC):
    """Where a :class:`SendPolicy` keeps last-inbound times and comments (thread-safe)."""

    @abstractmethod
    def record_inbound(self, person_id: str, at: datetime) -> None:
        """Remember that ``person_id`` wrote at ``at`` (keep the latest time)."""

    @abstractmethod
    def last_inbound(self, person_id: str) -> datetime | None:
        """The latest time ``person_id`` opened the window, or None."""

    @abstractmethod
    def record_comment(self, comment_id: str, person_id: str | None, at: datetime,
                       live: bool = False) -> None:
        """Remember a comment, and whether it was made on a Live broadcast (first sighting
        wins; redeliveries change nothing)."""

    @abstractmethod
    def comment(self, comment_id: str) -> tuple[datetime, datetime | None] | None:
        """``(commented_at, private_reply_sent_at)`` for a known comment, else None."""

    @abstractmethod
    def is_live_comment(self, comment_id: str) -> bool:
        """Whether the comment was made on a Live broadcast."""

    @abstractmethod
    def mark_private_reply(self, comment_id: str, at: datetime) -> bool:
        """Mark the comment's private reply as sent; False if it was already marked."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (a database connection)."""


class MemoryPolicyStore(PolicyStore):
    """A :class:`PolicyStore` in a dict: for tests, notebooks and single-process bots."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inbound: dict[str, datetime] = {}
        self._comments: dict[str, list[datetime | None]] = {}
        self._live: set[str] = set()

    def record_inbound(self, person_id: str, at: datetime) -> None:
        with self._lock:
            prev = self._inbound.get(person_id)
            if prev is None or at > prev:
                self._inbound[person_id] = at

    def last_inbound(self, person_id: str) -> datetime | None:
        with self._lock:
            return self._inbound.get(person_id)

    def record_comment(self, comment_id: str, person_id: str | None, at: datetime,
                       live: bool = False) -> None:
        with self._lock:
            if comment_id not in self._comments and live:
                self._live.add(comment_id)
            self._comments.setdefault(comment_id, [at, None])

    def is_live_comment(self, comment_id: str) -> bool:
        with self._lock:
            return comment_id in self._live

    def comment(self, comment_id: str) -> tuple[datetime, datetime | None] | None:
        with self._lock:
            row = self._comments.get(comment_id)
            return (row[0], row[1]) if row else None  # type: ignore[return-value]

    def mark_private_reply(self, comment_id: str, at: datetime) -> bool:
        with self._lock:
            row = self._comments.setdefault(comment_id, [at, None])
            if row[1] is not None:
                return False
            row[1] = at
            return True


def _add_live(db: sqlite3.Connection) -> None:
    """Step 2: Live comments told apart (a file from before versioning may have the column)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(comments)")}
    if "live" not in columns:
        db.execute("ALTER TABLE comments ADD COLUMN live INTEGER NOT NULL DEFAULT 0")


_SCHEMA: list[Step] = [
    "CREATE TABLE IF NOT EXISTS inbound (person_id TEXT PRIMARY KEY, last_ts REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS comments (comment_id TEXT PRIMARY KEY, person_id TEXT, "
    "ts REAL NOT NULL, replied_ts REAL)",
    _add_live,
]
"""The steps of ``policy.sqlite``'s schema (:func:`igbot._sqlite.migrate`), oldest first."""


class SQLitePolicyStore(PolicyStore):
    """A :class:`PolicyStore` in an SQLite file, shared by restarts and worker processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # WAL + NORMAL: a commit survives a killed process, only a power cut may lose the
        # latest ones (then a window looks older: igbot refuses more, never sends what Meta
        # would refuse). FULL would fsync on every message a person sends.
        self._db = connect(self.path, schema=_SCHEMA, synchronous="NORMAL", timeout=10)

    def __repr__(self) -> str:
        return f"SQLitePolicyStore({str(self.path)!r})"

    def record_inbound(self, person_id: str, at: datetime) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO inbound VALUES (?, ?) ON CONFLICT(person_id) DO UPDATE "
                "SET last_ts = max(last_ts, excluded.last_ts)", (person_id, at.timestamp()))

    def last_inbound(self, person_id: str) -> datetime | None:
        with self._lock:
            row = self._db.execute("SELECT last_ts FROM inbound WHERE person_id = ?",
                                   (person_id,)).fetchone()
        return datetime.fromtimestamp(row[0], UTC) if row else None

    def record_comment(self, comment_id: str, person_id: str | None, at: datetime,
                       live: bool = False) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO comments (comment_id, person_id, ts, "
                             "replied_ts, live) VALUES (?, ?, ?, NULL, ?)",
                             (comment_id, person_id, at.timestamp(), int(live)))

    def is_live_comment(self, comment_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT live FROM comments WHERE comment_id = ?",
                                   (comment_id,)).fetchone()
        return bool(row and row[0])

    def comment(self, comment_id: str) -> tuple[datetime, datetime | None] | None:
        with self._lock:
            row = self._db.execute("SELECT ts, replied_ts FROM comments WHERE comment_id = ?",
                                   (comment_id,)).fetchone()
        if row is None:
            return None
        replied = datetime.fromtimestamp(row[1], UTC) if row[1] is not None else None
        return datetime.fromtimestamp(row[0], UTC), replied

    def mark_private_reply(self, comment_id: str, at: datetime) -> bool:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO comments (comment_id, person_id, ts, "
                             "replied_ts) VALUES (?, NULL, ?, NULL)", (comment_id, at.timestamp()))
            cur = self._db.execute("UPDATE comments SET replied_ts = ? "
                                   "WHERE comment_id = ? AND replied_ts IS NULL",
                                   (at.timestamp(), comment_id))
            return cur.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass(frozen=True)
class Decision:
    """What :meth:`SendPolicy.check` decided about one request.

    Attributes:
        allowed: whether the request may go out.
        rule: the rule that decided (``window_24h``, ``human_agent_7d``, ``private_reply_once``...).
        reason: a sentence for logs.
        error: the :class:`PolicyError` to raise when refused.
    """

    allowed: bool
    rule: str
    reason: str
    error: PolicyError | None = None

    def raise_if_refused(self) -> None:
        """Raise :attr:`error` if the request was refused."""
        if self.error is not None:
            raise self.error


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


class SendPolicy:
    """Checks Send API bodies against Instagram's window, tag and private-reply rules.

    Args:
        store: where inbound times and comments live (default: in memory).
        clock: returns "now" (tz-aware); tests inject a fixed clock.
    """

    def __init__(self, store: PolicyStore | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store if store is not None else MemoryPolicyStore()
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"SendPolicy(store={self.store!r})"

    def _now(self, now: Timestamp | None) -> datetime:
        return _utc(now) if now is not None else _utc(self._clock())

    def record_inbound(self, person_id: str, kind: str, timestamp: Timestamp,
                       comment_id: str | None = None) -> bool:
        """Note something a person did; True if it opens the window.

        Args:
            person_id: the person's IGSID.
            kind: the event kind (``message``/``text``/``image``..., ``postback``, ``reaction``,
                ``comment``...); echoes, reads, deletions, edits and handovers open nothing.
            timestamp: when (datetime, epoch ms as int, or epoch seconds as float); a time
                after the policy's "now" counts as now.
            comment_id: for a comment, its id (allows one private reply within 7 days, or
                during the broadcast for a ``live_comment``).

        Returns:
            True if it opens the 24 h window (a comment does not: it allows a private reply).
        """
        if kind in _NOT_OPENING:
            return False
        # A time in the future (a skewed or forged clock) counts as now: it must not keep the
        # window open longer than 24 h after igbot heard from the person.
        at = min(_utc(timestamp), self._now(None))
        if kind in _COMMENT_KINDS:
            # a comment allows one private reply, not the 24 h window: that opens when the
            # person writes back
            if comment_id:
                self.store.record_comment(comment_id, person_id, at, live=kind == "live_comment")
            return False
        if person_id:
            self.store.record_inbound(person_id, at)
        if comment_id:
            self.store.record_comment(comment_id, person_id, at)
        return True

    def record_event(self, event: Any) -> bool:
        """Note a parsed webhook event (``igbot.models.Event``); True if it opens the window."""
        kind = getattr(event, "kind", "message")
        if getattr(event, "standby", False) or not (
                getattr(event, "opens_window", False) or kind in _COMMENT_KINDS):
            return False
        comment_id = None
        if kind in _COMMENT_KINDS:
            raw = getattr(event, "raw", {}) or {}
            comment_id = (raw.get("id") or raw.get("comment_id")
                          or getattr(event, "dedupe_key", None))
        return self.record_inbound(event.person_id or "", kind, event.timestamp, comment_id)

    def check(self, body: Mapping[str, Any], *, role: Role = "bot",
              now: Timestamp | None = None, mark: bool = True) -> Decision:
        """Decide whether ``body`` (a ``messages`` request) may be sent now.

        Args:
            body: the Send API body (a dict).
            role: ``bot`` for flow replies, ``agent`` for replies typed by a person.
            now: the time to judge at (default: the policy's clock).
            mark: when allowed and a private reply, mark the comment as answered.
        """
        at = self._now(now)
        recipient = body.get("recipient") or {}
        comment_id = recipient.get("comment_id")
        if comment_id:
            return self._check_private_reply(str(comment_id), at, mark)
        person = str(recipient.get("id", ""))
        tag = body.get("tag")
        mtype = body.get("messaging_type")
        last = self.store.last_inbound(person)
        age = at - last if last is not None else None
        said = f"last message {_age(age)} ago" if age is not None else "no message on record"
        if tag is not None or mtype == "MESSAGE_TAG":
            if tag != "HUMAN_AGENT":
                return self._refuse(TagNotAllowedError(
                    f"tag {tag!r} is not accepted by Instagram (only HUMAN_AGENT)", person))
            if role != "agent":
                return self._refuse(TagNotAllowedError(
                    "HUMAN_AGENT is for replies typed by people, not bots", person))
            if age is None or age > HUMAN_AGENT_WINDOW:
                return self._refuse(HumanAgentWindowClosedError(
                    f"HUMAN_AGENT only within 7 days of the person's last message ({said})",
                    person))
            return Decision(True, "human_agent_7d", f"agent reply {_age(age)} after last message")
        if role == "agent" and (age is None or age > HUMAN_AGENT_WINDOW):
            return self._refuse(HumanAgentWindowClosedError(
                f"an agent may reply only within 7 days of the person's last message ({said})",
                person))
        if age is None or age >= STANDARD_WINDOW:
            hint = "; an agent may reply with HUMAN_AGENT" if (
                age is not None and age <= HUMAN_AGENT_WINDOW) else ""
            return self._refuse(WindowClosedError(
                f"outside the 24 h window ({said}){hint}", person))
        return Decision(True, "window_24h", f"within 24 h ({_age(age)} after last message)")

    def _check_private_reply(self, comment_id: str, at: datetime, mark: bool) -> Decision:
        who = f"comment:{comment_id}"
        seen = self.store.comment(comment_id)
        if seen is None:
            return self._refuse(PrivateReplyExpiredError("no such comment on record", who))
        commented_at, replied_at = seen
        if replied_at is not None:
            return self._refuse(PrivateReplyAlreadySentError(
                "a private reply was already sent to this comment", who))
        if self.store.is_live_comment(comment_id):
            if at - commented_at > LIVE_BROADCAST_WINDOW:
                return self._refuse(PrivateReplyExpiredError(
                    "private replies to a Live comment only during the broadcast (a Live lasts "
                    f"at most 4 h; comment {_age(at - commented_at)} old)", who))
        elif at - commented_at > PRIVATE_REPLY_WINDOW:
            return self._refuse(PrivateReplyExpiredError(
                f"private replies only within 7 days of the comment "
                f"(comment {_age(at - commented_at)} old)", who))
        if mark and not self.store.mark_private_reply(comment_id, at):
            return self._refuse(PrivateReplyAlreadySentError(
                "a private reply was already sent to this comment", who))
        return Decision(True, "private_reply_once", "first private reply within 7 days")

    def record_sent(self, body: Mapping[str, Any], *, now: Timestamp | None = None) -> None:
        """Note a request that went out (marks a private reply's comment as answered)."""
        comment_id = (body.get("recipient") or {}).get("comment_id")
        if comment_id:
            self.store.mark_private_reply(str(comment_id), self._now(now))

    def auto_tag(self, body: Mapping[str, Any], role: Role = "agent",
                 now: Timestamp | None = None) -> dict[str, Any]:
        """A copy of ``body``, tagged HUMAN_AGENT if an agent replies past 24 h, within 7 days."""
        out = dict(body)
        if self._needs_tag(out.get("recipient") or {}, out.get("tag"), role, now):
            out["messaging_type"] = "MESSAGE_TAG"
            out["tag"] = "HUMAN_AGENT"
        return out

    def tag(self, request: OutboundRequest, role: Role = "agent",
            now: Timestamp | None = None) -> OutboundRequest:
        """``request``, tagged HUMAN_AGENT like :meth:`auto_tag` (the typed form)."""
        if self._needs_tag(request.recipient or {}, request.tag, role, now):
            return request.with_fields(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
        return request

    def _needs_tag(self, recipient: Mapping[str, Any], tag: Any, role: Role,
                   now: Timestamp | None) -> bool:
        if role != "agent" or tag or recipient.get("comment_id"):
            return False
        last = self.store.last_inbound(str(recipient.get("id", "")))
        if last is None:
            return False
        return STANDARD_WINDOW <= self._now(now) - last <= HUMAN_AGENT_WINDOW

    @staticmethod
    def _refuse(error: PolicyError) -> Decision:
        return Decision(False, error.rule, error.reason, error)
