"""The quickstart notebook exported to HTML and opened in a real browser (Playwright + Chromium).

The notebook is executed and converted to HTML with ``jupyter nbconvert`` (widget state
embedded), preferring each output's ``text/html`` over its widget view, as ``make demo`` does:
the page then needs no widget manager from a CDN, and the canvas shows as its static SVG.
Chromium loads the file with every request outside 127.0.0.1 refused; the bubbles, the drawing
and the embedded widget state are checked in the page, and a screenshot is saved as
``out/browser/01_quickstart.png``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._browser import (
    OUT,
    ROOT,
    needs_chromium,
    screenshot,
)

NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"
STATIC = ("['text/html', 'text/markdown', 'image/svg+xml', 'image/png', 'image/jpeg', "
          "'text/plain']")

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(importlib.util.find_spec("nbconvert") is None
                       or importlib.util.find_spec("ipykernel") is None,
                       reason="nbconvert and ipykernel are needed to render the notebook"),
]


@pytest.fixture(scope="module")
def exported() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "nbconvert", "--execute", "--to", "html",
                    "--ExecutePreprocessor.timeout=180", f"--NbConvertBase.display_data_priority={STATIC}",
                    "--output-dir", str(OUT), "--output", "01_quickstart", str(NOTEBOOK)],
                   check=True, cwd=NOTEBOOK.parent, capture_output=True, timeout=300)
    return OUT / "01_quickstart.html"


def test_bubbles_and_the_drawing_render(exported: Path, page: Page) -> None:
    page.goto(exported.as_uri())
    page.wait_for_selector(".igbot-chat")
    text = page.inner_text("body")
    assert page.locator(".igbot-chat").count() >= 5
    assert "Thanks for replying to our story!" in text
    assert "handed over to the agent inbox" in text
    assert "Buy 1 Get 1 Kopi Susu" in text  # the carousel card in the simulator's transcript
    assert "0 findings, 0 errors" in text
    # the bot and the canvas show as the static drawing, with their tooltips
    drawings = page.locator("svg.igbot-graph")
    assert drawings.count() >= 2
    assert drawings.first.bounding_box()["width"] > 300
    assert page.locator("svg.igbot-graph title", has_text="story_reply").count() >= 1
    shot = screenshot(page, "01_quickstart.png", full_page=True)
    assert shot.stat().st_size > 20_000


def test_simulator_widget_state_is_embedded(exported: Path, page: Page) -> None:
    page.goto(exported.as_uri())
    raw = page.locator(
        'script[type="application/vnd.jupyter.widget-state+json"]').first.text_content()
    assert raw, "nbconvert did not embed the widget state"
    state = json.loads(raw)["state"]
    values = [m["state"].get("value") for m in state.values() if m["model_name"] == "HTMLModel"]
    assert any(isinstance(v, str) and "Connecting you with our team" in v for v in values)
    # the status line (an HTML widget, so a long status wraps instead of being cut)
    assert "flow handover · state back · intent agentDone" in values  # resolved at the end
    canvases = [m["state"] for m in state.values() if m["model_name"] == "AnyModel"]
    assert any("state:promo/show" in c.get("svg", "") for c in canvases)
