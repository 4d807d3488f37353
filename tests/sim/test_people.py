"""The simulated people: openings, taps that follow the bot's replies, late agents."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from igbot._message import Message
from igbot.sim import BotTurn, Reply
from igbot.sim._people import START, entry_of, person, simulate_person


def _silent(message: Message, session: dict[str, Any]) -> BotTurn:
    return BotTurn([], "f", "s")


def test_a_bot_without_ice_breakers_gets_a_dm_instead() -> None:
    events = simulate_person(random.Random(1), _silent, person(random.Random(1), 0), {}, START,
                             "ice_breaker", 0)
    assert events[0]["kind"] == "text" and events[0]["_entry"] == "ice_breaker"


def test_people_tap_the_quick_replies_the_bot_sent() -> None:
    chips = {"quick_replies": [{"content_type": "text", "title": "Promo", "payload": "P"}]}

    def menu(message: Message, session: dict[str, Any]) -> BotTurn:
        return BotTurn([Reply("Pick one", "quick_replies", chips)], "menu", "ask")

    taps = [e for seed in range(20) for e in simulate_person(
        random.Random(seed), menu, person(random.Random(seed), seed), {}, START, "dm", seed)
        if e["kind"] == "quick_reply"]
    assert taps and all(e["text"] == "Promo" and e["payload"] == {"payload": "P"} for e in taps)


def test_a_handover_brings_a_late_agent_tagged_after_24_hours_then_a_resolve() -> None:
    def handover(message: Message, session: dict[str, Any]) -> BotTurn:
        return BotTurn([Reply("A person will answer")], "handover", "toAgent", "agent",
                       handover=True)

    tagged = untagged = 0
    for seed in range(60):
        events = simulate_person(random.Random(seed), handover, person(random.Random(seed), seed),
                                 {}, START, "dm", seed)
        kinds = [e["kind"] for e in events]
        assert kinds[-1] == "resolve" and "handover" in kinds
        asked = next(e["timestamp"] for e in events if e["role"] == "user")
        first_agent = next(e for e in events if e["role"] == "agent")
        late = first_agent["timestamp"] - asked > timedelta(hours=24)
        assert (first_agent["payload"] == {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}) == late
        tagged += late
        untagged += not late
    assert tagged and untagged


def test_first_visits_may_start_from_an_ice_breaker_later_ones_never() -> None:
    rng = random.Random(3)
    assert "ice_breaker" in {entry_of(rng, True) for _ in range(200)}
    assert "ice_breaker" not in {entry_of(rng, False) for _ in range(200)}
