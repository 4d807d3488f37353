"""Draw a flow graph's layout with matplotlib (PNG, or SVG with tooltips).

Everything is placed by :func:`igbot.graph.layered_layout`; this module only paints it, on a
:class:`matplotlib.figure.Figure` directly (no pyplot state, nothing pops up). Data
coordinates are points, so text keeps its size. Nodes are one scatter per marker shape and
edges one line collection per colour and dash, so a few thousand states draw in about a
second. SVG output carries ``<title>`` tooltips with the full condition of each labelled edge
and the actions of each state.
"""

from __future__ import annotations

import html
import io
import logging
import re
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import networkx as nx

from igbot.graph._layout import (
    EDGE_FONT,
    LEGEND_FONT,
    NODE_FONT,
    TITLE_FONT,
    Layout,
    layered_layout,
)
from igbot.graph._style import EDGE_STYLES, NODE_STYLES
from igbot.graph._svg import arrowhead

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["add_svg_titles", "draw_figure", "figure_bytes"]

logger = logging.getLogger(__name__)

MAX_PIXELS = 9000  # PNG side limit: the dpi drops for huge graphs
_LINESTYLES: dict[str, Any] = {"solid": "-", "dashed": (0, (4, 2)), "dotted": (0, (1, 1.5)),
                               "dashdot": (0, (4, 1.5, 1, 1.5))}
_LANE_FILLS = ("#f5f7fb", "#ffffff")


