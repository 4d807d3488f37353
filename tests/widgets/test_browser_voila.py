"""The quickstart notebook served by Voilà, rendered by headless Chromium, widgets live.

Voilà runs ``notebooks/01_quickstart.ipynb`` on a real kernel and serves it with the widget
manager; Chromium (driven over the DevTools protocol) loads the page and waits until the chat
simulator's widgets are drawn: its transcript bubbles and its buttons. The screenshot is saved as
``out/browser/01_quickstart_voila.png``. Skipped, with the reason, where Chromium or Voilà is not
installed (``.ci/run`` installs Debian's chromium; Voilà is in the test extra).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1100,3000"]

voila = pytest.importorskip("voila", reason="Voilà is not installed (pip install -e '.[test]')")
websocket = pytest.importorskip("websocket", reason="websocket-client is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def voila_url() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", "01_quickstart.ipynb", "--no-browser",
         f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.tornado_settings={'xsrf_cookies': False}"],
        cwd=ROOT / "notebooks", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api", 60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        _stop(proc)


class _DevTools:
    """The few DevTools-protocol calls the check needs, over one page's websocket."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


@pytest.fixture
def browser() -> Iterator[_DevTools]:
    assert CHROMIUM is not None
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="igbot-chromium-")
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                             f"--remote-debugging-port={port}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/json/version", 30)
        pages = [t for t in httpx.get(f"http://127.0.0.1:{port}/json").json() if t["type"] == "page"]
        tools = _DevTools(pages[0]["webSocketDebuggerUrl"])
        yield tools
        tools.ws.close()
    finally:
        _stop(proc)
        shutil.rmtree(profile, ignore_errors=True)


WIDGETS_DRAWN = """(() => {
  const html = [...document.querySelectorAll('.widget-html-content')].map(e => e.innerText).join('\\n');
  const buttons = [...document.querySelectorAll('button.jupyter-button, button.widget-button')]
      .map(b => b.innerText.trim()).filter(Boolean);
  return {html, buttons};
})()"""


def test_quickstart_widgets_render_in_voila(voila_url: str, browser: _DevTools) -> None:
    browser.call("Page.enable")
    browser.call("Page.navigate", url=voila_url)
    deadline = time.monotonic() + 120
    state: dict[str, Any] = {"html": "", "buttons": []}
    while time.monotonic() < deadline:
        state = browser.evaluate(WIDGETS_DRAWN) or state
        if "Thanks for replying to our story" in state["html"] and state["buttons"]:
            break
        time.sleep(0.5)
    out = ROOT / "out" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    shot = browser.call("Page.captureScreenshot", format="png")
    (out / "01_quickstart_voila.png").write_bytes(base64.b64decode(shot["data"]))
    # the chat simulator's transcript (an HTML widget) holds the bot's bubbles ...
    assert "Thanks for replying to our story" in state["html"], state["html"][:500]
    assert "Talk to us" in state["html"] or "Connecting you with our team" in state["html"]
    # ... and its buttons (quick replies of the last bubble, Resolve, Reset...) are drawn
    assert state["buttons"], "no widget buttons were rendered"
