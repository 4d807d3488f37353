"""The flow canvas in a real browser: JupyterLab 4, Notebook 7 and Voilà, with Playwright.

A notebook showing ``FlowCanvas(shop, flow="faq")`` and a ``ChatSimulator`` is run in
JupyterLab and Notebook 7 (started here on 127.0.0.1 with a token) and served by Voilà; in each, Chromium
renders the canvas, hovers an edge for its full condition, clicks a node and renames it in the
editor's form, drags from a state to another to add a transition, and sends a chat message with
Enter. Screenshots go to ``out/browser/canvas_<front end>_<step>.png``. Nothing is fetched from
the network: the canvas's script ships in the package.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._browser import (
    ROOT,
    Server,
    lab_run_all,
    needs_chromium,
    offline,
    screenshot,
    write_notebook,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [needs_chromium, pytest.mark.timeout(600)]

CELLS = [
    "from igbot.kataml import load_bot\n"
    "from igbot.widgets import ChatSimulator, FlowCanvas\n"
    "canvas = FlowCanvas(load_bot('shop'), flow='faq', height=420)\n"
    "canvas",
    "sim = ChatSimulator(load_bot('shop'))\n"
    "sim",
]
NODE = '.igbot-canvas [data-kind="node"][data-id="{}"]'


def _notebook(root: Path) -> Path:
    shutil.copytree(ROOT / "data" / "bots" / "shop", root / "shop", dirs_exist_ok=True)
    return write_notebook(root / "canvas.ipynb", CELLS)


@pytest.fixture(scope="module", params=["lab", "notebook7", "voila"])
def front(request: pytest.FixtureRequest, browser: Browser,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Page]]:
    """A page showing the canvas notebook, in JupyterLab or in Voilà (one per module run)."""
    context = browser.new_context(viewport={"width": 1200, "height": 1100})
    refused = offline(context)
    page = context.new_page()
    page.set_default_timeout(90_000)
    if request.param in ("lab", "notebook7"):
        server: Server = request.getfixturevalue(
            "jupyter_lab" if request.param == "lab" else "jupyter_notebook")
        _notebook(server.root)
        lab_run_all(page, server, "canvas.ipynb")
    else:
        root = tmp_path_factory.mktemp("voila")
        serve: Callable[[Path], Server] = request.getfixturevalue("voila")
        server = serve(_notebook(root))
        page.goto(server.url)
    page.wait_for_selector(NODE.format("state:faq/ask"), timeout=240_000)
    try:
        yield request.param, page
        # nothing asked for anything outside 127.0.0.1, but the bot's own sample images and
        # the icon font Voilà's page template links (igbot's widgets use no icon font)
        foreign = ("picsum.photos", "@fortawesome/fontawesome-free")
        assert not [u for u in refused if not any(f in u for f in foreign)], refused
    finally:
        context.close()


def _centre(page: Page, node_id: str) -> tuple[float, float]:
    shape = page.locator(NODE.format(node_id) + " :is(circle, polygon)").first
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_canvas_renders(front: tuple[str, Page]) -> None:
    name, page = front
    nodes = page.locator('.igbot-canvas [data-kind="node"]')
    assert nodes.count() >= 4
    assert page.locator(".igbot-canvas-flow").input_value() == "faq"
    width = page.evaluate(
        "document.querySelector('.igbot-canvas-stage svg').getBoundingClientRect().width")
    assert width > 300
    page.locator(".igbot-canvas").first.scroll_into_view_if_needed()
    shot = screenshot(page, f"canvas_{name}_render.png")
    assert shot.stat().st_size > 10_000


def test_hover_shows_the_full_condition(front: tuple[str, Page]) -> None:
    name, page = front
    label = page.locator(".igbot-canvas g.igbot-edge-label",
                         has_text='intent == "question"').first
    label.scroll_into_view_if_needed()
    label.hover()
    tip = page.locator(".igbot-canvas-tip")
    tip.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('.igbot-canvas-tip').innerText.includes('mapping')")
    text = tip.inner_text()
    assert 'intent == "question"' in text and "condition" in text
    screenshot(page, f"canvas_{name}_hover.png")


def test_click_a_node_and_edit_it(front: tuple[str, Page]) -> None:
    name, page = front
    x, y = _centre(page, "state:faq/ask")
    page.mouse.click(x, y)
    page.wait_for_selector(NODE.format("state:faq/ask") + ".igbot-selected")
    # the editor's states form opened on "ask": rename it there
    names = page.locator("input[placeholder='state name']:visible")
    names.fill("asking")
    names.press("Tab")
    page.locator("button:visible", has_text="Rename").first.click()
    page.wait_for_selector(NODE.format("state:faq/asking"))
    assert page.locator(NODE.format("state:faq/ask")).count() == 0
    screenshot(page, f"canvas_{name}_edit.png")


def test_drag_from_a_state_to_another_adds_a_transition(front: tuple[str, Page]) -> None:
    name, page = front
    edges = page.locator(".igbot-canvas g.igbot-edge")
    before = edges.count()
    (x0, y0), (x1, y1) = _centre(page, "state:faq/answer"), _centre(page, "state:faq/init")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=6)
    page.mouse.move(x1, y1, steps=6)
    page.mouse.up()
    condition = page.locator("input[placeholder='e.g. intent == \"yes\"']")
    condition.wait_for(state="visible")
    condition.fill('intent == "again')
    page.wait_for_selector("text=unterminated string")
    condition.fill('intent == "again"')
    page.wait_for_function("() => !document.body.innerText.includes('unterminated string')")
    page.locator("button:visible", has_text="Add transition").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('.igbot-canvas g.igbot-edge').length > {before}")
    assert edges.count() == before + 1
    screenshot(page, f"canvas_{name}_connect.png")


def test_enter_sends_and_the_newest_bubble_is_visible(front: tuple[str, Page]) -> None:
    name, page = front
    box = page.locator("input[placeholder^='type as the person']")
    box.scroll_into_view_if_needed()
    for text in ("hi", "faq", "what are your opening hours?", "thanks", "hello again"):
        box.fill(text)
        box.press("Enter")
        page.wait_for_function(
            "t => [...document.querySelectorAll('.igbot-transcript')].some("
            "e => e.innerText.includes(t))", arg=text, timeout=20_000)
    visible = page.evaluate("""() => {
        const bubbles = [...document.querySelectorAll('.igbot-transcript .igbot-chat > div')];
        const last = bubbles[bubbles.length - 1];
        let box = last.parentElement;
        while (box && getComputedStyle(box).overflowY === 'visible') box = box.parentElement;
        const a = last.getBoundingClientRect(), b = box.getBoundingClientRect();
        return a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
    }""")
    screenshot(page, f"canvas_{name}_simulator.png")
    assert visible
