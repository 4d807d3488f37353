"""Marking states and edges on igbot.graph's drawing: changed (diff) or uncovered (coverage).

The drawing is :func:`igbot.graph.draw_figure`'s; marks are laid over it with the same layout:
a coloured ring round each marked state or intent and a wide translucent line along each marked
edge, with a legend of the mark colours. Marks name graph nodes (``state:<flow>/<state>``,
``intent:<flow>/<intent>``) and edges as ``(source node, target node)``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from igbot.graph import draw_figure, figure_bytes, flow_graph, layered_layout
from igbot.kataml import Bot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["COLOURS", "Drawing", "marked_figure", "svg"]

logger = logging.getLogger(__name__)

# meaning -> colour, shared by diff and coverage drawings
COLOURS: dict[str, str] = {
    "uncovered": "#d62728",
    "covered": "#2ca02c",
    "no longer reached": "#d62728",
    "newly reached": "#2ca02c",
    "more traffic": "#1f77b4",
    "less traffic": "#ff7f0e",
    "new in this version": "#9467bd",
}


def marked_figure(bot: Bot, nodes: Mapping[str, str], edges: Mapping[tuple[str, str], str], *,
                  title: str | None = None, intents: bool = False) -> Figure:
    """The bot's flow graph with marks.

    Args:
        bot: the bot to draw.
        nodes: node id -> meaning (a key of :data:`COLOURS`).
        edges: (source id, target id) -> meaning.
        title: the figure's title.
        intents: draw intent nodes too.
    """
    from matplotlib.lines import Line2D  # matplotlib loads when a figure is drawn, not on import

    graph = flow_graph(bot, intents=intents, collapse_floats=True)
    layout = layered_layout(graph, title=title)
    fig = draw_figure(graph, layout=layout, title=title)
    ax = fig.axes[0]
    pos = layout.pos
    used: set[str] = set()
    for (u, v), meaning in edges.items():
        if u in pos and v in pos:
            (x0, y0), (x1, y1) = pos[u], pos[v]
            ax.plot([x0, x1], [y0, y1], color=COLOURS.get(meaning, "#888888"), lw=6, alpha=0.35,
                    solid_capstyle="round", zorder=0.5)
            used.add(meaning)
    by_meaning: dict[str, list[tuple[float, float]]] = {}
    for node, meaning in nodes.items():
        if node in pos:
            by_meaning.setdefault(meaning, []).append(pos[node])
    for meaning, points in by_meaning.items():
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=420, facecolors="none",
                   edgecolors=COLOURS.get(meaning, "#888888"), linewidths=2.5, zorder=6)
        used.add(meaning)
    if used:
        old = ax.get_legend()
        if old is not None:
            ax.add_artist(old)  # keep the drawing's own legend
        handles = [Line2D([], [], marker="o", linestyle="-", lw=3, markersize=9,
                          markerfacecolor="none", color=COLOURS.get(m, "#888888"), label=m)
                   for m in sorted(used)]
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    missing = [n for n in nodes if n not in pos]
    if missing:
        logger.debug("marks for nodes not in the drawing: %s", missing[:5])
    return fig


def svg(fig: Any) -> str:
    """The figure as SVG text (with the drawing's tooltips)."""
    return str(figure_bytes(fig, "svg"))


class Drawing:
    """A marked graph drawing that shows itself in a notebook (SVG) and saves itself."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure

    def to_svg(self) -> str:
        """The drawing as SVG text."""
        return svg(self.figure)

    def save(self, path: str | Path) -> Path:
        """Write ``.svg`` or ``.png`` (from the extension)."""
        path = Path(path)
        data = figure_bytes(self.figure, path.suffix.lstrip(".").lower() or "svg")
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return "<Drawing (marked flow graph)>"

    def _repr_svg_(self) -> str:
        return self.to_svg()
