"""The sample generator with the real flow engine running the shop bot as the bot."""

from __future__ import annotations

from collections import Counter

from igbot._message import Message
from igbot.sim import EngineResponder, generate_events


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
    responder = EngineResponder()
    message = responder.kata_message(Message(type="data", content="Promos",
                                             payload={"payload": '{"type":"menu","topic":"promo"}'}))
    assert (message.type, message.payload) == ("text", {"type": "menu", "topic": "promo"})
    turn = responder(message, {})
    assert turn.flow == "promo" and turn.state == "show"
    assert [r.kind for r in turn.replies] == ["carousel", "text"]


def test_simulated_people_tap_the_bots_own_ice_breakers_and_button_titles() -> None:
    responder = EngineResponder(seed=5)
    questions = {q for q, _ in responder.ice_breakers}
    assert "Talk to a person" in questions
    events = generate_events(40, seed=5, days=5, responder=responder)
    taps = [e for e in events if e["direction"] == "in" and e["kind"] == "postback"]
    ice = [e for e in taps if (e["payload"] or {}).get("type") == "ice_breaker"]
    assert ice and all(e["text"] in questions and "topic" in e["payload"] for e in ice)
    # an ice-breaker tap reaches the flow its payload names, not the fallback
    assert all(not e["is_fallback"] for e in ice)
    assert all(e["text"] != "Buy" for e in taps)


def test_every_person_gets_their_own_engine_session() -> None:
    responder = EngineResponder(seed=7)
    events = generate_events(200, seed=7, responder=responder)
    people = {e["conversation_id"] for e in events}
    assert responder._people == len(people) == 200
