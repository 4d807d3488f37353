"""One layout of a flow graph, used by every drawing: matplotlib, the SVG and the canvas.

Everything is placed here, in points (1/72 in, y pointing down), before anything is drawn:

- **columns** (layers): intents, then flows (and the "any state" node of floats), then each
  flow's states by their distance from the flow's initial state (breadth-first over the
  transitions; states nothing reaches start a new chain). Graphs without ``kind`` attributes
  are layered breadth-first from their sources.
- **lanes**: one horizontal band per flow (in the bot's order, flows an edge reaches from
  outside after them, the human agent last); within a lane, each column's nodes are stacked and
  ordered by the barycentre of their predecessors (fewer crossings). When the columns would be
  wider than :data:`MAX_WIDTH`, a lane's later state columns wrap under its first ones, so a
  figure always fits a 1,100 px output at its natural size.
- **rows** are global: a row holds a node label, the node marker, then a free corridor. Edges
  run only through the gaps between columns and the corridors between rows, so no edge
  crosses a node or its label: an edge to the next column leaves its node to the right, slants
  in the gap and enters its target from the left; any other edge goes down (or up) its gap to
  the corridor next to its target, along the corridor, and into the target from the left.
- **labels**: node labels sit above their marker, inside their column. Each edge label goes to
  the free spot nearest the middle of its route (tried along the route, then along the
  corridors, then below the drawing), checked against every marker and text box already placed
  (a grid index keeps this linear). So no two text boxes overlap and no label covers a marker.
- **title and legend**: the title (the flow's name for a one-flow graph) and a legend listing
  only the node and edge styles drawn.

Text sizes are fixed (nodes 9 pt, edge labels and the legend 8 pt, the title 11 pt); long
names and conditions are shortened, the full text kept for tooltips (``title``).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict, deque
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from igbot.graph._style import (
    EDGE_STYLES,
    NODE_STYLES,
    edge_style,
    node_style_key,
    node_title,
    shorten,
)
from igbot.graph._text import text_height, text_width

__all__ = [
    "EDGE_FONT",
    "LEGEND_FONT",
    "MAX_WIDTH",
    "NODE_FONT",
    "TITLE_FONT",
    "Box",
    "EdgePlace",
    "Layout",
    "LegendItem",
    "NodePlace",
    "layered_layout",
]

NODE_FONT = 9.0
EDGE_FONT = 8.0
LEGEND_FONT = 8.0
TITLE_FONT = 11.0
MAX_WIDTH = 792.0  # pt: 11 in, 1,100 px as a 100 dpi PNG (1,056 px as SVG at 96 px/in)
RADIUS = 6.0  # node marker radius
COL_GAP = 54.0  # between column bands: where edges slant and labels may sit
MARGIN = 10.0
LABEL_CHARS = 22  # node labels are shortened to this many characters
EDGE_CHARS = 26  # edge labels likewise
_PAD = 1.0  # space kept around every text box
_LINE_NODE = text_height(NODE_FONT)
_LINE_EDGE = text_height(EDGE_FONT)
ROW = 2 + _LINE_NODE + 2 + 2 * RADIUS + _LINE_EDGE + 6  # label, marker, corridor
_KIND_COL = {"intent": 0, "flow": 1, "any": 1, "agent": 1}


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle ``(x0, y0)``-``(x1, y1)`` in points, y down."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        """Whether the two boxes share any area (after growing this one by ``pad``)."""
        return (self.x0 - pad < other.x1 and other.x0 < self.x1 + pad
                and self.y0 - pad < other.y1 and other.y0 < self.y1 + pad)

    @classmethod
    def around(cls, x: float, y: float, w: float, h: float) -> Box:
        """The ``w`` by ``h`` box centred on ``(x, y)``."""
        return cls(x - w / 2, y - h / 2, x + w / 2, y + h / 2)

    @property
    def centre(self) -> tuple[float, float]:
        """The box's centre."""
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@dataclass
class NodePlace:
    """A placed node: marker centre, style, shortened label and its box, full tooltip."""

    id: Hashable
    x: float
    y: float
    style: str
    label: str
    label_box: Box | None
    bold: bool
    title: str
    lane: int
    column: int
    fill: str = "#ffffff"
    stroke: str = "#333333"
    stroke_width: float = 1.0

    @property
    def marker(self) -> Box:
        """The marker's bounding box."""
        r = RADIUS * (1.25 if self.style == "flow" else 1.0)
        return Box(self.x - r, self.y - r, self.x + r, self.y + r)


