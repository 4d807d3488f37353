"""Benchmark igbot.graph: build, lay out and draw generated bots of 100, 1,000 and 5,000 states.

Reports seconds per step (build the networkx graph, layered layout, matplotlib figure, PNG
render, Mermaid + DOT text) and how each step grows per 10x states (1.0 = constant, 10 =
linear). Baseline, measured in the same run on the same graph: what a user gets from networkx
alone (``circular_layout`` + ``draw_networkx`` + PNG, no edge labels), reported as the ratio igbot / baseline.
Also counts traffic in a generated 1M-row conversation log. Target: 1,000 states built, laid
out and drawn in <= 3 s on a quiet machine, judged as the ratio to the baseline (<= 1.7x: the
baseline took about 1.75 s there), since seconds move with the load of a shared machine.

Run: ``.venv/bin/python bench/graph.py [--sizes 100 1000 5000] [--rows 1000000]``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from igbot.graph import count_traffic, flow_graph, layered_layout, to_dot, to_mermaid
from igbot.graph._matplotlib import draw_figure, figure_bytes
from igbot.kataml import Bot

STATES_PER_FLOW = 50


def make_bot(n_states: int, seed: int = 7) -> Bot:
    """A bot of ``n_states`` states in flows of 50: branching chains, fallbacks, back edges,
    a float per flow, commands opening the next flow, some handovers."""
    rng = np.random.default_rng(seed)
    flows: dict[str, Any] = {}
    n_flows = max(1, math.ceil(n_states / STATES_PER_FLOW))
    for f in range(n_flows):
        size = min(STATES_PER_FLOW, n_states - f * STATES_PER_FLOW)
        states: dict[str, Any] = {}
        for i in range(size):
            transitions: dict[str, Any] = {}
            for step in (1, 2):
                if i + step < size:
                    transitions[f"s{i + step}"] = {
                        "condition": f"intent == 'i{(i + step) % 5}' && payload.n > {i}",
                        "mapping": {"context.last": f"'s{i}'"}}
            if i % 7 == 6:
                transitions["s0"] = {"condition": "content == 'restart'", "priority": 1}
            transitions[f"s{i}"] = {"fallback": True}
            actions: list[Any] = [{"name": "say"}]
            if i == size - 1 and f + 1 < n_flows:
                actions.append({"name": "next"})
            if rng.random() < 0.02:
                actions.append({"name": "agent"})
            states[f"s{i}"] = {"initial": i == 0, "end": i == size - 1,
                               "transitions": transitions, "action": actions}
        states["s0"]["float"] = {"condition": "content == 'cancel'"}
        intents: dict[str, Any] = {f"i{k}": {"type": "text", "condition": f"content == 'w{k}'"}
                                   for k in range(5)}
        intents["open"] = {"initial": True, "type": "command", "condition": f"content == 'go{f}'"}
        intents["start"] = {"initial": True, "type": "data",
                            "condition": f"payload.flow == 'f{f}'"}
        flows[f"f{f}"] = {
            "intents": intents, "states": states,
            "actions": {"say": {"type": "text", "options": {"text": "hi"}},
                        "next": {"type": "command", "options": {"command": f"go{f + 1}"}},
                        "agent": {"type": "handover", "options": {"text": "an agent"}}},
        }
    return Bot.model_validate({"name": f"bench{n_states}", "flows": flows})


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def baseline(graph: Any) -> float:
    """Seconds for networkx's own drawing of ``graph``: circular layout, draw_networkx, PNG."""
    import io

    import networkx as nx
    from matplotlib.figure import Figure

    start = time.perf_counter()
    pos = nx.circular_layout(graph)
    fig = Figure(figsize=(12, 9))
    nx.draw_networkx(graph, pos, ax=fig.add_subplot(), node_size=30, font_size=5, arrows=False)
    fig.savefig(io.BytesIO(), format="png")
    return time.perf_counter() - start


