"""Session stores: where conversations live between messages.

:class:`SessionStore` is the interface a shared store (Redis, PostgreSQL) implements. Writes are
optimistic: ``put(session, expected_version)`` fails with :class:`igbot.ConflictError` when
another worker has written the same conversation since it was read, so two workers can never both
advance one conversation. :class:`SqliteStore` is the default (a file in the data dir);
:class:`MemoryStore` is for tests, notebooks and replays.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Protocol, runtime_checkable

import msgspec

from igbot._errors import ConflictError
from igbot._sqlite import connect
from igbot.engine._session import Session

__all__ = ["MemoryStore", "SessionStore", "SqliteStore"]

logger = logging.getLogger(__name__)

_MSGPACK_ENCODER = msgspec.msgpack.Encoder()
_MSGPACK_DECODER = msgspec.msgpack.Decoder(Session)


@runtime_checkable
class SessionStore(Protocol):
    """Get and put sessions by (channel, user), with an optimistic version check."""

    def get(self, channel: str, user: str) -> Session | None:
        """The stored session, or ``None`` for a new conversation."""
        ...

    def put(self, session: Session, expected_version: int) -> Session:
        """Store ``session`` if the stored version is still ``expected_version`` (0 for new).

        The caller sets ``session.updated_at`` (the engine stamps it with its clock).

        Returns the session with its new version; raises :class:`igbot.ConflictError` otherwise.
        """
        ...

    def delete(self, channel: str, user: str) -> None:
        """Forget a conversation."""
        ...


class MemoryStore:
    """Sessions in a dict (per process); same semantics as the SQLite store.

    A stored session is kept as MessagePack bytes: encoding on ``put`` and decoding on ``get``
    (about 0.6 us each) is the cheapest way to keep the stored copy apart from the objects the
    caller goes on changing (two deep copies of the objects cost more than three times that).
    """

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], tuple[int, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, channel: str, user: str) -> Session | None:
        entry = self._data.get((channel, user))
        return None if entry is None else _MSGPACK_DECODER.decode(entry[1])

    def put(self, session: Session, expected_version: int) -> Session:
        key = (session.channel, session.user)
        with self._lock:
            current = self._data.get(key)
            stored = 0 if current is None else current[0]
            if stored != expected_version:
                raise ConflictError(
                    f"session {session.channel}/{session.user} is at version {stored}, "
                    f"expected {expected_version}: another worker advanced it"
                )
            session.version = expected_version + 1
            self._data[key] = (session.version, _MSGPACK_ENCODER.encode(session))
        return session

    def delete(self, channel: str, user: str) -> None:
        with self._lock:
            self._data.pop((channel, user), None)

    def __len__(self) -> int:
        return len(self._data)


_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sessions (channel TEXT NOT NULL, user TEXT NOT NULL,"
    " version INTEGER NOT NULL, body TEXT NOT NULL, updated_at REAL NOT NULL,"
    " PRIMARY KEY (channel, user))",
]
"""The steps of a session file's schema (:func:`igbot._sqlite.migrate`), oldest first."""


