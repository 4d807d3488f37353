"""A small pool of worker processes that run JavaScript methods, killed and replaced on timeout.

QuickJS cannot interrupt everything a method can do (a backtracking regular expression, a
``JSON.stringify`` that recurses 100,000 levels deep and crashes the process), and while it runs
it holds the interpreter lock. So methods run in child processes (:mod:`igbot.engine._jsworker`):
the caller waits on a pipe without the lock, kills the child when the wall-clock deadline (the
method's time limit plus :attr:`MethodWorkerPool.grace`) passes, and starts another. Requests and
answers cross as length-prefixed JSON, and an answer larger than the caller allows is refused
without being read.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["MethodWorkerPool", "WorkerFailure", "shared_pool"]

logger = logging.getLogger(__name__)

_HEADER = struct.Struct(">I")
_WORKER_FILE = str(Path(__file__).with_name("_jsworker.py"))


class WorkerFailure(Exception):
    """The worker could not run the call (it would not start, or died); the message says why."""


class _Worker:
    """One child process and the pipes to it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", _WORKER_FILE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            bufsize=0, close_fds=True, start_new_session=True,
        )
        self.ready = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(_HEADER.pack(len(data)) + data)

    def receive(self, deadline: float, limit: int) -> dict[str, Any] | None:
        """The next answer, or None when ``deadline`` (monotonic) passes first.

        Raises:
            WorkerFailure: the worker died, or its answer is over ``limit`` bytes.
        """
        header = self._read(_HEADER.size, deadline)
        if header is None:
            return None
        (size,) = _HEADER.unpack(header)
        if size > limit:
            raise WorkerFailure(f"its answer is {size} bytes, over the limit of {limit}")
        body = self._read(size, deadline)
        if body is None:
            return None
        answer: dict[str, Any] = json.loads(body)
        return answer

    def _read(self, size: int, deadline: float) -> bytes | None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        data = b""
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                return None
            chunk = os.read(fd, size - len(data))
            if not chunk:
                raise WorkerFailure(self._death())
            data += chunk
        return data

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return "its worker closed its output"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"its worker was ended by {name}"
        return f"its worker exited with status {code}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._close_pipes()

    def close(self) -> None:
        """Let the worker end by itself (it exits when its input closes)."""
        self._close_pipes()
        try:
            self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self.kill()

    def _close_pipes(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class MethodWorkerPool:
    """Worker processes for JavaScript methods, shared by every :class:`igbot.engine.JSRuntime`.

    Args:
        max_workers: at most this many calls run at once; more callers wait for a free worker.
        max_idle: workers kept running between calls (started again on demand).
        grace: seconds past a call's time limit before its worker is killed.
        start_timeout: seconds a new worker may take to start (Python and QuickJS loading).
    """

    def __init__(self, max_workers: int = 8, max_idle: int = 2, grace: float = 0.25,
                 start_timeout: float = 30.0) -> None:
        self.max_workers, self.max_idle = max_workers, max_idle
        self.grace, self.start_timeout = grace, start_timeout
        self._idle: list[_Worker] = []
        self._live = 0
        self._cond = threading.Condition()
        self._closed = False
        self.kills = 0
        """How many workers were killed (a call past its deadline, a crash, an oversize answer)."""

    def call(self, request: dict[str, Any], time_limit: float, max_answer: int) -> dict[str, Any]:
        """Run ``request`` in a worker; its answer, or ``{"time": True, "killed": True}``.

        Raises:
            WorkerFailure: no worker could be started, it died during the call, or its answer
                was over ``max_answer`` bytes. The worker is replaced either way.
        """
        worker: _Worker | None = self._acquire()
        after = "kill"
        try:
            assert worker is not None
            self._wait_ready(worker)
            try:
                worker.send(request)
            except OSError:  # the idle worker had died: one retry with a fresh one
                self._discard(worker, "kill")
                worker = None
                worker = self._acquire()
                self._wait_ready(worker)
                worker.send(request)
            answer = worker.receive(time.monotonic() + time_limit + self.grace, max_answer)
            if answer is None:
                logger.warning("JavaScript worker %s killed: past the %.2f s deadline",
                               worker.pid, time_limit + self.grace)
                return {"time": True, "killed": True}
            after = "close" if answer.pop("recycle", False) else "keep"
            return answer
        except (OSError, ValueError) as exc:
            raise WorkerFailure(f"its worker failed: {type(exc).__name__}: {exc}") from None
        finally:
            if worker is not None and after == "keep":
                self._release(worker)
            elif worker is not None:
                self._discard(worker, after)

    def close(self) -> None:
        """Stop the idle workers; calls still running end their worker when they finish."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._live -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.close()

    @property
    def idle(self) -> int:
        """Workers waiting for a call."""
        return len(self._idle)

    # --- workers ---------------------------------------------------------------------------
    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._live < self.max_workers:
                    self._live += 1
                    break
                self._cond.wait()
        try:
            return _Worker()
        except OSError as exc:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise WorkerFailure(f"could not start a JavaScript worker: {exc}") from None

    def _wait_ready(self, worker: _Worker) -> None:
        if worker.ready:
            return
        hello = worker.receive(time.monotonic() + self.start_timeout, 1024)
        if hello is None or not hello.get("ready"):
            raise WorkerFailure(f"its worker did not start within {self.start_timeout:g} s")
        worker.ready = True

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if not self._closed and len(self._idle) < self.max_idle:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._live -= 1
            self._cond.notify()
        worker.close()

    def _discard(self, worker: _Worker, how: str) -> None:
        if how == "kill":
            self.kills += 1
            worker.kill()
        else:
            worker.close()
        with self._cond:
            self._live -= 1
            self._cond.notify()


_shared: MethodWorkerPool | None = None
_shared_pid = 0
_shared_lock = threading.Lock()


def shared_pool() -> MethodWorkerPool:
    """The process's pool (a new one after ``fork``: a child must not use its parent's pipes)."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared, _shared_pid = MethodWorkerPool(), os.getpid()
        return _shared


@atexit.register
def _close_shared() -> None:
    if _shared is not None and _shared_pid == os.getpid():
        _shared.close()
