"""What the canvas shows on hover: a node's or an edge's full text, as HTML.

A state lists its actions with what each sends, as Instagram bubbles (the engine's preview of
the action); an intent its type, conditions, classifiers and priority; a transition its full
condition, priority, fallback flag and mapping. Traffic counts come last when the graph has
them. Everything from the bot is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any

import networkx as nx

__all__ = ["edge_html", "node_html"]

Preview = Callable[[str, str], str]  # (flow, action) -> bubbles HTML

_ROW = '<div style="margin:2px 0"><b>{}</b> {}</div>'


def _code(text: Any) -> str:
    return f"<code>{escape(str(text))}</code>"


def _row(name: str, value: str) -> str:
    return _ROW.format(escape(name), value)


def _traffic(d: dict[str, Any]) -> list[str]:
    rows = []
    if d.get("sessions"):
        rows.append(_row("sessions", str(d["sessions"])))
    for key in ("transitions", "dropoff", "handovers"):
        if d.get(key):
            rows.append(_row(key, str(d[key])))
    if d.get("session_ids"):
        rows.append("<i>click to list the sessions</i>")
    return rows


def node_html(graph: nx.MultiDiGraph, node: str, preview: Preview | None = None) -> str:
    """The hover panel of a node: what it is and everything about it."""
    d = graph.nodes[node]
    kind = d.get("kind")
    head = f"{kind} <b>{escape(str(d.get('flow') or ''))}/{escape(str(d.get('name')))}</b>" if (
        kind in ("state", "intent")) else f"{kind} <b>{escape(str(d.get('name')))}</b>"
    rows = [f'<div style="margin-bottom:4px">{head}</div>']
    if kind == "state":
        flags = [f for f in ("initial", "end", "fallback", "handover", "missing") if d.get(f)]
        if flags:
            rows.append(_row("", escape(", ".join(flags))))
        for act in d.get("actions") or []:
            cond = f" if {_code(act['condition'])}" if act.get("condition") else ""
            rows.append(_row("action", f"{escape(act['name'])} ({escape(str(act.get('type')))})"
                                       f"{cond}"))
            if preview is not None and d.get("flow"):
                rows.append(preview(str(d["flow"]), str(act["name"])))
    elif kind == "intent":
        rows.append(_row("type", escape(str(d.get("type") or "any"))))
        rows.extend(_row("condition", _code(c)) for c in d.get("conditions") or [])
        rows.extend(_row("classifier", _code(c)) for c in d.get("classifiers") or [])
        for key in ("priority", "initial", "fallback"):
            if d.get(key) not in (None, False):
                rows.append(_row(key, escape(str(d[key]))))
    elif kind == "flow":
        for key in ("initial_state", "n_states", "priority", "volatile", "fallback"):
            if d.get(key) not in (None, False):
                rows.append(_row(key.replace("_", " "), escape(str(d[key]))))
    rows.extend(_traffic(d))
    return "".join(rows)


def edge_html(graph: nx.MultiDiGraph, u: str, v: str, key: str) -> str:
    """The hover panel of an edge: its kind, ends and full condition, priority and mapping."""
    d = graph.edges[u, v, key]
    ends = f"{escape(str(graph.nodes[u].get('label', u)))} → {escape(str(graph.nodes[v].get('label', v)))}"
    rows = [f'<div style="margin-bottom:4px">{escape(str(d.get("kind")))} <b>{ends}</b></div>']
    if d.get("kind") in ("transition", "float"):
        cond = d.get("condition")
        rows.append(_row("condition", _code(cond) if cond else "<i>none (always)</i>"))
        if d.get("priority") is not None:
            rows.append(_row("priority", escape(str(d["priority"]))))
        if d.get("fallback"):
            rows.append(_row("fallback", "true"))
        mapping = d.get("mapping")
        if mapping:
            text = json.dumps(mapping, ensure_ascii=False, indent=1) if isinstance(
                mapping, dict) else str(mapping)
            rows.append(_row("mapping", _code(text)))
    else:
        rows.append(_code(d.get("title") or d.get("label") or ""))
    rows.extend(_traffic(d))
    return "".join(rows)
