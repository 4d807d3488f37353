"""Window health: refused replies outside the 24 h window, HUMAN_AGENT tag use."""

from __future__ import annotations

from igbot.analytics import window_health

from ._cases import small_log
from ._data import ev, frame


def test_window_health() -> None:
    assert window_health(small_log()) == {"refused_replies": 1, "refused_outside_window": 1,
                                          "human_agent_tag_messages": 1,
                                          "human_agent_tag_share": 1.0}


def test_window_health_without_agents_or_refusals() -> None:
    log = frame([ev("a", 0, "in", "user", "text"), ev("a", 5, "out", "bot", "text")])
    assert window_health(log) == {"refused_replies": 0, "refused_outside_window": 0,
                                  "human_agent_tag_messages": 0, "human_agent_tag_share": None}
