"""The sample shop bot in data/bots/shop: every Instagram trigger it is built for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from igbot.engine import Engine, MemoryStore
from tests.engine.conftest import say, tap, texts

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"
WEBHOOKS = SHOP.parents[1] / "webhooks"
RECORDED = Path(__file__).parent / "data" / "shop_requests.jsonl"
"""The Graph requests of the shop bot for data/webhooks/shop_demo.jsonl then all_kinds.jsonl,
as ``json.dumps(request.to_dict(), ensure_ascii=False)`` lines, recorded before the reply was a
typed object (commit 7a9ec91): the typed request must give Meta the very same JSON."""


@pytest.fixture
def shop() -> Engine:
    return Engine(SHOP, MemoryStore(), seed=1)


def chips(turn) -> list[str]:
    return [str(q["title"]) for r in turn.requests for q in r.quick_replies]


def test_requests_are_the_recorded_json_byte_for_byte(shop: Engine) -> None:
    lines = []
    for name in ("shop_demo.jsonl", "all_kinds.jsonl"):
        for body in (WEBHOOKS / name).read_text().splitlines():
            if body.strip():
                lines += [json.dumps(r.to_dict(), ensure_ascii=False) for r in shop.handle_webhook(body)]
    assert lines == RECORDED.read_text().splitlines()


def test_loads_without_compile_errors(shop: Engine) -> None:
    assert shop.compile_errors == []
    assert list(shop.bot.flows) == ["greeting", "promo", "faq", "location", "comments", "handover", "fallback"]


def test_story_reply_gets_a_heart_and_the_menu(shop: Engine) -> None:
    turn = shop.handle({"type": "data", "content": "love it", "payload": {"type": "story_reply", "url": "u"}}, user="p1")
    assert turn.requests[0].body["message"] == {"attachment": {"type": "like_heart"}}
    assert chips(turn) == ["Promos", "Hours & FAQ", "Talk to us"]


def test_story_mention(shop: Engine) -> None:
    turn = shop.handle({"type": "data", "payload": {"type": "story_mention", "url": "u"}}, user="p1")
    assert turn.record.flow == "greeting" and turn.record.state == "thanksMention"
    assert "mention" in texts(turn)[0]


def test_ice_breaker_promo_carousel_and_claim(shop: Engine) -> None:
    turn = tap(shop, {"type": "ice_breaker", "topic": "promo"})
    elements = turn.requests[0].body["message"]["attachment"]["payload"]["elements"]
    assert len(elements) == 3 and elements[0]["title"] == "Buy 1 Get 1 Kopi Susu"
    turn = tap(shop, {"type": "promo_pick", "item": "tote", "code": "SENJA-TOTE20"})
    assert texts(turn) == ["Done! Show the code SENJA-TOTE20 at the counter 🎟️ Anything else?"]
    assert shop.session("u1").data == {"claimed": 1}


def test_quick_reply_tap_beats_keywords_in_its_flow(shop: Engine) -> None:
    say(shop, "opening hours?")
    turn = shop.handle({"type": "text", "content": "Delivery", "payload": {"type": "faq", "q": "delivery"}}, user="u1")
    assert texts(turn)[0].startswith("We deliver around Bandung")


def test_comment_gets_a_private_reply(shop: Engine) -> None:
    turn = shop.handle({"type": "data", "content": "What's the price?",
                        "payload": {"type": "comment", "comment_id": "c-9", "media_id": "m"}}, user="p2")
    assert [r.body["recipient"] for r in turn.requests] == [{"comment_id": "c-9"}]
    assert chips(turn) == ["See promos", "Talk to us"]


def test_three_misses_offer_a_person(shop: Engine) -> None:
    assert [say(shop, "qwerty").record.state for _ in range(3)] == ["sorry", "sorry", "offerAgent"]


def test_handover_from_inside_another_flow_then_resume(shop: Engine) -> None:
    say(shop, "opening hours?")  # faq waits at its question
    turn = say(shop, "I want to talk to a person")
    assert [r.endpoint for r in turn.requests] == ["messages", "pass_thread_control"]
    assert say(shop, "hello?").requests == []
    back = shop.resume("u1")
    assert texts(back) == ["Thanks for chatting with our team! I'm here if you need anything else ☕️"]
    assert say(shop, "where are you").record.flow == "location"


def test_preview_action_renders_without_a_conversation(shop: Engine) -> None:
    from igbot.engine import preview_action, requests_html

    requests, problems = preview_action(shop, "faq", "hours")
    assert requests[0].body["message"]["text"].startswith("We're open Mon-Sat")
    assert problems == []
    html = requests_html(preview_action(shop, "promo", "carousel")[0])
    assert "Buy 1 Get 1 Kopi Susu" in html and "<div" in html
