"""What the bot misses and a session's bubbles, drawn by a real browser (Playwright on
/usr/bin/chromium with the shared fixtures of tests/widgets/_browser.py, no server: the HTML the
notebook shows, set as the page): readable at phone
width, nothing wider than the screen, the message text escaped. Screenshots in ``out/browser/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import igbot.analytics as ia
from igbot.kataml import load_bot
from tests.widgets._browser import ROOT, browser, needs_chromium, offline, screenshot  # noqa: F401

from ._data import ev, frame

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = needs_chromium

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[object]:  # noqa: F811 - the shared fixture
    context = browser.new_context(viewport=PHONE)
    offline(context)
    try:
        yield context.new_page()
    finally:
        context.close()


def show(page: object, html: str, name: str) -> None:
    page.set_content(f"<!doctype html><meta name=viewport content='width=device-width'>"  # type: ignore[attr-defined]
                     f"<body style='margin:8px'>{html}</body>")
    screenshot(page, name, full_page=True)  # type: ignore[arg-type]


def test_transcript_fits_a_phone_and_escapes(page: object) -> None:
    long = "kak " * 60 + "https://example.com/" + "x" * 120
    log = frame([
        ev("a", 0, "in", "user", "story_mention", payload={"story_id": "1"}),
        ev("a", 2, "out", "bot", "like_heart"),
        ev("a", 10, "in", "user", "text", text="<img src=x onerror=alert(1)> " + long,
           flow="fallback", state="sorry", intent="unknown", is_fallback=True),
        ev("a", 11, "out", "bot", "quick_replies", text="Sorry? Pick one",
           payload={"quick_replies": [{"title": t} for t in ("Promos", "Hours & FAQ", "Location",
                                                             "Talk to us")]}),
        ev("a", 20, "out", "system", "handover"),
        ev("a", 80, "out", "agent", "text", text="Hi, Rina here"),
    ])
    show(page, ia.Explorer(log).open("a#0"), "transcript_phone.png")
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= PHONE["width"]
    text = page.inner_text(".igbot-transcript")  # type: ignore[attr-defined]
    assert "Mentioned you in their story" in text and "<img src=x" in text  # shown as text
    assert page.locator(".igbot-transcript img").count() == 0  # type: ignore[attr-defined]
    assert "fallback › sorry · intent unknown · fallback" in text
    assert "Handed over to a person" in text and "agent" in text


def test_misses_table_and_proposal_render(page: object) -> None:
    bot = load_bot(ROOT / "data" / "bots" / "shop")
    found = ia.misses(ROOT / "data" / "logs" / "igbot_log.jsonl", bot=bot)
    proposal = found.topic("warna").proposal("askColour")
    show(page, found._repr_html_() + proposal._repr_html_(), "misses_phone.png")
    rows = page.locator("table tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == len(found.topics)
    assert "apakah ada warna lain?" in rows.first.inner_text()
    assert "Proposed intent askColour" in page.inner_text("body")  # type: ignore[attr-defined]
    page.click("summary")  # type: ignore[attr-defined]
    assert page.locator("details pre").is_visible()  # type: ignore[attr-defined]
