"""The layout: lanes per flow, columns intents -> flows -> states, and the readability contract.

The contract is checked on the sample shop bot and every conformance bot that loads, for the
whole bot and each flow on its own, in the layout itself and in what matplotlib really draws
(text extents measured by the renderer, not estimated): no two text boxes overlap, no label
covers a node marker, no text under 8 pt, the figure fits 1,100 px, a one-flow figure is
titled by its flow and its legend lists only what is drawn.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from igbot._errors import BotLoadError
from igbot.graph import flow_graph, layered_layout
from igbot.graph._layout import MAX_WIDTH, Box, Layout
from igbot.graph._matplotlib import draw_figure
from igbot.graph._style import EDGE_STYLES, NODE_STYLES, edge_style, node_style_key
from igbot.graph._svg import render_svg
from igbot.kataml import Bot, load_bot

from .conftest import BOTS_DIR

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


def _loadable() -> list[Path]:
    paths = [SHOP]
    for path in sorted(BOTS_DIR.iterdir()) if BOTS_DIR.is_dir() else []:
        try:
            load_bot(path)
        except BotLoadError:
            continue  # the contract covers the bots that load
        paths.append(path)
    return paths


BOTS = _loadable()


def _overlaps(boxes: list[tuple[str, Box]]) -> list[tuple[str, str]]:
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]


def _graphs(bot: Bot) -> list[tuple[str | None, nx.MultiDiGraph]]:
    return [(None, flow_graph(bot, collapse_floats=True))] + [
        (name, flow_graph(bot, name, collapse_floats=True)) for name in bot.flows]


@pytest.mark.parametrize("path", BOTS, ids=[p.name for p in BOTS])
def test_layout_contract(path: Path) -> None:
    bot = load_bot(path)
    for flow, graph in _graphs(bot):
        layout = layered_layout(graph)
        where = f"{path.name} flow={flow}"
        assert set(layout.pos) == set(graph.nodes), where
        boxes = list(layout.text_boxes())
        assert not _overlaps(boxes), where
        markers = [(f"marker {n.id}", n.marker) for n in layout.nodes.values()]
        hits = [(t, m) for (t, tb), (m, mb) in itertools.product(boxes, markers)
                if tb.overlaps(mb)]
        assert not hits, where
        assert layout.width <= MAX_WIDTH, where
        for name, box in boxes:
            assert box.x0 >= 0 and box.x1 <= layout.width, (where, name)
            assert box.y0 >= 0 and box.y1 <= layout.height, (where, name)
        if flow is not None:
            assert layout.title == f"flow {flow}"
        drawn_nodes = {node_style_key(d) for _, d in graph.nodes(data=True)}
        drawn_edges = {edge_style(d).legend for *_, d in graph.edges(data=True)}
        legend = {item.text for item in layout.legend}
        assert legend == {NODE_STYLES[k].legend for k in drawn_nodes} | drawn_edges, where


@pytest.mark.parametrize("path", BOTS, ids=[p.name for p in BOTS])
def test_matplotlib_draws_the_contract(path: Path) -> None:
    """Measured by matplotlib's renderer: the text boxes it really draws do not overlap."""
    bot = load_bot(path)
    for flow, graph in _graphs(bot)[:3]:
        fig = draw_figure(graph)
        fig.set_dpi(100)
        layout: Layout = fig.igbot_layout  # type: ignore[attr-defined]
        width_px, _ = fig.get_size_inches() * 100
        assert width_px <= 1100, (path.name, flow)
        renderer = FigureCanvasAgg(fig).get_renderer()
        ax = fig.axes[0]
        texts = [t for t in ax.texts if t.get_text()]
        assert texts
        assert min(t.get_fontsize() for t in texts) >= 8
        extents = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        for (a, ea), (b, eb) in itertools.combinations(extents, 2):
            assert not ea.overlaps(eb), (path.name, flow, a, b)
        to_px = ax.transData.transform
        for node in layout.nodes.values():
            (x0, y0), (x1, y1) = to_px((node.marker.x0, node.marker.y0)), to_px(
                (node.marker.x1, node.marker.y1))
            box = Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            for text, ext in extents:
                assert not box.overlaps(Box(ext.x0, ext.y0, ext.x1, ext.y1)), (node.id, text)
        if flow is not None:
            assert f"flow {flow}" in [t.get_text() for t in texts]


