"""Figures igbot returns display as pictures in Jupyter even without pyplot."""

from __future__ import annotations

from pathlib import Path

from igbot.analytics import load, report
from igbot.graph import show
from igbot.kataml import load_bot

ROOT = Path(__file__).resolve().parents[1]


def test_graph_and_report_figures_have_a_png_repr() -> None:
    figures = [show(load_bot(ROOT / "data" / "bots" / "shop")).figure()]
    figures += list(report(load(ROOT / "data" / "logs" / "igbot_log.jsonl", progress=False)).figures().values())
    for figure in figures:
        assert figure._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
