"""``igbot misses LOGS [--bot BOT]``: what people asked that the bot missed, grouped into topics;
with the bot, each large topic becomes a proposed intent, replayed on the same logs to count the
fallbacks it would have removed. Lives with replay because it runs replay on analytics' topics.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import igbot.analytics as analytics  # load and misses load on first use, not with every igbot command
from igbot._errors import IgbotError
from igbot.kataml import load_bot
from igbot.replay._proposals import try_proposals

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``misses`` subcommand."""
    parser = subparsers.add_parser(
        "misses", help="group the messages a bot answered with a fallback into topics, and "
        "propose intents for them", description=__doc__)
    parser.add_argument("logs", nargs="+", metavar="LOGS", help="files, folders, zips or globs")
    parser.add_argument("--bot", help="the Kata-ML bot that wrote the log: its fallback flow "
                                      "defines a miss; proposals are replayed on it")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--min-size", type=int, default=2,
                        help="smaller topics go to 'other' (default 2)")
    parser.add_argument("--threshold", type=float, default=0.85,
                        help="cosine distance where topics stop merging (default 0.85)")
    parser.add_argument("--propose", type=int, default=5, metavar="N",
                        help="propose intents for the N largest topics (default 5; 0: none)")
    parser.add_argument("--nlu", choices=("keywords", "regex"), default="keywords",
                        help="the proposed intents' NLU (default keywords)")
    parser.add_argument("--out-dir", metavar="DIR",
                        help="write each proposal's YAML and Kata test spec into DIR")
    parser.add_argument("--gap", default="30min", help="session gap (default 30min)")
    parser.add_argument("--input-format", default="auto",
                        help="auto, igbot_log, parquet, webhooks, graph, dyi or csv")
    parser.set_defaults(func=_misses)


def _fail(message: str) -> int:
    sys.stderr.write(f"igbot misses: {message}\n")
    return 1


def _misses(args: argparse.Namespace) -> int:
    if not getattr(args, "verbose", False):  # problems are summed up in our one line
        logging.getLogger("igbot.analytics").setLevel(logging.ERROR)
    if args.propose < 0:
        return _fail(f"--propose wants a count of 0 or more, got {args.propose}")
    try:
        bot = load_bot(args.bot) if args.bot else None
        df = analytics.load(args.logs, format=args.input_format, progress=None)
        if df.empty:
            problems = df.attrs.get("problems", [])
            why = f": {problems[0]['file']}: {problems[0]['reason']}" if problems else ""
            return _fail(f"nothing was loaded from {' '.join(args.logs)}{why}")
        found = analytics.misses(df, bot=bot, min_size=args.min_size, threshold=args.threshold,
                       gap=args.gap)
        topics = [t for t in found.topics if t.id >= 0 and t.keywords][:args.propose]
        taken = set(bot.flows) | set(bot.nlus) if bot is not None else set()
        proposals = []
        for t in topics:  # two topics may lead with the same word
            name = base = t.proposal().name
            while name in taken:
                name = f"{base}{len(taken)}"
                taken.add(name)
            taken.add(name)
            proposals.append(t.proposal(name, nlu=args.nlu))
        trial = (try_proposals(bot, df, proposals, gap=args.gap, progress=None)
                 if bot and proposals else None)
    except (OSError, ValueError, IgbotError) as exc:
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if args.out_dir:
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for p in proposals:
            (out / f"{p.name}.yml").write_text(p.to_yaml(), encoding="utf-8")
            (out / f"{p.name}.spec.yml").write_text(p.spec(), encoding="utf-8")
    if args.format == "json":
        data = found.to_dict()
        data["proposals"] = [
            {"topic": t.id, "name": p.name, "nlu": p.nlu_type, "keywords": p.keywords,
             "yaml": p.to_yaml(), "spec": p.spec()} for t, p in zip(topics, proposals, strict=True)]
        if trial is not None:
            data["replay"] = trial.to_dict("records")
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = found.to_text()
        if proposals:
            text += "\nproposed intents" + (" (replayed on the same logs)" if trial is not None
                                             else " (pass --bot to replay them)") + ":\n"
            rows = trial.set_index("proposal") if trial is not None else None
            for t, p in zip(topics, proposals, strict=True):
                line = f"  {p.name:<24} topic {t.id}: {p.nlu_type} {', '.join(p.keywords)}"
                if rows is not None:
                    r = rows.loc[p.name]
                    line += (f"; removes {r['removed']} of {r['fallbacks_before']} fallbacks"
                             + (f", takes {r['taken']} other messages" if r["taken"] else ""))
                text += line + "\n"
            if rows is not None and "(all)" in rows.index:
                r = rows.loc["(all)"]
                text += (f"  all together: {r['fallbacks_before']} -> {r['fallbacks_after']} "
                         f"fallbacks ({r['removed_share']:.0%} fewer)\n")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0

