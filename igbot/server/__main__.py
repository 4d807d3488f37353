"""``python -m igbot.server serve BOT ...``: the server's commands without the full ``igbot`` CLI."""

from __future__ import annotations

import argparse
import logging
import sys

from igbot.server._cli import register


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` with the server's subcommands and run one."""
    parser = argparse.ArgumentParser(prog="python -m igbot.server")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
