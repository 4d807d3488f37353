"""Processing in a process of its own: the engine and the Graph calls off the intake's interpreter.

One Python process has one interpreter lock. With the workers in the process that answers
Meta, every engine turn and Graph call holds the lock the event loop needs to acknowledge the
next post. ``igbot serve --processing-processes 1`` (the default on SQLite with two cores or
more) splits the server in two:

- the **intake process** (the one started): the HTTP server, the signature check and the
  group-commit writer of ``inbox.sqlite``; it holds ``igbot.lock`` (a second server on the
  directory still refuses to start) and answers ``/healthz`` and the admin API;
- the **processing process** (started by it, :func:`run_processing`): the dispatcher, the
  workers, the send policy, the Graph client and the log writer, on ``state.sqlite``,
  ``policy.sqlite`` and ``log.jsonl``, exactly as they run in one process.

The inbox is the hand-over point, as it already was for a restart: the intake process commits
a batch, then tells the processing process the batch's last id (one message on a pipe); the
processing process reads the new rows from ``inbox.sqlite`` (WAL: readers never block the
writer) and polls every :data:`POLL` seconds anyway. Everything that makes a restart safe
holds unchanged (the processing process starts the way a restarted server does: unsent
requests, then every stored entry not done), so a crash of either process loses nothing
acknowledged.

- **It dies with the intake process**: it asks the kernel for ``SIGKILL`` when its parent
  ends (``PR_SET_PDEATHSIG``) and also exits when the pipe to the parent reaches end of file.
  It holds ``igbot.processing.lock`` while it runs, so a successor waits until it is gone:
  one processing process per data directory, ever.
- **It gives way to intake**, as the in-process workers do: the intake process keeps the
  number of posts waiting for their 200 in shared memory, and the dispatcher and workers wait
  (up to 20 ms an event) while it is not zero (``Inbox.yield_to_intake``); it also runs at a
  lower CPU priority (``nice`` +:data:`NICE`). Under a burst the 200s go first and processing
  catches up from the durable inbox; under sustained overload it still gets its turns.
- It ignores SIGINT and SIGTERM (a terminal's Ctrl-C or systemd reach the whole process group):
  the intake process stops it gracefully (drain, then exit) when it stops itself.
- If it crashes, the intake process starts another (after :data:`RESPAWN_DELAY` s).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from igbot.channel import GraphClient, SendPolicy, SQLitePolicyStore
from igbot.server._config import ServerConfig
from igbot.server._handover import Answer, admin_answer
from igbot.server._inbox import Inbox
from igbot.server._lock import DataDirLock
from igbot.server._log import ConversationLog
from igbot.server._state import StateDB
from igbot.server._worker import WorkerPool

if TYPE_CHECKING:
    from igbot.server._pgworker import PgWorkerPool
    from igbot.server._postgres import TableLog
    from igbot.server._storage import StateStore

__all__ = ["PROCESSING_LOCK", "ProcessingChild", "SQLiteProcessing", "processing_stats",
           "run_processing", "wait_processed"]

logger = logging.getLogger(__name__)

PROCESSING_LOCK = "igbot.processing.lock"
NICE = 5
"""How much lower the processing process's CPU priority is than the intake's."""
POLL = 0.5
"""Seconds between reads of the inbox when no commit was announced (a safety net)."""
STATS_EVERY = 0.1
RESPAWN_DELAY = 1.0
START_TIMEOUT = 120.0
_PR_SET_PDEATHSIG = 1


class SQLiteProcessing:
    """What processes stored bodies on SQLite: state, log, send policy, Graph client, workers.

    The same parts whether they run beside the intake (one process) or in a processing process.
    """

    def __init__(self, bot: Any, config: ServerConfig, data_dir: Path, inbox: Inbox) -> None:
        self.db = StateDB(data_dir / "state.sqlite")
        try:
            self.log = ConversationLog(data_dir / "log.jsonl", self.db)
            self.policy = SendPolicy(SQLitePolicyStore(data_dir / "policy.sqlite"))
            self.client = GraphClient(
                config.access_token, account_id=config.account_id, base_url=config.graph_url,
                api_version=config.api_version, rate_limit=config.send_rate or None,
                max_retries=config.max_retries, policy=self.policy)
            self.pool = WorkerPool(config, bot, self.db, inbox, self.client, self.policy)
        except BaseException:
            self.db.close()
            raise

    def start(self) -> None:
        """Reconcile the log, start its writer and the workers (which resume unfinished work)."""
        self.log.start()
        self.pool.start()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every submitted body is processed and its log lines are written."""
        return wait_processed(self.pool, self.db, timeout)

    def stop(self, timeout: float, drain: bool = True) -> None:
        """Finish the queued work (``drain``; up to ``timeout`` s), stop the threads."""
        if drain:
            self.pool.wait_idle(timeout)
        self.pool.stop(timeout)
        self.log.stop()

    def close(self) -> None:
        """Close the client and the databases."""
        self.client.close()
        self.policy.store.close()
        self.db.close()

    def stats(self) -> dict[str, int]:
        """The processing counters of ``/healthz``."""
        return processing_stats(self.pool, self.log)


