"""The quickstart notebook served by Voilà, its widgets live in Chromium (Playwright).

Voilà runs ``notebooks/01_quickstart.ipynb`` on a real kernel and serves it with the widget
manager; Chromium, with every request outside 127.0.0.1 refused, waits until the chat
simulator's widgets are drawn (its transcript bubbles and its buttons) and the canvas of the
promo flow is drawn too. The screenshot is ``out/browser/01_quickstart_voila.png``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._browser import (
    ROOT,
    Server,
    needs_chromium,
    screenshot,
)

pytest.importorskip("voila", reason="Voilà is not installed (pip install -e '.[test]')")
if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [needs_chromium, pytest.mark.timeout(600)]


def test_quickstart_widgets_render_in_voila(voila: Callable[[Path], Server], page: Page) -> None:
    server = voila(ROOT / "notebooks" / "01_quickstart.ipynb")
    page.set_viewport_size({"width": 1100, "height": 3000})
    page.goto(server.url)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.widget-html-content')]"
        ".some(e => e.innerText.includes('Thanks for replying to our story'))", timeout=240_000)
    page.wait_for_selector('.igbot-canvas [data-id="state:promo/show"]')
    html = "\n".join(page.locator(".widget-html-content").all_inner_texts())
    buttons = [b.strip() for b in page.locator(
        "button.jupyter-button, button.widget-button").all_inner_texts() if b.strip()]
    screenshot(page, "01_quickstart_voila.png")
    assert "Talk to us" in html or "Connecting you with our team" in html
    assert buttons, "no widget buttons were rendered"
