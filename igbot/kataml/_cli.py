"""``igbot lint BOT``: check a Kata-ML bot before it runs on Instagram."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from igbot.kataml._lint import lint_path

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``lint`` subcommand."""
    parser = subparsers.add_parser(
        "lint", help="check a Kata-ML bot (bot.yml or its folder)",
        description="Check a Kata-ML bot: schema, expressions, flow structure, NLUs, methods and "
                    "what Instagram cannot send. Exit status 1 if any finding is an error.",
    )
    parser.add_argument("bot", help="the bot.yml file or the folder holding it")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text lines (default) or a JSON list")
    parser.set_defaults(func=run_lint)


def run_lint(args: argparse.Namespace) -> int:
    """Lint ``args.bot``; prints the findings; returns 1 if any is an error, else 0."""
    _bot, findings = lint_path(args.bot)
    if args.format == "json":
        sys.stdout.write(json.dumps([f.to_dict() for f in findings], indent=2) + "\n")
    else:
        for finding in findings:
            sys.stdout.write(f"{finding}\n")
        counts = {level: sum(f.level == level for f in findings)
                  for level in ("error", "warning", "info")}
        sys.stderr.write(", ".join(f"{n} {level}{'s' if n != 1 and level != 'info' else ''}"
                                   for level, n in counts.items()) + "\n")
    return 1 if any(f.level == "error" for f in findings) else 0
