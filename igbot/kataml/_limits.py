"""What loading one bot may cost: file sizes, includes, YAML nesting and alias expansion.

A bot's files come from its author, but a loader that hangs, runs out of memory or reads
``/proc/self/environ`` because of a typo or a hostile pull request is a loader nobody can run on a
server. Every limit refused is a :class:`igbot.BotLoadError` naming the file, the line and the
limit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LoadLimits"]


@dataclass(frozen=True)
class LoadLimits:
    """The limits :func:`igbot.load_bot` applies (pass your own to raise or lower them).

    Attributes:
        max_file_bytes: largest file (the bot's own or an included one).
        max_bot_bytes: all the files of one bot together, each include counted every time
            it is read.
        max_includes: ``$include`` resolutions per bot (a diamond of includes counts every path).
        max_include_depth: files including files including files...
        max_depth: nesting of mappings and lists, counted through includes.
        max_nodes: YAML values per bot, counted after alias expansion (a "billion laughs" file
            is refused from its shape, before anything is expanded).
    """

    max_file_bytes: int = 2 * 1024 * 1024
    max_bot_bytes: int = 16 * 1024 * 1024
    max_includes: int = 1_000
    max_include_depth: int = 16
    max_depth: int = 100
    max_nodes: int = 500_000
