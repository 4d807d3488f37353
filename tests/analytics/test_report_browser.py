"""report.html in a real browser at phone width: headless Chromium (over the DevTools protocol)
emulates a 390 px phone, loads the page from disk and measures that nothing overflows the screen
sideways: the page is as wide as the screen, plots shrink to fit, wide tables scroll inside their
own box, the headline cards go two a row. The screenshot is saved as out/browser/report_phone.png.
Skipped, with the reason, where Chromium or websocket-client is not installed."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from igbot.analytics import load, report

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
websocket = pytest.importorskip("websocket", reason="websocket-client is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="chromium is not installed (apt-get install chromium)")

MEASURE = """(() => {
  const vw = window.innerWidth;
  const boxes = [...document.querySelectorAll('.scroll')];
  const imgs = [...document.images];
  const cards = [...document.querySelectorAll('.card')].slice(0, 4).map(c => c.getBoundingClientRect().top);
  return {vw, page: document.documentElement.scrollWidth,
          widestImg: Math.max(...imgs.map(i => i.getBoundingClientRect().right)),
          loaded: imgs.every(i => i.complete && i.naturalWidth > 0), imgs: imgs.length,
          boxesFit: boxes.every(b => b.getBoundingClientRect().right <= vw + 0.5),
          scrolls: boxes.filter(b => b.scrollWidth > b.clientWidth).length,
          cardRows: cards};
})()"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def page_tools() -> Iterator[Any]:
    assert CHROMIUM is not None
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="igbot-chromium-")
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                targets = httpx.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        ws = websocket.create_connection(
            next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"], timeout=30)
        counter = iter(range(1, 1_000_000))

        def call(method: str, **params: Any) -> dict[str, Any]:
            ident = next(counter)
            ws.send(json.dumps({"id": ident, "method": method, "params": params}))
            while True:
                reply = json.loads(ws.recv())
                if reply.get("id") == ident:
                    assert "error" not in reply, reply
                    return dict(reply.get("result", {}))

        yield call
        ws.close()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(profile, ignore_errors=True)


def test_report_fits_a_phone_screen(samples: Path, tmp_path: Path, page_tools: Any) -> None:
    call = page_tools
    page = tmp_path / "report.html"
    report(load(samples / "igbot_log.jsonl"), funnel_states=["show", "claimed"],
           funnel_flow="promo").to_html(page)
    call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2,
         mobile=True)
    call("Page.enable")
    call("Page.navigate", url=page.as_uri())
    deadline = time.monotonic() + 30
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        result = call("Runtime.evaluate", expression=MEASURE, returnByValue=True)
        state = result.get("result", {}).get("value") or {}
        if state.get("loaded"):
            break
        time.sleep(0.3)
    assert state["vw"] == 390 and state["imgs"] == 6 and state["loaded"], state
    assert state["page"] <= state["vw"], state  # no sideways scrolling of the page
    assert state["widestImg"] <= state["vw"], state  # plots shrink to the screen
    assert state["boxesFit"] and state["scrolls"] >= 1, state  # wide tables scroll in their box
    rows = state["cardRows"]
    assert rows[0] == rows[1] and rows[2] == rows[3] and rows[2] > rows[0], rows  # two a row
    shot = call("Page.captureScreenshot", format="png")
    out = ROOT / "out" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    (out / "report_phone.png").write_bytes(base64.b64decode(shot["data"]))