@dataclass
class EdgePlace:
    """A routed edge: polyline (ends on the markers' rims), style, label box, tooltip."""

    u: Hashable
    v: Hashable
    key: Hashable
    points: list[tuple[float, float]]
    style: str  # a key of EDGE_STYLES
    label: str
    label_box: Box | None
    title: str
    width: float
    colour: str = "#333333"
    dash: str = "solid"  # solid, dashed, dotted, dashdot
    leader: tuple[float, float] | None = None  # route point a far-off label points to


@dataclass
class LegendItem:
    """One legend entry: a node style (``"node"``) or an edge style (``"edge"``)."""

    kind: str
    style: str
    text: str
    x: float  # the symbol's centre
    y: float
    text_box: Box


@dataclass
class Layout:
    """Where everything goes: columns, node places, edge routes, labels, title and legend."""

    layers: list[list[Hashable]]
    pos: dict[Hashable, tuple[float, float]] = field(default_factory=dict)
    nodes: dict[Hashable, NodePlace] = field(default_factory=dict)
    edges: list[EdgePlace] = field(default_factory=list)
    lanes: list[tuple[str, float, float]] = field(default_factory=list)  # name, top, bottom
    title: str = ""
    title_box: Box | None = None
    legend: list[LegendItem] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    traffic: bool = False

    @property
    def n_layers(self) -> int:
        """The number of columns."""
        return len(self.layers)

    @property
    def fullest(self) -> int:
        """The number of nodes in the fullest column."""
        return max((len(layer) for layer in self.layers), default=0)

    def text_boxes(self) -> Iterator[tuple[str, Box]]:
        """Every text box: the title, legend entries, node and edge labels."""
        if self.title_box is not None:
            yield "title", self.title_box
        for item in self.legend:
            yield f"legend {item.text}", item.text_box
        for node in self.nodes.values():
            if node.label_box is not None:
                yield f"node {node.id}", node.label_box
        for edge in self.edges:
            if edge.label_box is not None:
                yield f"edge {edge.u}->{edge.v}", edge.label_box


