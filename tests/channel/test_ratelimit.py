"""Pacing per account and one-at-a-time order per conversation (threads and asyncio)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Sequence

import pytest

from igbot.channel import GraphClient, GraphStandIn, RateLimitedError, RecordedRequest, TokenBucket

from ._support import PERSON, fast_retry

OTHER = "7351234567890999"


def _max_in_window(times: Sequence[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _intervals(requests: list[RecordedRequest], person: str) -> list[tuple[float, float]]:
    return [(r.time, r.finished or r.time) for r in requests
            if r.json and r.json.get("recipient", {}).get("id") == person]


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_token_bucket_reserve_spacing() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=2, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(4)] == pytest.approx([0, 0, 0.1, 0.2])
    now[0] = 1.0  # refilled (capped at burst), debt repaid
    assert bucket.reserve() == 0
    with pytest.raises(ValueError):
        TokenBucket(rate=0)


def test_sends_are_paced_per_account_across_threads(standin: GraphStandIn) -> None:
    rate, burst, n = 40.0, 4, 24
    with standin.client(rate_limit=rate, burst=burst, retry=fast_retry()) as client:
        def worker(k: int) -> None:
            for i in range(n // 4):
                client.send_message(f"{k}00{i}", "hi")

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    arrivals = [r.time for r in standin.requests]
    assert len(arrivals) == n
    window = 0.25
    assert _max_in_window(arrivals, window) <= burst + rate * window + 1
    # unpaced, the same 24 sends arrive in far fewer windows: the pacing is what spreads them
    assert max(arrivals) - min(arrivals) >= (n - burst - 1) / rate * 0.8


def test_async_sends_are_paced(standin: GraphStandIn) -> None:
    rate, burst, n = 40.0, 4, 20

    async def main() -> None:
        async with standin.async_client(rate_limit=rate, burst=burst) as client:
            await asyncio.gather(*(client.send_message(f"9{i}", "hi") for i in range(n)))

    asyncio.run(main())
    arrivals = [r.time for r in standin.requests]
    assert len(arrivals) == n
    # +2: gather opens up to 20 connections at once; on a busy machine their setup can bunch
    # two paced sends into one window. Unpaced, all 20 would arrive within it.
    assert _max_in_window(arrivals, 0.25) <= burst + rate * 0.25 + 2


def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def _start_in_call_order(client: GraphClient, texts: list[str]) -> list[threading.Thread]:
    """One thread per text, each queued for PERSON before the next starts."""
    done: list[str] = []

    def send(text: str) -> None:
        client.send_message(PERSON, text)
        done.append(text)  # after the lock is released: pending + done never over-counts

    threads = [threading.Thread(target=send, args=(text,)) for text in texts]
    for i, t in enumerate(threads):
        t.start()
        _wait_until(lambda i=i: client.pending(PERSON) + len(done) > i)
    return threads


def test_order_per_conversation_with_threads(standin: GraphStandIn) -> None:
    standin.latency = 0.02
    n = 8
    with standin.client(rate_limit=None) as client:
        threads = _start_in_call_order(client, [f"m{i}" for i in range(n)])
        for t in threads:
            t.join()
        assert client.pending(PERSON) == 0
    assert [b["message"]["text"] for b in standin.sent(PERSON)] == [f"m{i}" for i in range(n)]
    spans = _intervals(standin.requests, PERSON)
    assert all(not _overlaps(a, b) for a, b in itertools.pairwise(spans))


def test_one_at_a_time_per_person_but_people_in_parallel(standin: GraphStandIn) -> None:
    standin.latency = 0.08
    with standin.client(rate_limit=None) as client:
        threads = [threading.Thread(target=client.send_message, args=(who, f"{who}-{i}"))
                   for i in range(3) for who in (PERSON, OTHER)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    a, b = _intervals(standin.requests, PERSON), _intervals(standin.requests, OTHER)
    assert len(a) == len(b) == 3
    for spans in (a, b):
        assert not any(_overlaps(x, y) for i, x in enumerate(spans) for y in spans[i + 1:])
    assert any(_overlaps(x, y) for x in a for y in b)


def test_order_per_conversation_with_asyncio(standin: GraphStandIn) -> None:
    standin.latency = 0.02
    n = 10

    async def main() -> None:
        async with standin.async_client(rate_limit=None) as client:
            await asyncio.gather(*(client.send_message(who, f"{who}-{i}")
                                   for i in range(n) for who in (PERSON, OTHER)))

    asyncio.run(main())
    for who in (PERSON, OTHER):
        assert [b["message"]["text"] for b in standin.sent(who)] == [
            f"{who}-{i}" for i in range(n)]
        spans = _intervals(standin.requests, who)
        assert not any(_overlaps(x, y) for i, x in enumerate(spans) for y in spans[i + 1:])
    a, b = _intervals(standin.requests, PERSON), _intervals(standin.requests, OTHER)
    assert any(_overlaps(x, y) for x in a for y in b)


def test_order_kept_through_retries(standin: GraphStandIn) -> None:
    standin.latency = 0.01
    with standin.client(rate_limit=None, retry=fast_retry()) as client:
        standin.fail_next(2, code=2)  # the first message needs three tries
        threads = _start_in_call_order(client, [f"m{i}" for i in range(4)])
        for t in threads:
            t.join()
    assert [b["message"]["text"] for b in standin.sent(PERSON)] == ["m0", "m1", "m2", "m3"]


def test_stand_in_rate_limit_mode(standin: GraphStandIn) -> None:
    standin.set_rate_limit(5)
    with standin.client(rate_limit=None, max_retries=0) as client:
        for i in range(5):
            client.send_message(PERSON, f"m{i}")
        with pytest.raises(RateLimitedError) as info:
            client.send_message(PERSON, "one too many")
        assert (info.value.code, info.value.subcode) == (613, 2534040)
        assert client.last_usage is not None and client.last_usage["call_count"] == 100


def test_cancelled_async_waiter_does_not_block_the_queue() -> None:
    from igbot.channel._ratelimit import AsyncConversationLocks

    async def main() -> list[str]:
        locks, order = AsyncConversationLocks(), []
        release = asyncio.Event()

        async def hold(name: str, wait: bool = False) -> None:
            async with locks.hold("p"):
                order.append(name)
                if wait:
                    await release.wait()

        first = asyncio.create_task(hold("first", wait=True))
        second = asyncio.create_task(hold("second"))
        third = asyncio.create_task(hold("third"))
        await asyncio.sleep(0)
        assert locks.pending("p") == 3
        second.cancel()
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(first, third)
        assert locks.pending("p") == 0 and len(locks) == 0
        return order

    assert asyncio.run(main()) == ["first", "third"]
