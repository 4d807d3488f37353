"""The layered layout: left to right, every node placed, fewer crossings after sweeps."""

from __future__ import annotations

import networkx as nx

from igbot.graph import flow_graph, layered_layout
from igbot.kataml import Bot


def crossings(graph: nx.MultiDiGraph, pos: dict) -> int:
    """Crossings between edges joining adjacent layers (brute force, small graphs only)."""
    segs = [(pos[u], pos[v]) for u, v in graph.edges() if pos[v][0] > pos[u][0]]
    count = 0
    for i, (a, b) in enumerate(segs):
        for c, d in segs[i + 1:]:
            if a[0] == c[0] and b[0] == d[0] and (a[1] - c[1]) * (b[1] - d[1]) < 0:
                count += 1
    return count


def test_pizzabot_flows_run_left_to_right(pizzabot: Bot) -> None:
    g = flow_graph(pizzabot)
    layout = layered_layout(g)
    assert set(layout.pos) == set(g.nodes)
    x = {n: p[0] for n, p in layout.pos.items()}
    chain = ["intent:order/orderCommand", "flow:order", "state:order/init",
             "state:order/showPizza", "state:order/pizzaQuantity", "state:order/confirmPizza",
             "state:order/done"]
    assert [x[n] for n in chain] == sorted(x[n] for n in chain)
    assert len(set(x[n] for n in chain)) == len(chain)
    assert sum(len(layer) for layer in layout.layers) == g.number_of_nodes()


def test_sources_sit_next_to_what_they_feed(pizzabot: Bot) -> None:
    g = flow_graph(pizzabot, "welcome", collapse_floats=True)
    layout = layered_layout(g)
    layer = {n: i for i, nodes in enumerate(layout.layers) for n in nodes}
    assert layer["any:welcome"] == layer["state:welcome/init"] - 1


def test_barycentre_removes_crossings() -> None:
    g = nx.MultiDiGraph()
    # Two layers whose natural order crosses every edge: a0->b2, a1->b1, a2->b0.
    for i in range(3):
        g.add_node(f"a{i}")
    for i in range(3):
        g.add_node(f"b{i}")
    for i in range(3):
        g.add_edge("r", f"a{i}")
        g.add_edge(f"a{i}", f"b{2 - i}")
    unswept = layered_layout(g, sweeps=0)
    swept = layered_layout(g, sweeps=4)
    assert crossings(g, unswept.pos) == 3
    assert crossings(g, swept.pos) == 0


def test_cycles_and_empty_graphs() -> None:
    assert layered_layout(nx.MultiDiGraph()).layers == []
    ring = nx.MultiDiGraph([(1, 2), (2, 3), (3, 1), (3, 3)])
    layout = layered_layout(ring)
    assert set(layout.pos) == {1, 2, 3} and layout.width == 3 and layout.height == 1