class _Index:
    """Boxes in a grid of cells, for fast "does this box hit anything" questions."""

    def __init__(self, cell: float = 40.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Box]] = defaultdict(list)

    def _keys(self, box: Box) -> Iterator[tuple[int, int]]:
        c = self.cell
        for i in range(math.floor(box.x0 / c), math.floor(box.x1 / c) + 1):
            for j in range(math.floor(box.y0 / c), math.floor(box.y1 / c) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for key in self._keys(box):
            self.cells[key].append(box)

    def hits(self, box: Box) -> bool:
        return any(other.overlaps(box, _PAD) for key in self._keys(box)
                   for other in self.cells.get(key, ()))


# -- columns and lanes ---------------------------------------------------------------------


def _bfs_depths(nodes: list[Hashable], succ: dict[Hashable, list[Hashable]],
                starts: list[Hashable]) -> dict[Hashable, int]:
    depth: dict[Hashable, int] = {}
    queue: deque[Hashable] = deque()
    for start in [*starts, *nodes]:
        if start in depth:
            continue
        depth[start] = 0
        queue.append(start)
        while queue:
            u = queue.popleft()
            for w in succ.get(u, ()):
                if w not in depth:
                    depth[w] = depth[u] + 1
                    queue.append(w)
    return depth


def _columns(graph: nx.MultiDiGraph) -> tuple[dict[Hashable, int], dict[Hashable, str]]:
    """Column (before wrapping) and lane name of each node."""
    data = dict(graph.nodes(data=True))
    typed = any("kind" in d for d in data.values())
    lane_of: dict[Hashable, str] = {}
    for node, d in data.items():
        if d.get("kind") == "agent":
            lane_of[node] = "\x00agent"
        else:
            lane_of[node] = str(d.get("flow")) if typed and d.get("flow") is not None else ""
    succ: dict[Hashable, list[Hashable]] = defaultdict(list)
    has_pred: set[Hashable] = set()
    for u, v in graph.edges():
        if u != v and lane_of[u] == lane_of[v] and _is_chain(data[u]) and _is_chain(data[v]):
            succ[u].append(v)
            has_pred.add(v)
    column: dict[Hashable, int] = {}
    base = 2 if typed else 0
    by_lane: dict[str, list[Hashable]] = defaultdict(list)
    for node, d in data.items():
        if typed and d.get("kind") in _KIND_COL:
            column[node] = _KIND_COL[str(d["kind"])]
        else:
            by_lane[lane_of[node]].append(node)
    for nodes in by_lane.values():
        starts = [n for n in nodes if data[n].get("initial")] + [
            n for n in nodes if n not in has_pred]
        for node, depth in _bfs_depths(nodes, succ, starts).items():
            column[node] = base + depth
    return column, lane_of


def _is_chain(d: dict[str, Any]) -> bool:
    return d.get("kind") in (None, "state")


def _lane_order(graph: nx.MultiDiGraph, lane_of: dict[Hashable, str]) -> list[str]:
    flows = [str(f) for f in graph.graph.get("flows") or []]
    present = set(lane_of.values())
    ordered = [f for f in flows if f in present]
    ordered += [lane for lane in dict.fromkeys(lane_of.values())
                if lane not in ordered and lane != "\x00agent"]
    if "\x00agent" in present:
        ordered.append("\x00agent")
    # flows drawn only because an edge reaches them go after the selected ones
    external = {lane_of[n] for n, d in graph.nodes(data=True) if d.get("external")}
    return [lane for lane in ordered if lane not in external] + [
        lane for lane in ordered if lane in external]


def _node_label(d: dict[str, Any], node: Hashable, traffic: bool) -> str:
    name = shorten(str(d.get("label", node)), LABEL_CHARS)
    if d.get("external"):
        name += " ↗"
    if traffic and d.get("sessions"):
        name += f" · {d['sessions']}"
    return name


# -- the layout ------------------------------------------------------------------------------


def layered_layout(graph: nx.MultiDiGraph, *, sweeps: int = 2, max_width: float = MAX_WIDTH,
                   title: str | None = None, edge_labels: bool = True,
                   max_edge_labels: int = 250) -> Layout:
    """Lay the graph out (see the module docs) and return every place and route.

    Args:
        graph: a graph from :func:`igbot.graph.flow_graph` (any directed graph works).
        sweeps: barycentre ordering passes within each column.
        max_width: the widest the drawing may be, in points; lanes wrap to fit.
        title: the figure's title (default: the flow's name for a one-flow graph, else the
            graph's name).
        edge_labels: place edge labels (conditions, commands, traffic counts).
        max_edge_labels: above this many edges no edge labels are placed (huge bots).
    """
    traffic = bool(graph.graph.get("traffic"))
    out = Layout(layers=[], traffic=traffic)
    if title is None:
        flows = graph.graph.get("flows") or []
        if graph.graph.get("selected") or (len(flows) == 1 and graph.graph.get("one_flow")):
            title = ("flow " if len(flows) == 1 else "flows ") + ", ".join(map(str, flows))
        else:
            title = str(graph.graph.get("name") or "")
        if traffic:
            title += f" (traffic: {graph.graph.get('sessions', 0)} sessions)"
    if graph.number_of_nodes() == 0:
        top = _place_title_and_legend(graph, out, title, max_width, traffic)
        out.width, out.height = max(out.width, 2 * MARGIN), top + MARGIN
        return out
    column, lane_of = _columns(graph)
    data = dict(graph.nodes(data=True))
    fixed = 2 if any("kind" in d for d in data.values()) else 0
    labels = {n: _node_label(d, n, traffic) for n, d in data.items()}
    widths = {n: max(text_width(labels[n], NODE_FONT, d.get("kind") == "flow"), 4 * RADIUS)
              for n, d in data.items()}
    wrap_from, span = _wrapping(column, widths, max_width)

    def grid(node: Hashable) -> tuple[int, int]:  # (band within the lane, grid column)
        c = column[node]
        if c < wrap_from:
            return 0, c
        return (c - wrap_from) // span, wrap_from + (c - wrap_from) % span

    n_cols = max(grid(n)[1] for n in data) + 1
    col_w = [4 * RADIUS] * n_cols
    for n in data:
        col_w[grid(n)[1]] = max(col_w[grid(n)[1]], widths[n])
    col_x: list[float] = []
    x = MARGIN
    for w in col_w:
        col_x.append(x + w / 2)
        x += w + COL_GAP
    width = x - COL_GAP / 2 + MARGIN  # the last gap's middle carries routes back to the left
    # the title and legend wrap at the drawing's width (at least 420 pt), not the page's
    top = _place_title_and_legend(graph, out, title, min(max_width, max(width, 420.0)), traffic)
    out.layers = [[] for _ in range(n_cols)]

    # rows: stack each (lane, band, column) cell, ordered by the predecessors' rows
    preds: dict[Hashable, list[Hashable]] = defaultdict(list)
    for u, v in graph.edges():
        if u != v:
            preds[v].append(u)
    order = {n: i for i, n in enumerate(data)}
    row_y: dict[Hashable, float] = {}
    y = top
    for li, lane in enumerate(_lane_order(graph, lane_of)):
        members = [n for n in data if lane_of[n] == lane]
        cells: dict[tuple[int, int], list[Hashable]] = defaultdict(list)
        for n in sorted(members, key=lambda n: (column[n], order[n])):
            cells[grid(n)].append(n)
        bands = max(b for b, _ in cells) + 1
        lane_top = y
        rank: dict[Hashable, float] = {}
        for band in range(bands):
            keys = sorted(k for k in cells if k[0] == band)
            for sweep in range(max(1, sweeps)):
                for key in keys:
                    nodes = cells[key]
                    bary = {n: _mean([rank[p] for p in preds[n] if p in rank], order[n])
                            for n in nodes}
                    if sweep < sweeps and key[1] >= fixed:  # intents, flows: the bot's order
                        nodes.sort(key=lambda n: bary[n])
                    for i, n in enumerate(nodes):
                        rank[n] = y + i
            # the intents and flow columns stand beside every band: only states set its height
            rows = max((len(cells[k]) for k in keys if k[1] >= fixed), default=0)
            for key in keys:
                for i, n in enumerate(cells[key]):
                    row_y[n] = y + i * ROW
                    out.layers[key[1]].append(n)
                    out.nodes[n] = _node_place(n, data[n], labels[n], col_x[key[1]],
                                               y + i * ROW, widths[n], li, key[1])
            y += rows * ROW
        beside = max((len(cells[k]) for k in cells if k[1] < fixed), default=0)
        y = max(y, lane_top + max(beside, 1) * ROW)
        name = "human agent" if lane == "\x00agent" else lane
        out.lanes.append((name, lane_top, y))
        y += 4
    for n, place in out.nodes.items():
        out.pos[n] = (place.x, place.y)
        _paint(place, data[n], traffic)
    obstacles = _Index()
    for item in out.legend:
        obstacles.add(item.text_box)
    if out.title_box is not None:
        obstacles.add(out.title_box)
    for place in out.nodes.values():
        obstacles.add(place.marker)
        if place.label_box is not None:
            obstacles.add(place.label_box)
    corridors = sorted({place.y + RADIUS + 1 + _LINE_EDGE / 2 + 1 for place in out.nodes.values()})
    edges = list(graph.edges(keys=True, data=True))
    want_labels = edge_labels and len(edges) <= max_edge_labels
    bottom = y
    width = max(width, out.width)
    routes = _Router(out, col_x, col_w)
    edge_widths = _traffic_widths(graph) if traffic else None
    for u, v, k, d in edges:
        style = edge_style(d)
        style_key = next(key for key, s in EDGE_STYLES.items() if s is style)
        points = routes.route(u, v)
        text = str(d.get("label") or "")
        if traffic and d.get("sessions"):
            text = f"{d['sessions']}" + (f" · {shorten(text, 16)}" if text else "")
        text = shorten(text, EDGE_CHARS)
        edge = EdgePlace(u, v, k, points, style_key, text, None,
                         str(d.get("title") or d.get("label") or ""),
                         edge_widths[(u, v, k)] if edge_widths else style.width, style.colour,
                         style.linestyle)
        if want_labels and text:
            bottom = _place_label(edge, obstacles, corridors, width, bottom)
        out.edges.append(edge)
    out.width = max(out.width, width)
    out.height = max(bottom, y) + MARGIN
    return out


def _reds(t: float) -> str:
    """A white-to-red ramp (drop-off rate 0..1)."""
    lo, hi = (254, 229, 217), (165, 15, 21)
    t = min(max(t, 0.0), 1.0)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(lo, hi, strict=True))