def test_lanes_keep_each_flow_apart() -> None:
    bot = load_bot(SHOP)
    layout = layered_layout(flow_graph(bot, collapse_floats=True))
    lane_of = {n: p.lane for n, p in layout.nodes.items()}
    for name, flow in bot.flows.items():
        lanes = {lane_of[f"state:{name}/{s}"] for s in flow.states}
        assert len(lanes) == 1, name
        assert lane_of[f"flow:{name}"] in lanes
    promo = lane_of["state:promo/init"]
    assert lane_of["state:greeting/init"] != promo
    tops = {p.lane: p.y for p in layout.nodes.values()}
    assert sorted(tops.values()) == [tops[i] for i in sorted(tops)]  # lanes in the bot's order


def test_columns_run_intents_flows_states() -> None:
    bot = load_bot(BOTS_DIR / "pizzabot")
    layout = layered_layout(flow_graph(bot))
    x = {n: p[0] for n, p in layout.pos.items()}
    chain = ["intent:order/orderCommand", "flow:order", "state:order/init",
             "state:order/showPizza", "state:order/pizzaQuantity", "state:order/confirmPizza"]
    assert [x[n] for n in chain] == sorted(x[n] for n in chain)
    assert len({x[n] for n in chain}) == len(chain)


def test_long_chains_wrap_to_fit() -> None:
    g = nx.MultiDiGraph(flows=["f"])
    g.add_node("flow:f", kind="flow", flow="f", label="f")
    for i in range(40):
        g.add_node(f"s{i}", kind="state", flow="f", label=f"state_number_{i}", initial=i == 0)
        if i:
            g.add_edge(f"s{i - 1}", f"s{i}", key="transition", kind="transition",
                       label=f"intent == 'step{i}'")
    layout = layered_layout(g)
    assert layout.width <= MAX_WIDTH
    assert len({round(p.y) for p in layout.nodes.values()}) > 1  # wrapped into bands
    assert not _overlaps(list(layout.text_boxes()))


def test_routes_avoid_other_nodes() -> None:
    bot = load_bot(SHOP)
    layout = layered_layout(flow_graph(bot, collapse_floats=True))
    for edge in layout.edges:
        for node in layout.nodes.values():
            if node.id in (edge.u, edge.v):
                continue
            for (x0, y0), (x1, y1) in itertools.pairwise(edge.points):
                for t in (i / 20 for i in range(21)):
                    x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                    assert not node.marker.overlaps(Box(x, y, x, y)), (edge.u, edge.v, node.id)


def test_barycentre_removes_crossings() -> None:
    g = nx.MultiDiGraph()
    g.add_nodes_from(["r", "a0", "a1", "a2", "b0", "b1", "b2"])  # natural order: all cross
    for i in range(3):
        g.add_edge("r", f"a{i}")
    for i in range(3):
        g.add_edge(f"a{i}", f"b{2 - i}")
    def order(layout: Layout, prefix: str) -> list[str]:
        return [str(n) for n in sorted((n for n in layout.pos if str(n).startswith(prefix)),
                                       key=lambda n: layout.pos[n][1])]
    assert order(layered_layout(g, sweeps=0), "b") == ["b0", "b1", "b2"]
    assert order(layered_layout(g, sweeps=2), "b") == ["b2", "b1", "b0"]


def test_cycles_and_empty_graphs() -> None:
    assert layered_layout(nx.MultiDiGraph()).layers == []
    ring = nx.MultiDiGraph([(1, 2), (2, 3), (3, 1), (3, 3)])
    layout = layered_layout(ring)
    assert set(layout.pos) == {1, 2, 3} and layout.n_layers == 3 and layout.fullest == 1


def test_svg_sizes_titles_and_no_script() -> None:
    bot = load_bot(SHOP)
    svg = render_svg(flow_graph(bot, collapse_floats=True))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert float(root.get("width", "0").removesuffix("pt")) * 96 / 72 <= 1100
    sizes = [float(t.get("font-size", "0")) for t in root.iter(f"{ns}text")]
    assert sizes and min(sizes) >= 8
    titles = [t.text or "" for t in root.iter(f"{ns}title")]
    # the shortened label on the canvas, the whole condition in the tooltip
    assert any('payload.type == "story_reply"' in t for t in titles)
    assert not any("…" in t for t in titles)
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert len(EDGE_STYLES) and len(NODE_STYLES)
