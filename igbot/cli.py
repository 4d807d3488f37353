"""The ``igbot`` command line. Each subsystem registers its subcommands from a small ``_cli`` module."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Modules with a ``register(subparsers)`` function; each sets ``func`` on its parsers.
_COMMAND_MODULES = (
    "igbot.kataml._cli",
    "igbot.engine._cli",
    "igbot.graph._cli",
    "igbot.channel._cli",
    "igbot.server._cli",
    "igbot.analytics._cli",
    "igbot.analytics._cli_dashboard",
    "igbot.replay._cli_misses",
    "igbot.replay._cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="igbot", description="Automate Instagram DMs with Kata-ML bots, and study how they go."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that subsystem is not part of this build
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
