"""LoadLimits: the caller raises or lowers what loading a bot may cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from igbot import BotLoadError
from igbot.kataml import LoadLimits, load_bot, load_bot_text


def test_defaults_are_documented_numbers() -> None:
    limits = LoadLimits()
    assert (limits.max_file_bytes, limits.max_bot_bytes) == (2 * 1024 * 1024, 16 * 1024 * 1024)
    assert (limits.max_includes, limits.max_include_depth) == (1_000, 16)
    assert (limits.max_depth, limits.max_nodes) == (100, 500_000)


def test_lower_limits_apply_and_name_themselves(tmp_path: Path) -> None:
    (tmp_path / "part.yml").write_text("a: [1, 2, 3]\n")
    (tmp_path / "bot.yml").write_text("name: t\nflows: {}\nconfig: $include(./part.yml)\n")
    assert load_bot(tmp_path).config == {"a": [1, 2, 3]}
    with pytest.raises(BotLoadError, match=r"LoadLimits.max_nodes"):
        load_bot(tmp_path, limits=LoadLimits(max_nodes=8))
    with pytest.raises(BotLoadError, match=r"limit of 0 includes per bot"):
        load_bot(tmp_path, limits=LoadLimits(max_includes=0))
    with pytest.raises(BotLoadError, match=r"over the limit of 10 bytes per file"):
        load_bot(tmp_path, limits=LoadLimits(max_file_bytes=10))
    with pytest.raises(BotLoadError, match=r"nested deeper than 2 levels"):
        load_bot(tmp_path, limits=LoadLimits(max_depth=2))


def test_higher_limits_let_a_large_bot_load() -> None:
    text = "name: t\nflows: {}\nconfig:\n  big: [" + ", ".join(["1"] * 2000) + "]\n"
    with pytest.raises(BotLoadError, match="expands to over 1000 values"):
        load_bot_text(text, limits=LoadLimits(max_nodes=1000))
    assert len(load_bot_text(text, limits=LoadLimits(max_nodes=10_000)).config["big"]) == 2000
