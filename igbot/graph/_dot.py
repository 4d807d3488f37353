"""Graphviz DOT text of a flow graph (render it with ``dot -Tsvg``; igbot never runs Graphviz).

Node ids are the graph's own (``state:order/showPizza``), quoted. Every string is a DOT
double-quoted string with ``\\`` and ``"`` escaped and newlines as ``\\n``, so any condition
text (``<``, ``&``, ``|``, ``#``, emoji) is safe. Edges carry a short ``label`` and the full
text as ``tooltip`` (shown on hover in SVG output).
"""

from __future__ import annotations

import networkx as nx

from igbot.graph._style import edge_style, node_style, node_title, shorten

__all__ = ["dot_quote", "to_dot"]


def dot_quote(text: object) -> str:
    """``text`` as a DOT double-quoted string."""
    value = str(text).replace("\\", "\\\\").replace('"', '\\"')
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{value}"'


def _attrs(items: dict[str, object]) -> str:
    return ", ".join(f"{k}={dot_quote(v)}" for k, v in items.items() if v is not None)


def to_dot(graph: nx.MultiDiGraph, *, label_width: int = 40, rankdir: str = "LR") -> str:
    """The graph as a DOT ``digraph`` (UTF-8 text).

    Args:
        graph: from :func:`igbot.graph.flow_graph` or :func:`igbot.graph.traffic_graph`.
        label_width: edge labels are cut to this many characters (full text in ``tooltip``).
        rankdir: ``LR`` (default) or ``TB``.
    """
    traffic = bool(graph.graph.get("traffic"))
    lines = [
        f"digraph {dot_quote(graph.graph.get('name') or 'bot')} {{",
        f"    graph [{_attrs({'rankdir': rankdir, 'charset': 'UTF-8', 'fontname': 'Helvetica'})}];",
        '    node [fontname="Helvetica", fontsize="10", style="filled"];',
        '    edge [fontname="Helvetica", fontsize="8"];',
    ]
    for node, data in graph.nodes(data=True):
        style = node_style(data)
        attrs: dict[str, object] = {
            "label": data.get("label", node), "shape": style.dot_shape,
            "fillcolor": style.fill, "color": style.edge, "tooltip": node_title(data),
        }
        if traffic and data.get("sessions"):
            attrs["label"] = f"{data.get('label', node)}\n{data['sessions']} sessions"
            if data.get("handovers"):
                attrs["penwidth"] = 3
                attrs["color"] = "#6a1b9a"
        extra = f", {style.dot_extra}" if style.dot_extra else ""
        if data.get("kind") == "state" and "style" not in style.dot_extra:
            extra += ', style="rounded,filled"'
        lines.append(f"    {dot_quote(node)} [{_attrs(attrs)}{extra}];")
    top = max((d.get("sessions", 0) for *_, d in graph.edges(data=True)), default=0) or 1
    for u, v, key, data in graph.edges(keys=True, data=True):
        estyle = edge_style(data)
        label = shorten(data.get("label") or "", label_width)
        if traffic and data.get("sessions"):
            label = f"{data['sessions']}" + (f" · {label}" if label else "")
        width = (1 + 7 * (data.get("sessions", 0) / top) ** 0.5) if traffic else estyle.width
        attrs = {"key": key, "label": label or None, "tooltip": data.get("title") or None,
                 "color": estyle.colour, "fontcolor": estyle.colour, "style": estyle.dot_style,
                 "penwidth": f"{width:.1f}"}
        lines.append(f"    {dot_quote(u)} -> {dot_quote(v)} [{_attrs(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
