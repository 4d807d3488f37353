"""The typed outbound request: read by attribute, JSON made at the edge, read back from JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from igbot.models import (
    OutboundRequest,
    PassThreadControlRequest,
    PostbackButton,
    QuickReply,
    ReactionRequest,
    Recipient,
    SenderActionRequest,
    SendMessageRequest,
    Tap,
    message_kind,
    requests_html,
)

QUICK = [{"content_type": "text", "title": "Yes", "payload": "Y"},
         {"content_type": "user_email"}]
CARDS = {"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": [
    {"title": "Shoes", "subtitle": "Red", "buttons": [
        {"type": "postback", "title": "Buy", "payload": "{\"sku\":1}"},
        {"type": "web_url", "url": "https://x.example/", "title": "Site"}]},
    {"title": "Hats", "image_url": "https://x.example/h.png"}]}}}
BUTTONS = {"attachment": {"type": "template", "payload": {
    "template_type": "button", "text": "Pick", "buttons": [
        {"type": "postback", "title": "One", "payload": "1"}]}}}

BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("messages", {"recipient": {"id": "u1"}, "message": {"text": "Hi", "quick_replies": QUICK}}, "text"),
    ("messages", {"recipient": {"id": "u1"}, "message": CARDS}, "generic"),
    ("messages", {"recipient": {"id": "u1"}, "message": BUTTONS}, "button"),
    ("messages", {"recipient": {"id": "u1"}, "message": {"attachment": {
        "type": "image", "payload": {"url": "https://x.example/a.png"}}}}, "image"),
    ("messages", {"recipient": {"id": "u1"}, "message": {"attachments": [
        {"type": "image", "payload": {"url": "https://x.example/a.png"}},
        {"type": "video", "payload": {"url": "https://x.example/b.mp4"}}]}}, "media"),
    ("messages", {"recipient": {"id": "u1"}, "message": {"attachment": {"type": "like_heart"}}},
     "like_heart"),
    ("messages", {"recipient": {"id": "u1"}, "message": {"attachment": {
        "type": "MEDIA_SHARE", "payload": {"id": "178"}}}}, "media_share"),
    ("messages", {"recipient": {"comment_id": "c9"}, "message": {"text": "In your DMs"}}, "text"),
    ("messages", {"recipient": {"id": "u1"}, "sender_action": "typing_on"}, "sender_action"),
    ("messages", {"recipient": {"id": "u1"}, "sender_action": "react",
                  "payload": {"message_id": "m1", "reaction": "love"}}, "react"),
    ("messages", {"recipient": {"id": "u1"}, "message": {"text": "Hi"}, "thread_control": {
        "app_id": "1217981644879628", "control_type": "pass"}}, "text"),
    ("messages", {"recipient": {"id": "u1"}, "message": {"text": "late"},
                  "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}, "text"),
    ("pass_thread_control", {"recipient": {"id": "u1"}, "target_app_id": "1217981644879628",
                             "metadata": "{\"why\":\"asked\"}"}, "pass_thread_control"),
    ("extend_thread_control", {"recipient": {"id": "u1"}, "duration": 3600}, "extend_thread_control"),
    ("comment_reply", {"comment_id": "c9", "message": "Thanks!"}, "comment_reply"),
    ("hide_comment", {"comment_id": "c9", "hide": True}, "hide_comment"),
]


@pytest.mark.parametrize(("endpoint", "body", "kind"), BODIES)
def test_a_body_reads_back_to_the_same_json_and_its_kind(endpoint: str, body: dict[str, Any],
                                                         kind: str) -> None:
    request = OutboundRequest.from_body(endpoint, body, "greet", "main")
    assert request.kind == kind
    assert request.body == body
    assert list(request.body) == list(body)  # Meta's key order kept, byte for byte
    assert request.to_json() == json.dumps(body)
    assert request.body_view() == body
    assert request.to_dict() == {"endpoint": endpoint, "body": body}
    assert (request.action, request.flow) == ("greet", "main")
    assert request.to_request().model_dump(mode="json", exclude_none=True) == body


def test_the_body_is_a_fresh_copy_each_time() -> None:
    request = OutboundRequest.from_body("messages", BODIES[0][1])
    body = request.body
    body["message"]["quick_replies"][0]["title"] = "changed"
    body["recipient"]["id"] = "someone else"
    assert request.body == BODIES[0][1]


def test_attributes_say_what_was_sent() -> None:
    text = OutboundRequest.from_body("messages", BODIES[0][1])
    assert text.text == "Hi" and text.attachment is None and text.template is None
    assert [q["title"] for q in text.quick_replies if "title" in q] == ["Yes"]
    assert text.taps == [Tap("quick_reply", "Yes", "Y"), Tap("quick_reply", "", None)]
    cards = OutboundRequest.from_body("messages", BODIES[1][1])
    assert cards.text is None and cards.template is not None
    assert [e["title"] for e in cards.template["elements"]] == ["Shoes", "Hats"]
    assert cards.taps == [Tap("postback", "Buy", "{\"sku\":1}")]  # web_url buttons are links
    buttons = OutboundRequest.from_body("messages", BODIES[2][1])
    assert buttons.taps == [Tap("postback", "One", "1")]
    private = OutboundRequest.from_body("messages", BODIES[7][1])
    assert private.private_reply and private.comment_id == "c9"
    assert OutboundRequest.from_body("messages", BODIES[8][1]).sender_action == "typing_on"
    assert OutboundRequest.from_body("messages", BODIES[11][1]).tag == "HUMAN_AGENT"
    comment = OutboundRequest.from_body("comment_reply", BODIES[14][1])
    assert comment.text == "Thanks!" and comment.comment_id == "c9" and not comment.private_reply


def test_log_fields() -> None:
    def fields(i: int) -> tuple[str, str | None, dict[str, Any]]:
        return OutboundRequest.from_body(BODIES[i][0], BODIES[i][1]).log_fields()

    assert fields(0) == ("text", "Hi", {"quick_replies": QUICK})
    assert fields(1) == ("template", None, {"attachment": CARDS["attachment"]})
    assert fields(5)[0] == "like_heart" and fields(6)[0] == "MEDIA_SHARE"
    assert fields(4) == ("attachment", None, {})
    assert fields(7) == ("text", "In your DMs", {"private_reply": True, "comment_id": "c9"})
    assert fields(8) == ("sender_action", None, {"sender_action": "typing_on"})
    assert fields(11) == ("text", "late", {"tag": "HUMAN_AGENT"})
    assert fields(12) == ("handover", None, {"target_app_id": "1217981644879628",
                                             "metadata": "{\"why\":\"asked\"}"})
    assert fields(15) == ("hide_comment", None, {"comment_id": "c9", "hide": True})


def test_with_recipient_and_fields_copy_and_keep_the_original() -> None:
    part = OutboundRequest("messages", "text", None, {"text": "Hi"})
    addressed = part.with_recipient({"id": "u2"})
    tagged = addressed.with_fields(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    assert part.recipient is None and part.body == {"message": {"text": "Hi"}}
    assert tagged.body == {"recipient": {"id": "u2"}, "message": {"text": "Hi"},
                           "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    assert addressed.fields == {}


def test_from_model_keeps_metas_order_and_to_request_gives_the_model_back() -> None:
    model = SendMessageRequest.text("u1", "Hi", [QuickReply(title="A", payload="a")],
                                    messaging_type="RESPONSE")
    request = OutboundRequest.from_model(model)
    assert list(request.body) == ["recipient", "message", "messaging_type"]
    assert request.to_request() == model
    assert isinstance(OutboundRequest.from_body(*BODIES[8][:2]).to_request(), SenderActionRequest)
    assert isinstance(OutboundRequest.from_body(*BODIES[9][:2]).to_request(), ReactionRequest)
    handover = OutboundRequest.from_model(PassThreadControlRequest(
        recipient=Recipient(id="u1"), target_app_id="1"))
    assert handover.kind == "pass_thread_control" and handover.endpoint == "pass_thread_control"


def test_message_kind_of_every_shape() -> None:
    assert [message_kind(b["message"]) for e, b, _ in BODIES[:7]] == [
        "text", "generic", "button", "image", "media", "like_heart", "media_share"]
    card = {"title": "Shoes", "buttons": [PostbackButton(title="Buy", payload="1")]}
    generic = SendMessageRequest.generic("u1", [card])  # models and their JSON mix
    assert message_kind(generic.model_dump(exclude_none=True)["message"]) == "generic"
    assert message_kind({"attachment": {"type": "template", "payload": "?"}}) == "template"
    assert message_kind({}) == "attachment"


def test_requests_html_draws_bubbles_and_banners() -> None:
    requests = [OutboundRequest.from_body(e, b) for e, b, _ in BODIES]
    html = requests_html(requests)
    assert "Shoes" in html and "In your DMs" in html and "handed over to the agent inbox" in html
    assert "comment_reply" in html  # a request with no bubble is named in a banner
    assert requests[0]._repr_html_() == requests_html(requests[:1])
