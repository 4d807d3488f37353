"""The layout as SVG text, written directly (no matplotlib): notebooks, HTML exports, the canvas.

Sizes are in points (``width="..pt"`` with a matching ``viewBox``), so at its natural size the
drawing's smallest text is 8 pt and the widest drawing is 792 pt (1,056 px). Every node and
edge carries a ``<title>`` (the browser's tooltip: the full condition, the state's actions) and,
with ``interactive=True``, ``data-kind``/``data-id`` attributes the canvas uses to report
clicks, hovers and drags. No script, no external resource: it shows the same offline, in
nbconvert HTML, on GitHub and in the canvas.
"""

from __future__ import annotations

import math
from html import escape

import networkx as nx

from igbot.graph._layout import (
    EDGE_FONT,
    LEGEND_FONT,
    NODE_FONT,
    TITLE_FONT,
    EdgePlace,
    Layout,
    NodePlace,
    layered_layout,
)
from igbot.graph._style import EDGE_STYLES, NODE_STYLES
from igbot.graph._text import FONT_FAMILY

__all__ = ["DASHES", "arrowhead", "marker_points", "render_svg"]

DASHES = {"solid": "", "dashed": "4 2", "dotted": "1 1.5", "dashdot": "4 1.5 1 1.5"}
_ASCENT = 0.97  # baseline below a text box's top, in ems (box 1.25 em, DejaVu ascent 0.93)
_LANE_FILLS = ("#f5f7fb", "#ffffff")


def marker_points(code: str, x: float, y: float, r: float) -> list[tuple[float, float]] | None:
    """The polygon of a matplotlib marker code around ``(x, y)``; ``None`` for a circle."""
    def ring(n: int, start: float, radius: float = r) -> list[tuple[float, float]]:
        return [(x + radius * math.cos(start + 2 * math.pi * i / n),
                 y + radius * math.sin(start + 2 * math.pi * i / n)) for i in range(n)]
    if code == "o":
        return None
    if code == "s":
        return [(x - r * 0.9, y - r * 0.9), (x + r * 0.9, y - r * 0.9),
                (x + r * 0.9, y + r * 0.9), (x - r * 0.9, y + r * 0.9)]
    if code == "D":
        return ring(4, 0.0)
    if code == "h":
        return ring(6, math.pi / 2)
    if code == ">":
        return ring(3, 0.0)
    if code == "v":
        return ring(3, math.pi / 2)
    if code == "p":
        return ring(5, -math.pi / 2)
    if code == "*":
        return [p for i in range(5) for p in (
            (x + r * math.cos(-math.pi / 2 + 2 * math.pi * i / 5),
             y + r * math.sin(-math.pi / 2 + 2 * math.pi * i / 5)),
            (x + r * 0.45 * math.cos(-math.pi / 2 + 2 * math.pi * (i + 0.5) / 5),
             y + r * 0.45 * math.sin(-math.pi / 2 + 2 * math.pi * (i + 0.5) / 5)))]
    if code == "P":
        a, b = r * 0.35, r
        return [(x - a, y - b), (x + a, y - b), (x + a, y - a), (x + b, y - a), (x + b, y + a),
                (x + a, y + a), (x + a, y + b), (x - a, y + b), (x - a, y + a), (x - b, y + a),
                (x - b, y - a), (x - a, y - a)]
    return None


