"""``igbot dashboard`` served by Voilà, driven in a real browser (Playwright on /usr/bin/chromium).

The CLI starts Voilà on 127.0.0.1 with the packaged notebook; the browser waits for the tiles,
clicks "week", picks an outcome (the linked Explorer follows) and opens a session, which is drawn
as Instagram bubbles. Screenshots go to ``out/browser/``. Skipped, with the reason, where Chromium,
Voilà or Playwright is missing (``.ci/run`` installs Debian's chromium).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.widgets._browser import ROOT, browser, needs_chromium, offline, screenshot  # noqa: F401

pytest.importorskip("voila", reason="Voilà is not installed (pip install -e '.[test]')")
if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = needs_chromium


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    return line[0] if line else ""


@pytest.fixture(scope="module")
def dashboard_url() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "igbot", "dashboard", str(ROOT / "data" / "logs" / "igbot_log.jsonl"),
         "--bot", str(ROOT / "data" / "bots" / "shop")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = _first_line(proc, 120)
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not found:
            proc.terminate()
            pytest.fail(f"igbot dashboard did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        yield found.group(0)
    finally:
        proc.terminate()  # the CLI stops its Voilà server on SIGTERM
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def page(browser: Browser, dashboard_url: str) -> Iterator[object]:  # noqa: F811 - shared fixture
    context = browser.new_context(viewport={"width": 1200, "height": 1800})
    offline(context)
    page = context.new_page()
    try:
        page.goto(dashboard_url, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector(".igbot-tile", timeout=180_000)
        yield page
    finally:
        context.close()


def shot(page: object, name: str) -> None:
    screenshot(page, name, full_page=True)  # type: ignore[arg-type]


def test_tiles_show_rates_with_sample_sizes(page: object) -> None:
    tiles = page.locator(".igbot-tiles").inner_text()  # type: ignore[attr-defined]
    assert "Handed over" in tiles and "5 of 26 sessions" in tiles and "95% CI" in tiles
    assert re.search(r"Agent first response \(median\)\s+\d+\.\d min", tiles)
    assert page.locator("img[src^='blob:'], img[src^='data:']").count() >= 1  # type: ignore[attr-defined]
    shot(page, "dashboard.png")


def test_week_and_outcome_clicks_update_dashboard_and_explorer(page: object) -> None:
    plot = page.locator(".widget-image img, img.widget-image").first  # type: ignore[attr-defined]
    before = plot.get_attribute("src")
    page.get_by_role("button", name="week").click()  # type: ignore[attr-defined]
    page.wait_for_function("src => { const i = document.querySelector('.widget-image img, img.widget-image');"
                           " return i && i.getAttribute('src') !== src; }", arg=before, timeout=60_000)  # type: ignore[attr-defined]
    outcome = page.locator(".widget-dropdown", has_text="Outcome").first.locator("select")  # type: ignore[attr-defined]
    outcome.select_option(label="handover")
    page.wait_for_function("() => document.body.innerText.includes('5 of 26 sessions') && "  # type: ignore[attr-defined]
                           "[...document.querySelectorAll('.widget-html-content b')].some(b => b.innerText === '5')",
                           timeout=60_000)
    shot(page, "dashboard_handover.png")


def test_clicking_a_session_reads_it_as_bubbles(page: object) -> None:
    listing = page.locator(".widget-select select").first  # type: ignore[attr-defined]
    listing.select_option(index=0)
    page.wait_for_selector(".igbot-transcript", timeout=60_000)  # type: ignore[attr-defined]
    transcript = page.locator(".igbot-transcript").inner_text()  # type: ignore[attr-defined]
    assert "Handed over to a person" in transcript
    assert "handover" in transcript and "·" in transcript
    shot(page, "explorer_session.png")