class SqliteStore:
    """Sessions in a SQLite file (WAL mode), safe across threads and processes.

    Two things make it cheap per event (a get and a put cost about 11 us more than the memory
    store's, against 26 us when every read has its own transaction and every write its own
    commit; measured alone: a ``SELECT`` by key costs 4-8 us, ``PRAGMA data_version`` 2.5 us, an
    autocommitted ``UPDATE`` 20-25 us, the same ``UPDATE`` inside an open transaction 6-9 us):

    - **A read cache.** The bodies of the sessions this store read or wrote (and which users
      have none) are kept, up to ``cache_size`` of them. Whether another connection (another
      store, another process, the ``sqlite3`` shell) has committed since is asked of SQLite's
      ``PRAGMA data_version``, which changes exactly then; if it has, the whole cache is dropped.
      While this store's own write transaction is open nobody else can commit, so a read asks
      nothing at all.
    - **Group commit.** Writes go into one open transaction (``BEGIN IMMEDIATE``), committed
      when ``commit_every`` of them have gathered or ``commit_after`` seconds after the first of
      them, whichever comes first: by the next call past that time or by a background thread
      when the process is idle (an open write transaction keeps other writers of the file
      waiting, so it never stays open longer than that). :meth:`flush`, :meth:`close`, leaving a
      ``with`` block, the store being garbage collected and the interpreter exiting commit too.
      ``commit_every=1`` commits every write before ``put`` returns (no thread, nothing lost).
    - **Checkpoints off the callers' path.** With batching, the commit that fills the write-ahead
      log does not copy it back into the database file (milliseconds: two fsyncs); the commit
      thread does, on a connection of its own (:meth:`_SessionFile._checkpoint`).

    The optimistic check is unchanged: ``put`` runs its ``UPDATE ... WHERE version = ?`` in the
    transaction, against the file as it is (the write lock is held, so it is the latest state),
    and raises :class:`igbot.ConflictError` at once when another store advanced the session.

    **What a killed process loses.** Writes are in the file once committed (``synchronous=NORMAL``:
    a killed process loses no commit, a power cut may lose the latest). Writes not committed yet
    are lost when the process dies without running its exit handlers (``kill -9``, ``os._exit``,
    a crash, a ``SIGTERM`` nobody handles): at most the last ``commit_every`` puts or the last
    ``commit_after`` seconds of session updates; the conversations concerned go back to where
    they were a moment earlier. ``igbot serve`` does not use this store (its sessions commit
    with each event's unit, :mod:`igbot.server._state`).
    """

    def __init__(self, path: str | Path, *, commit_every: int = 64, commit_after: float = 0.05,
                 cache_size: int = 10_000) -> None:
        if commit_every < 1 or commit_after < 0 or cache_size < 0:
            raise ValueError("SqliteStore needs commit_every >= 1, commit_after >= 0 and "
                             "cache_size >= 0")
        self.path = Path(path)
        self._file = _SessionFile(
            connect(self.path, schema=_SCHEMA, synchronous="NORMAL", timeout=5), self.path,
            commit_every, commit_after, cache_size)
        self._finalizer = weakref.finalize(self, self._file.close)  # at exit or when collected

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._file.conn

    def get(self, channel: str, user: str) -> Session | None:
        body = self._file.get(channel, user)
        return None if body is None else Session.from_json(body)

    def put(self, session: Session, expected_version: int) -> Session:
        old_version = session.version
        session.version = expected_version + 1
        # JSON as text: sqlite3 binds a str (or int, float) as it is, while bytes go through its
        # adapter lookup first (3,000 machine instructions); rows written as bytes read alike
        body = session.to_json().decode()
        try:
            self._file.put(session.channel, session.user, expected_version, body,
                           session.updated_at)
        except BaseException:
            session.version = old_version
            raise
        return session

    def delete(self, channel: str, user: str) -> None:
        self._file.delete(channel, user)

    def flush(self) -> None:
        """Commit the writes waiting in the open transaction, if any."""
        self._file.flush()

    def close(self) -> None:
        """Commit what is waiting and close the database connection."""
        self._finalizer()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"


_SELECT = "SELECT rowid, body FROM sessions WHERE channel = ? AND user = ?"
_INSERT = "INSERT OR IGNORE INTO sessions VALUES (?, ?, ?, ?, ?)"
_UPDATE = ("UPDATE sessions SET version = ?, body = ?, updated_at = ?"
           " WHERE channel = ? AND user = ? AND version = ?")
_UPDATE_ROW = ("UPDATE sessions SET version = ?, body = ?, updated_at = ?"
               " WHERE rowid = ? AND channel = ? AND user = ? AND version = ?")
"""``_UPDATE`` for a row whose rowid the store knows: found by the table's own b-tree, without a
look-up in the (channel, user) index first (about 3,000 machine instructions less a write).
The key is checked too, so a rowid that no longer holds that session (which cannot happen while
the cache is current) matches nothing and reads as a conflict."""
_DELETE = "DELETE FROM sessions WHERE channel = ? AND user = ?"
_MISSING: tuple[int, bytes | str] = (0, b"")
"""What the cache answers for a session it does not hold (compared by identity)."""
_IDLE_WAKE = 1.0
"""Seconds the commit thread sleeps at most when nothing waits (it then looks whether its store
is still open)."""
_CHECKPOINT_PAGES = 1000
"""The write-ahead log's size, in pages, past which the commit thread checkpoints it (SQLite's
own ``wal_autocheckpoint`` default, which a batching store turns off on its connection)."""