def bench_size(n: int) -> dict[str, float]:
    bot = make_bot(n)
    graph, t_build = timed(lambda: flow_graph(bot, collapse_floats=True))
    layout, t_layout = timed(lambda: layered_layout(graph))
    fig, t_figure = timed(lambda: draw_figure(graph, layout=layout))
    png, t_png = timed(lambda: figure_bytes(fig, "png"))
    _, t_text = timed(lambda: (to_mermaid(graph), to_dot(graph)))
    w, h = fig.get_size_inches()
    print(f"{n:>6} states: {graph.number_of_nodes():>6} nodes {graph.number_of_edges():>6} edges"
          f" {layout.n_layers:>4} layers, fig {w:.0f}x{h:.0f} in, png {len(png) / 1e6:.1f} MB",
          file=sys.stderr)
    total = t_build + t_layout + t_figure + t_png
    base = baseline(graph)
    return {"states": n, "build": t_build, "layout": t_layout, "figure": t_figure,
            "png": t_png, "draw": t_figure + t_png, "total": total, "mermaid+dot": t_text,
            "networkx": base, "ratio": total / base}


def make_log(rows: int, seed: int = 3) -> pd.DataFrame:
    """A canonical-looking log: sessions walking the states of flow f0 of the bench bot."""
    rng = np.random.default_rng(seed)
    sessions = rows // 20
    sess = np.sort(rng.integers(0, sessions, rows))
    state = rng.integers(0, STATES_PER_FLOW, rows)
    ts = pd.Timestamp("2024-05-01", tz="UTC") + pd.to_timedelta(
        np.cumsum(rng.integers(1, 30, rows)), unit="s")
    kind = np.where(rng.random(rows) < 0.001, "handover", "text")
    return pd.DataFrame({
        "conversation_id": pd.Categorical(sess.astype(str)),
        "session_id": pd.Categorical(sess.astype(str)),
        "timestamp": ts,
        "direction": pd.Categorical(np.where(rng.random(rows) < 0.5, "in", "out")),
        "kind": pd.Categorical(kind),
        "flow": pd.Categorical(np.full(rows, "f0")),
        "state": pd.Categorical(np.char.add("s", state.astype(str))),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    bench_size(20)  # warm up imports and font caches
    results = [bench_size(n) for n in args.sizes]
    steps = ["build", "layout", "figure", "png", "draw", "total", "mermaid+dot", "networkx"]
    print(f"{'states':>7} " + " ".join(f"{s:>11}" for s in steps) + f" {'igbot/nx':>9}")
    for r in results:
        print(f"{r['states']:>7} " + " ".join(f"{r[s]:>10.3f}s" for s in steps)
              + f" {r['ratio']:>8.2f}x")
    for a, b in itertools.pairwise(results):
        decades = math.log10(b["states"] / a["states"])
        growth = " ".join(f"{(b[s] / a[s]) ** (1 / decades) if a[s] else float('nan'):>11.1f}"
                          for s in steps)
        print(f"growth per 10x states ({a['states']}->{b['states']}):")
        print(f"{'':>7} {growth}")
    for r in results:
        if r["states"] == 1000:
            # seconds move with the machine's load; the ratio to the baseline of the same run
            # does not: 3 s on a quiet machine is about 1.7x networkx's own drawing there
            verdict = "OK" if r["ratio"] <= 1.7 else "OVER"
            print(f"1,000 states build+layout+draw: {r['total']:.2f} s, {r['ratio']:.2f}x the "
                  f"networkx baseline ({r['networkx']:.2f} s) (target <= 3 s quiet, "
                  f"<= 1.7x): {verdict}")
    if args.rows:
        df = make_log(args.rows)
        counts, t_traffic = timed(lambda: count_traffic(df))
        bot = make_bot(STATES_PER_FLOW)
        from igbot.graph import add_traffic

        _, t_apply = timed(lambda: add_traffic(flow_graph(bot), counts))
        print(f"traffic: {args.rows:,} rows, {counts.sessions:,} sessions, "
              f"{len(counts.transitions):,} transitions counted in {t_traffic:.2f} s "
              f"(+{t_apply:.3f} s onto the graph)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