@contextmanager
def quiet() -> Iterator[None]:
    """Silence matplotlib's missing-glyph warnings (emoji in labels)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph .* missing")
        warnings.filterwarnings("ignore", message=r".*[Mm]issing from (current )?font")
        yield


def draw_figure(
    graph: nx.MultiDiGraph, *, layout: Layout | None = None, title: str | None = None,
    max_edge_labels: int = 250,
) -> Figure:
    """Draw the graph's layout on a new Figure and return it (nothing is shown or printed).

    The figure is the layout's size (1 data unit = 1 pt, y down), so text keeps its size
    in points: 9 pt node names, 8 pt edge labels and legend.

    Args:
        graph: from :func:`igbot.graph.flow_graph` (or :func:`igbot.graph.traffic_graph`).
        layout: a precomputed :func:`layered_layout` (computed here when ``None``).
        title: the title (default: the flow's name for a one-flow graph, else the bot's).
        max_edge_labels: above this many edges no edge labels are drawn.

    Returns:
        A :class:`matplotlib.figure.Figure`; ``fig.igbot_tooltips`` maps SVG ids to tooltips
        and ``fig.igbot_layout`` is the layout drawn.
    """
    # matplotlib (and NotebookFigure, a matplotlib Figure) load when a drawing is made, not on import
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import Rectangle

    from igbot._figure import NotebookFigure

    layout = layout or layered_layout(graph, title=title, max_edge_labels=max_edge_labels)
    w, h = max(layout.width, 1.0), max(layout.height, 1.0)
    fig = NotebookFigure(figsize=(w / 72, h / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    tooltips: dict[str, str] = {}
    for i, (_name, top, bottom) in enumerate(layout.lanes):
        ax.add_patch(Rectangle((0, top), w, bottom - top, facecolor=_LANE_FILLS[i % 2],
                               edgecolor="none", zorder=0))

    # edges: one line collection per (colour, dash), arrowheads as polygons
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    group_widths: dict[tuple[str, str], list[float]] = defaultdict(list)
    heads: dict[str, list[Any]] = defaultdict(list)
    leaders = []
    for edge in layout.edges:
        groups[(edge.colour, edge.dash)].append(edge.points)
        group_widths[(edge.colour, edge.dash)].append(edge.width)
        heads[edge.colour].append(arrowhead(edge.points))
        if edge.leader is not None and edge.label_box is not None:
            leaders.append([edge.label_box.centre, edge.leader])
    for (colour, dash), segs in groups.items():
        ax.add_collection(LineCollection(segs, colors=colour, linewidths=group_widths[(colour, dash)],
                                         linestyles=_LINESTYLES.get(dash, "-"), zorder=1,
                                         alpha=0.9, joinstyle="round"))
    for colour, polys in heads.items():
        ax.add_collection(PolyCollection(polys, facecolors=colour, edgecolors="none", zorder=2))
    if leaders:
        ax.add_collection(LineCollection(leaders, colors="#9e9e9e", linewidths=0.6,
                                         linestyles=(0, (1, 2)), zorder=1))

    # nodes: one scatter per marker shape (size in points: 1 data unit = 1 pt)
    by_marker: dict[tuple[str, float], list[Any]] = defaultdict(list)
    for node in layout.nodes.values():
        st = NODE_STYLES.get(node.style, NODE_STYLES["state"])
        by_marker[(st.marker, node.marker.x1 - node.x)].append(node)
    for (marker, r), nodes in by_marker.items():
        ax.scatter([n.x for n in nodes], [n.y for n in nodes], s=(2 * r) ** 2, marker=marker,
                   c=[n.fill for n in nodes], edgecolors=[n.stroke for n in nodes],
                   linewidths=[n.stroke_width for n in nodes], zorder=3)
    for i, node in enumerate(layout.nodes.values()):
        if node.label_box is None:
            continue
        gid = f"igbot-node-{i}"
        tooltips[gid] = node.title
        cx, cy = node.label_box.centre
        ax.text(cx, cy, node.label, ha="center", va="center", fontsize=NODE_FONT, zorder=5,
                gid=gid, parse_math=False, fontweight="bold" if node.bold else "normal")
    for i, edge in enumerate(layout.edges):
        if edge.label_box is None:
            continue
        gid = f"igbot-edge-{i}"
        tooltips[gid] = edge.title
        cx, cy = edge.label_box.centre
        ax.text(cx, cy, edge.label, ha="center", va="center", fontsize=EDGE_FONT,
                color=edge.colour, zorder=4, gid=gid, parse_math=False,
                bbox={"boxstyle": "round,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.85})

    # title and legend, where the layout put them
    if layout.title_box is not None:
        ax.text(layout.title_box.x0, layout.title_box.centre[1], layout.title, ha="left",
                va="center", fontsize=TITLE_FONT, fontweight="bold", parse_math=False, zorder=5)
    for item in layout.legend:
        if item.kind == "node":
            look = NODE_STYLES.get(item.style)
            ax.scatter([item.x], [item.y], s=81, marker=look.marker if look else "o",
                       c=look.fill if look else "#de2d26",
                       edgecolors=look.edge if look else "#6a1b9a",
                       linewidths=1.0 if look else 2.0, zorder=5)
        else:
            es = EDGE_STYLES[item.style]
            ax.plot([item.x - 7, item.x + 7], [item.y, item.y], color=es.colour,
                    lw=max(es.width, 1.0), linestyle=_LINESTYLES.get(es.linestyle, "-"), zorder=5)
        ax.text(item.text_box.x0, item.text_box.centre[1], item.text, ha="left", va="center",
                fontsize=LEGEND_FONT, color="#444444", parse_math=False, zorder=5)
    fig.igbot_tooltips = tooltips  # type: ignore[attr-defined]
    fig.igbot_layout = layout  # type: ignore[attr-defined]
    return fig


_GROUP = re.compile(r'<g id="(igbot-(?:node|edge)-\d+)">')


def add_svg_titles(svg: str, tooltips: dict[str, str]) -> str:
    """Insert a ``<title>`` (a tooltip) as the first child of each ``<g id=...>`` we know."""
    def put(match: re.Match[str]) -> str:
        tip = tooltips.get(match.group(1))
        if tip is None:
            return match.group(0)
        return f"{match.group(0)}<title>{html.escape(tip, quote=False)}</title>"
    return _GROUP.sub(put, svg)


def figure_bytes(fig: Figure, fmt: str, *, dpi: float = 100.0) -> bytes | str:
    """The figure as PNG bytes or SVG text (with tooltips); PNG dpi drops for huge figures."""
    buf = io.BytesIO()
    width, height = fig.get_size_inches()
    with quiet():
        if fmt == "png":
            dpi = min(dpi, MAX_PIXELS / max(width, height))
            pixels = width * height * dpi * dpi
            # zlib dominates big PNGs: fast compression past ~4 Mpx (files stay small: flat colours)
            fig.savefig(buf, format="png", dpi=dpi,
                        pil_kwargs={"compress_level": 1 if pixels > 4e6 else 6})
            return buf.getvalue()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
            return add_svg_titles(buf.getvalue().decode("utf-8"),
                                  getattr(fig, "igbot_tooltips", {}))
    raise ValueError(f"unknown image format {fmt!r} (png or svg)")