class _SessionFile:
    """A :class:`SqliteStore`'s connection, read cache and open transaction.

    Apart from the store so that the commit thread and the exit handler can hold it without
    keeping the store alive. Every method takes ``lock`` (the commit thread too).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, commit_every: int,
                 commit_after: float, cache_size: int) -> None:
        self.conn = conn
        self.cursor = conn.cursor()  # one cursor for every statement: none made per call
        self.path = path
        self.commit_every = commit_every
        self.commit_after = commit_after
        self.cache_size = cache_size
        self.lock = threading.Lock()
        self.wake = threading.Event()  # set to wake the commit thread when it waits idle
        # (rowid, body) of the sessions read or written (rowid 0: not known); None: no such
        # session
        self.cache: dict[tuple[str, str], tuple[int, bytes | str] | None] = {}
        self.data_version = self._data_version()
        self.writes = 0  # in the open transaction
        self.due: float | None = None  # when the open transaction must commit (monotonic)
        self.closed = False
        self.close_requested = False
        self.thread: threading.Thread | None = None
        self.thread_idle = False  # the commit thread waits for a transaction to be opened
        # checkpoints: by the commit thread on a connection of its own, off the callers' path
        self.shm: int | None = None  # the wal-index file, read for the log's length
        self.checkpoint_frames = _CHECKPOINT_PAGES
        self.checkpoint_wanted = False
        self.checkpoints = 0  # how many the commit thread ran (tests read it)
        self.checkpointer: sqlite3.Connection | None = None  # the commit thread's connection
        if commit_every > 1:  # the commit thread checkpoints, not the commit that fills the log
            conn.execute("PRAGMA wal_autocheckpoint=0")

    # -- the cache ------------------------------------------------------------------------

    def _data_version(self) -> int:
        return int(self.cursor.execute("PRAGMA data_version").fetchone()[0])

    def _check_cache(self) -> None:
        """Drop the cache if another connection committed since the last look."""
        version = self._data_version()
        if version != self.data_version:
            self.data_version = version
            self.cache.clear()

    def _remember(self, key: tuple[str, str], entry: tuple[int, bytes | str] | None) -> None:
        if not self.cache_size:
            return
        cache = self.cache
        cache[key] = entry
        if len(cache) > self.cache_size:
            del cache[next(iter(cache))]  # the oldest entry

    # -- reads and writes -------------------------------------------------------------------

    def get(self, channel: str, user: str) -> bytes | str | None:
        key = (channel, user)
        with self.lock:
            if self.closed:
                self._open()
            if self.due is not None and time.monotonic() >= self.due:
                self._commit()
            if not self.conn.in_transaction:
                self._check_cache()  # in our own write transaction nobody else commits
            entry = self.cache.get(key, _MISSING)
            if entry is _MISSING:
                row = self.cursor.execute(_SELECT, key).fetchone()
                entry = None if row is None else (row[0], row[1])
                self._remember(key, entry)
            return None if entry is None else entry[1]

    def put(self, channel: str, user: str, expected: int, body: str, updated_at: float) -> None:
        key = (channel, user)
        with self.lock:
            due = self.due  # the common case inline: a transaction of ours is open, not due yet
            if due is None or not self.conn.in_transaction or time.monotonic() >= due:
                self._begin()
            # the row's id, when the cache holds it and is current: inside our own write
            # transaction (checked against PRAGMA data_version when it began; nobody else
            # commits until it ends), not in autocommit mode (commit_every=1)
            entry = self.cache.get(key) if self.due is not None else None
            cursor = self.cursor
            try:
                if expected == 0:
                    cursor.execute(_INSERT, (channel, user, 1, body, updated_at))
                    rowid = cursor.lastrowid
                elif entry is not None and entry[0]:
                    rowid = entry[0]
                    cursor.execute(_UPDATE_ROW, (expected + 1, body, updated_at, rowid, channel,
                                                 user, expected))
                else:
                    cursor.execute(_UPDATE, (expected + 1, body, updated_at, channel, user,
                                             expected))
                    rowid = 0  # not known (SQLite gives no row 0 of its own accord)
            except BaseException:
                self._after_error()
                raise
            if cursor.rowcount != 1:
                self.cache.pop(key, None)  # what we knew of it was out of date
                if not self.writes:
                    self._commit()  # a transaction with nothing in it holds no lock for nothing
                raise ConflictError(
                    f"session {channel}/{user} changed since version {expected}: another "
                    f"worker advanced it")
            self._remember(key, (rowid or 0, body))
            self.writes += 1
            if self.writes >= self.commit_every:
                self._commit()

    def delete(self, channel: str, user: str) -> None:
        with self.lock:
            self._begin()
            try:
                self.cursor.execute(_DELETE, (channel, user))
            except BaseException:
                self._after_error()
                raise
            self._remember((channel, user), None)
            self._wrote()

    def flush(self) -> None:
        with self.lock:
            self._open()
            self._commit()

    def close(self) -> None:
        if threading.current_thread() is self.thread:
            # the store was collected while the commit thread held the lock: it closes next
            self.close_requested = True
            return
        with self.lock:
            self._close()

    def _close(self) -> None:
        if self.closed:
            return
        try:
            self._commit()
        finally:
            self.closed = True
            self.wake.set()  # the commit thread ends
            self.conn.close()
            if self.shm is not None:
                os.close(self.shm)

    # -- the transaction (the caller holds the lock) ------------------------------------------

    def _open(self) -> None:
        if self.closed:
            raise sqlite3.ProgrammingError("Cannot operate on a closed SqliteStore.")

    def _begin(self) -> None:
        """Be inside a write transaction (opening one if none is open)."""
        self._open()
        if self.conn.in_transaction:
            if self.due is not None and time.monotonic() >= self.due:
                self._commit()
            else:
                return
        if self.commit_every == 1:
            return  # each write commits by itself
        self.cursor.execute("BEGIN IMMEDIATE")
        self._check_cache()  # the latest state now: nobody else commits until we do
        self.due = time.monotonic() + self.commit_after
        if self.thread is None:
            self.thread = threading.Thread(target=self._commit_when_due, daemon=True,
                                           name=f"igbot-sessions-commit-{id(self):x}")
            self.thread.start()
        elif self.thread_idle:
            self.wake.set()  # only then: waking a thread costs the caller a GIL hand-over

    def _wrote(self) -> None:
        self.writes += 1
        if self.writes >= self.commit_every:
            self._commit()

    def _commit(self) -> None:
        """Commit the open transaction; if that fails, its writes are rolled back (logged)."""
        self.due = None
        if self.conn.in_transaction:
            try:
                self.cursor.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                self._after_error()
                raise
            if (self.thread is not None and not self.checkpoint_wanted
                    and self.log_frames() >= self.checkpoint_frames):
                self.checkpoint_wanted = True
                self.wake.set()
        self.writes = 0

    def _after_error(self) -> None:
        """A statement failed: if SQLite ended the transaction, its writes are gone."""
        if not self.conn.in_transaction:
            if self.writes:
                logger.error("%d session writes were rolled back, not committed", self.writes)
            self.cache.clear()
            self.writes = 0
            self.due = None

    def log_frames(self) -> int:
        """How many frames the write-ahead log holds: ``mxFrame`` of the wal-index header
        (bytes 16-19 of the ``-shm`` file, native byte order; https://sqlite.org/walformat.html).

        The log file's size would not tell: SQLite rewrites a log from its start once it was
        wholly copied, and cutting the file back (``journal_size_limit``) makes every commit
        after that grow the file again, which costs more than writing over it.
        """
        try:
            if self.shm is None:
                self.shm = os.open(f"{self.path}-shm", os.O_RDONLY)
            return int.from_bytes(os.pread(self.shm, 4, 16), sys.byteorder)
        except OSError:
            return 0

    def _commit_when_due(self) -> None:
        """The commit thread: commits the open transaction when it is due, while the store is
        open, so that an idle process never keeps the file's write lock.

        It does not take the lock to look: under steady traffic the calls commit by themselves
        and the thread wakes about once per ``commit_after`` (at the due time it last saw, or
        once more between two transactions), finds a later one, and sleeps on. It is woken (an
        :class:`threading.Event`) only when a transaction opens while it waits idle (waking it
        costs the caller a hand-over of the GIL, so not once a transaction) and when a commit
        has filled the write-ahead log (:meth:`_checkpoint`).
        """
        try:
            self._commit_loop()
        finally:
            if self.checkpointer is not None:
                self.checkpointer.close()

    def _commit_loop(self) -> None:
        quiet = False  # no transaction the last time it looked: it may go idle
        while not self.closed:
            if self.close_requested:
                with self.lock:
                    self._close()
                return
            self.wake.clear()
            if self.checkpoint_wanted:  # looked at after clearing: a later request wakes it
                self._checkpoint()
                continue
            self.thread_idle = quiet
            due = self.due  # read after saying so: a transaction opened now sets the event
            if due is None:
                # between two transactions of steady traffic, look again once before idling
                self.wake.wait(_IDLE_WAKE if quiet else self.commit_after)
                self.thread_idle, quiet = False, True
                continue
            self.thread_idle = quiet = False
            left = due - time.monotonic()
            if left > 0:
                self.wake.wait(left)
                continue
            with self.lock:
                if not (self.closed or self.due is None or time.monotonic() < self.due):
                    try:
                        self._commit()
                    except Exception:  # no caller to raise it to: logged (and the writes too)
                        logger.exception("committing the session store failed")

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database file (the commit thread, when a commit
        left the log past :data:`_CHECKPOINT_PAGES`), on a connection of its own.

        SQLite would do it in the commit that filled the log, and that caller would wait for it
        (copying the pages, two fsyncs: milliseconds). Here the copy runs beside the callers;
        then, holding the lock, the thread commits what is waiting and copies the few pages
        written meanwhile, so that the log is wholly copied and the next write starts it afresh
        (a log never wholly copied would only grow).
        """
        self.checkpoint_wanted = False
        try:
            if self.checkpointer is None:
                self.checkpointer = connect(self.path, schema=_SCHEMA, synchronous="NORMAL",
                                            timeout=5)
            self.checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            with self.lock:
                if self.closed:
                    return
                self._commit()
                self.checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                # that commit saw the log still long (it restarts with the next write): no
                # second round for it
                self.checkpoint_wanted = False
            self.checkpoints += 1
        except Exception:  # no caller to raise it to; the next full log asks again
            logger.exception("checkpointing the session store failed")
