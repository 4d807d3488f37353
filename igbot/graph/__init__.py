"""The flow as a graph: a networkx model of a bot, one layout, drawings, Mermaid and DOT, traffic.

A bot becomes a networkx graph (:func:`flow_graph`), the graph one layout
(:func:`layered_layout`: lanes per flow, routes, labels placed where they collide with
nothing), and the layout every drawing: the SVG (:func:`render_svg`, what notebooks show, no
CDN), the matplotlib figure (:func:`draw_figure`) and ``igbot.widgets.FlowCanvas``. Importing
this package makes bots and flows show as their drawing in notebooks.

>>> fg = show(load_bot("pizzabot"))      # doctest: +SKIP
>>> fg.nx.edges["state:order/showPizza", "state:order/pizzaQuantity", "transition"]
... # doctest: +SKIP
>>> fg.save("pizzabot.svg"); fg.to_mermaid()   # doctest: +SKIP

The engine never imports this package; graphs are built from a loaded bot only.
"""

from igbot.graph._backends import Backend, available_backends, get_backend, register_backend
from igbot.graph._display import svg_bundle
from igbot.graph._dot import to_dot
from igbot.graph._flowgraph import FlowGraph, show, traffic_graph
from igbot.graph._layout import Layout, layered_layout
from igbot.graph._matplotlib import draw_figure, figure_bytes
from igbot.graph._mermaid import to_mermaid
from igbot.graph._model import flow_graph
from igbot.graph._svg import render_svg
from igbot.graph._traffic import TrafficCounts, add_traffic, count_traffic
from igbot.kataml import register_display

__all__ = [
    "Backend",
    "FlowGraph",
    "Layout",
    "TrafficCounts",
    "add_traffic",
    "available_backends",
    "count_traffic",
    "draw_figure",
    "figure_bytes",
    "flow_graph",
    "get_backend",
    "layered_layout",
    "register_backend",
    "render_svg",
    "show",
    "svg_bundle",
    "to_dot",
    "to_mermaid",
    "traffic_graph",
]

register_display(svg_bundle)  # bots and flows show as their drawing
