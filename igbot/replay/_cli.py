"""``igbot replay`` (a log through a bot, or two versions compared) and ``igbot coverage``.

``igbot replay BOT LOGS... [--against OLD_BOT] [--format text|json|html] [-o FILE]``:

- without ``--against``, JSON is ``ReplayResult.to_dict()`` (``{"bot", "summary", "sessions"}``,
  plus ``"messages"`` with ``--messages``) with ``"coverage": Coverage.to_dict()`` added;
- with ``--against OLD_BOT``, JSON is ``ReplayDiff.to_dict()`` (``{"old", "new", "totals",
  "sessions"}``) with ``"summary": {"old": {...}, "new": {...}}`` added.

``igbot coverage BOT (LOGS|SPECS)... [--format text|json|html] [-o FILE]``: JSON is
``Coverage.to_dict()``. Spec files are YAML with a ``kata.ai/schema/kata-ml/1.0/test/...``
schema (folders are searched for them); anything else is read as a log.

Exit codes: 0 done, 2 unreadable bot, log or spec.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from igbot._errors import IgbotError
from igbot.analytics import load
from igbot.kataml import load_bot
from igbot.replay._diff import diff
from igbot.replay._measure import coverage
from igbot.replay._replay import replay

__all__ = ["register"]


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json", "html"), default="text",
                        help="output format (default text)")
    parser.add_argument("-o", "--output", help="write here instead of stdout")


def register(subparsers: Any) -> None:
    """Add ``replay`` and ``coverage`` to the ``igbot`` command line."""
    rp = subparsers.add_parser("replay", help="replay logged conversations through a bot (what-if)")
    rp.add_argument("bot", help="bot.yml or the folder holding it (the new version)")
    rp.add_argument("logs", nargs="+", help="logs: anything `igbot analytics` reads")
    rp.add_argument("--against", metavar="OLD_BOT", help="compare with this version of the bot")
    rp.add_argument("--api", metavar="JSON", help="recorded api answers: {url prefix: response}")
    rp.add_argument("--workers", type=int, default=None, help="processes (default: automatic)")
    rp.add_argument("--seed", type=int, default=0, help="seed for text variants (default 0)")
    rp.add_argument("--messages", action="store_true", help="JSON: include every replayed message")
    _output_options(rp)
    rp.set_defaults(func=_replay)
    cov = subparsers.add_parser("coverage", help="states/transitions/intents/actions a log or specs exercise")
    cov.add_argument("bot", help="bot.yml or the folder holding it")
    cov.add_argument("sources", nargs="+", help="Kata test spec files/folders, or logs")
    cov.add_argument("--api", metavar="JSON", help="recorded api answers for replayed logs")
    _output_options(cov)
    cov.set_defaults(func=_coverage)


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<style>body{font-family:sans-serif} table{border-collapse:collapse;margin:8px 0}"
            "td,th{border:1px solid #ddd;padding:2px 6px;font-size:13px;text-align:left}</style>"
            f"</head><body>{body}</body></html>\n")


def _api(path: str | None) -> dict[str, Any] | None:
    if not path:
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object {{url prefix: response}}")
    return data


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    return [f"  {k}: {v}" for k, v in summary.items()]


def _replay(args: argparse.Namespace) -> int:
    try:
        new_bot = load_bot(args.bot)
        old_bot = load_bot(args.against) if args.against else None
        api = _api(args.api)
        log = load(args.logs)
    except (IgbotError, OSError, ValueError) as exc:
        print(f"igbot replay: {exc}", file=sys.stderr)
        return 2
    options = {"api": api, "workers": args.workers, "seed": args.seed, "progress": None}
    new = replay(new_bot, log, **options)
    if old_bot is None:
        cov = new.coverage()
        if args.format == "json":
            _write(args, json.dumps({**new.to_dict(messages=args.messages), "coverage": cov.to_dict()},
                                    ensure_ascii=False, indent=1))
        elif args.format == "html":
            _write(args, _page(f"replay {new_bot.name}", new.to_html() + cov.to_html(graph=True)))
        else:
            _write(args, "\n".join([repr(new), *_summary_lines(new.summary()), repr(cov)]))
        return 0
    old = replay(old_bot, log, **options)
    result = diff(old, new)
    if args.format == "json":
        out = {**result.to_dict(), "summary": {"old": old.summary(), "new": new.summary()}}
        _write(args, json.dumps(out, ensure_ascii=False, indent=1))
    elif args.format == "html":
        _write(args, _page(f"replay {old_bot.name} vs {new_bot.name}", result.to_html(graph=True)))
    else:
        lines = [repr(result)]
        lines += [f"  {k}: {v}" for k, v in result.totals.items()]
        for row in result.changed.head(20).itertuples(index=False):
            lines.append(f"{row.session_id} @{row.index} {row.text!r}: {row.old_flow}/{row.old_state} "
                         f"({row.old_intent}) -> {row.new_flow}/{row.new_state} ({row.new_intent})")
        _write(args, "\n".join(lines))
    return 0


def _coverage(args: argparse.Namespace) -> int:
    try:
        bot = load_bot(args.bot)
        result = coverage(bot, [Path(s) for s in args.sources], api=_api(args.api), progress=None)
    except (IgbotError, OSError, ValueError) as exc:
        print(f"igbot coverage: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        _write(args, json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    elif args.format == "html":
        _write(args, _page(f"coverage {bot.name}", result.to_html(graph=True)))
    else:
        lines = [repr(result)]
        for kind, item in result.items.items():
            lines.append(f"  {kind}: {item.covered}/{item.total} ({item.share:.0%})"
                         + (f"; uncovered: {', '.join(item.uncovered)}" if item.uncovered else ""))
        _write(args, "\n".join(lines))
    return 0
