"""Write sample conversation logs in every format: ``python -m igbot.sim``.

    python -m igbot.sim --out data/logs --people 20 --seed 7

The bot is the real flow engine running the sample shop bot (``data/bots/shop``); ``--bot PATH``
runs another Kata-ML bot.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from igbot.sim._engine import EngineResponder
from igbot.sim._formats import write_all
from igbot.sim._generate import generate_events

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the sample logs; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m igbot.sim",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/logs"))
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--bot", type=Path, default=None, help="Kata-ML bot to run (default: the shop bot)")
    args = parser.parse_args(argv)
    responder = EngineResponder(args.bot, seed=args.seed)
    events = generate_events(args.people, args.seed, args.days, responder=responder, progress=None)
    paths = write_all(events, args.out, args.seed)
    sys.stdout.write(f"{len(events)} events for {args.people} people:\n")
    for name, path in paths.items():
        sys.stdout.write(f"  {name}: {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
