"""Everything the server keeps, in PostgreSQL: several ``igbot serve`` processes share it.

Tables (prefixed ``igbot_``, so the database can hold other things): ``inbox`` (raw bodies,
``routed`` once split into events), ``pending`` (events waiting, per conversation, in
timestamp order), ``events`` (processed dedupe keys), ``sessions``, ``outbox`` (Graph requests;
``attempts`` counts how often each left), ``dead_letters``, ``log`` (the conversation log: one
canonical line a row) and the send policy's ``policy_inbound`` / ``policy_comments``. The
schema is versioned (``igbot_schema``); :func:`upgrade` (``igbot db upgrade``) applies what is
missing, each migration in its own transaction under an advisory lock, so concurrent upgrades
are safe.

:class:`PgState` has the same methods as the SQLite :class:`~igbot.server._state.StateDB` (the
:class:`~igbot.server._storage.StateStore` interface); one event's effects commit in one
transaction, including the removal of its ``pending`` row.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from igbot._errors import ConflictError, IgbotError
from igbot.channel import PolicyStore
from igbot.engine import Session
from igbot.server._inbox import GroupCommit
from igbot.server._inbox import _redact_mid as redact_mid
from igbot.server._log import redacted
from igbot.server._state import LogLine, OutboxRow, Unit
from igbot.server._storage import StateStore

__all__ = ["MIGRATIONS", "DatabaseError", "PgInbox", "PgPolicyStore", "PgState", "TableLog",
           "bind", "connect_pool", "export_log",
           "is_postgres_url", "safe_url", "schema_version", "table_counts", "upgrade"]

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "igbot_work"
_UPGRADE_LOCK = 0x16B07DB  # pg_advisory_xact_lock key while migrating

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "the server's tables", """
CREATE TABLE igbot_inbox (id bigserial PRIMARY KEY, received_at double precision NOT NULL,
  body bytea NOT NULL, routed boolean NOT NULL DEFAULT false);
CREATE INDEX igbot_inbox_unrouted ON igbot_inbox (id) WHERE NOT routed;
CREATE TABLE igbot_pending (inbox_id bigint NOT NULL, idx integer NOT NULL,
  conversation text NOT NULL, ts bigint NOT NULL, key text NOT NULL,
  routed_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (inbox_id, idx));
CREATE INDEX igbot_pending_conversation ON igbot_pending (conversation, ts, inbox_id, idx);
CREATE TABLE igbot_events (key text PRIMARY KEY, inbox_id bigint, idx integer, kind text,
  processed_at double precision NOT NULL);
CREATE TABLE igbot_sessions (channel text NOT NULL, "user" text NOT NULL,
  version integer NOT NULL, body text NOT NULL, updated_at double precision NOT NULL,
  PRIMARY KEY (channel, "user"));
CREATE TABLE igbot_dead_letters (inbox_id bigint PRIMARY KEY, received_at double precision,
  reason text NOT NULL, body bytea);
CREATE TABLE igbot_outbox (id bigserial PRIMARY KEY, conversation text NOT NULL,
  endpoint text NOT NULL, body text NOT NULL, role text NOT NULL, meta text NOT NULL,
  state text NOT NULL, message_id text, error text, created_at double precision NOT NULL,
  attempted_at double precision, attempts integer NOT NULL DEFAULT 0);
CREATE INDEX igbot_outbox_open ON igbot_outbox (conversation, id)
  WHERE state IN ('pending', 'sending');
CREATE INDEX igbot_outbox_mid ON igbot_outbox (message_id);
CREATE TABLE igbot_log (seq bigserial PRIMARY KEY, conversation_id text NOT NULL,
  timestamp text NOT NULL, kind text NOT NULL, mid text, indexed_mid text, line text NOT NULL);
CREATE INDEX igbot_log_conversation ON igbot_log (conversation_id, seq);
CREATE INDEX igbot_log_indexed_mid ON igbot_log (indexed_mid) WHERE indexed_mid IS NOT NULL;
CREATE TABLE igbot_policy_inbound (person_id text PRIMARY KEY,
  last_ts double precision NOT NULL);
CREATE TABLE igbot_policy_comments (comment_id text PRIMARY KEY, person_id text,
  ts double precision NOT NULL, replied_ts double precision);
"""),
    (2, "Live comments told apart (private replies only during the broadcast)", """
ALTER TABLE igbot_policy_comments ADD COLUMN live boolean NOT NULL DEFAULT false;
"""),
    (3, "One statement commits an event: igbot_conflict() aborts it on a session conflict", """
