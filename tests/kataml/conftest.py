"""Shared fixtures: where the conformance bots are."""

from __future__ import annotations

from pathlib import Path

import pytest

BOTS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "kata-bots"
BOT_NAMES = ("buttonbot", "cardbot", "newsbot", "pizzabot", "schedulerbot", "stickerbot",
             "weatherbot")


@pytest.fixture
def bots_dir() -> Path:
    if not BOTS_DIR.is_dir():
        pytest.skip(f"conformance bots not found at {BOTS_DIR}")
    return BOTS_DIR
