"""Pacing of sends: a token bucket per account, and one-at-a-time order per conversation.

Meta allows about 100 Send API calls per second per account, and a person sees replies in the
order they arrive: so a client paces all its calls through one :class:`TokenBucket` per account,
and sends to one recipient through a FIFO lock (:class:`ConversationLocks` for threads,
:class:`AsyncConversationLocks` for asyncio tasks), while different recipients go in parallel.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

__all__ = ["AsyncConversationLocks", "ConversationLocks", "TokenBucket"]


class TokenBucket:
    """A thread-safe token bucket: ``rate`` tokens per second, holding at most ``burst``.

    :meth:`reserve` takes a token now (possibly going into debt) and says how long to wait,
    so threads and asyncio tasks can share one bucket.
    """

    def __init__(self, rate: float, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate))
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self._clock = clock
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate:g}/s, burst={self.burst:g})"

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before using it (0 if available)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> None:
        """Block the thread until a token is available."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)

    async def acquire_async(self) -> None:
        """Wait (without blocking the event loop) until a token is available."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)


class ConversationLocks:
    """FIFO locks by key (a recipient): callers for one key run one at a time, in call order."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queues: dict[str, deque[threading.Event]] = {}

    @contextmanager
    def hold(self, key: str | None) -> Iterator[None]:
        """Hold the lock of ``key`` (no lock for None) for the ``with`` block."""
        if key is None:
            yield
            return
        turn = threading.Event()
        with self._mutex:
            queue = self._queues.setdefault(key, deque())
            queue.append(turn)
            if len(queue) == 1:
                turn.set()
        turn.wait()
        try:
            yield
        finally:
            with self._mutex:
                queue = self._queues[key]
                queue.popleft()
                if queue:
                    queue[0].set()
                else:
                    del self._queues[key]

    def pending(self, key: str) -> int:
        """How many callers hold or wait for the lock of ``key``."""
        with self._mutex:
            return len(self._queues.get(key, ()))

    def __len__(self) -> int:
        """The number of keys with a holder or waiters."""
        with self._mutex:
            return len(self._queues)


class AsyncConversationLocks:
    """The asyncio version of :class:`ConversationLocks` (FIFO per key, one event loop)."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[asyncio.Future[None]]] = {}

    @asynccontextmanager
    async def hold(self, key: str | None) -> AsyncIterator[None]:
        """Hold the lock of ``key`` (no lock for None) for the ``async with`` block."""
        if key is None:
            yield
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._queues.setdefault(key, deque())
        queue.append(turn)
        if len(queue) == 1:
            turn.set_result(None)
        try:
            await turn
        except BaseException:
            self._leave(key, turn)
            raise
        try:
            yield
        finally:
            self._leave(key, turn)

    def _leave(self, key: str, turn: asyncio.Future[None]) -> None:
        queue = self._queues[key]
        was_first = bool(queue) and queue[0] is turn
        queue.remove(turn)
        if was_first and queue and not queue[0].done():
            queue[0].set_result(None)
        if not queue:
            del self._queues[key]

    def pending(self, key: str) -> int:
        """How many tasks hold or wait for the lock of ``key``."""
        return len(self._queues.get(key, ()))

    def __len__(self) -> int:
        """The number of keys with a holder or waiters."""
        return len(self._queues)
