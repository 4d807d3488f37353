"""Send API models dump to exactly the JSON of Meta's documentation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from igbot.models import (
    DefaultAction,
    GenericElement,
    IceBreaker,
    IceBreakerQuestion,
    IceBreakersRequest,
    MediaAttachment,
    MediaPayload,
    OutboundMessage,
    PassThreadControlRequest,
    PostbackButton,
    QuickReply,
    ReactionPayload,
    ReactionRequest,
    Recipient,
    ReleaseThreadControlRequest,
    ReplyTo,
    RequestThreadControlRequest,
    SenderActionRequest,
    SendMessageRequest,
    TakeThreadControlRequest,
    WebUrlButton,
)

TO = "6251234567890123"
R = {"recipient": {"id": TO}}


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_none=True)


def test_text() -> None:
    assert dump(SendMessageRequest.text(TO, "hello")) == json.loads(
        '{"recipient":{"id":"6251234567890123"},"message":{"text":"hello"}}')


@pytest.mark.parametrize("kind", ["image", "audio", "video", "file"])
def test_media_by_url_and_by_attachment_id(kind: str) -> None:
    assert dump(SendMessageRequest.media(TO, kind, url="https://x.test/a")) == {
        **R, "message": {"attachment": {"type": kind, "payload": {"url": "https://x.test/a"}}}}
    assert dump(SendMessageRequest.media(TO, kind, attachment_id="778")) == {
        **R, "message": {"attachment": {"type": kind, "payload": {"attachment_id": "778"}}}}


def test_media_needs_exactly_one_source() -> None:
    with pytest.raises(ValidationError, match="exactly one of url and attachment_id"):
        MediaPayload()


def test_several_attachments() -> None:
    atts = [MediaAttachment(type="image", payload=MediaPayload(url=f"https://x.test/{i}"))
            for i in range(2)]
    request = SendMessageRequest(recipient=Recipient(id=TO),
                                 message=OutboundMessage(attachments=atts))
    assert dump(request)["message"] == {"attachments": [
        {"type": "image", "payload": {"url": "https://x.test/0"}},
        {"type": "image", "payload": {"url": "https://x.test/1"}}]}


def test_message_needs_one_body() -> None:
    with pytest.raises(ValidationError, match="exactly one of text, attachment and attachments"):
        OutboundMessage(quick_replies=[QuickReply(title="a", payload="b")])


def test_quick_replies() -> None:
    request = SendMessageRequest.text(TO, "Pick one", quick_replies=[
        QuickReply(title="Pizza", payload="PIZZA"), QuickReply(title="Pasta", payload="PASTA")])
    assert dump(request) == json.loads("""{"recipient":{"id":"6251234567890123"},"message":{
      "text":"Pick one","quick_replies":[
        {"content_type":"text","title":"Pizza","payload":"PIZZA"},
        {"content_type":"text","title":"Pasta","payload":"PASTA"}]}}""")


def test_generic_template() -> None:
    element = GenericElement(
        title="Margherita", subtitle="Tomato, mozzarella", image_url="https://x.test/m.jpg",
        default_action=DefaultAction(url="https://x.test/m"),
        buttons=[WebUrlButton(url="https://x.test/m", title="See"),
                 PostbackButton(title="Order", payload="ORDER_M")])
    assert dump(SendMessageRequest.generic(TO, [element])) == json.loads("""{
      "recipient":{"id":"6251234567890123"},"message":{"attachment":{"type":"template",
      "payload":{"template_type":"generic","elements":[{"title":"Margherita",
        "subtitle":"Tomato, mozzarella","image_url":"https://x.test/m.jpg",
        "default_action":{"type":"web_url","url":"https://x.test/m"},
        "buttons":[{"type":"web_url","url":"https://x.test/m","title":"See"},
                   {"type":"postback","title":"Order","payload":"ORDER_M"}]}]}}}}""")


def test_a_card_needs_more_than_a_title() -> None:
    with pytest.raises(ValidationError, match="title plus at least one"):
        GenericElement(title="alone")


def test_button_template() -> None:
    request = SendMessageRequest.buttons(TO, "What next?", [PostbackButton(title="Menu",
                                                                           payload="MENU")])
    assert dump(request)["message"] == {"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": "What next?",
        "buttons": [{"type": "postback", "title": "Menu", "payload": "MENU"}]}}}


def test_button_template_needs_a_button() -> None:
    with pytest.raises(ValidationError):
        SendMessageRequest.buttons(TO, "x", [])


def test_sticker_media_share_private_reply() -> None:
    assert dump(SendMessageRequest.like_heart(TO)) == {
        **R, "message": {"attachment": {"type": "like_heart"}}}
    assert dump(SendMessageRequest.media_share(TO, "17887498072083520")) == {
        **R, "message": {"attachment": {"type": "MEDIA_SHARE",
                                        "payload": {"id": "17887498072083520"}}}}
    assert dump(SendMessageRequest.private_reply("17865799348089039", "Sent you a DM!")) == {
        "recipient": {"comment_id": "17865799348089039"}, "message": {"text": "Sent you a DM!"}}


def test_recipient_needs_one_of_id_and_comment_id() -> None:
    with pytest.raises(ValidationError):
        Recipient(id="1", comment_id="2")


def test_human_agent_tag_and_reply_to() -> None:
    request = SendMessageRequest.text(TO, "An agent here", messaging_type="MESSAGE_TAG",
                                      tag="HUMAN_AGENT", reply_to=ReplyTo(mid="m.1"))
    assert dump(request) == {**R, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
                             "reply_to": {"mid": "m.1"}, "message": {"text": "An agent here"}}
    assert dump(SendMessageRequest.text(TO, "x", messaging_type="RESPONSE"))[
        "messaging_type"] == "RESPONSE"
    with pytest.raises(ValidationError, match="go together"):
        SendMessageRequest.text(TO, "x", tag="HUMAN_AGENT")
    with pytest.raises(ValidationError):
        SendMessageRequest.text(TO, "x", messaging_type="MESSAGE_TAG", tag="CONFIRMED_EVENT")


def test_reactions_and_sender_actions() -> None:
    react = ReactionRequest(recipient=Recipient(id=TO), sender_action="react",
                            payload=ReactionPayload(message_id="m.1", reaction="love"))
    assert dump(react) == json.loads('{"recipient":{"id":"6251234567890123"},'
                                     '"sender_action":"react",'
                                     '"payload":{"message_id":"m.1","reaction":"love"}}')
    unreact = ReactionRequest(recipient=Recipient(id=TO), sender_action="unreact",
                              payload=ReactionPayload(message_id="m.1"))
    assert dump(unreact)["payload"] == {"message_id": "m.1"}
    with pytest.raises(ValidationError, match=r"needs payload\.reaction"):
        ReactionRequest(recipient=Recipient(id=TO), sender_action="react",
                        payload=ReactionPayload(message_id="m.1"))
    for action in ("typing_on", "typing_off", "mark_seen"):
        assert dump(SenderActionRequest(recipient=Recipient(id=TO), sender_action=action)) == {
            **R, "sender_action": action}


def test_ice_breakers() -> None:
    request = IceBreakersRequest(ice_breakers=[IceBreaker(call_to_actions=[
        IceBreakerQuestion(question="Opening hours?", payload="HOURS")])])
    assert request.endpoint == "messenger_profile"
    assert dump(request) == json.loads("""{"platform":"instagram","ice_breakers":[
      {"call_to_actions":[{"question":"Opening hours?","payload":"HOURS"}],"locale":"default"}]}""")
    with pytest.raises(ValidationError, match='locale "default"'):
        IceBreakersRequest(ice_breakers=[IceBreaker(
            call_to_actions=[IceBreakerQuestion(question="q", payload="p")], locale="id_ID")])


def test_thread_control_bodies() -> None:
    pass_ = PassThreadControlRequest(recipient=Recipient(id=TO), target_app_id="1217981644879628",
                                     metadata="to an agent")
    assert dump(pass_) == {**R, "metadata": "to an agent", "target_app_id": "1217981644879628"}
    assert pass_.endpoint == "pass_thread_control"
    for cls, endpoint in [(TakeThreadControlRequest, "take_thread_control"),
                          (ReleaseThreadControlRequest, "release_thread_control"),
                          (RequestThreadControlRequest, "request_thread_control")]:
        request = cls(recipient=Recipient(id=TO))
        assert dump(request) == R and request.endpoint == endpoint


def test_unknown_fields_are_refused_on_the_way_out() -> None:
    with pytest.raises(ValidationError):
        Recipient(id="1", phone="2")  # type: ignore[call-arg]


def test_the_message_factories_write_each_shape_once() -> None:
    def dump(message: OutboundMessage) -> dict[str, object]:
        return message.model_dump(mode="json", exclude_none=True)

    chips = [{"content_type": "text", "title": "A", "payload": "a"}]
    assert dump(OutboundMessage.build_text("Hi", chips)) == {"text": "Hi", "quick_replies": chips}
    assert dump(OutboundMessage.build_media("video", "https://x/v.mp4")) == {
        "attachment": {"type": "video", "payload": {"url": "https://x/v.mp4"}}}
    assert dump(OutboundMessage.build_media("image", attachment_id="77")) == {
        "attachment": {"type": "image", "payload": {"attachment_id": "77"}}}
    assert dump(OutboundMessage.build_media_list([("image", "https://x/1"), ("image", "https://x/2")])) == {
        "attachments": [{"type": "image", "payload": {"url": "https://x/1"}},
                        {"type": "image", "payload": {"url": "https://x/2"}}]}
    assert dump(OutboundMessage.build_like_heart()) == {"attachment": {"type": "like_heart"}}
    assert dump(OutboundMessage.build_media_share("178")) == {
        "attachment": {"type": "MEDIA_SHARE", "payload": {"id": "178"}}}
    buttons = dump(OutboundMessage.build_buttons("Pick", [{"type": "postback", "title": "1", "payload": "1"}]))
    assert buttons["attachment"]["payload"]["template_type"] == "button"  # type: ignore[index]
    # the request factories are built on them
    assert SendMessageRequest.like_heart("u").message == OutboundMessage.build_like_heart()
    with pytest.raises(ValidationError) as exc:
        OutboundMessage.build_buttons("Pick", [])
    assert exc.value.errors()[0]["loc"][0] == "attachment"  # the path in the message
