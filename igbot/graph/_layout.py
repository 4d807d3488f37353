"""A layered, left-to-right layout for flow graphs (no Graphviz needed).

Layers come from a breadth-first search from the nodes nothing points to (intents, then
flows and their initial states); a source is then pulled next to the nodes it feeds. Within a
layer nodes start grouped by flow and are reordered by the barycentre heuristic (mean position
of their neighbours in earlier layers going down, later layers going up), which removes most
edge crossings. Each sweep is O(V + E) plus a sort per layer.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field

import networkx as nx

__all__ = ["Layout", "layered_layout"]

_KIND_ORDER = {"intent": 0, "any": 1, "flow": 2, "state": 3, "agent": 4}


@dataclass
class Layout:
    """Where each node goes: its layer, its rank in the layer and its (x, y) position."""

    layers: list[list[Hashable]]
    pos: dict[Hashable, tuple[float, float]] = field(default_factory=dict)

    @property
    def width(self) -> int:
        """The number of layers."""
        return len(self.layers)

    @property
    def height(self) -> int:
        """The number of nodes in the fullest layer."""
        return max((len(layer) for layer in self.layers), default=0)


def _sort_key(graph: nx.MultiDiGraph, flows: dict[object, int]) -> dict[Hashable, tuple]:
    keys = {}
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        kind = data.get("kind")
        first = 0 if kind == "flow" or data.get("initial") else 1
        keys[node] = (flows.get(data.get("flow"), len(flows)), first,
                      _KIND_ORDER.get(str(kind), 5), i)
    return keys


def _layers(succ: list[list[int]], pred: list[list[int]], order: list[int]) -> list[int]:
    n = len(succ)
    layer = [-1] * n
    queue: deque[int] = deque()
    for v in order:
        if not pred[v]:
            layer[v] = 0
            queue.append(v)
    for start in [None, *order]:
        if start is not None:
            if layer[start] >= 0:
                continue
            layer[start] = 0
            queue.append(start)
        while queue:
            u = queue.popleft()
            for w in succ[u]:
                if layer[w] < 0:
                    layer[w] = layer[u] + 1
                    queue.append(w)
    for v in range(n):  # pull sources next to what they feed
        if not pred[v] and succ[v]:
            layer[v] = max(0, min(layer[w] for w in succ[v]) - 1)
    return layer


def _sweep(layers: list[list[int]], layer_of: list[int], neigh: list[list[int]],
           rank: list[float], down: bool) -> None:
    seq = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
    for li in seq:
        nodes = layers[li]
        bary: dict[int, float] = {}
        for v in nodes:
            total, count = 0.0, 0
            for w in neigh[v]:
                if (layer_of[w] < li) if down else (layer_of[w] > li):
                    total += rank[w]
                    count += 1
            bary[v] = total / count if count else rank[v]
        nodes.sort(key=lambda v: bary[v])
        size = max(1, len(nodes) - 1)
        for i, v in enumerate(nodes):
            rank[v] = i / size if len(nodes) > 1 else 0.5


def layered_layout(graph: nx.MultiDiGraph, *, sweeps: int = 4, x_gap: float = 3.0,
                   y_gap: float = 1.0, max_rows: int | None = None) -> Layout:
    """Lay the graph out left to right in layers.

    Args:
        graph: a graph from :func:`igbot.graph.flow_graph` (any directed graph works).
        sweeps: barycentre passes (alternately down and up).
        x_gap: distance between layers; y_gap: distance between nodes of a layer.
        max_rows: a layer with more nodes is folded into staggered sub-columns (default:
            the second fullest layer's size, at least 30).

    Returns:
        A :class:`Layout` with the layers (ordered) and node positions.
    """
    nodes = list(graph.nodes)
    if not nodes:
        return Layout(layers=[])
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    seen = set()
    for u, v in graph.edges():
        a, b = index[u], index[v]
        if a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        succ[a].append(b)
        pred[b].append(a)
    flows = {name: i for i, name in enumerate(graph.graph.get("flows") or [])}
    keys = _sort_key(graph, flows)
    order = sorted(range(n), key=lambda i: keys[nodes[i]])
    layer_of = _layers(succ, pred, order)
    layers: list[list[int]] = [[] for _ in range(max(layer_of) + 1)]
    for v in order:
        layers[layer_of[v]].append(v)
    rank = [0.0] * n
    for nodes_in in layers:
        size = max(1, len(nodes_in) - 1)
        for i, v in enumerate(nodes_in):
            rank[v] = i / size if len(nodes_in) > 1 else 0.5
    neigh = [succ[v] + pred[v] for v in range(n)]
    for s in range(sweeps):
        _sweep(layers, layer_of, neigh, rank, down=s % 2 == 0)
    out = Layout(layers=[[nodes[v] for v in layer] for layer in layers])
    sizes = sorted(len(layer) for layer in layers)
    limit = max_rows or max(30, sizes[-2] if len(sizes) > 1 else sizes[-1])
    for li, layer in enumerate(out.layers):
        # A layer far fuller than the others (often the intents) is folded into k staggered
        # sub-columns, keeping its vertical order, so it does not set the figure's height.
        k = math.ceil(len(layer) / limit)
        middle = (len(layer) - 1) / 2 / k
        for i, node in enumerate(layer):
            x = li * x_gap - (k - 1 - i % k) * x_gap * 0.8 / k
            out.pos[node] = (x, (middle - i / k) * y_gap)
    return out
