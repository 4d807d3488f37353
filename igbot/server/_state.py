"""The server's working state in ``<data-dir>/state.sqlite``: sessions, processed events,
finished inbox entries, dead letters, the outbox of Graph requests and the log queue.

One event's effects commit together (a :class:`Unit`): the session the engine advanced, the
event's dedupe key, the requests to send and the log lines. A crash either loses all of them
(the event is processed again on restart) or none (it is never processed twice).
:class:`ServerStore` is the engine's :class:`~igbot.engine.SessionStore` on this database: inside
a unit its writes wait for the unit's commit, with the optimistic version checked again then.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from igbot._errors import ConflictError
from igbot._sqlite import connect
from igbot.engine import Session
from igbot.server._storage import LogLine, OutboxRow, StateStore, Unit

__all__ = ["LogLine", "OutboxRow", "ServerStore", "StateDB", "Unit"]

_SCHEMA = ["""
CREATE TABLE IF NOT EXISTS sessions (channel TEXT NOT NULL, user TEXT NOT NULL,
  version INTEGER NOT NULL, body TEXT NOT NULL, updated_at REAL NOT NULL,
  PRIMARY KEY (channel, user));
CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, inbox_id INTEGER, idx INTEGER,
  kind TEXT, processed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS done (inbox_id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS dead_letters (inbox_id INTEGER PRIMARY KEY, received_at REAL,
  reason TEXT NOT NULL, body BLOB);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, conversation TEXT NOT NULL,
  endpoint TEXT NOT NULL, body TEXT NOT NULL, role TEXT NOT NULL, meta TEXT NOT NULL,
  state TEXT NOT NULL, message_id TEXT, error TEXT, created_at REAL NOT NULL,
  attempted_at REAL);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state) WHERE state IN ('pending', 'sending');
CREATE INDEX IF NOT EXISTS outbox_mid ON outbox (message_id);
CREATE TABLE IF NOT EXISTS logq (seq INTEGER PRIMARY KEY, line TEXT, mid TEXT, redact TEXT);
CREATE TABLE IF NOT EXISTS log_index (mid TEXT NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL, PRIMARY KEY (mid, offset));
"""]
"""The steps of ``state.sqlite``'s schema (:func:`igbot._sqlite.migrate`), oldest first."""


class _Duplicate(Exception):
    """The unit's event was committed by someone else first."""


