"""The durable inbox: group commit, the ids it hands out, and posts going before processing."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

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


def test_processing_gives_way_while_a_post_waits_for_its_200() -> None:
    inbox = _Slow().start()
    started = time.monotonic()
    inbox.yield_to_intake(5.0)  # nothing waits: no pause
    assert time.monotonic() - started < 1.0
    waited: list[float] = []

    def worker() -> None:
        while not inbox.waiting:
            time.sleep(0.001)
        begin = time.monotonic()
        inbox.yield_to_intake(5.0)
        waited.append(time.monotonic() - begin)

    async def main() -> int:
        pending = asyncio.ensure_future(inbox.store(b"body"))  # waits for its commit
        thread = threading.Thread(target=worker)
        thread.start()
        await asyncio.sleep(0.2)
        inbox.release.set()  # the commit lands: the post is answered, the worker goes on
        got = await pending
        await asyncio.to_thread(thread.join, 10)
        return got

    try:
        assert asyncio.run(main()) == 1
    finally:
        inbox.stop()
    assert len(waited) == 1 and 0.1 < waited[0] < 4.0
    # bounded: with a post that never gets answered, a worker still goes on after the limit
    stuck = _Slow().start()

    async def never() -> None:
        task = asyncio.ensure_future(stuck.store(b"stuck"))
        await asyncio.sleep(0.05)
        begin = time.monotonic()
        await asyncio.to_thread(stuck.yield_to_intake, 0.1)
        assert 0.05 < time.monotonic() - begin < 3.0
        stuck.release.set()
        await task

    try:
        asyncio.run(never())
    finally:
        stuck.stop()


def test_processing_threads_give_way_one_at_a_time() -> None:
    """Four threads waiting ``limit`` each on their own would all go on after one ``limit``;
    taking turns, processing as a whole does one piece of work a ``limit`` while posts wait."""
    stuck = _Slow().start()
    done: list[float] = []

    def worker() -> None:
        stuck.yield_to_intake(0.1)
        done.append(time.monotonic())

    async def main() -> None:
        task = asyncio.ensure_future(stuck.store(b"stuck"))
        await asyncio.sleep(0.05)
        begin = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            await asyncio.to_thread(thread.join, 10)
        assert len(done) == 4 and max(done) - begin >= 0.35  # 4 x 0.1 s, one after another
        stuck.release.set()
        await task

    try:
        asyncio.run(main())
    finally:
        stuck.stop()