CREATE FUNCTION igbot_conflict(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = what;
END $$;
"""),
]
"""``(version, what, SQL)``, applied in order; never edit one that shipped, add the next."""

LATEST = MIGRATIONS[-1][0]


class DatabaseError(IgbotError):
    """The database cannot be used: unreachable, or its schema is older/newer than this igbot."""


def is_postgres_url(url: str | None) -> bool:
    """Whether ``url`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """``url`` without its password (for messages and reprs)."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    host, port, db = info.get("host", ""), info.get("port", ""), info.get("dbname", "")
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}{':' + str(port) if port else ''}/{db}"


def _connect(url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to {safe_url(url)}: "
                            f"{str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__}"
                            ) from None


def schema_version(url: str) -> int:
    """The schema version of the database at ``url`` (0: no igbot tables yet)."""
    with _connect(url) as conn:
        return _version(conn)


def _version(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT to_regclass('igbot_schema')").fetchone()
    if row is None or row[0] is None:
        return 0
    got = conn.execute("SELECT max(version) FROM igbot_schema").fetchone()
    return int(got[0] or 0) if got else 0


def upgrade(url: str) -> tuple[int, int]:
    """Apply the missing migrations; ``(version before, version after)``.

    Raises:
        DatabaseError: unreachable, or the database is newer than this igbot.
    """
    with _connect(url) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_UPGRADE_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS igbot_schema (version integer PRIMARY KEY, "
                         "description text NOT NULL, applied_at timestamptz NOT NULL "
                         "DEFAULT now())")
            before = _version(conn)
        if before > LATEST:
            raise DatabaseError(f"{safe_url(url)} has schema version {before}, newer than this "
                                f"igbot's {LATEST}: upgrade igbot")
        for version, what, sql in MIGRATIONS:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_UPGRADE_LOCK,))
                if _version(conn) >= version:
                    continue
                conn.execute(sql)
                conn.execute("INSERT INTO igbot_schema (version, description) VALUES (%s, %s)",
                             (version, what))
                logger.info("database schema: applied version %d (%s)", version, what)
        return before, _version(conn)


def table_counts(url: str) -> dict[str, Any]:
    """The schema version and the row count of each igbot table (``igbot db status``)."""
    with _connect(url) as conn:
        version = _version(conn)
        out: dict[str, Any] = {"database": safe_url(url), "schema_version": version,
                               "latest": LATEST}
        if version:
            for table in ("inbox", "pending", "events", "sessions", "outbox", "dead_letters",
                          "log"):
                row = conn.execute(f"SELECT count(*) FROM igbot_{table}").fetchone()
                out[table] = int(row[0]) if row else 0
    return out


def export_log(url: str, path: str | Path) -> int:
    """Write the log table to ``path`` as JSON lines (igbot's log format); how many lines."""
    count = 0
    with _connect(url) as conn, open(path, "w", encoding="utf-8") as out:
        if not _version(conn):
            raise DatabaseError(f"{safe_url(url)} has no igbot tables (run `igbot db upgrade`)")
        with conn.transaction(), conn.cursor(name="igbot_export") as cur:
            cur.itersize = 5000
            cur.execute("SELECT line FROM igbot_log ORDER BY seq")
            for (line,) in cur:
                out.write(line + "\n")
                count += 1
    return count


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Commits after the inbox do not wait for the WAL flush (see :class:`PgState`)."""
    conn.execute("SET synchronous_commit TO off")


_bound = threading.local()


@contextmanager
def bind(conn: psycopg.Connection[Any], conversation: str | None = None) -> Iterator[None]:
    """Run this thread's :class:`PgState` and :class:`PgPolicyStore` statements on ``conn``
    (a worker's own autocommit connection) instead of checking one out of the pool each time.

    A worker binds its connection while it holds ``conversation``'s lock: what it learns of the
    conversation's person then (the time of their last message, see
    :meth:`PgPolicyStore.record_inbound`) stays true until the lock is released, with the
    binding. A time recorded then is written with the event's commit (:meth:`PgState.commit`);
    one no commit took is written when the binding ends.
    """
    before = getattr(_bound, "conn", None), getattr(_bound, "person", None)
    _bound.conn, _bound.person = conn, conversation
    _forget_inbound()
    try:
        yield
    finally:
        try:
            due = _take_inbound()
            if due is not None:
                conn.execute(_RECORD_INBOUND, due)
        except psycopg.Error as exc:  # its event was not committed either: it runs again
            logger.warning("a person's inbound time could not be written (%s)",
                           type(exc).__name__)
        finally:
            (_bound.conn, _bound.person) = before
            _forget_inbound()


def _forget_inbound() -> None:
    """Drop what this thread knows of its person's last inbound time."""
    _bound.known, _bound.inbound, _bound.due = False, None, None


def _take_inbound() -> tuple[str, float] | None:
    """The bound person's inbound time recorded but not yet written (the caller writes it)."""
    due: float | None = getattr(_bound, "due", None)
    _bound.due = None
    return None if due is None else (_bound.person, due)


def _keep_inbound(due: tuple[str, float] | None) -> None:
    """Put back an inbound time :func:`_take_inbound` gave whose write failed."""
    if due is not None and due[0] == getattr(_bound, "person", None):
        _bound.due = due[1] if _bound.due is None else max(_bound.due, due[1])


def _use(pool: ConnectionPool) -> AbstractContextManager[psycopg.Connection[Any]]:
    """The connection bound to this thread (:func:`bind`), else one from ``pool``."""
    conn = getattr(_bound, "conn", None)
    return nullcontext(conn) if conn is not None else pool.connection()


def connect_pool(url: str, size: int, *, check_schema: bool = True) -> ConnectionPool:
    """A connection pool on ``url`` (autocommit connections), opened and checked.

    Raises:
        DatabaseError: unreachable, or the schema is not at this igbot's version (says to run
            ``igbot db upgrade``).
    """
    if check_schema:
        found = schema_version(url)
        if found != LATEST:
            hint = ("run `igbot db upgrade --database URL` first" if found < LATEST
                    else "this igbot is older than the database: upgrade igbot")
            raise DatabaseError(f"{safe_url(url)} has schema version {found}, this igbot needs "
                                f"{LATEST}: {hint}")
    pool = ConnectionPool(url, min_size=2, max_size=max(2, size), open=False,
                          kwargs={"autocommit": True}, name="igbot", configure=_configure)
    try:
        pool.open(wait=True, timeout=15)
    except Exception as exc:
        pool.close()
        raise DatabaseError(f"cannot open a connection pool on {safe_url(url)}: {exc}") from None
    return pool


def _log_rows(lines: list[LogLine]) -> list[tuple[str, str, str, str | None, str | None, str]]:
    rows = []
    for line, indexed in lines:
        data = json.loads(line)
        rows.append((data["conversation_id"], data["timestamp"], data["kind"], data.get("mid"),
                     indexed, line))
    return rows


def _json_rows(rows: list[tuple[Any, ...]] | list[list[Any]]) -> str:
    """Rows as one JSON array of arrays: one parameter (``json_array_elements``) instead of an
    array parameter a column, which psycopg dumps element by element in Python."""
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


_RECORD_INBOUND = ("INSERT INTO igbot_policy_inbound VALUES (%s, %s) ON CONFLICT (person_id) DO "
                   "UPDATE SET last_ts = greatest(igbot_policy_inbound.last_ts, excluded.last_ts)")
"""A person's latest inbound time, kept if an earlier one arrives later."""

_INSERT_LOG = ("INSERT INTO igbot_log (conversation_id, timestamp, kind, mid, indexed_mid, line) "
               "VALUES (%s, %s, %s, %s, %s, %s)")
_LOG_FROM_JSON = (
    "INSERT INTO igbot_log (conversation_id, timestamp, kind, mid, indexed_mid, line) "
    "SELECT j->>'conversation_id', j->>'timestamp', j->>'kind', j->>'mid', x->>1, l "
    "FROM json_array_elements(%s::json) WITH ORDINALITY AS g(x, n), "
    "LATERAL (SELECT x->>0, (x->>0)::json) AS t(l, j) WHERE {guard} ORDER BY n")
"""The log lines ``[[line, indexed_mid], ...]``; PostgreSQL reads the columns from each line."""

_COMMIT = f"""
WITH ev AS (
  INSERT INTO igbot_events VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1),
pend AS (DELETE FROM igbot_pending WHERE inbox_id = %s AND idx = %s),
ses AS (SELECT x->>0 AS c, x->>1 AS u, (x->>2)::integer AS v, x->>3 AS b,
  (x->>4)::integer AS e FROM json_array_elements(%s::json) AS g(x)),
ins AS (
  INSERT INTO igbot_sessions SELECT c, u, v, b, %s FROM ses
  WHERE e = 0 AND EXISTS (SELECT 1 FROM ev) ON CONFLICT DO NOTHING RETURNING 1),
upd AS (
  UPDATE igbot_sessions SET version = ses.v, body = ses.b, updated_at = %s FROM ses
  WHERE ses.e <> 0 AND channel = ses.c AND "user" = ses.u AND version = ses.e
  AND EXISTS (SELECT 1 FROM ev) RETURNING 1),
ob AS (
  INSERT INTO igbot_outbox (conversation, endpoint, body, role, meta, state, created_at,
    attempted_at, attempts)
  SELECT x->>0, x->>1, x->>2, x->>3, x->>4, CASE WHEN n = 1 THEN 'sending' ELSE 'pending' END,
    %s, CASE WHEN n = 1 THEN %s::double precision END, (n = 1)::integer
  FROM json_array_elements(%s::json) WITH ORDINALITY AS o(x, n)
  WHERE EXISTS (SELECT 1 FROM ev) ORDER BY n RETURNING id),
lg AS ({_LOG_FROM_JSON.format(guard="EXISTS (SELECT 1 FROM ev)")}),
pin AS ({_RECORD_INBOUND.replace("VALUES (%s, %s)", "SELECT %s, %s WHERE %s::text IS NOT NULL")})
SELECT EXISTS (SELECT 1 FROM ev),
  CASE WHEN EXISTS (SELECT 1 FROM ev)
    AND (SELECT count(*) FROM ins) + (SELECT count(*) FROM upd) <> %s
  THEN igbot_conflict('igbot: a session changed since the event read it') END,
  ARRAY(SELECT id FROM ob ORDER BY id)
"""
"""One event's effects in one statement (so one round trip, atomic in autocommit): the dedupe
key first; the sessions, outbox rows and log lines (JSON arrays) only if it was new; a session
whose version moved aborts the whole statement (``igbot_conflict``, SQLSTATE 40001). The
first outbox row is stored ``sending`` (its send is the worker's next step: see
:meth:`PgState.mark_sending`). The person's inbound time the policy recorded (if any) goes with
it whether the key was new or not, as a statement of its own wrote it before."""

_FINISH = f"""
WITH done AS (
  UPDATE igbot_outbox SET state = %s, message_id = %s, error = %s
  WHERE id = %s AND state IN ('pending', 'sending') RETURNING id),
lg AS ({_LOG_FROM_JSON.format(guard="EXISTS (SELECT 1 FROM done)")})
SELECT count(*) FROM done
"""


class _Duplicate(Exception):
    """The unit's event was committed by another worker first."""


class PgState(StateStore):
    """The server's state in PostgreSQL (see the module docstring); thread-safe.

    Only the inbox's commits wait for the WAL flush (``synchronous_commit`` on: a body Meta
    heard 200 for is on disk). The workers' commits do not (``off``): a worker that dies loses
    nothing it committed (PostgreSQL has it), and if PostgreSQL itself crashes, the last
    ~``wal_writer_delay`` (200 ms) of processing is redone from the inbox, which may repeat
    those replies. Set ``synchronous_commit = on`` for the role to trade throughput for that.
    """

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self.pool = pool
        self.url = url
        self.log_ready = threading.Condition(threading.Lock())
        self._hints = threading.local()

    def __repr__(self) -> str:
        return f"PgState({safe_url(self.url)!r})"

    def close(self) -> None:
        """Nothing of its own to close (the pool is the server's)."""

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read query (``%s`` placeholders)."""
        with _use(self.pool) as conn:
            return conn.execute(sql, args).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection inside a transaction (rolled back on error)."""
        with _use(self.pool) as conn, conn.transaction():
            yield conn

    # -- what a worker already knows -------------------------------------------------------

    def know(self, key: str | None = None,
             session: tuple[str, str, str | None] | None = None,
             inbound: tuple[str, float | None] | None = None) -> None:
        """Tell this thread's next :meth:`seen` of ``key`` that it is not processed, its
        next :meth:`get_session` of ``(channel, user)`` the stored body (None: no session),
        and the send policy the bound person's stored inbound time ``(person, time or None)``.

        A worker read them with the event, holding its conversation's lock; the key and the
        session are used once. A stale one costs nothing but a retry: the commit checks the
        dedupe key and the session's version again. The inbound time stays true while the
        lock is held (:func:`bind`): only the holder writes it.
        """
        if key is not None:
            self._unseen().add(key)
        if session is not None:
            self._sessions()[(session[0], session[1])] = session[2]
        if inbound is not None and inbound[0] == getattr(_bound, "person", None):
            due, stored = getattr(_bound, "due", None), inbound[1]
            _bound.known = True
            _bound.inbound = stored if due is None else max(due, stored or due)

    def forget(self) -> None:
        """Drop this thread's hints (its conversation lock is released)."""
        self._hints.unseen, self._hints.sessions, self._hints.removed = set(), {}, None
        self._hints.marked = None

    def _unseen(self) -> set[str]:
        found: set[str] | None = getattr(self._hints, "unseen", None)
        if found is None:
            found = self._hints.unseen = set()
        return found

    def _sessions(self) -> dict[tuple[str, str], str | None]:
        found: dict[tuple[str, str], str | None] | None = getattr(self._hints, "sessions", None)
        if found is None:
            found = self._hints.sessions = {}
        return found

    def removed_pending(self, inbox_id: int, idx: int) -> bool:
        """Whether this thread's last commit removed the event's ``pending`` row (once)."""
        got = getattr(self._hints, "removed", None) == (inbox_id, idx)
        self._hints.removed = None
        return got

    # -- sessions --------------------------------------------------------------------------

    def get_session(self, channel: str, user: str) -> Session | None:
        sessions = self._sessions()
        if (channel, user) in sessions:
            body = sessions.pop((channel, user))
            return None if body is None else Session.model_validate_json(body)
        rows = self.query('SELECT body FROM igbot_sessions WHERE channel = %s AND "user" = %s',
                          (channel, user))
        return Session.model_validate_json(rows[0][0]) if rows else None

    def session_version(self, channel: str, user: str) -> int:
        rows = self.query('SELECT version FROM igbot_sessions WHERE channel = %s AND "user" = %s',
                          (channel, user))
        return int(rows[0][0]) if rows else 0

    def put_session(self, session: Session, expected: int) -> None:
        with self.transaction() as conn:
            self._write_session(conn, session, expected)

    @staticmethod
    def _write_session(conn: psycopg.Connection[Any], session: Session, expected: int) -> None:
        body = session.model_dump_json()
        if expected == 0:
            cur = conn.execute("INSERT INTO igbot_sessions VALUES (%s, %s, %s, %s, %s) "
                               "ON CONFLICT DO NOTHING",
                               (session.channel, session.user, session.version, body,
                                time.time()))
        else:
            cur = conn.execute('UPDATE igbot_sessions SET version = %s, body = %s, '
                               'updated_at = %s WHERE channel = %s AND "user" = %s '
                               'AND version = %s',
                               (session.version, body, time.time(), session.channel,
                                session.user, expected))
        if cur.rowcount != 1:
            raise ConflictError(f"session {session.channel}/{session.user} changed since "
                                f"version {expected}: another worker advanced it")

    def delete_session(self, channel: str, user: str) -> None:
        with self.transaction() as conn:
            conn.execute('DELETE FROM igbot_sessions WHERE channel = %s AND "user" = %s',
                         (channel, user))

    # -- events and units ------------------------------------------------------------------

    def seen(self, key: str) -> bool:
        unseen = self._unseen()
        if key in unseen:
            unseen.discard(key)
            return False
        return bool(self.query("SELECT 1 FROM igbot_events WHERE key = %s", (key,)))

    def commit(self, unit: Unit) -> list[OutboxRow] | None:
        if unit.key is None or unit.redact:
            return self._commit_in_steps(unit)
        now = time.time()
        sessions = [(s, s.model_dump_json(), expected) for s, expected in unit.sessions.values()]
        due = _take_inbound()
        person, inbound = due or (None, None)
        try:
            with _use(self.pool) as conn:
                row = conn.execute(_COMMIT, (
                    unit.key, unit.inbox_id, unit.idx, unit.kind, now, unit.inbox_id, unit.idx,
                    _json_rows([(s.channel, s.user, s.version, body, expected)
                                for s, body, expected in sessions]), now, now,
                    now, now, _json_rows([(r.conversation, r.endpoint, r.stored_body(), r.role,
                                      r.stored_meta()) for r in unit.outbox]),
                    _json_rows(unit.log), person, inbound, person, len(sessions))).fetchone()
        except BaseException as exc:
            _keep_inbound(due)  # not written: the next commit, or the end of the binding, does
            if isinstance(exc, psycopg.errors.SerializationFailure):
                self.forget()  # the statement wrote nothing: the event runs again
                raise ConflictError("a session of this event changed since the event read "
                                    "it: another worker advanced it") from None
            raise
        assert row is not None
        self._hints.removed = (unit.inbox_id, unit.idx)
        if not row[0]:
            return None
        known = self._sessions()
        for session, body, _expected in sessions:
            known[(session.channel, session.user)] = body
        rows = [replace(r, id=int(i)) for r, i in zip(unit.outbox, row[2], strict=True)]
        if rows:
            rows[0].state = "sending"
            self._hints.marked = rows[0].id
        return rows

    def _commit_in_steps(self, unit: Unit) -> list[OutboxRow] | None:
        """:meth:`commit` for an API call's unit (no dedupe key) or one with redactions."""
        now = time.time()
        rows: list[OutboxRow] = []
        due = _take_inbound()
        try:
            with _use(self.pool) as conn:
                if due is not None:  # as its own statement wrote it before, whatever follows
                    conn.execute(_RECORD_INBOUND, due)
        except BaseException:
            _keep_inbound(due)
            raise
        try:
            with _use(self.pool) as conn, conn.transaction():
                if unit.key is not None:
                    cur = conn.execute("INSERT INTO igbot_events VALUES (%s, %s, %s, %s, %s) "
                                       "ON CONFLICT DO NOTHING",
                                       (unit.key, unit.inbox_id, unit.idx, unit.kind, now))
                    if cur.rowcount != 1:
                        raise _Duplicate
                if unit.inbox_id is not None and unit.idx is not None:
                    conn.execute("DELETE FROM igbot_pending WHERE inbox_id = %s AND idx = %s",
                                 (unit.inbox_id, unit.idx))
                for session, expected in unit.sessions.values():
                    self._write_session(conn, session, expected)
                for row in unit.outbox:
                    got = conn.execute(
                        "INSERT INTO igbot_outbox (conversation, endpoint, body, role, meta, "
                        "state, created_at) VALUES (%s, %s, %s, %s, %s, 'pending', %s) "
                        "RETURNING id",
                        (row.conversation, row.endpoint, row.stored_body(), row.role,
                         row.stored_meta(), now)).fetchone()
                    rows.append(replace(row, id=int(got[0]) if got else 0))
                self._write_log(conn, unit.log, unit.redact)
        except _Duplicate:
            return None
        except ConflictError:
            self.forget()
            raise
        return rows

    def done_pending(self, inbox_id: int, idx: int) -> None:
        """Drop an event's ``pending`` row (it was processed already, or given up on)."""
        with _use(self.pool) as conn:
            conn.execute("DELETE FROM igbot_pending WHERE inbox_id = %s AND idx = %s",
                         (inbox_id, idx))

    def mark_done(self, inbox_id: int) -> None:
        """Nothing to do: an entry is done when it is routed and none of its events pend."""

    def is_done(self, inbox_id: int) -> bool:
        rows = self.query("SELECT routed FROM igbot_inbox WHERE id = %s", (inbox_id,))
        if not rows or not rows[0][0]:
            return False
        return not self.query("SELECT 1 FROM igbot_pending WHERE inbox_id = %s LIMIT 1",
                              (inbox_id,))

    def dead_letter(self, inbox_id: int, received_at: float, reason: str, body: bytes) -> None:
        with self.transaction() as conn:
            self.dead_letter_in(conn, inbox_id, received_at, reason, body)

    @staticmethod
    def dead_letter_in(conn: psycopg.Connection[Any], inbox_id: int, received_at: float,
                       reason: str, body: bytes) -> None:
        """Record a dead letter inside the caller's transaction."""
        conn.execute("INSERT INTO igbot_dead_letters VALUES (%s, %s, %s, %s) ON CONFLICT "
                     "(inbox_id) DO UPDATE SET reason = excluded.reason",
                     (inbox_id, received_at, reason, body))

    def dead_letters(self) -> list[dict[str, Any]]:
        return [{"inbox_id": r[0], "received_at": r[1], "reason": r[2], "body": bytes(r[3])}
                for r in self.query("SELECT * FROM igbot_dead_letters ORDER BY inbox_id")]

    def inbox_id_of(self, key: str) -> int | None:
        rows = self.query("SELECT inbox_id FROM igbot_events WHERE key = %s", (key,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    # -- outbox ----------------------------------------------------------------------------

    def unsent(self, conversation: str | None = None) -> list[OutboxRow]:
        where = "state IN ('pending', 'sending')"
        args: tuple[Any, ...] = ()
        if conversation is not None:
            where += " AND conversation = %s"
            args = (conversation,)
        return [OutboxRow.stored(*r)
                for r in self.query("SELECT id, conversation, endpoint, body, role, meta, state "
                                    f"FROM igbot_outbox WHERE {where} ORDER BY id", args)]

    def mark_sending(self, row_id: int) -> None:
        """The request is about to leave: after a crash its outcome is unknown.

        The first request of an event this thread just committed was stored ``sending``
        already (:data:`_COMMIT`: one statement less an event); a worker that dies between that
        commit and the send leaves it for the next one to send as possibly sent, so
        ``attempts`` may count one send that never left (as it counts one the policy refused),
        never fewer than left.
        """
        if getattr(self._hints, "marked", None) == row_id:
            self._hints.marked = None
            return
        with _use(self.pool) as conn:
            conn.execute("UPDATE igbot_outbox SET state = 'sending', attempted_at = %s, "
                         "attempts = attempts + 1 WHERE id = %s", (time.time(), row_id))

    def finish(self, row_id: int, state: str, message_id: str | None = None,
               error: str | None = None, log: list[LogLine] | None = None) -> bool:
        with _use(self.pool) as conn:
            row = conn.execute(_FINISH, (state, message_id, error, row_id,
                                         _json_rows(log or []))).fetchone()
        return bool(row and row[0])

    def is_our_message(self, mid: str) -> bool:
        return bool(self.query("SELECT 1 FROM igbot_outbox WHERE message_id = %s", (mid,)))

    def repeated_sends(self) -> int:
        """Requests that left more than once (a worker died with them on the wire)."""
        rows = self.query("SELECT coalesce(sum(attempts - 1), 0) FROM igbot_outbox "
                          "WHERE attempts > 1")
        return int(rows[0][0])

    # -- the log ---------------------------------------------------------------------------

    def queue_log(self, lines: list[LogLine], redact: tuple[str, ...] | list[str] = ()) -> None:
        with self.transaction() as conn:
            self._write_log(conn, lines, redact)

    def log_pending(self) -> bool:
        """Lines committed but not yet in the log: never here (the log is a table)."""
        return False

    @staticmethod
    def _write_log(conn: psycopg.Connection[Any], lines: list[LogLine],
                   redact: tuple[str, ...] | list[str]) -> None:
        if lines:
            with conn.cursor() as cur:
                cur.executemany(_INSERT_LOG, _log_rows(lines))
        for mid in redact:
            found = conn.execute("SELECT seq, line FROM igbot_log WHERE indexed_mid = %s",
                                 (mid,)).fetchall()
            if not found:
                logger.info("deleted message %s is not in the log", mid)
            for seq, line in found:
                conn.execute("UPDATE igbot_log SET line = %s WHERE seq = %s",
                             (redacted(line).rstrip(" "), seq))

    def log_lines(self, after: int = 0, batch: int = 5000) -> Iterator[tuple[int, str]]:
        """``(seq, line)`` of the log in order, from ``seq > after``."""
        last = after
        while True:
            rows = self.query("SELECT seq, line FROM igbot_log WHERE seq > %s ORDER BY seq "
                              "LIMIT %s", (last, batch))
            if not rows:
                return
            for seq, line in rows:
                last = seq
                yield int(seq), str(line)


_INBOX_MANY = (
    "INSERT INTO igbot_inbox (received_at, body) SELECT %s, substring(%b::bytea FROM o FOR n) "
    "FROM unnest(%s::text::integer[], %s::text::integer[]) WITH ORDINALITY AS t(o, n, i) "
    "ORDER BY i RETURNING id")
"""A batch of bodies as one parameter (the bodies one after another) and their offsets and
lengths as two short texts: psycopg dumps a ``bytea[]`` parameter element by element in Python,
and this statement runs before every 200."""


class PgInbox(GroupCommit):
    """The durable inbox in ``igbot_inbox`` with group commit (one writer thread).

    The same interface as the SQLite :class:`~igbot.server._inbox.Inbox` (both are a
    :class:`~igbot.server._inbox.GroupCommit`): :meth:`append` and :meth:`store` answer once
    the body is committed. A batch is one autocommit ``INSERT`` on a connection of the
    inbox's own with ``synchronous_commit`` on (on disk before the 200; the pool's connections
    do not wait for the flush): one statement, one round trip. It notifies nobody: the server's
    own router is woken in the process (``on_committed``) and routes every server's rows.
    """

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        super().__init__()
        self.pool, self.url = pool, url
        self._conn: psycopg.Connection[Any] | None = None
        self._conn_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PgInbox({safe_url(self.url)!r})"

    def append_now(self, body: bytes) -> int:
        """Store ``body`` synchronously; its id."""
        return self._write(time.time(), [bytes(body)])[0]

    def close(self) -> None:
        self.stop()
        with self._conn_lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _write(self, now: float, bodies: list[bytes]) -> list[int]:
        offsets, lengths, at = [], [], 1
        for body in bodies:
            offsets.append(str(at))
            lengths.append(str(len(body)))
            at += len(body)
        args = (now, b"".join(bodies), "{" + ",".join(offsets) + "}",
                "{" + ",".join(lengths) + "}")
        with self._conn_lock:
            conn = self._conn
            if conn is None or conn.closed:
                conn = self._conn = psycopg.connect(
                    self.url, autocommit=True, connect_timeout=10,
                    options="-c synchronous_commit=on")
            try:
                rows = conn.execute(_INBOX_MANY, args).fetchall()
            except psycopg.OperationalError:
                conn.close()  # reconnect for the next batch; this one is answered 500
                self._conn = None
                raise
        return sorted(int(r[0]) for r in rows)

    def redact(self, inbox_id: int, mid: str) -> None:
        """Remove the text and attachments of message ``mid`` from a stored body."""
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute("SELECT body FROM igbot_inbox WHERE id = %s FOR UPDATE",
                               (inbox_id,)).fetchone()
            if row is None:
                return
            try:
                data = json.loads(bytes(row[0]))
            except ValueError:
                return
            if redact_mid(data, mid):
                conn.execute("UPDATE igbot_inbox SET body = %s WHERE id = %s",
                             (json.dumps(data, separators=(",", ":")).encode(), inbox_id))

    def get(self, inbox_id: int) -> bytes | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT body FROM igbot_inbox WHERE id = %s",
                               (inbox_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def __len__(self) -> int:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT count(*) FROM igbot_inbox").fetchone()
        return int(row[0]) if row else 0


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class PgPolicyStore(PolicyStore):
    """The send policy's 24 h windows and private replies in PostgreSQL (shared by workers)."""

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self.pool, self.url = pool, url

    def __repr__(self) -> str:
        return f"PgPolicyStore({safe_url(self.url)!r})"

    def record_inbound(self, person_id: str, at: datetime) -> None:
        """Record it. A worker holding the person's conversation (:func:`bind`) that knows the
        stored time (:meth:`PgState.know`) keeps the later of the two and writes it with the
        event's commit (one statement less an event); otherwise it is written now and the
        stored time remembered, so the check of the reply asks the database nothing."""
        ts = at.timestamp()
        if person_id == getattr(_bound, "person", None) and getattr(_bound, "known", False):
            _bound.inbound = ts if _bound.inbound is None else max(_bound.inbound, ts)
            _bound.due = ts if _bound.due is None else max(_bound.due, ts)
            return
        with _use(self.pool) as conn:
            row = conn.execute(_RECORD_INBOUND + " RETURNING last_ts",
                               (person_id, ts)).fetchone()
        if row is not None and person_id == getattr(_bound, "person", None):
            _bound.known, _bound.inbound = True, float(row[0])

    def last_inbound(self, person_id: str) -> datetime | None:
        if person_id == getattr(_bound, "person", None) and getattr(_bound, "known", False):
            return _ts(_bound.inbound)
        with _use(self.pool) as conn:
            row = conn.execute("SELECT last_ts FROM igbot_policy_inbound WHERE person_id = %s",
                               (person_id,)).fetchone()
        return _ts(row[0]) if row else None

    def record_comment(self, comment_id: str, person_id: str | None, at: datetime,
                       live: bool = False) -> None:
        with _use(self.pool) as conn:
            conn.execute("INSERT INTO igbot_policy_comments (comment_id, person_id, ts, replied_ts, live) "
                         "VALUES (%s, %s, %s, NULL, %s) ON CONFLICT DO NOTHING",
                         (comment_id, person_id, at.timestamp(), live))

    def is_live_comment(self, comment_id: str) -> bool:
        with _use(self.pool) as conn:
            row = conn.execute("SELECT live FROM igbot_policy_comments WHERE comment_id = %s",
                               (comment_id,)).fetchone()
        return bool(row and row[0])

    def comment(self, comment_id: str) -> tuple[datetime, datetime | None] | None:
        with _use(self.pool) as conn:
            row = conn.execute("SELECT ts, replied_ts FROM igbot_policy_comments "
                               "WHERE comment_id = %s", (comment_id,)).fetchone()
        if row is None:
            return None
        return datetime.fromtimestamp(row[0], UTC), _ts(row[1])

    def mark_private_reply(self, comment_id: str, at: datetime) -> bool:
        with _use(self.pool) as conn, conn.transaction():
            conn.execute("INSERT INTO igbot_policy_comments (comment_id, person_id, ts) "
                         "VALUES (%s, NULL, %s) ON CONFLICT DO NOTHING", (comment_id, at.timestamp()))
            cur = conn.execute("UPDATE igbot_policy_comments SET replied_ts = %s "
                               "WHERE comment_id = %s AND replied_ts IS NULL",
                               (at.timestamp(), comment_id))
            return cur.rowcount == 1


class TableLog:
    """The conversation log on PostgreSQL: lines are rows of ``igbot_log``, committed with their
    event, so there is no writer to run (the same ``start``/``stop``/``written`` as
    :class:`~igbot.server._log.ConversationLog`)."""

    def __init__(self, db: PgState) -> None:
        self.db = db

    def __repr__(self) -> str:
        return f"TableLog({self.db!r})"

    def start(self) -> TableLog:
        return self

    def stop(self) -> None:
        """Nothing to flush."""

    @property
    def written(self) -> int:
        """Lines in the log (all servers)."""
        return int(self.db.query("SELECT count(*) FROM igbot_log")[0][0])