def _paint(place: NodePlace, d: dict[str, Any], traffic: bool) -> None:
    style = NODE_STYLES.get(place.style, NODE_STYLES["state"])
    place.fill, place.stroke, place.stroke_width = style.fill, style.edge, 1.0
    if traffic and d.get("kind") in ("state", "any"):
        place.fill = _reds(0.15 + 0.85 * float(d.get("dropoff_rate") or 0.0)) if d.get(
            "sessions") else "#f1f1f1"
        if d.get("handovers"):
            place.stroke, place.stroke_width = "#6a1b9a", 2.5


def _traffic_widths(graph: nx.MultiDiGraph) -> dict[tuple[Any, Any, Any], float]:
    top = max((d.get("sessions", 0) for *_, d in graph.edges(keys=True, data=True)), default=0)
    return {(u, v, k): (0.6 + 5.4 * math.sqrt(d.get("sessions", 0) / top)) if top and
            d.get("sessions") else 0.4 for u, v, k, d in graph.edges(keys=True, data=True)}


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default + 1e6


def _wrapping(column: dict[Hashable, int], widths: dict[Hashable, float],
              max_width: float) -> tuple[int, int]:
    """The first column that wraps and how many columns follow it on one band."""
    n_cols = max(column.values()) + 1
    col_w = [4 * RADIUS] * n_cols  # as wide as the drawing makes an empty column
    for n, c in column.items():
        col_w[c] = max(col_w[c], widths[n])
    wrap_from = 2 if n_cols > 2 and any(c >= 2 for c in column.values()) else 0
    for span in range(n_cols - wrap_from, 0, -1):
        fixed = sum(col_w[:wrap_from])
        folded = [max(col_w[c] for c in range(wrap_from + j, n_cols, span)) for j in range(span)]
        total = fixed + sum(folded) + COL_GAP * (wrap_from + span - 0.5) + 2 * MARGIN
        if total <= max_width:
            return wrap_from, span
    return wrap_from, 1


