"""The studio (FlowEditor + ChatSimulator) in a real browser at 1,100 px and 800 px: nothing cut.

Voilà serves a notebook written by the test (the editor on a copy of the shop bot with a lint
error, the simulator after a long conversation); headless Chromium, driven by Playwright with
every request outside 127.0.0.1 refused, lays it out at each width and checks that no button
label and no field label is cut, the page does not scroll sideways, lint messages are whole, and
the simulator's newest bubble is inside the transcript's visible box while the first one has
scrolled out of it; typing into the simulator's box and pressing Enter sends the message, which
arrives in view. Screenshots: ``out/browser/studio_<width>.png``. Skipped, with the reason, where
Chromium, Playwright or Voilà is missing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._browser import ROOT, Server, needs_chromium, screenshot, write_notebook

pytest.importorskip("voila", reason="Voilà is not installed (pip install -e '.[test]')")
if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [needs_chromium, pytest.mark.timeout(600)]

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


def _settle(page: Page, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = page.evaluate(CHECK) or state
        if "Debugger" in state.get("text", "") and "Lint" in state.get("text", "") \
                and state.get("last"):
            time.sleep(1.0)  # let the last reflow finish
            return page.evaluate(CHECK) or state
        time.sleep(0.5)
    raise AssertionError(f"the studio did not render in {timeout:.0f} s: "
                         f"{str(state.get('text', ''))[:300]}")


def test_nothing_cut_at_1100_and_800_px(voila: Callable[[Path], Server], page: Page,
                                        tmp_path: Path) -> None:
    server = voila(write_notebook(tmp_path / "studio.ipynb", [SETUP, CHAT]))
    page.set_viewport_size({"width": 1100, "height": 2400})
    page.goto(server.url)
    for width in (1100, 800):
        page.set_viewport_size({"width": width, "height": 2400})
        state = _settle(page, 180)
        screenshot(page, f"studio_{width}.png")
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
            _enter_sends(page)


TYPED = "typed and sent with enter zz"


def _enter_sends(page: Page) -> None:
    """Type into the simulator's box and press Enter: the message arrives and is in view."""
    box = page.locator('input[placeholder^="type as the person"]')
    box.fill(TYPED)
    box.press("Enter")
    probe = CHECK.replace(json.dumps(LAST), json.dumps(TYPED))
    deadline = time.monotonic() + 60
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = page.evaluate(probe) or state
        if state.get("last"):
            break
        time.sleep(0.5)
    assert state.get("last"), "Enter did not send the typed message"
    view, last = state["view"], state["last"]
    assert view["top"] - 1 <= last["top"] and last["bottom"] <= view["bottom"] + 1, state
    assert box.input_value() == "", "the box is cleared after sending"
