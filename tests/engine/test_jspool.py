"""The method worker pool: deadlines, kills and replacements, bounded answers."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from igbot.engine._jspool import MethodWorkerPool, WorkerFailure


def request(code: str, time_limit: float = 0.3) -> dict[str, Any]:
    return {"source": f"function f(ctx) {{ {code} }}", "entry": "f", "args": "[{}]",
            "time_limit": time_limit, "memory_limit": 32 * 1024 * 1024, "max_depth": 100,
            "max_values": 1000, "max_chars": 100_000}


@pytest.fixture
def pool():
    made = MethodWorkerPool(max_workers=2, max_idle=1)
    yield made
    made.close()


def test_a_call_past_its_deadline_kills_the_worker_and_the_next_call_gets_a_new_one(
    pool: MethodWorkerPool,
) -> None:
    assert pool.call(request("return 1;"), 0.3, 10_000) == {"ok": "1"}
    first = pool._idle[0].pid
    frozen = request("return /^(a+)+$/.test('a'.repeat(40) + 'b');")
    assert pool.call(frozen, 0.3, 10_000) == {"time": True, "killed": True}
    assert pool.kills == 1
    assert pool.call(request("return 2;"), 0.3, 10_000) == {"ok": "2"}
    assert pool._idle[0].pid != first


def test_an_answer_over_the_limit_is_refused_unread_and_the_worker_replaced(
    pool: MethodWorkerPool,
) -> None:
    with pytest.raises(WorkerFailure, match="over the limit of 100"):
        pool.call(request("return 'x'.repeat(5000);"), 0.3, 100)
    assert pool.kills == 1
    assert pool.call(request("return 3;"), 0.3, 100) == {"ok": "3"}


def test_an_idle_worker_that_died_is_replaced_transparently(pool: MethodWorkerPool) -> None:
    pool.call(request("return 1;"), 0.3, 10_000)
    pool._idle[0].proc.kill()
    pool._idle[0].proc.wait()
    assert pool.call(request("return 4;"), 0.3, 10_000) == {"ok": "4"}


def test_at_most_max_workers_run_at_once(pool: MethodWorkerPool) -> None:
    answers: list[dict[str, Any]] = []

    def busy() -> None:
        answers.append(pool.call(request("var t = Date.now(); while (Date.now() - t < 300) {}"
                                         " return 1;", 2.0), 2.0, 10_000))

    threads = [threading.Thread(target=busy) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    assert pool._live <= 2
    for t in threads:
        t.join()
    assert answers == [{"ok": "1"}] * 3
    assert pool._live <= 2


def test_close_ends_the_idle_workers() -> None:
    made = MethodWorkerPool()
    made.call(request("return 1;"), 0.3, 10_000)
    proc = made._idle[0].proc
    made.close()
    assert proc.poll() is not None
    assert made.idle == 0
