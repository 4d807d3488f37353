"""The graph panel draws the selected flow, and a burst of requests in a running loop draws once."""

from __future__ import annotations

import asyncio

from igbot.kataml import Bot
from igbot.widgets._graphview import GraphView


def test_draws_at_once_without_a_loop(shop: Bot) -> None:
    view = GraphView(lambda: (shop, "faq"))
    view.request()
    assert view.draws == 1 and bytes(view.image.value).startswith(b"\x89PNG")
    assert "flow faq" in view.note.value


def test_debounced_inside_a_running_loop(shop: Bot) -> None:
    view = GraphView(lambda: (shop, "location"), delay=0.05)

    async def burst() -> None:
        for _ in range(5):
            view.request()
        assert view.draws == 0
        await asyncio.sleep(0.3)

    asyncio.run(burst())
    assert view.draws == 1


def test_disabled_never_draws(shop: Bot) -> None:
    view = GraphView(lambda: (shop, "faq"), enabled=False)
    view.request()
    assert view.draws == 0 and "off" in view.note.value
