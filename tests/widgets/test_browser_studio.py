"""The studio (FlowEditor + ChatSimulator) in a real browser at 1,100 px and 800 px: nothing cut.

Voilà serves a notebook written by the test (the editor on a copy of the shop bot with a lint
error, the simulator after a long conversation); headless Chromium, driven over the DevTools
protocol, lays it out at each width and checks that no button label and no field label is cut,
the page does not scroll sideways, lint messages are whole, and the simulator's newest bubble is
inside the transcript's visible box while the first one has scrolled out of it; typing into the
simulator's box and pressing Enter sends the message, which arrives in view. Screenshots:
``out/browser/studio_<width>.png``. Skipped, with the reason, where Chromium or Voilà is missing.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.widgets.test_browser_voila import (
    CHROMIUM,
    ROOT,
    _DevTools,
    _free_port,
    _stop,
    _wait_http,
    browser,  # noqa: F401 - the fixture
)

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
pytest.importorskip("voila", reason="Voilà is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="chromium is not installed (apt-get install chromium)")

FIRST, LAST = "first message of a long chat", "the newest message zz"

SETUP = f"""
import shutil, tempfile
from pathlib import Path
from igbot.widgets import ChatSimulator, FlowEditor
folder = Path(tempfile.mkdtemp()) / "shop"
shutil.copytree({str(ROOT / "data" / "bots" / "shop")!r}, folder)
editor = FlowEditor(folder, flow="faq", graph=False)
editor.set_transition("faq", "ask", "nowhere")   # a lint error with a long message
editor.select("faq", state="ask")
editor
"""

CHAT = f"""
sim = ChatSimulator({str(ROOT / "data" / "bots" / "shop")!r})
sim.send_text({FIRST!r})
for text in ["any promo?", "opening hours?", "where are you", "hi", "any promo?", "hours?"]:
    sim.send_text(text)
sim.send_text({LAST!r})
sim
"""

CHECK = """(() => {
  const visible = e => e.offsetParent !== null && e.getClientRects().length > 0;
  const cut = [];
  for (const b of document.querySelectorAll('button.jupyter-button, button.widget-button')) {
    if (visible(b) && b.scrollWidth > b.clientWidth + 1) cut.push('button ' + b.innerText.trim());
  }
  for (const l of document.querySelectorAll('label.widget-label, .widget-label')) {
    if (visible(l) && l.innerText.trim() && l.scrollWidth > l.clientWidth + 1)
      cut.push('label ' + l.innerText.trim());
  }
  const over = [];
  for (const e of document.querySelectorAll('.widget-box, .widget-html-content, .widget-tab')) {
    if (visible(e) && e.scrollWidth > e.clientWidth + 1)
      over.push((e.className || '').slice(0, 60) + ' ' + (e.scrollWidth - e.clientWidth) + 'px: '
                + e.innerText.trim().slice(0, 40).replace(/\\n/g, ' '));
  }
  const text = [...document.querySelectorAll('.widget-html-content')].map(e => e.innerText).join('\\n');
  const box = document.querySelector('.igbot-transcript');
  const find = needle => {
    const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let found = null;
    while (walk.nextNode()) if (walk.currentNode.textContent.includes(needle)) found = walk.currentNode;
    if (!found) return null;
    const range = document.createRange(); range.selectNodeContents(found);
    const r = range.getBoundingClientRect(); return {top: r.top, bottom: r.bottom};
  };
  const view = box ? box.getBoundingClientRect() : null;
  return {cut, over, text, wide: document.documentElement.scrollWidth - window.innerWidth,
          view: view && {top: view.top, bottom: view.bottom},
          overflows: box ? box.scrollHeight > box.clientHeight : false,
          first: box && find(%FIRST%), last: box && find(%LAST%)};
})()""".replace("%FIRST%", json.dumps(FIRST)).replace("%LAST%", json.dumps(LAST))


@pytest.fixture
def studio_url(tmp_path: Path) -> Iterator[str]:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(CHAT)]
    nbformat.write(book, tmp_path / "studio.ipynb")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", "studio.ipynb", "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1", "--Voila.tornado_settings={'xsrf_cookies': False}"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api", 60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        _stop(proc)


def _settle(tools: _DevTools, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = tools.evaluate(CHECK) or state
        if "Debugger" in state.get("text", "") and "Lint" in state.get("text", "") \
                and state.get("last"):
            time.sleep(1.0)  # let the last reflow finish
            return tools.evaluate(CHECK) or state
        time.sleep(0.5)
    raise AssertionError(f"the studio did not render in {timeout:.0f} s: "
                         f"{str(state.get('text', ''))[:300]}")


def test_nothing_cut_at_1100_and_800_px(studio_url: str, browser: _DevTools) -> None:  # noqa: F811
    browser.call("Page.enable")
    browser.call("Page.navigate", url=studio_url)
    out = ROOT / "out" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    for width in (1100, 800):
        browser.call("Emulation.setDeviceMetricsOverride", width=width, height=2400,
                     deviceScaleFactor=1, mobile=False)
        state = _settle(browser, 180)
        shot = browser.call("Page.captureScreenshot", format="png")
        (out / f"studio_{width}.png").write_bytes(base64.b64decode(shot["data"]))
        assert state["cut"] == [], f"{width} px: {state['cut']}"
        assert state["over"] == [], f"{width} px: {state['over']}"
        assert state["wide"] <= 1, f"{width} px: the page scrolls {state['wide']} px sideways"
        # the lint message is there whole, not cut mid-sentence
        assert "1 error" in state["text"] and "nowhere" in state["text"]
        # the newest bubble is inside the transcript's visible box; the first scrolled away
        view, last, first = state["view"], state["last"], state["first"]
        assert state["overflows"], "the conversation should be longer than its box"
        assert view["top"] - 1 <= last["top"] and last["bottom"] <= view["bottom"] + 1, state
        assert first["bottom"] <= view["top"] + 1, state
        if width == 800:
            _enter_sends(browser)


TYPED = "typed and sent with enter zz"


def _enter_sends(tools: _DevTools) -> None:
    """Type into the simulator's box and press Enter: the message arrives and is in view."""
    tools.evaluate("document.querySelector('input[placeholder^=\"type as the person\"]').focus()")
    tools.call("Input.insertText", text=TYPED)
    time.sleep(1.0)  # the typed value reaches the kernel as it is typed
    for kind in ("keyDown", "keyUp"):
        tools.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                   windowsVirtualKeyCode=13, nativeVirtualKeyCode=13,
                   **({"text": "\r"} if kind == "keyDown" else {}))
    probe = CHECK.replace(json.dumps(LAST), json.dumps(TYPED))
    deadline = time.monotonic() + 60
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = tools.evaluate(probe) or state
        if state.get("last"):
            break
        time.sleep(0.5)
    assert state.get("last"), "Enter did not send the typed message"
    view, last = state["view"], state["last"]
    assert view["top"] - 1 <= last["top"] and last["bottom"] <= view["bottom"] + 1, state
    value = tools.evaluate("document.querySelector('input[placeholder^=\"type as the person\"]')"
                           ".value")
    assert value == "", "the box is cleared after sending"
