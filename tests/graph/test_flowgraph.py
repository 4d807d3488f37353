"""FlowGraph: notebook display, saving by extension, show(), and the ``igbot graph`` CLI."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from igbot.graph import FlowGraph, show
from igbot.graph._cli import register
from igbot.kataml import Bot

from .conftest import BOTS_DIR


def test_mimebundle_is_the_static_svg_without_cdn(pizzabot: Bot) -> None:
    fg = show(pizzabot)
    bundle = fg._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "image/svg+xml", "text/html"}
    assert bundle["text/plain"].startswith("<FlowGraph 'pizzabot' (all flows): ")
    ET.fromstring(bundle["image/svg+xml"])
    assert bundle["text/html"] == bundle["image/svg+xml"]
    assert "mermaid" not in bundle["text/html"].lower() and "<script" not in bundle["text/html"]
    assert fg.to_mermaid().startswith("flowchart LR\n")  # Mermaid stays a text export
    only = fg._repr_mimebundle_(include={"text/plain"})
    assert set(only) == {"text/plain"}


def test_show_a_flow_a_graph_or_a_bot_flow(pizzabot: Bot) -> None:
    fg = show(pizzabot, "order")
    assert fg.nx.nodes["flow:saveData"]["external"] is True
    assert fg.nx.has_node("any:welcome") is False
    assert show(fg) is fg
    assert show(fg.nx).nx is fg.nx
    alone = show(pizzabot.flows["order"], "order")
    assert alone.nx.has_node("state:order/showPizza")
    with pytest.raises(TypeError, match="cannot draw a int"):
        show(3)  # type: ignore[arg-type]


def test_save_by_extension(pizzabot: Bot, tmp_path: Path) -> None:
    fg = show(pizzabot)
    assert fg.save(tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")
    assert "<title>" in fg.save(tmp_path / "p.svg").read_text()
    assert fg.save(tmp_path / "p.mmd").read_text().startswith("flowchart LR")
    assert fg.save(tmp_path / "p.dot").read_text().startswith('digraph "pizzabot"')
    with pytest.raises(ValueError, match="no graph backend"):
        fg.save(tmp_path / "p.pdf")


def test_figure_is_a_plain_figure(pizzabot: Bot) -> None:
    from matplotlib.figure import Figure

    fig = FlowGraph.from_bot(pizzabot).figure(max_edge_labels=0)
    assert isinstance(fig, Figure)
    assert not [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("igbot-edge")]


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    code = ("import argparse, sys\n"
            "from igbot.graph._cli import register\n"
            "p = argparse.ArgumentParser(); sub = p.add_subparsers()\n"
            "register(sub)\n"
            "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, timeout=120)


def test_cli_text_to_stdout_and_files(tmp_path: Path) -> None:
    if not BOTS_DIR.is_dir():
        pytest.skip(f"conformance bots not found at {BOTS_DIR}")
    bot = str(BOTS_DIR / "pizzabot")
    out = run_cli("graph", bot, "--flow", "order", "--format", "mermaid")
    assert out.returncode == 0 and out.stdout.startswith(b"flowchart LR")
    out = run_cli("graph", bot, "--format", "dot", "--no-intents")
    assert out.returncode == 0 and b"intent:" not in out.stdout
    target = tmp_path / "p.png"
    out = run_cli("graph", bot, "-o", str(target))
    assert out.returncode == 0 and target.read_bytes().startswith(b"\x89PNG")
    out = run_cli("graph", bot, "--flow", "nope")
    assert out.returncode == 1 and b"no flow 'nope'" in out.stderr


def test_register_adds_the_graph_subcommand() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["graph", "bot.yml", "--format", "svg", "-o", "x.svg"])
    assert (args.bot, args.format, args.output, args.flow) == ("bot.yml", "svg", "x.svg", None)
