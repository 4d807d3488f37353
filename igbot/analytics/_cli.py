"""``igbot analyze LOGS...``: load conversation data in any supported format and summarise it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from igbot._errors import IgbotError
from igbot.kataml import load_bot

__all__ = ["register"]

_JSON_KEYS = ("events", "conversations", "sessions", "messages_in", "messages_out",
              "handover_rate", "containment_rate", "fallback_rate", "median_bot_response_s",
              "median_agent_first_response_s", "triggers", "skipped")


def register(subparsers: Any) -> None:
    """Add the ``analyze`` subcommand."""
    parser = subparsers.add_parser(
        "analyze", help="summarise conversation logs (igbot log, Parquet, webhooks, Graph API "
        "export, DYI export, agent-inbox CSV)", description=__doc__)
    parser.add_argument("logs", nargs="+", metavar="LOGS", help="files, folders, zips or globs")
    parser.add_argument("--format", choices=("text", "json", "html"), default="text",
                        help="output format (default text)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--gap", default="30min", help="session gap (default 30min)")
    parser.add_argument("--input-format", default="auto",
                        help="auto, igbot_log, parquet, webhooks, graph, dyi or csv")
    parser.add_argument("--account", help="Graph API export: the account's id or username")
    parser.add_argument("--owner", help="DYI export: the owner's name")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                        help="CSV: map a canonical field to a CSV column (repeatable)")
    parser.add_argument("--funnel", help="comma-separated states for a funnel")
    parser.add_argument("--flow", help="the flow of the funnel's states")
    parser.add_argument("--tz", default="UTC", help="time zone for per-day figures")
    parser.add_argument("--end-states", default=None,
                        help="comma-separated states where ending is not abandonment "
                             "(default: the --bot's end states, else 'end')")
    parser.add_argument("--bot", help="the Kata-ML bot that wrote the log: its end states, "
                                      "fallback flow and ice breakers set the definitions")
    parser.set_defaults(func=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    logger = logging.getLogger("igbot.analytics")
    level = logger.level
    if not getattr(args, "verbose", False):  # problems are summarised below, one line each
        logger.setLevel(logging.ERROR)
    try:
        return _run(args)
    finally:
        logger.setLevel(level)


def _run(args: argparse.Namespace) -> int:
    # these bring pandas and pyarrow: they load when the command runs, not with every igbot command
    from igbot.analytics._load import load, why_empty
    from igbot.analytics._report import _plain, report
    from igbot.analytics._sessions import check_tz, parse_gap

    columns = {}
    for item in args.map:
        key, sep, value = item.partition("=")
        if not sep:
            sys.stderr.write(f"igbot analyze: --map wants FIELD=COLUMN, got {item!r}\n")
            return 2
        columns[key.strip()] = value.strip()
    try:
        check_tz(args.tz)
        parse_gap(args.gap)
        params: dict = {}
        if args.bot:
            params["bot"] = load_bot(args.bot)
        if args.end_states or not args.bot:
            params["end_states"] = tuple((args.end_states or "end").split(","))
        if args.flow and not args.funnel:
            sys.stderr.write("igbot analyze: --flow names the flow of a --funnel; give --funnel\n")
            return 2
        df = load(args.logs, format=args.input_format, account=args.account, owner=args.owner,
                  columns=columns or None, tz=args.tz, progress=None)
        if len(df) == 0:
            for where, why in why_empty(df):
                sys.stderr.write(f"igbot analyze: nothing loaded from {where}: {why}\n")
            return 1
        rep = report(df, gap=args.gap, tz=args.tz, **params,
                     funnel_states=args.funnel.split(",") if args.funnel else None,
                     funnel_flow=args.flow, progress=None)
    except (OSError, ValueError, KeyError, IgbotError) as exc:
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        sys.stderr.write(f"igbot analyze: {message.splitlines()[0] if message else type(exc).__name__}\n")
        return 1
    if args.format == "json":
        data = {k: rep.summary.get(k) for k in _JSON_KEYS}
        data.update({k: v for k, v in rep.summary.items() if k not in data})
        if "funnel" in rep.tables:
            data["funnel"] = {"flow": args.flow, "steps": rep.to_dict()["tables"]["funnel"]}
        data["meta"] = rep.meta
        data["problems"] = df.attrs.get("problems", [])[:100]
        text = json.dumps(_plain(data), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "html":
        text = rep.to_html()
    else:
        text = rep.to_text()
        for problem in df.attrs.get("problems", [])[:20]:
            where = f"{problem['file']}:{problem['line']}" if problem["line"] else problem["file"]
            text += f"skipped {where}: {problem['reason']}\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0
