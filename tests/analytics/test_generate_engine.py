"""The sample generator with the real flow engine running the shop bot as the bot."""

from __future__ import annotations

from collections import Counter

from igbot.analytics._generate import generate_events
from igbot.analytics._generate_engine import EngineResponder


def test_engine_responder_drives_the_simulation_with_the_shop_bot() -> None:
    events = generate_events(12, seed=3, days=5, responder=EngineResponder(seed=3))
    incoming = [e for e in events if e["direction"] == "in" and e.get("flow")]
    flows = {e["flow"] for e in incoming}
    assert {"greeting", "fallback"} <= flows
    assert flows <= {"greeting", "promo", "faq", "location", "comments", "handover", "fallback"}
    # fallbacks come from the bot's fallback flow, marked as such
    assert all(e["is_fallback"] for e in incoming if e["flow"] == "fallback")
    kinds = Counter(e["kind"] for e in events if e["direction"] == "out")
    assert kinds["quick_replies"] > 0


def test_quick_reply_taps_reach_the_bot_as_decoded_payloads() -> None:
    from igbot._message import Message

    responder = EngineResponder()
    message = responder.kata_message(Message(type="data", content="Promos",
                                             payload={"payload": '{"type":"menu","topic":"promo"}'}))
    assert (message.type, message.payload) == ("text", {"type": "menu", "topic": "promo"})
    turn = responder(message, {})
    assert turn.flow == "promo" and turn.state == "show"
    assert [r.kind for r in turn.replies] == ["carousel", "text"]
