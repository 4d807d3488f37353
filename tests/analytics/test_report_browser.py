"""report.html in a real browser at phone width: headless Chromium (Playwright, every request
outside 127.0.0.1 refused) emulates a 390 px phone, loads the page from disk and measures that
nothing overflows the screen sideways: the page is as wide as the screen, plots shrink to fit, wide
tables scroll inside their own box, the headline cards go two a row. The screenshot is saved as
out/browser/report_phone.png. Skipped, with the reason, where Chromium or Playwright is missing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from igbot.analytics import load, report
from tests.widgets._browser import browser, needs_chromium, offline, screenshot  # noqa: F401

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = needs_chromium

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


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:  # noqa: F811 - the shared fixture
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True)
    offline(context)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_report_fits_a_phone_screen(samples: Path, tmp_path: Path, phone: Page) -> None:
    page = tmp_path / "report.html"
    report(load(samples / "igbot_log.jsonl"), funnel_states=["show", "claimed"],
           funnel_flow="promo").to_html(page)
    phone.goto(page.as_uri())
    deadline = time.monotonic() + 30
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = phone.evaluate(MEASURE) or {}
        if state.get("loaded"):
            break
        time.sleep(0.3)
    assert state["vw"] == 390 and state["imgs"] == 6 and state["loaded"], state
    assert state["page"] <= state["vw"], state  # no sideways scrolling of the page
    assert state["widestImg"] <= state["vw"], state  # plots shrink to the screen
    assert state["boxesFit"] and state["scrolls"] >= 1, state  # wide tables scroll in their box
    rows = state["cardRows"]
    assert rows[0] == rows[1] and rows[2] == rows[3] and rows[2] > rows[0], rows  # two a row
    screenshot(phone, "report_phone.png")