def _node_place(n: Hashable, d: dict[str, Any], label: str, x: float, row_top: float,
                width: float, lane: int, column: int) -> NodePlace:
    y = row_top + 2 + _LINE_NODE + 2 + RADIUS
    bold = d.get("kind") == "flow"
    w = text_width(label, NODE_FONT, bold)
    box = Box(x - w / 2, row_top + 2, x + w / 2, row_top + 2 + _LINE_NODE)
    return NodePlace(n, x, y, node_style_key(d) if d else "state", label, box, bold,
                     node_title(d) if d else str(n), lane, column)


def _place_title_and_legend(graph: nx.MultiDiGraph, out: Layout, title: str,
                            max_width: float, traffic: bool) -> float:
    """Place the title and the legend at the top; returns where the drawing starts."""
    y = MARGIN
    title = shorten(title, 90)
    while title and text_width(title, TITLE_FONT, True) > max_width - 2 * MARGIN:
        title = shorten(title, len(title) - 4)
    out.title = title
    if title:
        w = text_width(title, TITLE_FONT, True)
        out.title_box = Box(MARGIN, y, MARGIN + w, y + text_height(TITLE_FONT))
        y = out.title_box.y1 + 4
    nodes_used = {node_style_key(d) for _, d in graph.nodes(data=True)} if any(
        "kind" in d for _, d in graph.nodes(data=True)) else set()
    edges_used = {edge_style(d).legend for *_, d in graph.edges(data=True)} if nodes_used else set()
    items: list[tuple[str, str, str]] = [
        ("node", key, st.legend) for key, st in NODE_STYLES.items() if key in nodes_used]
    items += [("edge", key, st.legend) for key, st in EDGE_STYLES.items()
              if st.legend in edges_used]
    if traffic:
        items.append(("node", "traffic", "fill: drop-off, ring: handover"))
    x, line = MARGIN, text_height(LEGEND_FONT)
    right = MARGIN
    for kind, key, text in items:
        w = 18 + text_width(text, LEGEND_FONT) + 12
        if x + w > max_width - MARGIN and x > MARGIN:
            x, y = MARGIN, y + line + 3
        tx = x + 18
        box = Box(tx, y, tx + text_width(text, LEGEND_FONT), y + line)
        out.legend.append(LegendItem(kind, key, text, x + 7, y + line / 2, box))
        x += w
        right = max(right, box.x1)
    if items:
        y += line + 3
    out.width = max(right, out.title_box.x1 if out.title_box else 0) + MARGIN
    return y + 6


