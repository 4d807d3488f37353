"""Crashes and restarts: stored bodies are processed after a restart, exactly once in effect."""

from __future__ import annotations

import collections
import json
import signal
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from igbot.channel import GraphStandIn, SQLitePolicyStore
from igbot.server import Inbox, ServerRunner
from igbot.server._state import StateDB

from ._support import (
    APP_ID,
    BOT_YAML,
    bot,
    config,
    echo_item,
    envelope,
    free_port,
    post,
    read_log,
    start_serve,
    text_body,
    texts_to,
    wait_for,
)


def test_bodies_stored_before_a_restart_are_processed_once(standin: GraphStandIn, tmp_path: Path) -> None:
    data = tmp_path / "data"
    inbox = Inbox(data / "inbox.sqlite")
    for n in range(3):
        inbox.append_now(text_body("r1", f"queued {n}", f"q-{n}"))
    inbox.append_now(b"{broken")
    inbox.close()
    with ServerRunner(bot(), config(standin, data)) as runner:
        assert runner.server.pool.wait_idle(10)
        wait_for(lambda: len(texts_to(standin, "r1")) == 3)
        assert [d["reason"][:17] for d in runner.server.db.dead_letters()] == ["body is not JSON:"]
    # a second restart finds nothing left to do
    with ServerRunner(bot(), config(standin, data)) as runner:
        assert runner.server.pool.wait_idle(10)
        time.sleep(0.2)
    assert texts_to(standin, "r1") == [f"Hi! You said: queued {n}" for n in range(3)]
    incoming = [r["mid"] for r in read_log(data) if r["direction"] == "in"]
    assert incoming == ["q-0", "q-1", "q-2"]


def test_unsent_requests_of_an_older_data_dir_are_sent_after_a_restart(
        standin: GraphStandIn, tmp_path: Path) -> None:
    """Outbox rows stored as JSON bodies (as every version wrote them) are read back typed and
    sent as the very same JSON, with their log lines."""
    data = tmp_path / "data"
    data.mkdir()
    StateDB(data / "state.sqlite").close()
    policy = SQLitePolicyStore(data / "policy.sqlite")
    policy.record_inbound("r9", datetime.now(UTC))
    policy.close()
    reply = {"recipient": {"id": "r9"}, "message": {"text": "Pick one", "quick_replies": [
        {"content_type": "text", "title": "Menu", "payload": "{\"type\":\"menu\"}"}]}}
    with sqlite3.connect(data / "state.sqlite") as conn:
        conn.execute("INSERT INTO outbox (conversation, endpoint, body, role, meta, state, created_at) "
                     "VALUES ('r9', 'messages', ?, 'bot', ?, 'pending', 0)",
                     (json.dumps(reply), json.dumps({"flow": "main", "state": "init", "action": "menu"})))
    with ServerRunner(bot(), config(standin, data)) as runner:
        assert runner.server.pool.wait_idle(10)
        wait_for(lambda: standin.sent("r9"))
        wait_for(lambda: any(r["direction"] == "out" for r in read_log(data)))
    assert standin.sent("r9") == [reply]
    (line,) = [r for r in read_log(data) if r["direction"] == "out"]
    assert (line["kind"], line["text"], line["flow"]) == ("text", "Pick one", "main")
    assert json.loads(line["payload"])["quick_replies"] == reply["message"]["quick_replies"]


@pytest.mark.parametrize("processes", ["0", "1"], ids=["in-process", "processing-process"])
def test_kill_9_in_a_burst_loses_and_duplicates_nothing(standin: GraphStandIn, tmp_path: Path,
                                                       processes: str) -> None:
    """Processing in the server's process or in a processing process of its own (killed
    along with it): the same promises."""
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(BOT_YAML)
    data = tmp_path / "data"
    port = free_port()
    option = ("--processing-processes", processes)
    proc = start_serve(bot_file, data, port, standin, *option)
    url = f"http://127.0.0.1:{port}"
    acked: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def burst(worker: int) -> None:
        with httpx.Client(timeout=5) as client:
            for n in range(100_000):  # until the kill: intake may outpace the sends by far
                if stop.is_set():
                    return
                text = f"w{worker}-n{n}"
                body = text_body(f"k{worker}-{n % 5}", text, f"mid-{text}")
                try:
                    if post(client, url, body).status_code == 200:
                        with lock:
                            acked.add(text)
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=burst, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    wait_for(lambda: len(acked) >= 150 and len(standin.sent()) >= 10, timeout=30, interval=0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    killed_at = len(acked)
    assert 150 <= killed_at < 400_000  # killed mid-burst, with sends on the wire
    proc = start_serve(bot_file, data, port, standin, *option)
    try:
        # Meta echoes every message it accepted (our app id): the server uses them to settle
        # sends that were on the wire when it died.
        echoes = [echo_item(sent["recipient"]["id"], sent["message"]["text"], f"echo-{i}", APP_ID)
                  for i, sent in enumerate(standin.sent())]
        with httpx.Client(timeout=10) as client:  # one batch, as Meta may deliver them
            assert post(client, url, json.dumps(envelope(*echoes)).encode()).status_code == 200

        def replied() -> set[str]:
            return {b["message"]["text"].removeprefix("Hi! You said: ") for b in standin.sent()}

        wait_for(lambda: acked <= replied(), timeout=90, interval=0.05)
        time.sleep(3.5)  # past the echo grace: anything in doubt and unconfirmed is sent by now
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    server_log = err.decode()[-3000:]
    counts = collections.Counter(b["message"]["text"] for b in standin.sent())
    duplicated = {text: n for text, n in counts.items() if n > 1}
    assert duplicated == {}, server_log
    assert {f"Hi! You said: {t}" for t in acked} <= set(counts)
    # the log has each processed message once, and each reply once
    log = read_log(data)
    incoming = collections.Counter(r["mid"] for r in log if r["direction"] == "in")
    assert all(n == 1 for n in incoming.values())
    assert {f"mid-{t}" for t in acked} <= set(incoming)
    outgoing = collections.Counter(r["text"] for r in log if r["role"] == "bot")
    assert outgoing == counts
    assert not [r for r in log if r["role"] == "agent"]  # echoes of our own sends are not agents
