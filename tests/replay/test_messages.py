"""Rebuilding Kata messages from log rows, the api stub, reply summaries."""

from __future__ import annotations

import json

import pytest

from igbot.engine import ApiCall, OutboundRequest
from igbot.replay import ApiStub, kata_message, reply_text
from igbot.replay._messages import make_api


def test_text():
    assert kata_message("text", "hi") == {"type": "text", "content": "hi", "payload": None, "metadata": {}}


@pytest.mark.parametrize("payload", [
    '{"payload":"{\\"type\\":\\"menu\\",\\"topic\\":\\"promo\\"}"}',            # igbot log: the button's string
    {"type": "menu", "topic": "promo", "title": "Promos"},                       # webhook loader: decoded
    '{"type":"menu","topic":"promo"}',                                           # an object with its own type
])
def test_quick_reply_with_object_payload(payload):
    msg = kata_message("quick_reply", "Promos", payload)
    assert msg["type"] == "text" and msg["content"] == "Promos"
    assert msg["payload"] == {"type": "menu", "topic": "promo", "title": "Promos"}


def test_quick_reply_with_string_payload():
    for payload in ('{"payload":"HOURS"}', '{"payload":"HOURS","type":"quick_reply","title":"Store hours"}'):
        msg = kata_message("quick_reply", "Store hours", payload)
        assert msg["payload"] == {"payload": "HOURS", "type": "quick_reply", "title": "Store hours"}


def test_postback():
    msg = kata_message("postback", "Pepperoni", '{"type":"pizza","pizza":"pepperoni"}')
    assert msg["type"] == "data" and msg["content"] == "Pepperoni"
    assert msg["payload"] == {"type": "pizza", "pizza": "pepperoni", "title": "Pepperoni"}
    plain = kata_message("postback", "Buy", '{"payload":"BUY_1","title":"Buy"}')
    assert plain["payload"] == {"payload": "BUY_1", "type": "postback", "title": "Buy"}


def test_data_kinds():
    story = kata_message("story_reply", "love it", '{"story_id":"17"}')
    assert story["type"] == "data" and story["content"] == "love it"
    assert story["payload"]["type"] == "story_reply" and story["payload"]["story_id"] == "17"
    mention = kata_message("story_mention", None, None)
    assert mention["payload"]["type"] == "story_mention" and mention["content"] is None
    comment = kata_message("comment", "price?", {"comment_id": "1", "media_id": "2"})
    assert comment["payload"] == {"type": "comment", "comment_id": "1", "media_id": "2", "url": None}
    image = kata_message("image", None, None)
    assert image["payload"] == {"type": "image", "url": None}


def test_referral_flattens_the_logged_object():
    msg = kata_message("referral", None, '{"referral":{"ref":"may","source":"ADS","type":"OPEN_THREAD"}}')
    assert msg["payload"] == {"type": "referral", "ref": "may", "source": "ADS", "referral_type": "OPEN_THREAD"}


@pytest.mark.parametrize("kind", ["reaction", "read", "deleted", "echo", "handover", "resolve"])
def test_not_messages(kind):
    assert kata_message(kind, "x", None) is None


def test_api_stub_longest_prefix_and_default():
    stub = ApiStub({"https://api.x/": {"a": 1}, "https://api.x/weather": lambda c: {"q": c.query}})
    call = ApiCall("GET", "https://api.x/weather?city=b", {}, {"city": "b"}, None)
    assert stub(call) == {"q": {"city": "b"}}
    assert stub(ApiCall("GET", "https://api.x/other", {}, {}, None)) == {"a": 1}
    assert stub(ApiCall("GET", "https://elsewhere/", {}, {}, None)) is None
    assert stub.calls == {"https://api.x/weather": 1, "https://api.x/": 1, None: 1}
    assert isinstance(make_api(None), ApiStub)
    with pytest.raises(TypeError):
        make_api(42)  # type: ignore[arg-type]


def test_reply_text():
    requests = [
        OutboundRequest.from_body("messages", {"message": {
            "text": "Hi", "quick_replies": [{"title": "A"}, {"title": "B"}]}}),
        OutboundRequest.from_body("messages", {"message": {"attachment": {"type": "template", "payload": {
            "template_type": "generic", "elements": [{"title": "One"}, {"title": "Two"}]}}}}),
        OutboundRequest.from_body("messages", {"message": {"attachment": {"type": "like_heart"}}}),
        OutboundRequest.from_body("pass_thread_control", {"target_app_id": "1"}),
    ]
    assert reply_text(requests) == "Hi [A, B] | [carousel] One, Two | [like_heart] | [handover]"
    more = [
        OutboundRequest.from_body("messages", {"message": {"attachment": {"type": "template", "payload": {
            "template_type": "button", "text": "Pick", "buttons": []}}, "quick_replies": [{"title": "Q"}]}}),
        OutboundRequest.from_body("messages", {"message": {"attachment": {
            "type": "image", "payload": {"url": "https://x/a.png"}}}}),
        OutboundRequest.from_body("messages", {"recipient": {"id": "u"}, "sender_action": "typing_on"}),
        OutboundRequest.from_body("comment_reply", {"comment_id": "c1", "message": "thanks"}),
    ]
    assert reply_text(more) == "[button] Pick [Q] | [image] https://x/a.png | [typing_on] | [comment_reply]"
    assert json.dumps(reply_text([])) == '""'
