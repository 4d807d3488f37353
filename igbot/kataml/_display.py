"""How a bot or a flow shows itself in a notebook, filled in from the drawing side.

Kata-ML sits below the graph and the widgets, so it cannot draw: ``Bot`` and ``Flow`` ask the
renderer registered here. :mod:`igbot.graph` registers the static SVG drawing when it is
imported and :mod:`igbot.widgets` the interactive canvas (the last one registered wins).
Without either, a bot shows as text and its table of flows.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["display_bundle", "register_display"]

logger = logging.getLogger(__name__)

Renderer = Callable[[Any], dict[str, Any]]
_RENDERERS: list[Renderer] = []


def register_display(renderer: Renderer) -> Renderer:
    """Use ``renderer(bot_or_flow) -> mimebundle`` to show bots and flows (usable as a
    decorator); the last one registered is used."""
    if renderer in _RENDERERS:
        _RENDERERS.remove(renderer)
    _RENDERERS.append(renderer)
    return renderer


def display_bundle(model: Any, table: str = "") -> dict[str, Any]:
    """The mimebundle of a bot (``table``: its flows as HTML) or a flow."""
    bundle: dict[str, Any] = {"text/plain": repr(model)}
    if table:
        bundle["text/html"] = table
    if not _RENDERERS:
        return bundle
    try:
        drawn = dict(_RENDERERS[-1](model))
    except Exception as exc:  # a drawing problem must not hide the bot
        logger.warning("drawing %s failed: %s", type(model).__name__, exc)
        drawn = {"text/html": f"<pre>(no drawing: {html.escape(str(exc))})</pre>"}
    if "text/html" in drawn:
        drawn["text/html"] = table + drawn["text/html"]
    return {**bundle, **drawn}
