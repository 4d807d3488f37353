"""The conversation log: ``<data-dir>/log.jsonl``, one canonical event a line.

The line format is igbot's log format, defined once in :mod:`igbot.vocab` (:func:`log_line`,
which analytics writes and reads with too): exactly the canonical columns, ``timestamp`` as
ISO-8601 UTC with milliseconds, ``payload`` as JSON text, ``source`` ``"igbot_log"``.

Lines reach the file through the ``logq`` table of the state database: they are committed with
the event that produced them, then one writer thread appends them in order (and removes them
from the queue). After a crash the writer compares the file's tail with the queue, so a line is
never written twice nor lost. A person's message that is deleted is redacted in place: the line
keeps its length (padded with spaces), its text and payload become null.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from igbot.server._state import StateDB
from igbot.vocab import LOG_FIELDS, LOG_SOURCE, log_line

__all__ = ["LOG_FIELDS", "LOG_SOURCE", "ConversationLog", "log_line"]

logger = logging.getLogger(__name__)

_BATCH = 2000


def redacted(line: str) -> str:
    """``line`` with text and payload removed, padded to the same length in bytes."""
    data = json.loads(line)
    old = len(line.encode())
    data["text"], data["payload"] = None, None
    new = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(new.encode()) > old:  # a one-character text: "" is shorter than null
        data["text"] = ""
        new = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return new + " " * (old - len(new.encode()))


class ConversationLog:
    """Appends the queued log lines of a :class:`StateDB` to ``path`` (one writer thread)."""

    def __init__(self, path: str | Path, db: StateDB) -> None:
        self.path = Path(path)
        self.db = db
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.written = 0

    def __repr__(self) -> str:
        return f"ConversationLog({str(self.path)!r})"

    def start(self) -> ConversationLog:
        """Reconcile the file with the queue after a crash, then start the writer thread."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._recover()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="igbot-log", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Write what is queued and stop."""
        if self._thread is not None:
            self._stop.set()
            with self.db.log_ready:
                self.db.log_ready.notify_all()
            self._thread.join(timeout=10)
            self._thread = None
        while self.flush():
            pass

    def flush(self) -> int:
        """Write up to one batch of queued lines now; how many."""
        rows = self.db.query("SELECT seq, line, mid, redact FROM logq ORDER BY seq LIMIT ?",
                             (_BATCH,))
        if not rows:
            return 0
        index: list[tuple[str, int, int]] = []
        redactions: list[str] = []
        with open(self.path, "ab") as out:
            offset = out.seek(0, os.SEEK_END)
            chunks = []
            for _seq, line, mid, redact in rows:
                if line is None:
                    redactions.append(redact)
                    continue
                data = line.encode() + b"\n"
                if mid:
                    index.append((mid, offset, len(data) - 1))
                chunks.append(data)
                offset += len(data)
            out.write(b"".join(chunks))
            out.flush()
            os.fsync(out.fileno())
        if index:
            with self.db.transaction() as conn:
                conn.executemany("INSERT OR REPLACE INTO log_index VALUES (?, ?, ?)", index)
        for mid in redactions:
            self._redact(mid)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM logq WHERE seq <= ?", (rows[-1][0],))
        self.written += len(rows) - len(redactions)
        return len(rows)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.flush():
                    continue
            except Exception:  # keep the server up; the lines stay queued
                logger.exception("writing %s failed", self.path)
            with self.db.log_ready:
                self.db.log_ready.wait(0.25)

    def _redact(self, mid: str) -> None:
        rows = self.db.query("SELECT offset, length FROM log_index WHERE mid = ?", (mid,))
        if not rows:
            logger.info("deleted message %s is not in the log", mid)
            return
        with open(self.path, "r+b") as fh:
            for offset, length in rows:
                fh.seek(offset)
                old = fh.read(length).decode()
                fh.seek(offset)
                fh.write(redacted(old).encode())
            fh.flush()
            os.fsync(fh.fileno())

    def _recover(self) -> None:
        """Drop queued lines the file already ends with (written just before a crash)."""
        if not self.path.exists():
            return
        size = self.path.stat().st_size
        with open(self.path, "r+b") as fh:
            if size:
                fh.seek(max(0, size - 1))
                if fh.read(1) != b"\n":  # a torn last line: cut it, it is still queued
                    fh.seek(0)
                    data = fh.read()
                    cut = data.rfind(b"\n") + 1
                    fh.truncate(cut)
                    size = cut
        rows = self.db.query("SELECT seq, line, mid FROM logq WHERE line IS NOT NULL "
                             "ORDER BY seq LIMIT ?", (_BATCH,))
        if not rows or not size:
            return
        lines = [r[1].encode() + b"\n" for r in rows]
        span = sum(len(x) for x in lines)
        with open(self.path, "rb") as fh:
            fh.seek(max(0, size - span))
            tail = fh.read()
        for j in range(len(lines), 0, -1):
            if tail.endswith(b"".join(lines[:j])):
                offset = size - sum(len(x) for x in lines[:j])
                index = []
                for (_seq, _line, mid), data in zip(rows[:j], lines[:j], strict=True):
                    if mid:
                        index.append((mid, offset, len(data) - 1))
                    offset += len(data)
                with self.db.transaction() as conn:
                    conn.execute("DELETE FROM logq WHERE line IS NOT NULL AND seq <= ?",
                                 (rows[j - 1][0],))
                    conn.executemany("INSERT OR REPLACE INTO log_index VALUES (?, ?, ?)", index)
                logger.warning("log: %d queued lines were already written before a restart", j)
                return
