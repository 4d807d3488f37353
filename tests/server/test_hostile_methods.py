"""A real ``igbot serve`` on loopback: a freezing JavaScript method in one conversation does not
hold up another conversation's reply by more than the method's time limit (issue 12)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import httpx

from igbot.channel import GraphStandIn

from ._support import env, post, text_body, texts_to, wait_for

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
TIME_LIMIT = 1.0  # the engine's default JavaScript time limit, which `igbot serve` uses

HOSTILE_BOT = textwrap.dedent("""
    name: hostile
    flows:
      main:
        intents:
          freeze: {initial: true, condition: "content == 'freeze'", priority: 2}
          any: {initial: true}
        states:
          start:
            initial: true
            end: true
            transitions:
              frozen: "intent == 'freeze'"
              start: {fallback: true}
            enter: stamp
            action: {name: text, options: {text: "Hi! You said: $(content)"}}
          frozen:
            end: true
            enter: backtrack
            action: {name: text, options: {text: "after the freeze"}}
        methods:
          "stamp(ctx)": "ctx.context.seen = (ctx.context.seen || 0) + 1; return ctx;"
          "backtrack(ctx)": "ctx.context.hit = /^(a+)+$/.test('a'.repeat(40) + 'b'); return ctx;"
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _slot(user: str) -> int:
    return zlib.crc32(user.encode()) % WORKERS  # how the server spreads conversations on workers


def test_a_freezing_method_does_not_hold_up_other_conversations(standin: GraphStandIn,
                                                                tmp_path: Path) -> None:
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(HOSTILE_BOT)
    data, port = tmp_path / "data", _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "igbot.server", "serve", str(bot_file), "--port", str(port),
         "--data-dir", str(data), "--workers", str(WORKERS), "--send-rate", "0"],
        env={**os.environ, **env(standin, data), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    frozen = "frozen-1"
    other = next(u for u in (f"other-{n}" for n in range(100)) if _slot(u) != _slot(frozen))
    try:
        def up() -> bool:
            try:
                return httpx.get(url + "/healthz", timeout=1).json().get("status") == "ok"
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                return False

        wait_for(up, timeout=30, interval=0.1)
        with httpx.Client(timeout=10) as client:
            def reply_time(user: str, text: str, mid: str) -> float:
                start = time.monotonic()
                assert post(client, url, text_body(user, text, mid)).status_code == 200
                wait_for(lambda: f"Hi! You said: {text}" in texts_to(standin, user),
                         timeout=30, interval=0.01)
                return time.monotonic() - start

            reply_time(other, "warm up", "m-0")  # starts the method workers
            alone = min(reply_time(other, f"alone {n}", f"m-a{n}") for n in range(3))
            assert post(client, url, text_body(frozen, "freeze", "m-f")).status_code == 200
            time.sleep(0.1)  # the frozen method is running now
            beside = reply_time(other, "beside the freeze", "m-b")
            wait_for(lambda: "after the freeze" in texts_to(standin, frozen), timeout=30)
        assert beside < alone + TIME_LIMIT, (alone, beside)
        assert proc.poll() is None  # the server lives on
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert "JavaScript worker" in err.decode() and "killed: past the 1.25 s deadline" in err.decode()
