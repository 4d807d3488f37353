"""Fixtures of the analytics tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._data import SAMPLES


@pytest.fixture
def samples() -> Path:
    """The committed sample logs (data/logs)."""
    if not (SAMPLES / "igbot_log.jsonl").exists():
        pytest.skip("data/logs samples are missing (python -m igbot.sim)")
    return SAMPLES
