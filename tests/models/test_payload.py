"""The payload codec, and its round trip through a button, a tap and the webhook."""

from __future__ import annotations

import json

import pytest

from igbot import LimitError
from igbot.models import (
    PostbackButton,
    QuickReply,
    SendMessageRequest,
    decode_payload,
    encode_payload,
    parse_webhook,
)

from ._data import ACCOUNT, PERSON


def test_encode_is_compact_json_keeping_unicode() -> None:
    assert encode_payload({"type": "pizza", "name": "Pizza Keju 🧀"}) == (
        '{"type":"pizza","name":"Pizza Keju 🧀"}')


def test_a_string_is_used_as_is() -> None:
    assert encode_payload("MENU") == "MENU"


@pytest.mark.parametrize("obj", [{"type": "pizza", "size": "L", "n": 2, "x": None}, {}])
def test_decode_reverses_encode(obj: dict) -> None:
    assert decode_payload(encode_payload(obj)) == obj


@pytest.mark.parametrize("text", ["MENU", "[1,2]", "{broken", "42", ""])
def test_decode_of_a_non_object_wraps_it(text: str) -> None:
    assert decode_payload(text) == {"payload": text}


def test_encode_over_1000_characters_is_a_limit_error() -> None:
    with pytest.raises(LimitError) as info:
        encode_payload({"x": "a" * 1000})
    assert (info.value.field, info.value.limit, info.value.unit) == ("payload", 1000, "characters")
    assert info.value.size == 1008


def test_encode_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="dict or a string"):
        encode_payload(["x"])  # type: ignore[arg-type]


def webhook(event: dict) -> dict:
    return {"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1732500001000, "messaging": [
        {"sender": {"id": PERSON}, "recipient": {"id": ACCOUNT}, "timestamp": 1732500001000,
         **event}]}]}


def test_round_trip_through_a_postback_button() -> None:
    kata = {"type": "pizza", "size": "L"}
    request = SendMessageRequest.buttons(
        PERSON, "Which one?", [PostbackButton(title="Large", payload=encode_payload(kata))])
    sent = request.model_dump(exclude_none=True)["message"]["attachment"]["payload"]["buttons"][0]
    (event,) = parse_webhook(webhook({"postback": {"mid": "m1", "title": sent["title"],
                                                   "payload": sent["payload"]}}))
    message = event.to_message()
    assert message.payload == {"type": "pizza", "size": "L", "title": "Large"}
    assert message.payload["type"] == "pizza"


def test_round_trip_through_a_quick_reply() -> None:
    request = SendMessageRequest.text(PERSON, "Size?", quick_replies=[
        QuickReply(title="Small", payload=encode_payload({"size": "S"}))])
    sent = request.model_dump(exclude_none=True)["message"]["quick_replies"][0]
    (event,) = parse_webhook(webhook({"message": {"mid": "m2", "text": sent["title"],
                                                  "quick_reply": {"payload": sent["payload"]}}}))
    message = event.to_message()
    assert (message.type, message.content) == ("text", "Small")
    assert message.payload == {"size": "S", "type": "quick_reply", "title": "Small"}


@pytest.mark.parametrize("text", [
    '{"a":1,"a":2}', '{"a":"\\ud800"}', '{"a":"x\ty"}', '{"a":123456789012345678901234567890}',
    '{"a":1e400}', '{"a":NaN}', '{"a":-0.0}', '{"a": "\\u00e9"}', " { } ", '{"a":[1,{"b":null}]}',
    "{" * 5000 + "}" * 5000, '{"a": 1', '["x"]', "MENU",
])
def test_decode_payload_reads_what_json_reads(text: str) -> None:
    try:
        value = json.loads(text.strip())
    except (ValueError, RecursionError):
        value = None
    expected = value if isinstance(value, dict) else {"payload": text}
    assert repr(decode_payload(text)) == repr(expected)