def wait_processed(pool: WorkerPool | PgWorkerPool, db: StateStore, timeout: float) -> bool:
    """Wait until ``pool`` processed every submitted body and ``db`` has no log line waiting
    (False if that did not happen within ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    if not pool.wait_idle(timeout):
        return False
    while db.log_pending():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def processing_stats(pool: WorkerPool | PgWorkerPool,
                     log: ConversationLog | TableLog) -> dict[str, int]:
    """The processing counters of ``/healthz``: the workers' and the log writer's."""
    return {"events": pool.dispatched, "processed": pool.processed,
            "dead_letters": pool.dead, "log_lines": log.written, "held": pool.held,
            "reorder_overflowed": pool.reorder_overflowed, "workers": pool.size}


class ProcessingChild:
    """The intake process's side of the processing process (``WebhookServer.pool``).

    Args:
        bot: the loaded bot (pickled to the child).
        config: the settings.
        data_dir: the data directory (the intake process holds its lock).
    """

    def __init__(self, bot: Any, config: ServerConfig, data_dir: Path) -> None:
        self.bot, self.config, self.data_dir = bot, config, Path(data_dir)
        self.size = config.workers
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._send_lock = threading.Lock()
        self._calls: dict[int, Future[Any]] = {}
        self._ids = itertools.count(1)
        self._counters: dict[str, int] = {}
        self._last = 0  # the last inbox id committed by the intake
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._failure: str | None = None
        self._supervisor: threading.Thread | None = None
        self.restarts = 0
        # the intake's posts waiting for their 200, read by the processing process's threads
        self.waiting = multiprocessing.get_context("spawn").RawValue("i", 0)

    def __repr__(self) -> str:
        pid = self._proc.pid if self._proc is not None else None
        return f"ProcessingChild(pid={pid}, workers={self.size})"

    @property
    def pid(self) -> int | None:
        """The processing process's id (None when none runs)."""
        proc = self._proc
        return proc.pid if proc is not None and proc.is_alive() else None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT) -> ProcessingChild:
        """Start the processing process and wait until it processes.

        Raises:
            RuntimeError: it could not start (the reason is in the message and its log).
        """
        if self._supervisor is not None:
            return self
        self._stopping.clear()
        # a long-lived thread forks it: PR_SET_PDEATHSIG fires when the forking thread ends
        self._supervisor = threading.Thread(target=self._supervise, name="igbot-processing",
                                            daemon=True)
        self._supervisor.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            reason = self._failure or f"not ready within {timeout:.0f} s"
            self.stop(0)
            raise RuntimeError(f"the processing process did not start: {reason}")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Let it finish the queued work (up to ``timeout`` s) and end; killed if it does not."""
        self._stopping.set()
        proc = self._proc
        if proc is not None:
            self._send(("stop", timeout))
            proc.join(timeout + 10)
            if proc.is_alive():
                logger.error("the processing process did not stop within %.0f s: killed",
                             timeout + 10)
                proc.kill()
                proc.join(5)
        if self._supervisor is not None:
            self._supervisor.join(10)
            self._supervisor = None
        self._fail_calls("the processing process stopped")

    def _supervise(self) -> None:
        first = True
        while not self._stopping.is_set():
            ctx = multiprocessing.get_context("spawn")
            mine, theirs = ctx.Pipe(duplex=True)
            level = logging.getLogger().getEffectiveLevel()
            proc = ctx.Process(target=run_processing, name="igbot-processing", daemon=True,
                               args=(self.bot, self.config, str(self.data_dir), theirs,
                                     os.getpid(), level, self.waiting))
            proc.start()
            theirs.close()
            self._proc, self._conn = proc, mine
            self._read(mine)
            proc.join(10)
            self._conn = None
            mine.close()
            self._fail_calls("the processing process ended")
            if self._stopping.is_set():
                return
            if first and not self._ready.is_set():  # it never started: tell start()
                self._failure = self._failure or f"it exited with code {proc.exitcode}"
                self._ready.set()
                return
            first = False
            self.restarts += 1
            logger.error("the processing process ended (exit code %s): starting another in "
                         "%.0f s", proc.exitcode, RESPAWN_DELAY)
            self._stopping.wait(RESPAWN_DELAY)

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            kind = message[0]
            if kind == "stats":
                self._counters = message[1]
            elif kind == "answer":
                future = self._calls.pop(message[1], None)
                if future is not None and not future.done():
                    future.set_result(message[2])
            elif kind == "ready":
                self._counters = message[1]
                self._ready.set()
                if self._last:  # commits made while it was starting (after a respawn)
                    self._send(("wake", self._last))
            elif kind == "failed":
                self._failure = message[1]

    def _send(self, message: tuple[Any, ...]) -> bool:
        conn = self._conn
        if conn is None:
            return False
        try:
            with self._send_lock:
                conn.send(message)
        except (OSError, ValueError):  # it is gone (or going): the next one reads the inbox
            return False
        return True

    def _call(self, message: tuple[Any, ...]) -> Future[Any]:
        future: Future[Any] = Future()
        call_id = next(self._ids)
        self._calls[call_id] = future
        if not self._send((message[0], call_id, *message[1:])):
            self._calls.pop(call_id, None)
            future.set_exception(RuntimeError("the processing process is not running"))
        return future

    def _fail_calls(self, reason: str) -> None:
        calls, self._calls = self._calls, {}
        for future in calls.values():
            if not future.done():
                future.set_exception(RuntimeError(reason))

    # -- what the server asks --------------------------------------------------------------

    def wake(self, last_id: int) -> None:
        """Entries up to ``last_id`` are committed (called by the inbox writer)."""
        self._last = max(self._last, last_id)
        self._send(("wake", last_id))

    def admin(self, user: str, text: str | None = None) -> Future[Answer]:
        """An admin API call (resolve, or an agent's ``text``) on the conversation's worker."""
        return self._call(("admin", user, text))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every committed body is processed and its log lines are written."""
        future = self._call(("idle", self._last, timeout))
        try:
            return bool(future.result(timeout + 5))
        except Exception:
            return False

    def stats(self) -> dict[str, int]:
        """The processing counters of ``/healthz`` (as of at most :data:`STATS_EVERY` s ago)."""
        return {**self._counters, "processing_restarts": self.restarts}


def _die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when the parent ends (Linux), and exit now if it already has."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(0)


class _Child:
    """The processing process's side: feeds stored entries to the workers, answers the parent."""

    def __init__(self, conn: Connection, processing: SQLiteProcessing, inbox: Inbox) -> None:
        self.conn, self.processing, self.inbox = conn, processing, inbox
        self.pool = processing.pool
        self._send_lock = threading.Lock()
        self._woken = threading.Event()
        self._stop = threading.Event()
        self._stop_timeout = 10.0
        self._fed = threading.Condition()
        self.fed_to = self.pool.inbox_seen

    def send(self, message: tuple[Any, ...]) -> None:
        with contextlib.suppress(OSError, ValueError), self._send_lock:
            self.conn.send(message)

    def run(self) -> None:
        """Answer the parent and feed the workers until told to stop; then drain and stop."""
        threading.Thread(target=self._listen, name="igbot-parent", daemon=True).start()
        threading.Thread(target=self._report, name="igbot-stats", daemon=True).start()
        self.send(("ready", self.processing.stats()))
        while not self._stop.is_set():
            self._woken.wait(POLL)
            self._woken.clear()
            self._feed()
        self._feed()  # whatever was committed before the parent said stop
        self.processing.stop(self._stop_timeout)
        self.send(("stats", self.processing.stats()))

    def _feed(self) -> None:
        last = self.fed_to
        for entry in self.inbox.entries(after=last):
            self.pool.submit(*entry)
            last = entry[0]
        with self._fed:
            self.fed_to = last
            self._fed.notify_all()

    def _listen(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):  # the parent is gone: end now, as a kill would
                os._exit(0)
            kind = message[0]
            if kind == "wake":
                self._woken.set()
            elif kind == "admin":
                self._admin(message[1], message[2], message[3])
            elif kind == "idle":
                threading.Thread(target=self._idle, args=message[1:], daemon=True).start()
            elif kind == "stop":
                self._stop_timeout = float(message[1])
                self._stop.set()
                self._woken.set()
                return

    def _admin(self, call_id: int, user: str, text: str | None) -> None:
        def done(future: Future[Answer]) -> None:
            try:
                answer = future.result()
            except Exception as exc:  # a bug: the parent answers 500, the log has it
                logger.error("admin call failed: %s", type(exc).__name__, exc_info=exc)
                answer = (500, {"error": {"type": type(exc).__name__,
                                          "message": "the call failed (see the server log)"}})
            self.send(("answer", call_id, answer))

        self.pool.call(user, lambda worker: admin_answer(worker, user, text)).add_done_callback(done)

    def _idle(self, call_id: int, last_id: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self._woken.set()
        with self._fed:
            reached = self._fed.wait_for(lambda: self.fed_to >= last_id, timeout)
        ok = reached and self.processing.wait_idle(max(0.0, deadline - time.monotonic()))
        self.send(("answer", call_id, ok))

    def _report(self) -> None:
        last: dict[str, int] = {}
        while not self._stop.is_set():
            now = self.processing.stats()
            if now != last:
                self.send(("stats", now))
                last = now
            self._stop.wait(STATS_EVERY)


def run_processing(bot: Any, config: ServerConfig, data_dir: str, conn: Connection,
                   parent_pid: int, log_level: int = logging.WARNING,
                   intake_waiting: Any = None) -> None:
    """The processing process's main (started by :class:`ProcessingChild`, spawned)."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(OSError):
        os.nice(NICE)
    folder = Path(data_dir)
    lock = DataDirLock(folder, PROCESSING_LOCK)
    try:
        lock.acquire(wait=30)
        inbox = Inbox(folder / "inbox.sqlite")  # read, and redact in place; never started
        inbox.shared_waiting = intake_waiting  # its yield_to_intake reads the intake's count
        processing = SQLiteProcessing(bot, config, folder, inbox)
        processing.start()
    except Exception as exc:
        logger.exception("the processing process could not start")
        with contextlib.suppress(OSError, ValueError):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        lock.release()
        raise SystemExit(1) from None
    try:
        _Child(conn, processing, inbox).run()
    finally:
        processing.close()
        inbox.close()
        lock.release()
