"""The durable inbox: group commit, the ids it hands out, and posts going before processing."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from igbot.server import _inbox
from igbot.server._inbox import GroupCommit, Inbox


def test_concurrent_posts_share_commits_and_get_their_own_ids_in_order(tmp_path: Path) -> None:
    stored: list[tuple[int, bytes]] = []
    inbox = Inbox(tmp_path / "inbox.sqlite", on_stored=lambda i, _t, b: stored.append((i, b)))
    inbox.start()

    async def post_all() -> list[int]:
        return list(await asyncio.gather(*(inbox.store(f"body {n}".encode()) for n in range(300))))

    try:
        ids = asyncio.run(post_all())
        thread_id = inbox.append(b"from a thread").result(10)
    finally:
        inbox.close()
    assert ids == list(range(1, 301)) and thread_id == 301
    assert inbox.stored == 301 and inbox.commits < 301  # bodies shared commits
    assert stored == [(n + 1, f"body {n}".encode()) for n in range(300)] + [(301, b"from a thread")]
    reopened = Inbox(tmp_path / "inbox.sqlite")
    try:
        assert reopened.get(42) == b"body 41" and len(reopened) == 301
    finally:
        reopened.close()


class _Refusing(GroupCommit):
    def _write(self, now: float, bodies: list[bytes]) -> list[int]:
        raise OSError("disk full")


def test_a_failed_commit_fails_every_waiting_post() -> None:
    inbox = _Refusing().start()

    async def post() -> None:
        await inbox.store(b"x")

    try:
        with pytest.raises(OSError, match="disk full"):
            asyncio.run(post())
        with pytest.raises(OSError, match="disk full"):
            inbox.append(b"y").result(10)
    finally:
        inbox.stop()
    assert inbox.stored == 0


class _Slow(GroupCommit):
    """Commits when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def _write(self, now: float, bodies: list[bytes]) -> list[int]:
        self.release.wait(10)
        return list(range(1, len(bodies) + 1))


def _answered_late(inbox: _Slow) -> None:
    """One post whose commit's answer reaches a busy event loop late: the intake is short of
    CPU (as when workers hold the interpreter lock or a CPU quota throttles the process)."""

    async def main() -> None:
        inbox.release.set()
        task = asyncio.ensure_future(inbox.store(b"late"))
        await asyncio.sleep(0)  # queued for the writer, which commits at once
        time.sleep(0.05)  # the loop is busy meanwhile: the answer waits for it
        await task

    asyncio.run(main())
    inbox.release.clear()


def _yield_while_stuck(inbox: _Slow, threads: int, limit: float, answer_after: float) -> list[float]:
    """Seconds each of ``threads`` threads gave way while a post waited ``answer_after`` s."""
    waited: list[float] = []

    def worker() -> None:
        begin = time.monotonic()
        inbox.yield_to_intake(limit)
        waited.append(time.monotonic() - begin)

    async def main() -> None:
        pending = asyncio.ensure_future(inbox.store(b"body"))  # waits for its commit
        while not inbox.waiting:
            await asyncio.sleep(0.001)
        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        await asyncio.sleep(answer_after)
        inbox.release.set()  # the commit lands: the post is answered, the workers go on
        await pending
        for thread in pool:
            await asyncio.to_thread(thread.join, 10)

    asyncio.run(main())
    inbox.release.clear()
    return waited


def test_processing_gives_way_while_posts_wait_and_the_intake_is_short_of_cpu(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_inbox, "INTAKE_STARVED", 30.0)  # a late answer counts for the whole test
    inbox = _Slow().start()
    try:
        started = time.monotonic()
        inbox.yield_to_intake(5.0)  # nothing waits: no pause
        assert time.monotonic() - started < 1.0
        # a post waits for the database, the event loop keeps up: no reason to hold back
        (waited,) = _yield_while_stuck(inbox, 1, 5.0, 0.3)
        assert waited < 0.25
        _answered_late(inbox)
        (waited,) = _yield_while_stuck(inbox, 1, 5.0, 0.2)  # now it gives way until answered
        assert 0.1 < waited < 4.0
        # bounded: with a post that is not answered in time, a worker goes on after the limit
        (waited,) = _yield_while_stuck(inbox, 1, 0.1, 0.5)
        assert 0.05 < waited < 0.45
    finally:
        inbox.release.set()
        inbox.stop()


def test_processing_threads_give_way_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four threads waiting ``limit`` each on their own would all go on after one ``limit``;
    taking turns, processing as a whole does one piece of work a ``limit`` while posts wait."""
    monkeypatch.setattr(_inbox, "INTAKE_STARVED", 30.0)
    inbox = _Slow().start()
    try:
        _answered_late(inbox)
        waited = _yield_while_stuck(inbox, 4, 0.1, 2.0)
    finally:
        inbox.release.set()
        inbox.stop()
    assert len(waited) == 4 and max(waited) >= 0.35  # 4 x 0.1 s, one after another
