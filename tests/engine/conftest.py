"""Helpers for engine tests: build bots from YAML text and talk to them."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from igbot.engine import Engine, MemoryStore, Turn
from igbot.kataml import load_bot_text


def make_engine(yaml_text: str, **kwargs: Any) -> Engine:
    """An engine with an in-memory store for a bot written inline."""
    bot = load_bot_text(textwrap.dedent(yaml_text))
    kwargs.setdefault("seed", 1)
    return Engine(bot, MemoryStore(), **kwargs)


def texts(turn: Turn) -> list[str]:
    """The texts the bot sent in a turn, in order."""
    return [r.body["message"]["text"] for r in turn.requests
            if r.endpoint == "messages" and "text" in r.body.get("message", {})]


def say(engine: Engine, text: str, user: str = "u1") -> Turn:
    return engine.handle({"type": "text", "content": text}, user=user)


def tap(engine: Engine, payload: dict[str, Any], user: str = "u1") -> Turn:
    return engine.handle({"type": "data", "payload": payload}, user=user)


@pytest.fixture
def engine_factory():
    return make_engine
