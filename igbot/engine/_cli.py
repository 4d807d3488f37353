"""``igbot run`` (a bot on a file of events) and ``igbot test`` (Kata test specs)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from igbot._errors import IgbotError
from igbot.engine._engine import Engine
from igbot.engine._outcome import Outcome
from igbot.engine._records import Turn
from igbot.engine._specs import load_spec, run_spec
from igbot.engine._store import MemoryStore, SqliteStore
from igbot.kataml import load_bot

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``run`` and ``test`` to the ``igbot`` command line."""
    run = subparsers.add_parser("run", help="run a bot on a JSON-lines file of events")
    run.add_argument("bot", help="bot.yml or the folder holding it")
    run.add_argument("events", help="JSON lines: raw webhook bodies or Kata messages with a 'user'")
    run.add_argument("--out", help="write the requests here (default: stdout)")
    run.add_argument("--store", help="SQLite session file (default: in memory)")
    run.add_argument("--records", help="also write one JSON record per processed message here")
    run.add_argument("--seed", type=int, default=None, help="seed for text variants")
    run.set_defaults(func=_run)
    test = subparsers.add_parser("test", help="run Kata test specs against a bot")
    test.add_argument("bot", help="bot.yml or the folder holding it")
    test.add_argument("specs", nargs="+", help="spec files or folders of *.yml specs")
    test.set_defaults(func=_test)


def _run(args: argparse.Namespace) -> int:

    try:
        engine = Engine(args.bot, SqliteStore(args.store) if args.store else MemoryStore(), seed=args.seed)
    except IgbotError as exc:
        print(f"igbot run: {exc}", file=sys.stderr)
        return 2
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    records = open(args.records, "w", encoding="utf-8") if args.records else None  # noqa: SIM115
    failures = 0
    try:
        for number, line in enumerate(Path(args.events).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if isinstance(item, dict) and "object" in item and "entry" in item:
                    turn: Turn | Outcome = engine.handle_webhook(item)
                else:
                    user = item.pop("user", None) if isinstance(item, dict) else None
                    turn = engine.handle(item, user=user)
            except (ValueError, IgbotError) as exc:
                failures += 1
                print(f"igbot run: {args.events}:{number}: {exc}", file=sys.stderr)
                turn = Turn()
            for request in turn.requests:
                out.write(json.dumps(request.to_dict(), ensure_ascii=False) + "\n")
            if records is not None:
                for record in turn.records:
                    records.write(json.dumps(record.to_dict(), ensure_ascii=False, default=str) + "\n")
    finally:
        if args.out:
            out.close()
        if records is not None:
            records.close()
        engine.close()
    return 1 if failures else 0


def _spec_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files += sorted(path.rglob("*.yml")) + sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    return files


def _test(args: argparse.Namespace) -> int:

    try:
        bot = load_bot(args.bot)
        specs = [load_spec(p) for p in _spec_files(args.specs)]
    except IgbotError as exc:
        print(f"igbot test: {exc}", file=sys.stderr)
        return 2
    results = [r for spec in specs for r in run_spec(bot, spec)]
    for result in results:
        print(result)
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed or not results else 0
