"""YAML paths (``flows.order.states.done.action[2]``) and where they were read from."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["Position", "join", "locate", "parents"]

Position = tuple[Path | None, int | None]
"""The file and 1-based line a YAML path was read from."""


def join(path: str, key: str | int) -> str:
    """The YAML path of ``key`` (a mapping key, or a list index) under ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def parents(path: str) -> list[str]:
    """``path`` and each of its ancestors, longest first (``a.b[1]``, ``a.b``, ``a``)."""
    out = []
    probe = path
    while probe:
        out.append(probe)
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return out


def locate(positions: Mapping[str, Position], path: str) -> Position | None:
    """The position of ``path`` or of its nearest known ancestor; ``None`` if none is known."""
    for probe in parents(path):
        if probe in positions:
            return positions[probe]
    return None
