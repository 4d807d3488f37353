"""Fixtures for the widget tests: the sample shop bot, fresh for each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from igbot.kataml import Bot, load_bot

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


@pytest.fixture
def shop() -> Bot:
    return load_bot(SHOP)
