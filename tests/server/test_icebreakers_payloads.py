"""Ice breakers declared in a bot with Kata payload objects (the shop bot's form)."""

from __future__ import annotations

from pathlib import Path

from igbot.kataml import load_bot
from igbot.models import parse_webhook
from igbot.server._icebreakers import ice_breakers_from_bot

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


def test_object_payloads_are_encoded_and_come_back_as_the_same_object() -> None:
    [locale] = ice_breakers_from_bot(load_bot(SHOP))
    assert locale["locale"] == "default" and len(locale["call_to_actions"]) == 4
    first = locale["call_to_actions"][0]
    assert isinstance(first["payload"], str)
    tap = {"object": "instagram", "entry": [{"id": "1784", "time": 1, "messaging": [{
        "sender": {"id": "p1"}, "recipient": {"id": "1784"}, "timestamp": 1732500000000,
        "postback": {"title": first["question"], "payload": first["payload"]}}]}]}
    payload = parse_webhook(tap)[0].to_message().payload
    assert payload["type"] == "ice_breaker" and payload["topic"] == "promo"
