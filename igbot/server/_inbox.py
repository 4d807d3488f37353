"""The durable inbox: every signed webhook body, on disk before Meta hears 200.

``<data-dir>/inbox.sqlite`` (WAL, ``synchronous=FULL``: each commit is fsync'd) holds the raw
bodies in arrival order. One writer thread owns the writes and commits whatever has queued up
since its last commit in one transaction (group commit): under load many posts share one
fsync, and an idle server still commits each post at once.

:class:`GroupCommit` is that writer, whatever the database (the PostgreSQL inbox uses it too).
It is on the path of every acknowledged post, so it is frugal with the interpreter: a request
handler awaits an asyncio future (:meth:`GroupCommit.store`), and one commit wakes the event
loop once for its whole batch (one ``call_soon_threadsafe``), not once a post.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Self

from igbot._sqlite import connect

__all__ = ["GroupCommit", "Inbox", "InboxEntry"]

logger = logging.getLogger(__name__)

MAX_GROUP = 512
INTAKE_FIRST = 0.02
"""Seconds a processing thread gives way to posts waiting for their 200, at most, per event."""

INTAKE_LAG = 0.002
"""Seconds a commit's answers may wait for the event loop before the intake counts as short
of CPU (or of the interpreter lock): then processing gives way while posts wait."""

INTAKE_STARVED = 0.05
"""Seconds the intake counts as short of CPU after one late answer."""

YIELD_POLL = 0.002
"""Seconds between looks at the intake's waiting posts from a processing process."""

InboxEntry = tuple[int, float, bytes]
"""``(id, received_at, body)``."""

_Waiter = Future[int] | asyncio.Future[int]
_SCHEMA = ["CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, "
           "received_at REAL NOT NULL, body BLOB NOT NULL)"]


def _settle(batch: list[tuple[asyncio.Future[int], int | BaseException]]) -> None:
    """Resolve a batch's asyncio futures (in their loop's thread)."""
    for future, outcome in batch:
        if future.done():  # the handler was cancelled (client gone): nothing to tell
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


