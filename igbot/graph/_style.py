"""How each kind of node and edge looks, shared by every backend, and label shortening.

One table per element family, so matplotlib, Mermaid and DOT agree: a state's *role*
(``initial``, ``end``, ``fallback``, ``handover``, ``state``), an intent's *type*
(``text``, ``data``, ``command``, ``any``) and an edge's *kind* each map to a colour, a shape
per backend and a line style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EDGE_STYLES",
    "NODE_STYLES",
    "EdgeStyle",
    "NodeStyle",
    "edge_style",
    "node_style",
    "node_style_key",
    "node_title",
    "one_line",
    "shorten",
]


@dataclass(frozen=True)
class NodeStyle:
    """The look of one node category in every backend."""

    legend: str
    fill: str
    edge: str
    marker: str  # matplotlib marker
    dot_shape: str
    dot_extra: str  # extra DOT attributes, e.g. peripheries=2
    mermaid: tuple[str, str]  # opening and closing brackets around the quoted label


@dataclass(frozen=True)
class EdgeStyle:
    """The look of one edge kind in every backend."""

    legend: str
    colour: str
    linestyle: str  # matplotlib: solid, dashed, dotted, dashdot
    width: float
    mermaid_arrow: str  # -->, -.->, ==>
    dot_style: str


NODE_STYLES: dict[str, NodeStyle] = {
    "flow": NodeStyle("flow", "#1f3b73", "#0d1f40", "s", "tab", "fontcolor=white",
                      ('[["', '"]]')),
    "initial": NodeStyle("initial state", "#b7e4c7", "#2d6a4f", "o", "box",
                         "style=\"rounded,filled,bold\"", ('(["', '"])')),
    "end": NodeStyle("end state", "#d9d9d9", "#222222", "o", "box", "peripheries=2",
                     ('(("', '"))')),
    "fallback": NodeStyle("fallback state", "#ffd6a5", "#c2410c", "D", "box",
                          "style=\"rounded,filled,dashed\"", ('("', '")')),
    "handover": NodeStyle("handover state", "#e0c3fc", "#6a1b9a", "h", "hexagon", "",
                          ('{{"', '"}}')),
    "state": NodeStyle("state", "#ffffff", "#333333", "o", "box", "", ('("', '")')),
    "intent:text": NodeStyle("text intent", "#cfe8fc", "#1565c0", ">", "cds", "",
                             ('>"', '"]')),
    "intent:data": NodeStyle("data intent", "#fff3b0", "#9a7b00", "p", "note", "",
                             ('>"', '"]')),
    "intent:command": NodeStyle("command intent", "#f8c8dc", "#ad1457", "v", "component",
                                "", ('>"', '"]')),
    "intent:any": NodeStyle("intent (any type)", "#eeeeee", "#555555", ">", "cds", "",
                            ('>"', '"]')),
    "any": NodeStyle("any state (floats)", "#fafafa", "#888888", "*", "diamond", "",
                     ('{"', '"}')),
    "agent": NodeStyle("human agent", "#6a1b9a", "#3c0d5c", "P", "house", "fontcolor=white",
                       ('[/"', '"/]')),
}

EDGE_STYLES: dict[str, EdgeStyle] = {
    "transition": EdgeStyle("transition", "#333333", "solid", 1.2, "-->", "solid"),
    "fallback": EdgeStyle("fallback transition", "#c2410c", "dashed", 1.0, "-.->", "dashed"),
    "float": EdgeStyle("float transition", "#2a9d8f", "dotted", 1.2, "-.->", "dotted"),
    "start": EdgeStyle("flow start", "#1f3b73", "solid", 1.0, "-->", "solid"),
    "entry": EdgeStyle("intent opens flow", "#1565c0", "solid", 1.0, "-->", "solid"),
    "intent": EdgeStyle("intent of flow", "#9e9e9e", "dotted", 0.8, "-.->", "dotted"),
    "command": EdgeStyle("command opens flow", "#ad1457", "solid", 2.0, "==>", "bold"),
    "schedule": EdgeStyle("scheduled command", "#ad1457", "dashdot", 1.2, "-.->", "dashed"),
    "reenter": EdgeStyle("reenter (flow resumes)", "#6c757d", "dashed", 0.8, "-.->", "dashed"),
    "handover": EdgeStyle("handover to agent", "#6a1b9a", "solid", 2.0, "==>", "bold"),
    "observed": EdgeStyle("observed (not in bot)", "#e63946", "dashed", 1.0, "-.->", "dashed"),
}


def node_style_key(attrs: dict[str, Any]) -> str:
    """The key of :data:`NODE_STYLES` for a node's attributes."""
    kind = attrs.get("kind")
    if kind == "state":
        return str(attrs.get("role") or "state")
    if kind == "intent":
        return f"intent:{attrs.get('type') or 'any'}"
    return str(kind) if kind in NODE_STYLES else "state"


def node_style(attrs: dict[str, Any]) -> NodeStyle:
    """The style of a node from its attributes."""
    return NODE_STYLES[node_style_key(attrs)]


def edge_style(attrs: dict[str, Any]) -> EdgeStyle:
    """The style of an edge: its kind, with fallback transitions drawn apart."""
    kind = str(attrs.get("kind"))
    if kind == "transition" and attrs.get("fallback"):
        return EDGE_STYLES["fallback"]
    return EDGE_STYLES.get(kind, EDGE_STYLES["transition"])


_SPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    """The text with every run of whitespace (newlines included) turned into one space."""
    return _SPACE.sub(" ", text).strip()


def shorten(text: str | None, width: int = 32) -> str:
    """The text on one line, cut to ``width`` characters with an ellipsis."""
    if not text:
        return ""
    line = one_line(text)
    if len(line) <= width:
        return line
    return line[: max(1, width - 1)].rstrip() + "…"


def node_title(data: dict[str, Any]) -> str:
    """The tooltip of a node: what it is and, for a state, its actions."""
    kind = data.get("kind")
    lines = [f"{kind} {data.get('flow')}/{data.get('name')}" if kind in ("state", "intent")
             else f"{kind} {data.get('name')}"]
    if kind == "state":
        flags = [f for f in ("initial", "end", "fallback", "handover") if data.get(f)]
        if flags:
            lines.append(", ".join(flags))
        for act in data.get("actions") or []:
            cond = f" if {act['condition']}" if act.get("condition") else ""
            lines.append(f"action {act['name']} ({act.get('type')}){cond}")
    elif kind == "intent":
        lines.append(f"type: {data.get('type') or 'any'}")
        lines.extend(f"condition: {c}" for c in data.get("conditions") or [])
        lines.extend(f"classifier: {c}" for c in data.get("classifiers") or [])
    for key in ("sessions", "dropoff", "handovers"):
        if data.get(key):
            lines.append(f"{key}: {data[key]}")
    return "\n".join(lines)
