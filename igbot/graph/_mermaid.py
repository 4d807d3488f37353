"""Mermaid ``flowchart LR`` text of a flow graph, safe for any condition text.

Node ids are short generated ones (``n0``, ``n1``...; a Kata name such as ``end`` would break
Mermaid); every label is quoted and escaped with Mermaid's entity codes, so quotes, ``<``,
``&``, ``|``, ``#``, backticks, semicolons, newlines and emoji all come through. States are
grouped in one ``subgraph`` per flow; shapes and ``classDef`` colours follow the shared styles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

import networkx as nx

from igbot.graph._style import NODE_STYLES, edge_style, node_style_key, shorten

__all__ = ["mermaid_escape", "to_mermaid"]

_ENTITIES = {
    "#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "|": "#124;",
    "`": "#96;", ";": "#59;", "\\": "#92;", "[": "#91;", "]": "#93;", "{": "#123;",
    "}": "#125;", "(": "#40;", ")": "#41;",
}
_TABLE = str.maketrans(_ENTITIES)


def mermaid_escape(text: str) -> str:
    """Text for inside a quoted Mermaid label: entity codes for special characters.

    Newlines become ``<br>`` (the only markup we emit); carriage returns and tabs are spaces.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").split("\n")
    return "<br>".join(line.translate(_TABLE) for line in lines)


def _class_name(key: str) -> str:
    return "k_" + key.replace(":", "_")


def to_mermaid(graph: nx.MultiDiGraph, *, label_width: int = 40, direction: str = "LR") -> str:
    """The graph as Mermaid flowchart text (paste into Markdown inside a ```` ```mermaid ```` block).

    Args:
        graph: from :func:`igbot.graph.flow_graph` or :func:`igbot.graph.traffic_graph`.
        label_width: edge labels are cut to this many characters.
        direction: ``LR`` (default) or ``TB``.
    """
    ids: dict[Hashable, str] = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = [f"flowchart {direction}"]
    by_flow: dict[object, list[Hashable]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        by_flow[None if data.get("external") else data.get("flow")].append(node)
    classes: dict[str, list[str]] = defaultdict(list)

    def declare(node: Hashable, indent: str) -> None:
        data = graph.nodes[node]
        key = node_style_key(data)
        opening, closing = NODE_STYLES[key].mermaid
        label = str(data.get("label", node))
        if data.get("kind") == "state" and graph.graph.get("traffic") and data.get("sessions"):
            label += f"\n{data['sessions']} sessions"
            if data.get("dropoff"):
                label += f", {data['dropoff']} dropped"
            if data.get("handovers"):
                label += f", {data['handovers']} handovers"
        lines.append(f"{indent}{ids[node]}{opening}{mermaid_escape(label)}{closing}")
        classes[_class_name(key)].append(ids[node])

    for sg, (flow, nodes) in enumerate(by_flow.items()):
        if flow is None:
            for node in nodes:
                declare(node, "    ")
            continue
        lines.append(f'    subgraph sg{sg}["{mermaid_escape(str(flow))}"]')
        for node in nodes:
            declare(node, "        ")
        lines.append("    end")
    traffic = bool(graph.graph.get("traffic"))
    top = max((d.get("sessions", 0) for *_, d in graph.edges(data=True)), default=0) or 1
    link_styles = []
    for i, (u, v, data) in enumerate(graph.edges(data=True)):
        arrow = edge_style(data).mermaid_arrow
        text = shorten(data.get("label") or "", label_width)
        if traffic and data.get("sessions"):
            text = f"{data['sessions']}" + (f" · {text}" if text else "")
            link_styles.append(f"    linkStyle {i} stroke-width:"
                               f"{1 + 7 * (data['sessions'] / top) ** 0.5:.1f}px")
        label = f'|"{mermaid_escape(text)}"|' if text else ""
        lines.append(f"    {ids[u]} {arrow}{label} {ids[v]}")
    lines.extend(link_styles)
    for key, style in NODE_STYLES.items():
        name = _class_name(key)
        if name in classes:
            lines.append(f"    classDef {name} fill:{style.fill},stroke:{style.edge}"
                         + (",color:#ffffff" if key in ("flow", "agent") else ""))
            lines.append(f"    class {','.join(classes[name])} {name}")
    return "\n".join(lines) + "\n"
