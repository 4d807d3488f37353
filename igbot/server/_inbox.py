"""The durable inbox: every signed webhook body, on disk before Meta hears 200.

``<data-dir>/inbox.sqlite`` (WAL, ``synchronous=FULL``: each commit is fsync'd) holds the raw
bodies in arrival order. One writer thread owns the connection and commits whatever has queued
up since its last commit in one transaction (group commit): under load many posts share one
fsync, and an idle server still commits each post at once.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

__all__ = ["Inbox", "InboxEntry"]

logger = logging.getLogger(__name__)

MAX_GROUP = 512

InboxEntry = tuple[int, float, bytes]
"""``(id, received_at, body)``."""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, "
                 "received_at REAL NOT NULL, body BLOB NOT NULL)")
    return conn


class Inbox:
    """Append-only store of raw webhook bodies with group commit.

    Args:
        path: the SQLite file.
        on_stored: called in the writer thread with ``(id, received_at, body)`` after each
            body is durably stored (the server hands it to the dispatcher here).
    """

    def __init__(self, path: str | Path,
                 on_stored: Callable[[int, float, bytes], None] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.on_stored = on_stored
        self._conn = _connect(self.path)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.commits = 0
        self.stored = 0

    def __repr__(self) -> str:
        return f"Inbox({str(self.path)!r})"

    # -- writing ---------------------------------------------------------------------------

    def start(self) -> Inbox:
        """Start the writer thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="igbot-inbox", daemon=True)
            self._thread.start()
        return self

    def append(self, body: bytes) -> Future[int]:
        """Queue ``body``; the future gives its id once it is on disk (fsync'd)."""
        future: Future[int] = Future()
        if self._thread is None:
            raise RuntimeError("the inbox writer is not running: call start()")
        self._queue.put(("append", bytes(body), future))
        return future

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

    def stop(self) -> None:
        """Commit what is queued and stop the writer."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def close(self) -> None:
        """Stop the writer and close the database."""
        self.stop()
        with self._lock:
            self._conn.close()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._commit([b for b in batch if b[0] == "append"])
            for op in batch:
                if op[0] == "redact":
                    self._redact(op[1], op[2])
            if stop:
                return

    def _commit(self, batch: list[Any]) -> None:
        if not batch:
            return
        now = time.time()
        try:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                ids = [int(self._conn.execute(
                    "INSERT INTO inbox (received_at, body) VALUES (?, ?)", (now, op[1])
                ).lastrowid or 0) for op in batch]
                self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            logger.error("inbox write failed (%d bodies answered 500): %s", len(batch), exc)
            with self._lock:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            for op in batch:
                op[2].set_exception(exc)
            return
        self.commits += 1
        self.stored += len(batch)
        if self.on_stored is not None:
            for op, inbox_id in zip(batch, ids, strict=True):
                try:
                    self.on_stored(inbox_id, now, op[1])
                except Exception:  # the body is stored; it is picked up again on restart
                    logger.exception("handing inbox entry %d on failed", inbox_id)
        for op, inbox_id in zip(batch, ids, strict=True):
            op[2].set_result(inbox_id)

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
