"""``FlowGraph``: a bot's graph that shows itself in a notebook and saves itself to a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from igbot.graph._backends import get_backend
from igbot.graph._matplotlib import draw_figure
from igbot.graph._model import flow_graph
from igbot.graph._traffic import add_traffic, count_traffic
from igbot.kataml import Bot, Flow

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["FlowGraph", "show", "traffic_graph"]


class FlowGraph:
    """A flow graph (``.nx``) with its renderings: Mermaid, DOT, a matplotlib figure, files.

    In Jupyter it displays as the SVG drawing (written by igbot, no CDN); Mermaid and DOT
    are text exports. Build one with :func:`show` or :func:`traffic_graph`.
    """

    def __init__(self, graph: nx.MultiDiGraph, bot: Bot | None = None,
                 options: dict[str, Any] | None = None) -> None:
        self.nx = graph
        self.bot = bot
        self.options = dict(options or {})

    @classmethod
    def from_bot(cls, bot: Bot, flow: str | None = None, *, intents: bool = True,
                 collapse_floats: bool = True) -> FlowGraph:
        """The graph of a bot, or of one of its flows."""
        options = {"flow": flow, "intents": intents, "collapse_floats": collapse_floats}
        return cls(flow_graph(bot, flow, intents=intents, collapse_floats=collapse_floats),
                   bot, options)

    def __repr__(self) -> str:
        kind = "traffic " if self.nx.graph.get("traffic") else ""
        flows = self.options.get("flow") or "all flows"
        return (f"<FlowGraph {kind}{self.nx.graph.get('name')!r} ({flows}): "
                f"{self.nx.number_of_nodes()} nodes, {self.nx.number_of_edges()} edges>")

    def render(self, backend: str) -> str | bytes:
        """The graph rendered by a backend chosen by name (mermaid, dot, png, svg)."""
        return get_backend(backend).render(self.nx)

    def to_mermaid(self) -> str:
        """Mermaid ``flowchart LR`` text."""
        return str(self.render("mermaid"))

    def to_dot(self) -> str:
        """Graphviz DOT text."""
        return str(self.render("dot"))

    def to_svg(self) -> str:
        """The drawing as SVG text with tooltips."""
        return str(self.render("svg"))

    def figure(self, **kwargs: Any) -> Figure:
        """The matplotlib drawing (see :func:`igbot.graph.draw_figure` for the options)."""
        return draw_figure(self.nx, **kwargs)

    def save(self, path: str | Path) -> Path:
        """Write the graph to ``path``; the format comes from the extension.

        ``.png``, ``.svg``, ``.mmd``/``.mermaid``, ``.dot``/``.gv``.
        """
        path = Path(path)
        backend = get_backend(path.suffix or "?")
        data = backend.render(self.nx)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return path

    def with_traffic(self, df: pd.DataFrame, *, gap: str = "30min") -> FlowGraph:
        """The same graph with traffic from a conversation log (canonical event table)."""
        return FlowGraph(add_traffic(self.nx, count_traffic(df, gap=gap)), self.bot,
                         self.options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        svg = self.to_svg()  # drawn here: no script, no CDN, shows offline and on GitHub
        bundle = {"text/plain": repr(self), "image/svg+xml": svg, "text/html": svg}
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle


def show(obj: Bot | Flow | nx.MultiDiGraph | FlowGraph, flow: str | None = None, *,
         intents: bool = True, collapse_floats: bool = True) -> FlowGraph:
    """A :class:`FlowGraph` for a bot, one flow of it, a flow on its own, or a graph.

    Args:
        obj: a loaded bot, a :class:`~igbot.kataml.Flow`, a graph from
            :func:`igbot.graph.flow_graph`, or a FlowGraph (returned as is).
        flow: with a bot, draw only this flow.
        intents: draw intents. collapse_floats: one float edge from an "any state" node.
    """
    if isinstance(obj, FlowGraph):
        return obj
    if isinstance(obj, nx.MultiDiGraph):
        return FlowGraph(obj)
    if isinstance(obj, Flow):
        name = flow or "flow"
        obj = Bot(name=name, flows={name: obj})
        flow = None
    if isinstance(obj, Bot):
        return FlowGraph.from_bot(obj, flow, intents=intents, collapse_floats=collapse_floats)
    raise TypeError(f"cannot draw a {type(obj).__name__} (a Bot, Flow or flow graph)")


def traffic_graph(bot: Bot, df: pd.DataFrame, flow: str | None = None, *,
                  intents: bool = False, collapse_floats: bool = True,
                  gap: str = "30min") -> FlowGraph:
    """The bot's graph with edge widths and labels by sessions, states by drop-off/handover."""
    return FlowGraph.from_bot(bot, flow, intents=intents,
                              collapse_floats=collapse_floats).with_traffic(df, gap=gap)
