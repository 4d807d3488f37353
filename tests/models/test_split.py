"""Splitting and cutting text at word or grapheme boundaries, never inside an emoji."""

from __future__ import annotations

import pytest

from igbot.models import split_text
from igbot.models._split import graphemes, truncate_chars, truncate_graphemes

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # 7 code points, 25 bytes, one grapheme
FLAG = "🇮🇩"


def test_text_that_fits_is_one_part() -> None:
    assert split_text("halo", 1000) == ["halo"]
    assert split_text("😀" * 250) == ["😀" * 250]


def test_splits_at_words_and_drops_the_space() -> None:
    parts = split_text("aaa bbb ccc ddd", 8)
    assert parts == ["aaa bbb", "ccc ddd"]


def test_long_words_split_at_graphemes() -> None:
    assert split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


def test_never_breaks_a_zwj_family() -> None:
    text = "x" + FAMILY * 100
    parts = split_text(text, 1000)
    assert "".join(parts) == text
    for part in parts:
        assert len(part.encode()) <= 1000
        assert all(g in ("x", FAMILY) for g in graphemes(part))


def test_four_byte_emoji_at_the_boundary() -> None:
    parts = split_text("😀" * 251, 1000)
    assert [len(p) for p in parts] == [250, 1]


def test_a_monster_grapheme_is_cut_between_code_points() -> None:
    text = "e" + "\u0301" * 600  # one grapheme of 1,201 bytes
    parts = split_text(text, 1000)
    assert "".join(parts) == text and all(len(p.encode()) <= 1000 for p in parts)


def test_truncation_respects_graphemes() -> None:
    assert truncate_chars("ab" + FAMILY, 5) == "ab"
    assert truncate_chars("ab" + FLAG + "cd", 4) == "ab" + FLAG
    assert truncate_chars("short", 20) == "short"
    assert truncate_graphemes(FLAG * 3, 2) == FLAG * 2


def test_bad_max() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        split_text("abc", 2)
