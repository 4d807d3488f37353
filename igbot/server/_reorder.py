"""Putting one conversation's events back in time order when they arrive in separate bodies.

Meta delivers each webhook body on its own and may deliver a later message first. Inside one
body :func:`~igbot.models.parse_webhook` already sorts by time; across bodies the server holds
every event for ``window`` seconds after it arrived (:class:`ReorderBuffer`), then releases it
together with every held event of the same conversation that is older (by the webhook's
``timestamp``), oldest first. So two messages of one person posted out of order up to
``window`` seconds apart are processed in the order the person sent them, at the cost of
``window`` seconds of latency per reply.

The buffer is bounded: past ``max_per_conversation`` held events of one conversation the
oldest is released at once. ``window=0`` turns holding off (arrival order, no delay).
"""

from __future__ import annotations

import heapq
import time
from bisect import bisect_right, insort
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ReorderBuffer"]

T = TypeVar("T")
_Key = tuple[int, int]  # (timestamp in ms, arrival sequence): unique, time order, stable


class ReorderBuffer(Generic[T]):
    """Holds items per conversation for ``window`` seconds, releasing them in timestamp order.

    Not thread-safe: one thread (the server's dispatcher) adds and takes.

    Args:
        window: seconds each item is held after it was added (0: none).
        max_per_conversation: items held per conversation before the oldest is let go early.
        clock: monotonic seconds (tests inject one).
    """

    def __init__(self, window: float, max_per_conversation: int = 100,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if window < 0:
            raise ValueError(f"window: {window!r} is negative")
        if max_per_conversation < 1:
            raise ValueError(f"max_per_conversation: {max_per_conversation!r} is below 1")
        self.window = window
        self.max_per_conversation = max_per_conversation
        self._clock = clock
        self._keys: dict[str, list[_Key]] = {}
        self._items: dict[_Key, T] = {}
        self._deadlines: list[tuple[float, _Key, str]] = []
        self._seq = 0
        self.overflowed = 0

    def __repr__(self) -> str:
        return (f"ReorderBuffer(window={self.window}, held={len(self)}, "
                f"conversations={len(self._keys)})")

    def __len__(self) -> int:
        return len(self._items)

    def add(self, conversation: str, timestamp_ms: int, item: T) -> list[T]:
        """Hold ``item``; what must go now (itself when not holding, or an overflow)."""
        if self.window <= 0:
            return [item]
        self._seq += 1
        key = (timestamp_ms, self._seq)
        keys = self._keys.setdefault(conversation, [])
        insort(keys, key)
        self._items[key] = item
        heapq.heappush(self._deadlines, (self._clock() + self.window, key, conversation))
        if len(keys) > self.max_per_conversation:
            self.overflowed += 1
            return self._release(conversation, 1)
        return []

    def next_due(self) -> float | None:
        """The clock time of the next release, or None when nothing is held."""
        while self._deadlines and self._deadlines[0][1] not in self._items:
            heapq.heappop(self._deadlines)  # released early with an older deadline's batch
        return self._deadlines[0][0] if self._deadlines else None

    def due(self, now: float | None = None) -> list[T]:
        """Every item whose time is up, each with the older held items of its conversation."""
        now = self._clock() if now is None else now
        out: list[T] = []
        while self._deadlines and self._deadlines[0][0] <= now:
            _deadline, key, conversation = heapq.heappop(self._deadlines)
            if key not in self._items:
                continue
            out.extend(self._release(conversation, bisect_right(self._keys[conversation], key)))
        return out

    def drain(self) -> list[T]:
        """Everything held, each conversation in timestamp order (at shutdown)."""
        out: list[T] = []
        for conversation in list(self._keys):
            out.extend(self._release(conversation, len(self._keys[conversation])))
        self._deadlines.clear()
        return out

    def _release(self, conversation: str, count: int) -> list[T]:
        keys = self._keys[conversation]
        released, self._keys[conversation] = keys[:count], keys[count:]
        if not self._keys[conversation]:
            del self._keys[conversation]
        return [self._items.pop(key) for key in released]
