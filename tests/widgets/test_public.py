"""igbot.widgets exports a short sorted list, and every name in it exists."""

from __future__ import annotations

import igbot.widgets


def test_public_names() -> None:
    names = igbot.widgets.__all__
    assert names == sorted(names)
    assert names == ["BotEditing", "ChatSimulator", "EditError", "FlowCanvas", "FlowEditor",
                     "Tappable"]
    for name in names:
        assert getattr(igbot.widgets, name).__module__.startswith("igbot.widgets._")
