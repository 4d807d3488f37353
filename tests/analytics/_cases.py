"""A small hand-built log whose figures are worked out by hand in the tests."""

from __future__ import annotations

import pandas as pd

from ._data import ev, frame

HUMAN_AGENT = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}


def small_log() -> pd.DataFrame:
    """Three people, five sessions (see test_metrics for the arithmetic)."""
    return frame([
        ev("a", 0, "in", "user", "story_reply", text="nice", intent="greet", flow="greeting",
           state="init"),
        ev("a", 2, "out", "bot", "text", flow="greeting", state="menu"),
        ev("a", 10, "in", "user", "text", text="??", is_fallback=True),
        ev("a", 11, "out", "bot", "text", flow="fallback", state="misunderstood"),
        ev("a", 20, "in", "user", "text", intent="human"),
        ev("a", 21, "out", "system", "handover"),
        ev("a", 22, "out", "bot", "text", text="connecting"),
        ev("a", 620, "out", "agent", "text", payload=HUMAN_AGENT),
        ev("a", 7200, "in", "user", "postback", payload={"type": "ice_breaker"}),
        ev("a", 7203, "out", "bot", "text", state="menu"),
        ev("b", 0, "in", "user", "text"),
        ev("b", 4, "out", "bot", "text", state="end"),
        ev("b", 100, "out", "bot", "refused", payload={"reason": "outside_window"}),
        ev("c", 0, "in", "user", "referral", payload={"source": "ADS"}),
        ev("c", 1, "in", "user", "text"),
        ev("c", 3, "out", "bot", "quick_replies", state="menu"),
        ev("c", 9000, "in", "user", "text"),
    ])