def arrowhead(points: list[tuple[float, float]], size: float = 5.0) -> list[tuple[float, float]]:
    """A triangle at the polyline's end, pointing along its last segment."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    d = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    bx, by = x1 - ux * size, y1 - uy * size
    return [(x1, y1), (bx - uy * size * 0.45, by + ux * size * 0.45),
            (bx + uy * size * 0.45, by - ux * size * 0.45)]


def _pts(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _text(x: float, top: float, size: float, text: str, *, anchor: str = "middle",
          bold: bool = False, fill: str = "#222222") -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.1f}" y="{top + size * _ASCENT:.1f}" font-size="{size:g}" '
            f'text-anchor="{anchor}" fill="{fill}"{weight}>{escape(text, quote=False)}</text>')


def _shape(code: str, x: float, y: float, r: float, fill: str, stroke: str, lw: float) -> str:
    poly = marker_points(code, x, y, r)
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{lw:g}"'
    if poly is None:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {paint}/>'
    return f'<polygon points="{_pts(poly)}" {paint}/>'


def _edge(i: int, edge: EdgePlace, interactive: bool) -> str:
    dash = DASHES.get(edge.dash, "")
    dash_attr = (f' stroke-dasharray="{" ".join(f"{float(p) * max(edge.width, 1):g}" for p in dash.split())}"'
                 if dash else "")
    data = f' data-kind="edge" data-id="{i}"' if interactive else ""
    return (f'<g class="igbot-edge"{data}><title>{escape(edge.title, quote=False)}</title>'
            f'<polyline points="{_pts(edge.points)}" fill="none" stroke="{edge.colour}" '
            f'stroke-width="{edge.width:g}"{dash_attr} stroke-linejoin="round" opacity="0.9"/>'
            f'<polyline points="{_pts(edge.points)}" fill="none" stroke="transparent" '
            f'stroke-width="8" class="igbot-hit"/>'
            f'<polygon points="{_pts(arrowhead(edge.points))}" fill="{edge.colour}"/></g>')


def _edge_label(i: int, edge: EdgePlace, interactive: bool) -> str:
    box = edge.label_box
    if box is None:
        return ""
    data = f' data-kind="edge" data-id="{i}"' if interactive else ""
    leader = ""
    if edge.leader is not None:
        cx, cy = box.centre
        leader = (f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{edge.leader[0]:.1f}" '
                  f'y2="{edge.leader[1]:.1f}" stroke="#9e9e9e" stroke-width="0.6" '
                  f'stroke-dasharray="1 2"/>')
    return (f'<g class="igbot-edge-label"{data}><title>{escape(edge.title, quote=False)}</title>'
            f'{leader}<rect x="{box.x0:.1f}" y="{box.y0:.1f}" width="{box.x1 - box.x0:.1f}" '
            f'height="{box.y1 - box.y0:.1f}" rx="2" fill="#ffffff" fill-opacity="0.85"/>'
            + _text((box.x0 + box.x1) / 2, box.y0, EDGE_FONT, edge.label, fill=edge.colour)
            + "</g>")


def _node(node: NodePlace, interactive: bool) -> str:
    style = NODE_STYLES.get(node.style, NODE_STYLES["state"])
    r = node.marker.x1 - node.x
    data = f' data-kind="node" data-id="{escape(str(node.id))}"' if interactive else ""
    label = ""
    if node.label_box is not None:
        label = _text(node.x, node.label_box.y0, NODE_FONT, node.label, bold=node.bold)
    return (f'<g class="igbot-node"{data}><title>{escape(node.title, quote=False)}</title>'
            + _shape(style.marker, node.x, node.y, r, node.fill, node.stroke, node.stroke_width)
            + label + "</g>")


def _legend(layout: Layout) -> list[str]:
    out = []
    for item in layout.legend:
        if item.kind == "node" and item.style in NODE_STYLES:
            st = NODE_STYLES[item.style]
            out.append(_shape(st.marker, item.x, item.y, 4.5, st.fill, st.edge, 1.0))
        elif item.kind == "node":  # traffic: fill by drop-off, ring for handovers
            out.append(_shape("o", item.x, item.y, 4.5, "#de2d26", "#6a1b9a", 2.0))
        else:
            es = EDGE_STYLES[item.style]
            dash = DASHES.get(es.linestyle, "")
            out.append(f'<line x1="{item.x - 7:.1f}" y1="{item.y:.1f}" x2="{item.x + 7:.1f}" '
                       f'y2="{item.y:.1f}" stroke="{es.colour}" stroke-width="{max(es.width, 1):g}"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out.append(_text(item.text_box.x0, item.text_box.y0, LEGEND_FONT, item.text,
                         anchor="start", fill="#444444"))
    return out


def render_svg(graph: nx.MultiDiGraph | None = None, layout: Layout | None = None, *,
               interactive: bool = False, title: str | None = None) -> str:
    """The drawing as an SVG document.

    Args:
        graph: a flow graph (laid out here when ``layout`` is ``None``).
        layout: a :func:`layered_layout` to draw.
        interactive: add ``data-kind``/``data-id`` attributes for the canvas.
        title: the title when laying out here.
    """
    if layout is None:
        if graph is None:
            raise ValueError("render_svg needs a graph or a layout")
        layout = layered_layout(graph, title=title)
    w, h = layout.width, layout.height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="igbot-graph" width="{w:.0f}pt" '
             f'height="{h:.0f}pt" viewBox="0 0 {w:.1f} {h:.1f}" '
             f'font-family="{FONT_FAMILY}" style="max-width:100%;height:auto">',
             f'<rect class="igbot-background" x="0" y="0" width="{w:.1f}" height="{h:.1f}" '
             f'fill="#ffffff"/>']
    for i, (name, top, bottom) in enumerate(layout.lanes):
        parts.append(f'<rect class="igbot-lane" x="0" y="{top:.1f}" width="{w:.1f}" '
                     f'height="{bottom - top:.1f}" fill="{_LANE_FILLS[i % 2]}">'
                     f'<title>{escape(name, quote=False)}</title></rect>')
    if layout.title_box is not None:
        parts.append(_text(layout.title_box.x0, layout.title_box.y0, TITLE_FONT, layout.title,
                           anchor="start", bold=True))
    parts.extend(_legend(layout))
    parts.append('<g class="igbot-edges">')
    parts.extend(_edge(i, edge, interactive) for i, edge in enumerate(layout.edges))
    parts.append('</g><g class="igbot-nodes">')
    parts.extend(_node(node, interactive) for node in layout.nodes.values())
    parts.append('</g><g class="igbot-edge-labels">')
    parts.extend(_edge_label(i, edge, interactive) for i, edge in enumerate(layout.edges))
    parts.append("</g></svg>")
    return "\n".join(p for p in parts if p)
