"""Renderers behind one small interface, chosen by name: ``mermaid``, ``dot``, ``png``, ``svg``.

>>> get_backend("mermaid").render(graph)  # doctest: +SKIP
'flowchart LR\\n...'

Add one by subclassing :class:`Backend` and calling :func:`register_backend`.
"""

from __future__ import annotations

from typing import ClassVar

import networkx as nx

from igbot.graph._dot import to_dot
from igbot.graph._matplotlib import draw_figure, figure_bytes
from igbot.graph._mermaid import to_mermaid
from igbot.graph._svg import render_svg

__all__ = [
    "Backend",
    "DotBackend",
    "MatplotlibBackend",
    "MermaidBackend",
    "PngBackend",
    "SvgBackend",
    "available_backends",
    "get_backend",
    "register_backend",
]


class Backend:
    """Turns a flow graph into text or bytes of one format."""

    name: ClassVar[str] = ""
    media_type: ClassVar[str] = "text/plain"
    extensions: ClassVar[tuple[str, ...]] = ()
    binary: ClassVar[bool] = False

    def render(self, graph: nx.MultiDiGraph) -> str | bytes:
        """The graph in this backend's format."""
        raise NotImplementedError


class MermaidBackend(Backend):
    """Mermaid ``flowchart LR`` text."""

    name = "mermaid"
    media_type = "text/vnd.mermaid"
    extensions = (".mmd", ".mermaid")

    def render(self, graph: nx.MultiDiGraph) -> str:
        return to_mermaid(graph)


class DotBackend(Backend):
    """Graphviz DOT text."""

    name = "dot"
    media_type = "text/vnd.graphviz"
    extensions = (".dot", ".gv")

    def render(self, graph: nx.MultiDiGraph) -> str:
        return to_dot(graph)


class MatplotlibBackend(Backend):
    """A matplotlib drawing saved as ``fmt`` (png or svg)."""

    fmt: ClassVar[str] = "png"

    def render(self, graph: nx.MultiDiGraph) -> str | bytes:
        return figure_bytes(draw_figure(graph), self.fmt)


class PngBackend(MatplotlibBackend):
    """PNG image bytes."""

    name = "png"
    media_type = "image/png"
    extensions = (".png",)
    binary = True
    fmt = "png"


class SvgBackend(Backend):
    """SVG text with ``<title>`` tooltips, written from the layout (no matplotlib)."""

    name = "svg"
    media_type = "image/svg+xml"
    extensions = (".svg",)

    def render(self, graph: nx.MultiDiGraph) -> str:
        return render_svg(graph)


_REGISTRY: dict[str, type[Backend]] = {}


def register_backend(cls: type[Backend]) -> type[Backend]:
    """Make a backend class available by its ``name`` (usable as a class decorator)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def available_backends() -> list[str]:
    """The names of the registered backends."""
    return sorted(_REGISTRY)


def get_backend(name: str) -> Backend:
    """A backend by name, or by a file extension such as ``.svg``.

    Raises:
        ValueError: no backend has that name or extension.
    """
    key = name.lower()
    if key in _REGISTRY:
        return _REGISTRY[key]()
    ext = key if key.startswith(".") else f".{key}"
    for cls in _REGISTRY.values():
        if ext in cls.extensions:
            return cls()
    raise ValueError(f"no graph backend {name!r} (available: {', '.join(available_backends())})")


for _cls in (MermaidBackend, DotBackend, PngBackend, SvgBackend):
    register_backend(_cls)
