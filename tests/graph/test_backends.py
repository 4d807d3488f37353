"""The same rendering tests once per backend (Mermaid, DOT, PNG, SVG), by subclassing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, ClassVar

import networkx as nx
import pydot
import pytest

from igbot.graph import Backend, available_backends, flow_graph, get_backend, register_backend
from igbot.kataml import Bot

from .conftest import BOT_NAMES, NASTY, conformance_bot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pyparsing, via pydot
SVG = "{http://www.w3.org/2000/svg}"


class BackendContract:
    """What every backend must do; subclasses say how to read their output back."""

    backend: ClassVar[str]
    bots: ClassVar[tuple[str, ...]] = BOT_NAMES

    def render(self, graph: nx.MultiDiGraph) -> Any:
        return get_backend(self.backend).render(graph)

    def check(self, out: Any, graph: nx.MultiDiGraph) -> None:
        raise NotImplementedError

    def test_registered_by_name(self) -> None:
        assert self.backend in available_backends()
        assert get_backend(self.backend).name == self.backend

    def test_conformance_bots(self) -> None:
        for name in self.bots:
            graph = flow_graph(conformance_bot(name), collapse_floats=True)
            self.check(self.render(graph), graph)

    def test_every_edge_kind(self, allkinds: Bot) -> None:
        graph = flow_graph(allkinds)
        self.check(self.render(graph), graph)

    def test_nasty_text(self, nasty: Bot) -> None:
        graph = flow_graph(nasty)
        self.check(self.render(graph), graph)

    def test_empty_graph(self) -> None:
        graph = nx.MultiDiGraph(name="empty")
        self.check(self.render(graph), graph)


_MERMAID_NODE = re.compile(
    r'^\s*(n\d+)(\[\[|\(\[|\(\(|\(|\{\{|\{|>|\[/)"(.*)"(\]\]|\]\)|\)\)|\)|\}\}|\}|\]|/\])$')
_MERMAID_EDGE = re.compile(r'^\s*(n\d+) (-->|-\.->|==>)(?:\|"(.*)"\|)? (n\d+)$')
_ENTITY = re.compile(r"#(\w+);")
_NAMED = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}


def mermaid_unescape(text: str) -> str:
    text = text.replace("<br>", "\n")
    return _ENTITY.sub(lambda m: _NAMED.get(m.group(1)) or chr(int(m.group(1))), text)


def assert_mermaid_label_safe(label: str) -> None:
    bare = _ENTITY.sub("", label.replace("<br>", ""))
    assert not re.search(r'["|<>&#;`\[\]{}()]', bare), label


class TestMermaid(BackendContract):
    backend = "mermaid"

    def check(self, out: Any, graph: nx.MultiDiGraph) -> None:
        assert isinstance(out, str)
        lines = out.splitlines()
        assert lines[0] == "flowchart LR"
        declared: dict[str, str] = {}
        edges = 0
        depth = 0
        for line in lines[1:]:
            if m := _MERMAID_NODE.match(line):
                assert m.group(1) not in declared, f"{m.group(1)} declared twice"
                assert_mermaid_label_safe(m.group(3))
                declared[m.group(1)] = mermaid_unescape(m.group(3))
            elif m := _MERMAID_EDGE.match(line):
                assert m.group(1) in declared and m.group(4) in declared, line
                if m.group(3) is not None:
                    assert_mermaid_label_safe(m.group(3))
                edges += 1
            elif m := re.match(r'^\s*subgraph sg\d+\["(.*)"\]$', line):
                assert_mermaid_label_safe(m.group(1))
                depth += 1
            elif line.strip() == "end":
                depth -= 1
            else:
                assert re.match(r"^\s*(classDef k_\w+ |class [n\d,]+ k_\w+$|linkStyle \d+ )",
                                line), line
        assert depth == 0
        assert len(declared) == graph.number_of_nodes()
        assert edges == graph.number_of_edges()
        labels = sorted(d.get("label", n) for n, d in graph.nodes(data=True))
        assert sorted(declared.values()) == sorted(str(x) for x in labels)

    def test_nasty_label_round_trips(self) -> None:
        graph = nx.MultiDiGraph()
        graph.add_node("x", kind="state", label=NASTY, role="state")
        out = self.render(graph)
        (m,) = [m for line in out.splitlines() if (m := _MERMAID_NODE.match(line))]
        assert mermaid_unescape(m.group(3)) == NASTY


def unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return re.sub(r'\\(["\\])', r"\1", name[1:-1])
    return name


class TestDot(BackendContract):
    backend = "dot"

    def check(self, out: Any, graph: nx.MultiDiGraph) -> None:
        assert isinstance(out, str)
        parsed = pydot.graph_from_dot_data(out)
        assert parsed and len(parsed) == 1
        dot = parsed[0]
        names = {unquote(n.get_name()) for n in dot.get_nodes()} - {"graph", "node", "edge"}
        assert names == {str(n) for n in graph.nodes}
        edges = dot.get_edges()
        assert len(edges) == graph.number_of_edges()
        pairs = {(unquote(e.get_source()), unquote(e.get_destination())) for e in edges}
        assert pairs == {(str(u), str(v)) for u, v in graph.edges()}
        titled = sum(1 for *_, d in graph.edges(data=True) if d.get("title"))
        assert sum(1 for e in edges if e.get("tooltip")) == titled

    def test_networkx_reader_round_trip(self, pizzabot: Bot) -> None:
        graph = flow_graph(pizzabot)
        (dot,) = pydot.graph_from_dot_data(self.render(graph))
        back = nx.nx_pydot.from_pydot(dot)
        assert set(back.nodes) == set(graph.nodes)
        assert back.has_edge("state:order/showPizza", "state:order/pizzaQuantity")

    def test_nasty_condition_survives_in_tooltip(self, nasty: Bot) -> None:
        graph = flow_graph(nasty)
        (parsed,) = pydot.graph_from_dot_data(self.render(graph))
        (edge,) = [e for e in parsed.get_edges() if "end" in e.get_destination()
                   and "state:" in e.get_source()]
        tooltip = edge.get("tooltip")
        raw = tooltip[1:-1].replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        assert NASTY in raw


class TestPng(BackendContract):
    backend = "png"
    bots = ("pizzabot", "newsbot")

    def check(self, out: Any, graph: nx.MultiDiGraph) -> None:
        assert isinstance(out, bytes)
        assert out.startswith(b"\x89PNG\r\n\x1a\n")
        assert out[12:16] == b"IHDR"


class TestSvg(BackendContract):
    backend = "svg"
    bots = ("pizzabot", "newsbot")

    def check(self, out: Any, graph: nx.MultiDiGraph) -> None:
        assert isinstance(out, str)
        root = ET.fromstring(out)
        assert root.tag == f"{SVG}svg"
        titles = [t.text or "" for t in root.iter(f"{SVG}title")]
        assert len(titles) >= graph.number_of_nodes()

    def test_edge_tooltip_has_the_full_condition(self, nasty: Bot) -> None:
        root = ET.fromstring(self.render(flow_graph(nasty)))
        titles = [t.text or "" for t in root.iter(f"{SVG}title")]
        assert any(NASTY in t for t in titles)


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValueError, match="available: dot, mermaid, png, svg"):
        get_backend("pdf")


def test_backends_by_extension_and_custom_registration() -> None:
    assert get_backend(".mmd").name == "mermaid"
    assert get_backend("gv").name == "dot"

    class Count(Backend):
        name = "count"

        def render(self, graph: nx.MultiDiGraph) -> str:
            return str(graph.number_of_nodes())

    register_backend(Count)
    try:
        assert get_backend("count").render(nx.MultiDiGraph([(1, 2)])) == "2"
    finally:
        from igbot.graph import _backends

        del _backends._REGISTRY["count"]
