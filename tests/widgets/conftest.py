"""Fixtures for the widget tests: the sample shop bot, fresh for each test, and the browser
fixtures of ``_browser.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from igbot.kataml import Bot, load_bot

# the browser fixtures (Playwright + Chromium, JupyterLab, Voilà), shared by the browser tests
from ._browser import browser, jupyter_lab, jupyter_notebook, page, voila  # noqa: F401

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


@pytest.fixture
def shop() -> Bot:
    return load_bot(SHOP)
