"""Processing in a process of its own (``processing_processes=1``): the same promises as in one."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from igbot.channel import GraphStandIn
from igbot.server import ServerRunner
from igbot.server._lock import DataDirLock
from igbot.server._processing import PROCESSING_LOCK, ProcessingChild
from igbot.server._state import StateDB

from ._support import (
    ADMIN,
    BOT_YAML,
    bot,
    config,
    free_port,
    post,
    read_log,
    start_serve,
    text_body,
    texts_to,
    wait_for,
)


def _runner(standin: GraphStandIn, data: Path, **options: object) -> ServerRunner:
    return ServerRunner(bot(), config(standin, data, processing_processes=1, **options))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_posts_are_processed_in_the_processing_process(standin: GraphStandIn, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with _runner(standin, data) as runner, httpx.Client(timeout=10) as http:
        pool = runner.server.pool
        assert isinstance(pool, ProcessingChild) and pool.pid not in (None, os.getpid())
        for n in range(20):
            assert post(http, runner.url, text_body(f"u{n % 4}", f"m {n}", f"mid-{n}")).status_code == 200
        assert post(http, runner.url, b"{broken").status_code == 200
        assert runner.server.wait_idle(20)
        wait_for(lambda: http.get(runner.url + "/healthz").json()["processed"] == 20)
        health = http.get(runner.url + "/healthz").json()
        assert (health["status"], health["stored"], health["dead_letters"]) == ("ok", 21, 1)
        assert health["log_lines"] == 40 and health["workers"] == 3
    for n in range(4):  # one person's replies in the order sent
        assert texts_to(standin, f"u{n}") == [f"Hi! You said: m {k}" for k in range(n, 20, 4)]
    log = read_log(data)
    assert sorted(r["mid"] for r in log if r["direction"] == "in") == sorted(f"mid-{n}" for n in range(20))
    state = StateDB(data / "state.sqlite")
    try:
        assert [d["reason"][:17] for d in state.dead_letters()] == ["body is not JSON:"]
    finally:
        state.close()


def test_the_admin_api_runs_on_the_conversations_worker(standin: GraphStandIn, tmp_path: Path) -> None:
    data = tmp_path / "data"
    day_ms = 24 * 3600 * 1000
    with _runner(standin, data) as runner, httpx.Client(timeout=20) as http:
        assert post(http, runner.url, text_body("p1", "agent", "mid-a")).status_code == 200
        assert post(http, runner.url, text_body("p2", "hi", "mid-b")).status_code == 200
        assert post(http, runner.url, text_body("p4", "old", "mid-c",
                                                ts=int(time.time() * 1000) - 8 * day_ms)).status_code == 200
        assert runner.server.wait_idle(20)
        auth = {"Authorization": f"Bearer {ADMIN}"}
        resolved = http.post(runner.url + "/api/resolve", json={"user": "p1"}, headers=auth)
        assert resolved.status_code == 200 and resolved.json()["resolved"] is True
        again = http.post(runner.url + "/api/resolve", json={"user": "p1"}, headers=auth)
        assert again.status_code == 200 and again.json()["resolved"] is False
        sent = http.post(runner.url + "/api/agent/send", json={"user": "p2", "text": "Rina here"},
                         headers=auth)
        assert sent.status_code == 200, sent.text
        assert sent.json()["message_id"]
        late = http.post(runner.url + "/api/agent/send", json={"user": "p4", "text": "sorry"},
                         headers=auth)
        assert late.status_code == 409  # the send policy's refusal, across the processes
        assert late.json()["error"]["type"] == "HumanAgentWindowClosedError"
    assert "Rina here" in texts_to(standin, "p2") and standin.sent("p4") == []
    assert [r["kind"] for r in read_log(data) if r["role"] == "system"] == ["handover", "resolve"]


def test_stopping_drains_what_was_acknowledged(standin: GraphStandIn, tmp_path: Path) -> None:
    data = tmp_path / "data"
    runner = _runner(standin, data, reorder_window=0.5).start()
    child = runner.server.pool
    assert isinstance(child, ProcessingChild)
    pid = child.pid
    assert pid is not None
    with httpx.Client(timeout=10) as http:
        for n in range(30):
            assert post(http, runner.url, text_body("d1", f"m {n}", f"mid-{n}")).status_code == 200
    runner.stop()  # held in the reorder window at this point: sent before the stop returns
    assert texts_to(standin, "d1") == [f"Hi! You said: m {n}" for n in range(30)]
    assert len([r for r in read_log(data) if r["role"] == "bot"]) == 30
    wait_for(lambda: not _alive(pid), timeout=5)
    with DataDirLock(data) as lock:  # both locks are free again
        assert lock.held
    DataDirLock(data, PROCESSING_LOCK).acquire()


def test_a_crashed_processing_process_is_replaced(standin: GraphStandIn, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with _runner(standin, data) as runner, httpx.Client(timeout=10) as http:
        child = runner.server.pool
        assert isinstance(child, ProcessingChild)
        first = child.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert post(http, runner.url, text_body("c1", "after the crash", "mid-c")).status_code == 200
        wait_for(lambda: texts_to(standin, "c1") == ["Hi! You said: after the crash"], timeout=30)
        assert child.pid not in (None, first) and child.restarts == 1
        assert http.get(runner.url + "/healthz").json()["processing_restarts"] == 1


def test_kill_9_of_igbot_serve_takes_its_processing_process_along(
        standin: GraphStandIn, tmp_path: Path) -> None:
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(BOT_YAML)
    data = tmp_path / "data"
    port = free_port()
    proc = start_serve(bot_file, data, port, standin, "--processing-processes", "1")
    try:
        children = _children(proc.pid)  # the processing process and multiprocessing's tracker
        assert any("spawn_main" in _cmdline(pid) for pid in children)
        with httpx.Client(timeout=10) as http:
            for n in range(10):
                assert post(http, f"http://127.0.0.1:{port}",
                            text_body("k1", f"m {n}", f"mid-{n}")).status_code == 200
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    wait_for(lambda: not any(_alive(pid) for pid in children), timeout=10)  # no orphans
    proc = start_serve(bot_file, data, port, standin, "--processing-processes", "1")
    try:
        wait_for(lambda: len(texts_to(standin, "k1")) >= 10, timeout=30)
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    replies = texts_to(standin, "k1")
    # in order, each once except a send on the wire at the kill (no echo came back here)
    assert list(dict.fromkeys(replies)) == [f"Hi! You said: m {n}" for n in range(10)]
    assert len(replies) - 10 <= 3
    incoming = [r["mid"] for r in read_log(data) if r["direction"] == "in"]
    assert sorted(incoming) == sorted(f"mid-{n}" for n in range(10))
    assert (data / PROCESSING_LOCK).exists()


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                continue
    return out


def test_the_command_line_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from igbot.server._cli import _processing_processes

    monkeypatch.delenv("IGBOT_DATABASE_URL", raising=False)

    class Args:
        processing_processes: int | None = None
        database: str | None = None

    expected = 1 if (os.cpu_count() or 1) >= 2 else 0
    assert _processing_processes(Args()) == expected  # type: ignore[arg-type]
    args = Args()
    args.database = "postgresql://x"
    assert _processing_processes(args) == 0  # type: ignore[arg-type]
    args.processing_processes = 0
    assert _processing_processes(args) == 0  # type: ignore[arg-type]
