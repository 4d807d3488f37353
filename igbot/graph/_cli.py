"""``igbot graph BOT [--flow NAME] --format png|svg|mermaid|dot [-o FILE]``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from igbot._errors import IgbotError
from igbot.graph._backends import get_backend
from igbot.graph._flowgraph import FlowGraph
from igbot.kataml import load_bot

__all__ = ["register"]

logger = logging.getLogger(__name__)

FORMATS = ("png", "svg", "mermaid", "dot")


def register(subparsers: Any) -> None:
    """Add the ``graph`` subcommand."""
    parser = subparsers.add_parser(
        "graph", help="draw a bot's flows (PNG, SVG, Mermaid or DOT)",
        description="Draw a Kata-ML bot's flows as an image or as Mermaid/DOT text.")
    parser.add_argument("bot", help="bot.yml or the folder holding it")
    parser.add_argument("--flow", help="draw only this flow")
    parser.add_argument("--format", "-f", choices=FORMATS, default=None,
                        help="output format (default: from -o's extension, else mermaid)")
    parser.add_argument("-o", "--output", help="file to write (text formats: stdout if absent)")
    parser.add_argument("--no-intents", action="store_true", help="leave intents out")
    parser.add_argument("--expand-floats", action="store_true",
                        help="one float edge per state instead of one from 'any state'")
    parser.add_argument("--traffic", metavar="LOG",
                        help="conversation log (Parquet or CSV, canonical columns) to weigh edges")
    parser.set_defaults(func=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output:
        try:
            return get_backend(args.output.rsplit(".", 1)[-1]).name
        except ValueError:
            pass
    return "mermaid"


def run(args: argparse.Namespace) -> int:
    """Handle ``igbot graph``; returns the exit code."""
    try:
        bot = load_bot(args.bot)
        graph = FlowGraph.from_bot(bot, args.flow, intents=not args.no_intents,
                                   collapse_floats=not args.expand_floats)
        if args.traffic:
            reader = pd.read_csv if args.traffic.endswith(".csv") else pd.read_parquet
            df = reader(args.traffic)
            if not isinstance(df["timestamp"].dtype, pd.DatetimeTZDtype):
                df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
            graph = graph.with_traffic(df)
        data = graph.render(_format(args))
    except (IgbotError, KeyError, OSError, ValueError) as exc:
        print(f"igbot graph: {exc}", file=sys.stderr)
        return 1
    if args.output:
        if isinstance(data, bytes):
            Path(args.output).write_bytes(data)
        else:
            Path(args.output).write_text(data, encoding="utf-8")
        return 0
    if isinstance(data, bytes):
        if sys.stdout.isatty():
            print("igbot graph: PNG is binary; give -o FILE or redirect stdout", file=sys.stderr)
            return 2
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    sys.stdout.write(data)
    return 0
