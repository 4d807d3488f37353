"""Writing a bot back as Kata-ML YAML: one file, or a folder with ``flows/<name>.yml`` includes.

The output uses the normalised forms the models hold (a state's ``action`` as a list of
``{name, condition, options}``, transitions as mappings, flat mappings), keeps the order keys were
read in, and quotes any string YAML would read as something else (``yes``, ``off``, ``null``,
``1.0``, dates), so ``load -> to_yaml -> load`` gives an equal bot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from igbot.kataml._dump import dump_yaml
from igbot.kataml._models import Bot

__all__ = ["file_stem", "write_bot"]


def write_bot(bot: Bot, path: str | Path, *, split_flows: bool = False) -> Path:
    """Write ``bot`` as Kata-ML; returns the path of the main file written.

    Args:
        bot: the bot to write.
        path: a ``.yml``/``.yaml`` file, or a folder (then ``bot.yml`` inside it).
        split_flows: write each flow to ``flows/<name>.yml`` next to the main file and
            reference it with ``$include(./flows/<name>.yml)``.
    """
    path = Path(path)
    if path.suffix.lower() not in (".yml", ".yaml"):
        path = path / "bot.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = bot.to_data()
    if split_flows and data.get("flows"):
        (path.parent / "flows").mkdir(exist_ok=True)
        used: set[str] = set()
        flows: dict[str, Any] = {}
        for name, flow in data["flows"].items():
            stem = file_stem(name, used)
            (path.parent / "flows" / f"{stem}.yml").write_text(dump_yaml(flow), encoding="utf-8")
            flows[name] = f"$include(./flows/{stem}.yml)"
        data["flows"] = flows
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def file_stem(name: str, used: set[str]) -> str:
    """A file name for flow ``name``, not in ``used`` (lower-case stems); adds it to ``used``."""
    stem = re.sub(r"[^\w.-]", "_", name).strip(".") or "flow"
    candidate, n = stem, 2
    while candidate.lower() in used:
        candidate, n = f"{stem}_{n}", n + 1
    used.add(candidate.lower())
    return candidate
