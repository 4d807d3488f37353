"""Fixtures for replay tests: the shop bot, the conformance pizzabot, logs built in code."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from igbot.kataml import Bot, load_bot

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
KATA_BOTS = SHARED / "conformance" / "kata-bots"
SHOP = ROOT / "data" / "bots" / "shop"
LOGS = ROOT / "data" / "logs"
SPECS = ROOT / "tests" / "specs"
START = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def event(conv: str, t: float, kind: str = "text", text: str | None = None,
          payload: Any = None, direction: str = "in", role: str = "user",
          session_id: str | None = None) -> dict[str, Any]:
    """One canonical row (t in seconds after START)."""
    return {"conversation_id": conv, "session_id": session_id,
            "timestamp": START + timedelta(seconds=t), "direction": direction, "role": role,
            "kind": kind, "text": text, "payload": payload, "flow": None, "state": None,
            "intent": None, "is_fallback": None, "mid": None, "source": "test"}


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A canonical frame from rows (through the analytics loader's own builder)."""
    from igbot.analytics._schema import COLUMNS, build_frame

    cols = {c: [r[c] for r in rows] for c in COLUMNS}
    cols["timestamp"] = [int(pd.Timestamp(t).value) for t in cols["timestamp"]]
    cols["payload"] = [p if p is None or isinstance(p, str) else json.dumps(p)
                       for p in cols["payload"]]
    return build_frame(cols, source="test")


SHOP_SAYS = [
    [("text", "hello", None), ("quick_reply", "Promos", '{"payload":"{\\"type\\":\\"menu\\",\\"topic\\":\\"promo\\"}"}'),
     ("postback", "Claim B1G1", '{"type":"promo_pick","item":"b1g1","code":"SENJA-B1G1"}')],
    [("story_reply", "love this!", '{"story_id":"1790"}'), ("text", "price?", None),
     ("text", "menu please", None)],
    [("text", "asdf", None), ("text", "qwerty", None), ("text", "zzz", None), ("text", "agent", None)],
    [("comment", "price?", '{"comment_id":"178","media_id":"179"}')],
    [("story_mention", None, None), ("text", "where are you", None)],
    [("text", "hours", None), ("quick_reply", "Opening hours", '{"type":"faq","q":"hours","title":"Opening hours"}')],
]


def shop_rows(sessions: int, seed: int = 1, with_ids: bool = False) -> list[dict[str, Any]]:
    """Simulated people talking to the shop bot: ``sessions`` sessions, 2 per person."""
    rng = random.Random(seed)
    rows = []
    for i in range(sessions):
        conv = f"p{i // 2}"
        base = (i // 2) * 10_000 + (i % 2) * 4_000  # second session after a 4000 s gap
        script = rng.choice(SHOP_SAYS)
        sid = f"{conv}#{i % 2}" if with_ids else None
        for j, (kind, text, payload) in enumerate(script):
            rows.append(event(conv, base + 60 * j, kind, text, payload, session_id=sid))
            rows.append(event(conv, base + 60 * j + 1, "text", "(bot)", None, "out", "bot",
                              session_id=sid))
    return rows


@pytest.fixture(scope="session")
def shop() -> Bot:
    return load_bot(SHOP)


@pytest.fixture(scope="session")
def pizzabot() -> Bot:
    if not KATA_BOTS.is_dir():
        pytest.skip(f"conformance bots not found at {KATA_BOTS} (the shared/ folder beside the repo)")
    return load_bot(KATA_BOTS / "pizzabot")
