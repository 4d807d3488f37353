"""The editor's graph panel: ``igbot.graph.show(bot, flow=...)`` drawn as a PNG at its own size (up to
the full output width, never a thumbnail), redrawn after edits.

Redraws are debounced: inside a running event loop (a Jupyter kernel) a burst of edits draws
once, ``delay`` seconds after the last; without a loop (scripts, tests) it draws at once.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from igbot.graph import show
from igbot.kataml import Bot

__all__ = ["GraphView"]

logger = logging.getLogger(__name__)


class GraphView:
    """An Image widget showing one flow's graph.

    Args:
        source: returns the bot and the flow to draw (called when drawing, so it sees edits).
        delay: debounce in seconds (``0`` draws at every request).
        enabled: ``False`` never draws (a note says so).
    """

    def __init__(self, source: Callable[[], tuple[Bot, str | None]], *, delay: float = 0.4,
                 enabled: bool = True) -> None:
        self.source = source
        self.delay = delay
        self.enabled = enabled
        self.draws = 0
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.note = w.HTML()
        self.widget = w.VBox([self.note, self.image])
        self._pending: Any = None
        if not enabled:
            self.note.value = "<i>graph view off</i>"

    def request(self) -> None:
        """Ask for a redraw (debounced)."""
        if not self.enabled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.delay <= 0:
            self.draw()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.delay, self.draw)

    def draw(self) -> None:
        """Draw now."""
        self._pending = None
        bot, flow = self.source()
        try:
            png = show(bot, flow=flow).render("png")
        except Exception as exc:  # a half-edited flow must not break the editor
            logger.warning("graph of flow %r failed: %s", flow, exc)
            self.note.value = f"<i>cannot draw flow {html.escape(str(flow))}: {html.escape(str(exc))}</i>"
            return
        self.image.value = png if isinstance(png, bytes) else png.encode()
        self.note.value = f"<b>flow {html.escape(str(flow))}</b>"
        self.draws += 1
