"""Draw a flow graph with matplotlib: layered layout, styled nodes, labelled edges, a legend.

Works on a :class:`matplotlib.figure.Figure` directly (no pyplot state, nothing pops up).
Data coordinates are inches, so the figure grows with the graph and arrowheads keep their
shape. Nodes are drawn as one scatter per style and edges as one line collection per style,
so a few thousand states draw in about a second. SVG output carries ``<title>`` tooltips
with the full condition of each labelled edge and the actions of each state.
"""

from __future__ import annotations

import html
import io
import logging
import math
import re
import warnings
from collections import defaultdict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx

from igbot.graph._layout import Layout, layered_layout
from igbot.graph._style import (
    EDGE_STYLES,
    NODE_STYLES,
    edge_style,
    node_style_key,
    node_title,
    shorten,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["add_svg_titles", "draw_figure", "figure_bytes"]

logger = logging.getLogger(__name__)

X_GAP, Y_GAP = 2.0, 0.42  # inches between layers, between nodes of a layer
RADIUS = 0.09  # node radius in inches
MAX_PIXELS = 9000  # PNG side limit: the dpi drops for huge graphs
# matplotlib's Line2D takes a named style or an (offset, on-off dash sequence) pair
_LineStyle = Literal["-"] | tuple[float, Sequence[float]]
_LINESTYLES: dict[str, _LineStyle] = {"solid": "-", "dashed": (0, (4, 2)), "dotted": (0, (1, 1.5)),
               "dashdot": (0, (4, 1.5, 1, 1.5))}


@contextmanager
def quiet() -> Iterator[None]:
    """Silence matplotlib's missing-glyph warnings (emoji in labels)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph .* missing")
        warnings.filterwarnings("ignore", message=r".*[Mm]issing from (current )?font")
        yield


def _bezier(p0: tuple[float, float], p1: tuple[float, float], bend: float,
            steps: int = 14) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    cx, cy = (x0 + x1) / 2 - dy / length * bend, (y0 + y1) / 2 + dx / length * bend
    pts = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        pts.append((a * x0 + b * cx + c * x1, a * y0 + b * cy + c * y1))
    return pts


def _trim(pts: list[tuple[float, float]], r: float) -> list[tuple[float, float]]:
    """Cut ``r`` off both ends of a polyline (so it stops at the node's rim)."""
    def cut(seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
        (x0, y0), (x1, y1) = seq[0], seq[1]
        d = math.hypot(x1 - x0, y1 - y0)
        if d <= r:
            return seq[1:] if len(seq) > 2 else seq
        return [(x0 + (x1 - x0) * r / d, y0 + (y1 - y0) * r / d), *seq[1:]]
    pts = cut(pts)
    return cut(pts[::-1])[::-1]


def _edge_path(p0: tuple[float, float], p1: tuple[float, float], layer_u: int, layer_v: int,
               index: int) -> list[tuple[float, float]]:
    if p0 == p1:  # self-loop: a small circle hanging under the node (labels sit above)
        x, y = p0
        r = 0.08 + 0.03 * index
        cy = y - RADIUS - r * 0.6
        angles = [math.radians(110 - 320 * t / 16) for t in range(17)]
        return [(x + r * math.cos(a), cy + r * math.sin(a)) for a in angles]
    if layer_v > layer_u and index == 0:
        return _trim([p0, p1], RADIUS)
    dist = math.hypot(p1[0] - p0[0], p1[1] - p0[1])
    bend = min(0.25 * dist, 1.2) * (1 + 0.6 * index) * (1 if layer_v > layer_u else -1)
    return _trim(_bezier(p0, p1, bend), RADIUS)


def _arrowhead(pts: list[tuple[float, float]], size: float = 0.07) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    d = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    bx, by = x1 - ux * size, y1 - uy * size
    return [(x1, y1), (bx - uy * size * 0.45, by + ux * size * 0.45),
            (bx + uy * size * 0.45, by - ux * size * 0.45)]


def _traffic_widths(graph: nx.MultiDiGraph) -> dict[tuple, float] | None:
    if not graph.graph.get("traffic"):
        return None
    top = max((d.get("sessions", 0) for *_, d in graph.edges(keys=True, data=True)), default=0)
    return {(u, v, k): (0.6 + 5.4 * math.sqrt(d.get("sessions", 0) / top)) if top and
            d.get("sessions") else 0.4 for u, v, k, d in graph.edges(keys=True, data=True)}


def draw_figure(
    graph: nx.MultiDiGraph, *, layout: Layout | None = None, title: str | None = None,
    max_edge_labels: int = 250, max_node_labels: int = 6000, label_width: int = 30,
) -> Figure:
    """Draw the graph on a new Figure and return it (nothing is shown or printed).

    Args:
        graph: from :func:`igbot.graph.flow_graph` (or :func:`igbot.graph.traffic_graph`).
        layout: a precomputed :func:`layered_layout` (computed here when ``None``).
        title: drawn top left (default: the graph's name).
        max_edge_labels: above this many edges no edge labels are drawn.
        max_node_labels: above this many nodes no node labels are drawn.
        label_width: edge labels are cut to this many characters (full text in SVG tooltips).

    Returns:
        A :class:`matplotlib.figure.Figure`; ``fig.igbot_tooltips`` maps SVG ids to tooltips.
    """
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.lines import Line2D

    from igbot._figure import NotebookFigure

    layout = layout or layered_layout(graph, x_gap=X_GAP, y_gap=Y_GAP)
    pos = layout.pos
    layer_of = {n: i for i, layer in enumerate(layout.layers) for n in layer}
    traffic = bool(graph.graph.get("traffic"))
    widths = _traffic_widths(graph)
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    styles_used = {node_style_key(d) for _, d in graph.nodes(data=True)}
    kinds_used = {edge_style(d).legend for *_, d in graph.edges(data=True)}
    width_in = max(6.0, max(xs) - min(xs) + 2.0 * X_GAP)
    ncol = max(1, int(width_in / 1.9))
    legend_rows = math.ceil((len(styles_used) + len(kinds_used) + traffic) / ncol)
    top_pad = 0.55 + 0.2 * legend_rows
    height_in = max(3.0, max(ys) - min(ys) + 0.6 + top_pad)
    fig = NotebookFigure(figsize=(width_in, height_in))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    x_lo = min(xs) - X_GAP * 0.7
    ax.set_xlim(x_lo, x_lo + width_in)
    y_lo = min(ys) - 0.4
    ax.set_ylim(y_lo, y_lo + height_in)
    tooltips: dict[str, str] = {}

    # Edges: one LineCollection per style (and per-edge widths for traffic).
    groups: dict[str, list[Any]] = defaultdict(list)
    heads: dict[str, list[Any]] = defaultdict(list)
    group_widths: dict[str, list[float]] = defaultdict(list)
    labels: list[tuple[float, float, str, str, str]] = []
    seen_pairs: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    edges = list(graph.edges(keys=True, data=True))
    draw_labels = len(edges) <= max_edge_labels
    if not draw_labels:
        logger.debug("%d edges: edge labels dropped (max_edge_labels=%d)", len(edges),
                     max_edge_labels)
    for u, v, k, d in edges:
        if u not in pos or v not in pos:
            continue
        pair = (u, v) if str(u) <= str(v) else (v, u)
        index = seen_pairs[pair]
        seen_pairs[pair] += 1
        pts = _edge_path(pos[u], pos[v], layer_of[u], layer_of[v], index)
        style = edge_style(d)
        groups[style.legend].append(pts)
        heads[style.legend].append(_arrowhead(pts))
        group_widths[style.legend].append(widths[(u, v, k)] if widths else style.width)
        text = d.get("label") or ""
        if traffic and d.get("sessions"):
            text = f"{d['sessions']}" + (f" · {shorten(text, 18)}" if text else "")
        if draw_labels and text:
            mx, my = pts[len(pts) // 2]
            labels.append((mx, my, shorten(text, label_width), d.get("title") or text,
                           style.colour))
    by_legend = {s.legend: s for s in EDGE_STYLES.values()}
    for legend, segs in groups.items():
        style = by_legend[legend]
        ax.add_collection(LineCollection(segs, colors=style.colour, linewidths=group_widths[legend],
                                         linestyles=_LINESTYLES[style.linestyle], zorder=1,
                                         alpha=0.85))
        ax.add_collection(PolyCollection(heads[legend], facecolors=style.colour,
                                         edgecolors="none", zorder=2))

    # Nodes: one scatter per style (traffic: fill by drop-off rate, outline by handovers).
    from matplotlib import colormaps
    cmap = colormaps["Reds"]
    by_style: dict[str, list[Hashable]] = defaultdict(list)
    for node, d in graph.nodes(data=True):
        if node in pos:
            by_style[node_style_key(d)].append(node)
    for key, nodes in by_style.items():
        st = NODE_STYLES[key]
        fills: Any = st.fill
        edgecolors: Any = st.edge
        lw: Any = 1.0
        if traffic and key not in ("flow", "agent") and not key.startswith("intent"):
            data = [graph.nodes[n] for n in nodes]
            fills = [cmap(0.15 + 0.85 * d.get("dropoff_rate", 0.0)) if d.get("sessions")
                     else "#f1f1f1" for d in data]
            edgecolors = ["#6a1b9a" if d.get("handovers") else st.edge for d in data]
            lw = [2.5 if d.get("handovers") else 1.0 for d in data]
        size = (RADIUS * 72 * 2) ** 2 * (1.6 if key == "flow" else 1.0)
        ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], s=size,
                   marker=st.marker, c=fills, edgecolors=edgecolors, linewidths=lw, zorder=3)

    font = 7.0 if len(pos) < 2000 else 5.5
    if len(pos) <= max_node_labels:
        for i, (node, d) in enumerate(graph.nodes(data=True)):
            if node not in pos:
                continue
            x, y = pos[node]
            gid = f"igbot-node-{i}"
            tooltips[gid] = node_title(d)
            name = shorten(str(d.get("label", node)), 26)
            if d.get("external"):
                name += " ↗"
            ax.text(x, y + RADIUS + 0.02, name, ha="center", va="bottom", fontsize=font,
                    zorder=5, gid=gid, parse_math=False,
                    fontweight="bold" if d.get("kind") == "flow" else "normal")
    for i, (x, y, text, full, colour) in enumerate(labels):
        gid = f"igbot-edge-{i}"
        tooltips[gid] = full
        ax.text(x, y, text, ha="center", va="center", fontsize=font - 1.5, color=colour,
                zorder=4, gid=gid, parse_math=False,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75})

    # Legend (only what the graph has) and title.
    handles = []
    for key in NODE_STYLES:
        if key in styles_used:
            st = NODE_STYLES[key]
            handles.append(Line2D([], [], marker=st.marker, linestyle="none", markersize=7,
                                  markerfacecolor=st.fill, markeredgecolor=st.edge,
                                  label=st.legend))
    for style in EDGE_STYLES.values():
        if style.legend in kinds_used:
            handles.append(Line2D([], [], color=style.colour, lw=max(style.width, 1.0),
                                  linestyle=_LINESTYLES[style.linestyle], label=style.legend))
    if traffic:
        handles.append(Line2D([], [], marker="o", linestyle="none", markersize=7,
                              markerfacecolor=cmap(0.8), markeredgecolor="#6a1b9a",
                              markeredgewidth=2, label="fill: drop-off, ring: handover"))
    if handles:
        ax.legend(handles=handles, loc="upper left", ncol=ncol, fontsize=6.5, frameon=True,
                  framealpha=0.9, bbox_to_anchor=(0.0, 1.0 - 0.3 / height_in))
    name = title if title is not None else str(graph.graph.get("name") or "")
    if traffic:
        name += f" (traffic: {graph.graph.get('sessions', 0)} sessions)"
    fig.text(0.01, 1 - 0.05 / height_in, name, ha="left", va="top", fontsize=9,
             fontweight="bold", parse_math=False)
    fig.igbot_tooltips = tooltips  # type: ignore[attr-defined]
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
