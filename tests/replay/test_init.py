"""The public surface of igbot.replay."""

from __future__ import annotations

import igbot
import igbot.replay as package


def test_all_is_sorted_and_complete():
    assert package.__all__ == sorted(package.__all__)
    public = {n for n in dir(package) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if type(getattr(package, n)).__name__ == "module"}
    assert public - modules == set(package.__all__)


def test_top_level_names():
    assert igbot.diff is package.diff and igbot.coverage is package.coverage
    assert callable(igbot.replay)
