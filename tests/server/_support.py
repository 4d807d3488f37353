"""Helpers for the webhook server tests: a small Kata bot, the Graph API stand-in, a live server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from igbot.channel import GraphStandIn
from igbot.kataml import load_bot_text
from igbot.server import ServerConfig, ServerRunner, sign_body
from igbot.server._postgres import PgState

SECRET = "test-app-secret-4f1c"
VERIFY = "test-verify-token-9a2b"
ADMIN = "test-admin-token-77e0"
ACCOUNT = "17841400000000001"
APP_ID = "1000000000000001"  # the stand-in's own app id
INBOX_APP = "1217981644879628"

BOT_YAML = textwrap.dedent("""
    name: shop
    flows:
      main:
        intents:
          agent: {initial: true, condition: "content == 'agent'", priority: 3}
          story: {initial: true, type: data, condition: "payload.type == 'story_reply'", priority: 2}
          comment: {initial: true, type: data, condition: "payload.type == 'comment'", priority: 2}
          any: {initial: true}
        states:
          start:
            initial: true
            end: true
            transitions:
              human: "intent == 'agent'"
              story: "intent == 'story'"
              comment: "intent == 'comment'"
              start: {fallback: true}
            action: {name: text, options: {text: "Hi! You said: $(content)"}}
          human:
            end: true
            action: {name: toAgent}
          story:
            end: true
            action: {name: text, options: {text: "Thanks for replying to our story!"}}
          comment:
            end: true
            action: {name: text, options: {text: "Thanks for your comment: $(content)"}}
        actions:
          toAgent: {type: handover, options: {text: "Connecting you to our team", metadata: {reason: asked}}}
""")

BOT_FILE = Path(__file__).with_name("shop_bot.yml")
ROOT = Path(__file__).resolve().parents[2]


def bot():  # type: ignore[no-untyped-def]
    return load_bot_text(BOT_YAML)


def now_ms() -> int:
    return int(time.time() * 1000)


def envelope(*items: dict[str, Any], standby: bool = False, changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": ACCOUNT, "time": now_ms()}
    if items:
        entry["standby" if standby else "messaging"] = list(items)
    if changes:
        entry["changes"] = changes
    return {"object": "instagram", "entry": [entry]}


def text_item(user: str, text: str, mid: str, ts: int | None = None) -> dict[str, Any]:
    return {"sender": {"id": user}, "recipient": {"id": ACCOUNT}, "timestamp": ts or now_ms(),
            "message": {"mid": mid, "text": text}}


def text_body(user: str, text: str, mid: str, ts: int | None = None, standby: bool = False) -> bytes:
    return json.dumps(envelope(text_item(user, text, mid, ts), standby=standby)).encode()


def echo_item(user: str, text: str, mid: str, app_id: str = APP_ID) -> dict[str, Any]:
    return {"sender": {"id": ACCOUNT}, "recipient": {"id": user}, "timestamp": now_ms(),
            "message": {"mid": mid, "text": text, "is_echo": True, "app_id": int(app_id)}}


def thread_item(user: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"sender": {"id": user}, "recipient": {"id": ACCOUNT}, "timestamp": now_ms(), kind: fields}


def config(standin: GraphStandIn, data_dir: Path, **options: Any) -> ServerConfig:
    values: dict[str, Any] = {
        "app_secret": SECRET, "verify_token": VERIFY, "access_token": standin.access_token,
        "admin_token": ADMIN, "graph_url": standin.url, "account_id": ACCOUNT, "app_id": APP_ID,
        "data_dir": data_dir, "port": 0, "workers": 3, "send_rate": None, "max_retries": 1,
        "echo_grace": 1.0, "reorder_window": 0.2,
    }
    values.update(options)
    return ServerConfig(**values)


def env(standin: GraphStandIn, data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment variables for a server subprocess."""
    out = {"IGBOT_APP_SECRET": SECRET, "IGBOT_VERIFY_TOKEN": VERIFY,
           "IGBOT_ACCESS_TOKEN": standin.access_token, "IGBOT_ADMIN_TOKEN": ADMIN,
           "IGBOT_GRAPH_URL": standin.url, "IGBOT_ACCOUNT_ID": ACCOUNT, "IGBOT_APP_ID": APP_ID}
    out.update(extra)
    return out


def post(client: httpx.Client, url: str, body: bytes, secret: str = SECRET) -> httpx.Response:
    return client.post(url + "/webhook", content=body,
                       headers={"X-Hub-Signature-256": sign_body(secret, body),
                                "Content-Type": "application/json"})


def wait_for(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {check}")
        time.sleep(interval)


def read_log(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "log.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def texts_to(standin: GraphStandIn, user: str) -> list[str]:
    return [b["message"].get("text") for b in standin.sent(user) if "message" in b]


@pytest.fixture
def standin() -> Iterator[GraphStandIn]:
    with GraphStandIn(account_id=ACCOUNT, app_id=APP_ID) as s:
        yield s


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str | None:
    """Run a server test on SQLite (None) and on PostgreSQL (the URL of a fresh database)."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("database_url"))


class Live:
    """A running server with helpers."""

    def __init__(self, runner: ServerRunner, standin: GraphStandIn, data_dir: Path) -> None:
        self.runner, self.standin, self.data_dir = runner, standin, data_dir
        self.url = runner.url
        self.http = httpx.Client(timeout=10)

    def raw_log(self) -> str:
        """The log as JSON lines (the file on SQLite, the table on PostgreSQL)."""
        self.idle()
        db = self.runner.server.db
        if isinstance(db, PgState):
            return "".join(line + "\n" for _seq, line in db.log_lines())
        path = self.data_dir / "log.jsonl"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def post(self, body: bytes, secret: str = SECRET) -> httpx.Response:
        return post(self.http, self.url, body, secret)

    def idle(self) -> None:
        assert self.runner.server.wait_idle(10)

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw_log().splitlines() if line.strip()]

    def api(self, path: str, data: dict[str, Any], token: str = ADMIN) -> httpx.Response:
        return self.http.post(self.url + path, json=data, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def live(standin: GraphStandIn, tmp_path: Path, backend: str | None) -> Iterator[Live]:
    runner = ServerRunner(bot(), config(standin, tmp_path / "data", database=backend)).start()
    server = Live(runner, standin, tmp_path / "data")
    try:
        yield server
    finally:
        server.http.close()
        runner.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command(bot_file: Path, data: Path, port: int, *options: str) -> list[str]:
    """``python -m igbot.server serve`` on 127.0.0.1:port (a subprocess of the test)."""
    return [sys.executable, "-m", "igbot.server", "serve", str(bot_file), "--port", str(port),
            "--data-dir", str(data), "--workers", "3", "--send-rate", "0", "--echo-grace", "3",
            *options]


def serve_env(standin: GraphStandIn, data: Path) -> dict[str, str]:
    return {**os.environ, **env(standin, data), "PYTHONPATH": str(ROOT)}


def start_serve(bot_file: Path, data: Path, port: int, standin: GraphStandIn,
                *options: str) -> subprocess.Popen[bytes]:
    """Start ``igbot serve`` in a subprocess and wait until /healthz says ok."""
    proc = subprocess.Popen(serve_command(bot_file, data, port, *options), env=serve_env(standin, data),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/healthz"

    def up() -> bool:
        try:
            return httpx.get(url, timeout=1).json().get("status") == "ok"
        except httpx.HTTPError:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            return False

    wait_for(up, timeout=30, interval=0.1)
    return proc