class _Router:
    """Routes through the column gaps and the row corridors (see the module docs)."""

    def __init__(self, layout: Layout, col_x: list[float], col_w: list[float]) -> None:
        self.nodes = layout.nodes
        self.col_x = col_x
        self.col_w = col_w
        self.lane_use: dict[tuple[str, int, float], int] = defaultdict(int)

    def _offset(self, kind: str, where: int, at: float) -> float:
        n = self.lane_use[(kind, where, round(at))]
        self.lane_use[(kind, where, round(at))] += 1
        return ((n % 5) - 2) * 2.5

    def right_gap(self, col: int) -> float:
        return self.col_x[col] + self.col_w[col] / 2 + COL_GAP / 2

    def left_gap(self, col: int) -> float:
        return self.col_x[col] - self.col_w[col] / 2 - COL_GAP / 2

    def route(self, u: Hashable, v: Hashable) -> list[tuple[float, float]]:
        a, b = self.nodes[u], self.nodes[v]
        ra, rb = a.marker.x1 - a.x, b.marker.x1 - b.x
        if u == v:  # a loop through the corridor under the node
            gx = a.x + self.col_w[a.column] / 2 + COL_GAP * 0.3
            low = a.y + RADIUS + 5
            return [(a.x + ra, a.y), (gx, a.y), (gx, low), (a.x, low), (a.x, a.y + ra)]
        start = (a.x + ra, a.y)
        end = (b.x - rb, b.y)
        col_edge_a = a.x + self.col_w[a.column] / 2
        col_edge_b = b.x - self.col_w[b.column] / 2
        if b.column == a.column + 1:
            return [start, (col_edge_a, a.y), (col_edge_b, b.y), end]
        gx_a = self.right_gap(a.column) + self._offset("gap", a.column, 0)
        gx_b = self.left_gap(b.column) + self._offset("gap", b.column, 1)
        corridor = b.y + RADIUS + 3  # the corridor under the target's row is always free
        corridor += abs(self._offset("row", 0, corridor)) * 0.6
        return [start, (gx_a, a.y), (gx_a, corridor), (gx_b, corridor), (gx_b, b.y), end]


def _along(points: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """Points every ``step`` along the polyline, from its middle outwards."""
    lengths = [math.dist(p, q) for p, q in itertools.pairwise(points)]
    total = sum(lengths)
    if total == 0:
        return [points[0]]
    out: list[tuple[float, float]] = []
    n = max(1, int(total / step))
    for i in range(n + 1):
        t = total * i / n
        for (p, q), seg in zip(itertools.pairwise(points), lengths, strict=True):
            if t <= seg or (p, q) == (points[-2], points[-1]):
                f = t / seg if seg else 0.0
                out.append((p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f))
                break
            t -= seg
    mid = total / 2
    return sorted(out, key=lambda pt: abs(_arc(points, lengths, pt) - mid))


def _arc(points: list[tuple[float, float]], lengths: list[float],
         pt: tuple[float, float]) -> float:
    done = 0.0
    for (p, q), seg in zip(itertools.pairwise(points), lengths, strict=True):
        if math.dist(p, pt) + math.dist(pt, q) <= seg + 1e-6:
            return done + math.dist(p, pt)
        done += seg
    return done


def _place_label(edge: EdgePlace, obstacles: _Index, corridors: list[float], width: float,
                 bottom: float) -> float:
    """Put the edge's label on the free spot nearest its route's middle; returns the bottom."""
    w = text_width(edge.label, EDGE_FONT) + 2
    h = _LINE_EDGE
    lo, hi = w / 2 + MARGIN / 2, width - w / 2 - MARGIN / 2
    candidates = _along(edge.points, 8.0)
    for x, y in candidates:
        for dx in (0.0, w / 2 + 4, -(w / 2 + 4)):
            cx = min(max(x + dx, lo), max(lo, hi))
            box = Box.around(cx, y, w, h)
            if not obstacles.hits(box):
                edge.label_box = box
                obstacles.add(box)
                return bottom
    mx, my = candidates[0]
    near = sorted(corridors, key=lambda c: abs(c - my))[:8]  # the nearest corridors only
    for cy in near:
        for step in range(0, min(int(width / 8), 40) + 1):
            for sign in (1, -1):
                cx = min(max(mx + sign * step * 8, lo), max(lo, hi))
                box = Box.around(cx, cy, w, h)
                if not obstacles.hits(box):
                    edge.label_box = box
                    edge.leader = (mx, my)
                    obstacles.add(box)
                    return bottom
    box = Box.around(min(max(mx, lo), max(lo, hi)), bottom + h / 2 + 3, w, h)
    while obstacles.hits(box):
        box = Box(box.x0, box.y0 + h + 2, box.x1, box.y1 + h + 2)
    edge.label_box = box
    edge.leader = (mx, my)
    obstacles.add(box)
    return max(bottom, box.y1 + 2)