class StateDB(StateStore):
    """The server's SQLite state (WAL; ``synchronous=NORMAL``: survives a killed process)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self.conn = connect(self.path, schema=_SCHEMA, synchronous="NORMAL", timeout=30)
        self.log_ready = threading.Condition(threading.Lock())

    def __repr__(self) -> str:
        return f"StateDB({str(self.path)!r})"

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error), under the lock."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read query."""
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def _notify_log(self) -> None:
        with self.log_ready:
            self.log_ready.notify_all()

    # -- sessions --------------------------------------------------------------------------

    def get_session(self, channel: str, user: str) -> Session | None:
        """The committed session."""
        rows = self.query("SELECT body FROM sessions WHERE channel = ? AND user = ?",
                          (channel, user))
        return Session.model_validate_json(rows[0][0]) if rows else None

    def session_version(self, channel: str, user: str) -> int:
        """The committed version (0: none)."""
        rows = self.query("SELECT version FROM sessions WHERE channel = ? AND user = ?",
                          (channel, user))
        return int(rows[0][0]) if rows else 0

    @staticmethod
    def _write_session(conn: sqlite3.Connection, session: Session, expected: int) -> None:
        body = session.model_dump_json()
        if expected == 0:
            cur = conn.execute("INSERT OR IGNORE INTO sessions VALUES (?, ?, ?, ?, ?)",
                               (session.channel, session.user, session.version, body, time.time()))
        else:
            cur = conn.execute(
                "UPDATE sessions SET version = ?, body = ?, updated_at = ? WHERE channel = ? "
                "AND user = ? AND version = ?",
                (session.version, body, time.time(), session.channel, session.user, expected))
        if cur.rowcount != 1:
            raise ConflictError(f"session {session.channel}/{session.user} changed since "
                                f"version {expected}: another worker advanced it")

    def put_session(self, session: Session, expected: int) -> None:
        """Write one session outside a unit (raises ConflictError on a version change)."""
        with self.transaction() as conn:
            self._write_session(conn, session, expected)

    def delete_session(self, channel: str, user: str) -> None:
        """Forget a conversation."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE channel = ? AND user = ?", (channel, user))

    # -- events and units ------------------------------------------------------------------

    def seen(self, key: str) -> bool:
        """Whether the event with this dedupe key was processed already."""
        return bool(self.query("SELECT 1 FROM events WHERE key = ?", (key,)))

    def commit(self, unit: Unit) -> list[OutboxRow] | None:
        """Commit a unit; its outbox rows, or None if its event was processed meanwhile.

        Raises:
            ConflictError: a session changed since the unit read it (run the event again).
        """
        now = time.time()
        rows: list[OutboxRow] = []
        try:
            with self.transaction() as conn:
                if unit.key is not None:
                    cur = conn.execute("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
                                       (unit.key, unit.inbox_id, unit.idx, unit.kind, now))
                    if cur.rowcount != 1:
                        raise _Duplicate
                for session, expected in unit.sessions.values():
                    self._write_session(conn, session, expected)
                for row in unit.outbox:
                    cur = conn.execute(
                        "INSERT INTO outbox (conversation, endpoint, body, role, meta, state, "
                        "created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                        (row.conversation, row.endpoint, row.stored_body(), row.role,
                         row.stored_meta(), now))
                    rows.append(replace(row, id=int(cur.lastrowid or 0)))
                self._queue_log(conn, unit.log, unit.redact)
        except _Duplicate:
            return None
        if unit.log or unit.redact:
            self._notify_log()
        return rows

    def mark_done(self, inbox_id: int) -> None:
        """Record that every event of an inbox entry is processed."""
        with self.lock:
            self.conn.execute("INSERT OR IGNORE INTO done VALUES (?)", (inbox_id,))

    def is_done(self, inbox_id: int) -> bool:
        """Whether an inbox entry is fully processed (or dead-lettered)."""
        return bool(self.query("SELECT 1 FROM done WHERE inbox_id = ?", (inbox_id,)))

    def dead_letter(self, inbox_id: int, received_at: float, reason: str, body: bytes) -> None:
        """Keep a body that is not a webhook, with the reason; the entry counts as done."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO dead_letters VALUES (?, ?, ?, ?)",
                         (inbox_id, received_at, reason, body))
            conn.execute("INSERT OR IGNORE INTO done VALUES (?)", (inbox_id,))

    def dead_letters(self) -> list[dict[str, Any]]:
        """Every dead letter: ``{"inbox_id", "received_at", "reason", "body"}``."""
        return [{"inbox_id": r[0], "received_at": r[1], "reason": r[2], "body": bytes(r[3])}
                for r in self.query("SELECT * FROM dead_letters ORDER BY inbox_id")]

    def inbox_id_of(self, key: str) -> int | None:
        """The inbox entry an event (by dedupe key) came in."""
        rows = self.query("SELECT inbox_id FROM events WHERE key = ?", (key,))
        return rows[0][0] if rows and rows[0][0] is not None else None

    # -- outbox ----------------------------------------------------------------------------

    def unsent(self) -> list[OutboxRow]:
        """Outbox rows not finished (``pending``, or ``sending`` = outcome unknown), in order."""
        return [OutboxRow.stored(*r)
                for r in self.query("SELECT id, conversation, endpoint, body, role, meta, state "
                                    "FROM outbox WHERE state IN ('pending', 'sending') "
                                    "ORDER BY id")]

    def mark_sending(self, row_id: int) -> None:
        """The request is about to leave: after a crash its outcome is unknown."""
        with self.lock:
            self.conn.execute("UPDATE outbox SET state = 'sending', attempted_at = ? WHERE id = ?",
                              (time.time(), row_id))

    def finish(self, row_id: int, state: str, message_id: str | None = None,
               error: str | None = None, log: list[LogLine] | None = None) -> bool:
        """Record a request's outcome (``sent``, ``refused``, ``failed``) with its log lines.

        Returns False when the row was already finished (e.g. resolved by an echo).
        """
        with self.transaction() as conn:
            cur = conn.execute("UPDATE outbox SET state = ?, message_id = ?, error = ? "
                               "WHERE id = ? AND state IN ('pending', 'sending')",
                               (state, message_id, error, row_id))
            if cur.rowcount == 1 and log:
                self._queue_log(conn, log, ())
        if cur.rowcount == 1 and log:
            self._notify_log()
        return cur.rowcount == 1

    def is_our_message(self, mid: str) -> bool:
        """Whether ``mid`` is a message this server sent."""
        return bool(self.query("SELECT 1 FROM outbox WHERE message_id = ?", (mid,)))

    # -- log queue -------------------------------------------------------------------------

    def log_pending(self) -> bool:
        """Whether queued lines still wait for the log writer."""
        return bool(self.query("SELECT 1 FROM logq LIMIT 1"))

    def queue_log(self, lines: list[LogLine], redact: tuple[str, ...] | list[str] = ()) -> None:
        """Queue log lines (and redactions) outside a unit."""
        with self.transaction() as conn:
            self._queue_log(conn, lines, redact)
        self._notify_log()

    @staticmethod
    def _queue_log(conn: sqlite3.Connection, lines: list[LogLine],
                   redact: tuple[str, ...] | list[str]) -> None:
        conn.executemany("INSERT INTO logq (line, mid) VALUES (?, ?)", lines)
        conn.executemany("INSERT INTO logq (redact) VALUES (?)", [(mid,) for mid in redact])


class ServerStore:
    """The engine's session store on :class:`StateDB`; writes wait for the current unit."""

    def __init__(self, db: StateStore) -> None:
        self.db = db
        self._local = threading.local()

    @contextmanager
    def unit(self, unit: Unit) -> Iterator[Unit]:
        """Collect this thread's session writes into ``unit`` (committed by the caller)."""
        self._local.unit = unit
        try:
            yield unit
        finally:
            self._local.unit = None

    def _current(self) -> Unit | None:
        return getattr(self._local, "unit", None)

    def get(self, channel: str, user: str) -> Session | None:
        unit = self._current()
        if unit is not None and (channel, user) in unit.sessions:
            return unit.sessions[(channel, user)][0].model_copy(deep=True)
        return self.db.get_session(channel, user)

    def put(self, session: Session, expected_version: int) -> Session:
        unit = self._current()
        key = (session.channel, session.user)
        if unit is None:
            session.version, session.updated_at = expected_version + 1, time.time()
            self.db.put_session(session, expected_version)
            return session
        staged = unit.sessions.get(key)
        base = staged[1] if staged is not None else expected_version
        # unstaged: the commit checks the stored version (one query less a turn)
        current = staged[0].version if staged is not None else expected_version
        if current != expected_version:
            raise ConflictError(f"session {session.channel}/{session.user} is at version "
                                f"{current}, expected {expected_version}: another worker "
                                "advanced it")
        session.version, session.updated_at = expected_version + 1, time.time()
        unit.sessions[key] = (session.model_copy(deep=True), base)
        return session

    def delete(self, channel: str, user: str) -> None:
        self.db.delete_session(channel, user)

    def __repr__(self) -> str:
        return f"ServerStore({self.db!r})"
