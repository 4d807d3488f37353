"""Bots and flows show as their drawing in notebooks: registered here, on the graph's side.

:mod:`igbot.kataml` never imports :mod:`igbot.graph`; importing this package registers the
static SVG (no script, no CDN) with :func:`igbot.kataml._display.register_display`, and
:mod:`igbot.widgets` replaces it with the interactive canvas where widgets run.
"""

from __future__ import annotations

from typing import Any

from igbot.graph._flowgraph import show
from igbot.kataml import Bot, Flow

__all__ = ["svg_bundle"]


def svg_bundle(model: Bot | Flow) -> dict[str, Any]:
    """The bot's (or flow's) drawing as SVG, for ``_repr_mimebundle_``."""
    return {"text/html": show(model).to_svg()}
