"""The debugger's HTML for one turn: every record, traced or not."""

from __future__ import annotations

from html import unescape

from igbot.engine import Engine, MemoryStore, Turn
from igbot.kataml import Bot
from igbot.widgets._debugger import turn_html


def test_no_turn_and_untraced_turn_say_so(shop: Bot) -> None:
    assert "no turn yet" in turn_html(None) and "no turn yet" in turn_html(Turn())
    turn = Engine(shop, MemoryStore()).handle({"type": "text", "content": "hi"}, user="u")
    assert "engine ran without trace=True" in turn_html(turn)


def test_command_records_and_errors_are_shown(shop: Bot) -> None:
    engine = Engine(shop, MemoryStore(), trace=True, seed=0)
    engine.handle({"type": "text", "content": "talk to a person"}, user="u")
    turn = engine.resume("u")  # config.instagram.resume feeds the command agent_done
    text = unescape(turn_html(turn))
    assert "command (depth 0)" not in text and "1. the person's message" in text
    assert "agent_done" in text and "handover.agentDone" in text


def test_context_changes_are_marked(shop: Bot) -> None:
    engine = Engine(shop, MemoryStore(), trace=True, seed=0)
    engine.handle({"type": "text", "content": "any promo?"}, user="u")
    turn = engine.handle({"type": "data", "payload": {"type": "promo_pick", "item": "tote",
                                                      "code": "SENJA-TOTE20"}}, user="u")
    html = turn_html(turn)
    assert "background:#fff8c5" in html  # changed keys are highlighted
    text = unescape(html)
    assert "<i>unset</i>" in html and '"SENJA-TOTE20"' in text and "data" in text