class GroupCommit(ABC):
    """A writer thread that stores queued bodies, a batch per transaction (group commit).

    Subclasses write a batch (:meth:`_write`) and may queue other operations
    (:meth:`_other`). Attributes ``commits`` and ``stored`` count batches and bodies.
    """

    MAX_GROUP = MAX_GROUP

    def __init__(self) -> None:
        self.on_stored: Callable[[int, float, bytes], None] | None = None
        self.on_committed: Callable[[int], None] | None = None  # the batch's last id, once
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.stored = 0
        self.waiting = 0  # posts waiting for their 200 (changed by the event loop only)
        self._quiet = threading.Event()  # set while no post waits
        self._quiet.set()
        self._late = -1.0  # time.monotonic() when a commit's answers last reached the loop late
        self._turn = threading.Lock()  # held by the processing thread giving way
        # a shared ``ctypes`` int (``.value``) mirroring ``waiting`` for a processing process
        self.shared_waiting: Any = None

    @abstractmethod
    def _write(self, now: float, bodies: list[bytes]) -> list[int]:
        """Store ``bodies`` (received at ``now``) in one transaction; their ids, in order."""

    def _other(self, op: tuple[Any, ...]) -> None:
        """Run a queued operation that is not an append."""
        raise ValueError(f"unknown inbox operation {op[0]!r}")

    def start(self) -> Self:
        """Start the writer thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="igbot-inbox", daemon=True)
            self._thread.start()
        return self

    def append(self, body: bytes) -> Future[int]:
        """Queue ``body``; the future gives its id once it is durably stored."""
        future: Future[int] = Future()
        self._put(body, future)
        return future

    async def store(self, body: bytes) -> int:
        """Store ``body`` (queued for the next group commit); its id once it is durable."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._put(body, future)
        if not self.waiting:
            self._quiet.clear()
        self.waiting += 1
        shared = self.shared_waiting
        if shared is not None:
            shared.value = self.waiting
        try:
            return await future
        finally:
            self.waiting -= 1
            if shared is not None:
                shared.value = self.waiting
            if not self.waiting:
                self._quiet.set()

    def yield_to_intake(self, limit: float = INTAKE_FIRST) -> None:
        """Wait (without the interpreter lock) while posts wait for their 200, up to ``limit`` s.

        Processing threads call it before each piece of work. One process has one
        interpreter lock: a worker running the engine or a Graph call holds the lock the
        event loop needs to answer Meta. They give way while posts wait and the intake is
        short of CPU: a commit's answers reached the event loop more than :data:`INTAKE_LAG`
        seconds late in the last :data:`INTAKE_STARVED` seconds (the loop waited for the
        interpreter lock or for the CPU). With CPU to spare they do not wait: waiting for the
        database's flush is no reason to hold processing back. The threads give way one at
        a time, so under overload processing as a whole goes on with one piece of work every
        ``limit`` seconds, whatever the number of threads (each thread waiting ``limit`` on
        its own let four workers take most of a small CPU quota). Under a burst the answers
        go first and processing catches up from the durable inbox after.

        In a processing process (no writer thread here, :attr:`shared_waiting` set by the
        intake process) it reads the intake's count, every :data:`YIELD_POLL` seconds.
        """
        shared = self.shared_waiting
        if shared is not None and self._thread is None:
            deadline = time.monotonic() + limit
            while shared.value and time.monotonic() < deadline:
                time.sleep(YIELD_POLL)
            return
        if not self._busy():
            return
        with self._turn:  # the others wait here: one event per ``limit`` while posts come
            deadline = time.monotonic() + limit
            while self._busy():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                # set by the event loop when the last waiting post is answered
                self._quiet.wait(min(left, INTAKE_LAG))

    def _busy(self) -> bool:
        """Whether a post waits for its 200 while the intake is short of CPU."""
        return bool(self.waiting) and time.monotonic() - self._late < INTAKE_STARVED

    def _answer(self, batch: list[tuple[asyncio.Future[int], int | BaseException]],
                sent: float) -> None:
        """Resolve a batch's futures in the event loop (scheduled at ``sent``), noting when
        they came late."""
        now = time.monotonic()
        if now - sent > INTAKE_LAG:
            self._late = now
        _settle(batch)

    def _put(self, body: bytes, waiter: _Waiter) -> None:
        if self._thread is None:
            raise RuntimeError("the inbox writer is not running: call start()")
        self._queue.put(("append", bytes(body), waiter))

    def stop(self) -> None:
        """Commit what is queued and stop the writer."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < self.MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            appends = [op for op in batch if op[0] == "append"]
            if appends:
                self._commit(appends)
            for op in batch:
                if op[0] != "append":
                    try:
                        self._other(op)
                    except Exception:
                        logger.exception("inbox operation %s failed", op[0])
            if stop:
                return

    def _commit(self, batch: list[tuple[str, bytes, _Waiter]]) -> None:
        now = time.time()
        try:
            ids = self._write(now, [op[1] for op in batch])
        except Exception as exc:
            logger.error("inbox write failed (%d bodies answered 500): %s", len(batch),
                         type(exc).__name__)
            self._tell(batch, [exc] * len(batch))
            return
        self.commits += 1
        self.stored += len(batch)
        if self.on_stored is not None:  # before the 200s: a server is busy once it answered
            for op, inbox_id in zip(batch, ids, strict=True):
                try:
                    self.on_stored(inbox_id, now, op[1])
                except Exception:  # the body is stored; it is picked up again on restart
                    logger.exception("handing inbox entry %d on failed", inbox_id)
        if self.on_committed is not None and ids:
            try:
                self.on_committed(ids[-1])
            except Exception:  # the bodies are stored; they are picked up by polling
                logger.exception("telling the processing about inbox entry %d failed", ids[-1])
        self._tell(batch, ids)

    def _tell(self, batch: list[tuple[str, bytes, _Waiter]],
              outcomes: Sequence[int | Exception]) -> None:
        loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[int], Any]]] = {}
        for op, outcome in zip(batch, outcomes, strict=True):
            waiter = op[2]
            if isinstance(waiter, asyncio.Future):
                loops.setdefault(waiter.get_loop(), []).append((waiter, outcome))
            elif isinstance(outcome, BaseException):
                waiter.set_exception(outcome)
            else:
                waiter.set_result(outcome)
        for loop, settled in loops.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(self._answer, settled, time.monotonic())


class Inbox(GroupCommit):
    """Append-only SQLite store of raw webhook bodies with group commit.

    Args:
        path: the SQLite file.
        on_stored: called in the writer thread with ``(id, received_at, body)`` after each
            body is durably stored (the server hands it to the dispatcher here).
    """

    def __init__(self, path: str | Path,
                 on_stored: Callable[[int, float, bytes], None] | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.on_stored = on_stored
        self._conn = connect(self.path, synchronous="FULL", schema=_SCHEMA, timeout=30)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Inbox({str(self.path)!r})"

    # -- writing ---------------------------------------------------------------------------

    def append_now(self, body: bytes) -> int:
        """Store ``body`` synchronously (without the writer thread); its id."""
        with self._lock:
            cur = self._conn.execute("INSERT INTO inbox (received_at, body) VALUES (?, ?)",
                                     (time.time(), bytes(body)))
        return int(cur.lastrowid or 0)

    def redact(self, inbox_id: int, mid: str) -> None:
        """Remove the text and attachments of message ``mid`` from a stored body (queued)."""
        if self._thread is None:
            self._redact(inbox_id, mid)
        else:
            self._queue.put(("redact", inbox_id, mid))

    def close(self) -> None:
        """Stop the writer and close the database."""
        self.stop()
        with self._lock:
            self._conn.close()

    def _write(self, now: float, bodies: list[bytes]) -> list[int]:
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT INTO inbox (received_at, body) VALUES (?, ?)",
                                 [(now, body) for body in bodies])
                # rowids of one write transaction are consecutive: max(id) + 1 each
                last = int(conn.execute("SELECT last_insert_rowid()").fetchone()[0])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return list(range(last - len(bodies) + 1, last + 1))

    def _other(self, op: tuple[Any, ...]) -> None:
        if op[0] != "redact":
            super()._other(op)
        self._redact(op[1], op[2])

    def _redact(self, inbox_id: int, mid: str) -> None:
        with self._lock:
            row = self._conn.execute("SELECT body FROM inbox WHERE id = ?", (inbox_id,)).fetchone()
            if row is None:
                return
            try:
                data = json.loads(row[0])
            except ValueError:
                return
            if _redact_mid(data, mid):
                self._conn.execute("UPDATE inbox SET body = ? WHERE id = ?",
                                   (json.dumps(data, separators=(",", ":")).encode(), inbox_id))

    # -- reading ---------------------------------------------------------------------------

    def get(self, inbox_id: int) -> bytes | None:
        """The stored body of one entry."""
        with self._lock:
            row = self._conn.execute("SELECT body FROM inbox WHERE id = ?", (inbox_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def entries(self, after: int = 0, skip: Callable[[int], bool] | None = None,
                batch: int = 500) -> Iterator[InboxEntry]:
        """Stored entries with id > ``after`` in order (``skip(id)`` leaves some out)."""
        last = after
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT id, received_at, body FROM inbox WHERE id > ? ORDER BY id LIMIT ?",
                    (last, batch)).fetchall()
            if not rows:
                return
            for inbox_id, received_at, body in rows:
                last = inbox_id
                if skip is None or not skip(inbox_id):
                    yield int(inbox_id), float(received_at), bytes(body)

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM inbox").fetchone()[0])


def _redact_mid(data: Any, mid: str) -> bool:
    """Drop the text and attachments of the message ``mid`` in a webhook body; True if found."""
    found = False
    for entry in data.get("entry") or [] if isinstance(data, dict) else []:
        if not isinstance(entry, dict):
            continue
        for key in ("messaging", "standby"):
            for item in entry.get(key) or []:
                message = item.get("message") if isinstance(item, dict) else None
                if isinstance(message, dict) and message.get("mid") == mid \
                        and not message.get("is_deleted"):
                    for field in ("text", "attachments", "reply_to", "quick_reply"):
                        message.pop(field, None)
                    message["redacted"] = True
                    found = True
    return found
