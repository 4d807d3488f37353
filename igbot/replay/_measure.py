"""``coverage``: gather the hits of Kata test specs (run) and logs (replayed) into a :class:`Coverage`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from igbot.kataml import Bot, load_bot
from igbot.replay._coverage import Coverage
from igbot.replay._replay import replay
from igbot.replay._result import ReplayResult
from igbot.replay._specs import is_spec_file, spec_hits

__all__ = ["coverage"]


def _split_sources(items: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """(specs, logs) from paths, directories, spec dicts and frames."""
    specs: list[Any] = []
    logs: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            specs.append(item)
        elif isinstance(item, pd.DataFrame):
            logs.append(item)
        elif isinstance(item, str | Path) and Path(item).is_dir() and not any(
                Path(item).glob("*.json")):
            found = sorted(p for ext in ("*.yml", "*.yaml") for p in Path(item).rglob(ext))
            spec_files = [p for p in found if is_spec_file(p)]
            (specs if spec_files else logs).extend(spec_files or [item])
        elif isinstance(item, str | Path) and is_spec_file(item):
            specs.append(item)
        else:
            logs.append(item)
    return specs, logs


def coverage(bot: Bot | str | Path, source: Any, **replay_options: Any) -> Coverage:
    """Coverage of ``bot`` by a log (replayed), a :class:`ReplayResult`, or Kata test specs.

    Args:
        bot: a loaded bot or a path to one.
        source: a canonical event frame, a ReplayResult, a spec dict, a path (spec file, log
            file, or a directory of spec files), or a list mixing them (their hits add up).
        replay_options: passed to :func:`igbot.replay` for logs (``api``, ``workers``, ...).
    """
    bot = bot if isinstance(bot, Bot) else load_bot(bot)
    if isinstance(source, ReplayResult):
        return Coverage.from_hits(bot, source.hits, "a replay")
    items = source if isinstance(source, list | tuple) else [source]
    results: list[ReplayResult] = [s for s in items if isinstance(s, ReplayResult)]
    specs, logs = _split_sources([s for s in items if not isinstance(s, ReplayResult)])
    hits: Counter[tuple[str, str, str]] = Counter(spec_hits(bot, specs)) if specs else Counter()
    frames = [r.hits for r in results]
    paths = [log for log in logs if not isinstance(log, pd.DataFrame)]
    frames += [replay(bot, log, **replay_options).hits for log in logs if isinstance(log, pd.DataFrame)]
    if paths:
        frames.append(replay(bot, paths, **replay_options).hits)
    for frame in frames:
        for kind, flow, name, count in frame.itertuples(index=False):
            hits[kind, flow, name] += int(count)
    hit_frame = pd.DataFrame([(k, f, n, c) for (k, f, n), c in sorted(hits.items())],
                             columns=["kind", "flow", "name", "count"])
    what = [f"{len(specs)} spec{'s' * (len(specs) != 1)}"] if specs else []
    what += [f"{len(logs) + len(results)} log{'s' * (len(logs) + len(results) != 1)}"] if (
        logs or results) else []
    return Coverage.from_hits(bot, hit_frame, " and ".join(what))

