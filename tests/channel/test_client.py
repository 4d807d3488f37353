"""GraphClient against the stand-in: bodies, answers, auth styles, engine requests."""

from __future__ import annotations

from typing import Any

import httpx
import pydantic
import pytest

from igbot.channel import (
    INSTAGRAM_INBOX_APP_ID,
    GraphClient,
    GraphStandIn,
    IceBreakerError,
    InvalidParameterError,
    SendResult,
    ThreadOwnedByOtherAppError,
)

from ._support import PERSON, TOKEN, fast_retry


def test_send_message_text(client: GraphClient, standin: GraphStandIn) -> None:
    result = client.send_message(PERSON, "Hello!")
    assert isinstance(result, SendResult)
    assert result.recipient_id == PERSON
    assert result.message_id and result.message_id.startswith("aWdf")
    req = standin.requests[-1]
    assert (req.method, req.path) == ("POST", "/v21.0/me/messages")
    assert req.json == {"recipient": {"id": PERSON}, "message": {"text": "Hello!"},
                        "messaging_type": "RESPONSE"}


def test_send_dict_and_sender_action(client: GraphClient, standin: GraphStandIn) -> None:
    body = {"recipient": {"id": PERSON}, "sender_action": "typing_on"}
    result = client.send(body)
    assert result.recipient_id == PERSON and result.message_id is None
    assert standin.requests[-1].json == body


class _Recipient(pydantic.BaseModel):
    id: str


class _Text(pydantic.BaseModel):
    text: str
    quick_replies: list[dict[str, Any]] | None = None


class _Body(pydantic.BaseModel):
    recipient: _Recipient
    message: _Text
    messaging_type: str = pydantic.Field("RESPONSE", alias="messagingType")
    model_config = pydantic.ConfigDict(populate_by_name=True)


def test_send_pydantic_model_dumps_json_by_alias_without_none(
        client: GraphClient, standin: GraphStandIn) -> None:
    client.send(_Body(recipient=_Recipient(id=PERSON), message=_Text(text="hi")))
    assert standin.requests[-1].json == {"recipient": {"id": PERSON}, "message": {"text": "hi"},
                                         "messagingType": "RESPONSE"}


def test_send_message_with_tag_sets_message_tag(client: GraphClient,
                                                standin: GraphStandIn) -> None:
    client.send_message(PERSON, {"text": "agent here"}, tag="HUMAN_AGENT")
    body = standin.requests[-1].json
    assert body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT"


def test_private_reply_answer(client: GraphClient, standin: GraphStandIn) -> None:
    standin.comment_authors["17900000000000001"] = PERSON
    result = client.send({"recipient": {"comment_id": "17900000000000001"},
                          "message": {"text": "Sent you a DM"}})
    assert result.recipient_id == PERSON


def test_upload_attachment(client: GraphClient, standin: GraphStandIn) -> None:
    attachment_id = client.upload_attachment("image", "https://example.com/a.png")
    assert attachment_id.isdigit()
    assert standin.requests[-1].path == "/v21.0/me/message_attachments"
    assert standin.requests[-1].json == {"message": {"attachment": {"type": "image", "payload": {
        "url": "https://example.com/a.png", "is_reusable": True}}}}


ICE = [{"locale": "default", "call_to_actions": [
    {"question": "Opening hours?", "payload": "HOURS"},
    {"question": "Where are you?", "payload": "WHERE"}]}]


def test_ice_breakers_round_trip(client: GraphClient, standin: GraphStandIn) -> None:
    assert client.get_ice_breakers() == []
    assert client.set_ice_breakers(ICE) == {"result": "success"}
    post = standin.requests[-1]
    assert post.query == {"platform": "instagram"}
    assert post.json == {"platform": "instagram", "ice_breakers": ICE}
    assert client.get_ice_breakers() == ICE
    assert standin.requests[-1].query == {"fields": "ice_breakers", "platform": "instagram"}
    assert client.delete_ice_breakers() == {"result": "success"}
    assert standin.requests[-1].method == "DELETE"
    assert standin.requests[-1].json == {"fields": ["ice_breakers"]}
    assert client.get_ice_breakers() == []


def test_ice_breakers_read_metas_documented_get_answer(client: GraphClient,
                                                       standin: GraphStandIn) -> None:
    # defect 2: Meta documents {"data": [{"call_to_actions": [...], "locale": "default"}]}
    # (Instagram Messaging: Ice Breakers, "Getting Ice Breakers"); get read it as []
    documented = {"data": [{"call_to_actions": [{"question": "Q?", "payload": "P"}],
                            "locale": "default"},
                           {"call_to_actions": [{"question": "Q en?", "payload": "P"}],
                            "locale": "en_GB"}]}
    assert GraphClient.ice_breakers_from(documented) == documented["data"]
    older = {"data": [{"ice_breakers": [{"question": "Q?", "payload": "P"}]}]}
    assert GraphClient.ice_breakers_from(older) == [
        {"call_to_actions": [{"question": "Q?", "payload": "P"}], "locale": "default"}]
    # the stand-in answers in the documented shape, not the one igbot used to read
    client.set_ice_breakers(ICE)
    raw = httpx.get(f"{standin.url}/v21.0/me/messenger_profile",
                    params={"fields": "ice_breakers", "platform": "instagram",
                            "access_token": standin.access_token}).json()
    assert raw == {"data": ICE}


def test_ice_breakers_plain_question_list_is_default_locale(client: GraphClient) -> None:
    client.set_ice_breakers([{"question": "Hi?", "payload": "HI"}])
    assert client.get_ice_breakers() == [
        {"call_to_actions": [{"question": "Hi?", "payload": "HI"}], "locale": "default"}]


@pytest.mark.parametrize(("ice", "field"), [
    ([{"locale": "default", "call_to_actions": [
        {"question": f"q{i}", "payload": f"p{i}"} for i in range(5)]}],
     "ice_breakers[0].call_to_actions"),
    ([{"locale": "en_US", "call_to_actions": [{"question": "q", "payload": "p"}]}],
     "ice_breakers"),
    ([{"locale": "default", "call_to_actions": [{"question": " ", "payload": "p"}]}],
     "ice_breakers[0].call_to_actions[0].question"),
    ([{"locale": "default", "call_to_actions": [{"question": "q", "payload": ""}]}],
     "ice_breakers[0].call_to_actions[0].payload"),
    ([], "ice_breakers"),
])
def test_bad_ice_breakers_raise_before_sending(client: GraphClient, standin: GraphStandIn,
                                               ice: Any, field: str) -> None:
    with pytest.raises(IceBreakerError) as info:
        client.set_ice_breakers(ice)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert standin.requests == []
    with pytest.raises(IceBreakerError):
        client.send_request("messenger_profile", {"ice_breakers": ice})
    assert standin.requests == []


def test_thread_control(client: GraphClient, standin: GraphStandIn) -> None:
    assert client.thread_owner(PERSON) == standin.app_id
    assert client.pass_thread_control(PERSON, metadata="to agent") is True
    assert standin.requests[-1].json == {"recipient": {"id": PERSON},
                                         "target_app_id": int(INSTAGRAM_INBOX_APP_ID),
                                         "metadata": "to agent"}
    assert client.thread_owner(PERSON) == INSTAGRAM_INBOX_APP_ID
    with pytest.raises(ThreadOwnedByOtherAppError) as info:
        client.send_message(PERSON, "bot should be silent")
    assert info.value.retryable is False
    assert client.request_thread_control(PERSON, metadata="please") is True
    assert standin.thread_requests[-1]["metadata"] == "please"
    assert client.take_thread_control(PERSON) is True
    assert client.thread_owner(PERSON) == standin.app_id
    client.send_message(PERSON, "back")
    assert client.release_thread_control(PERSON) is True
    assert [r.endpoint for r in standin.requests if r.method == "POST"] == [
        "pass_thread_control", "messages", "request_thread_control", "take_thread_control",
        "messages", "release_thread_control"]


def test_send_request_routes_engine_endpoints(client: GraphClient, standin: GraphStandIn) -> None:
    result = client.send_request("messages", {"recipient": {"id": PERSON},
                                              "message": {"text": "from the flow"}})
    assert isinstance(result, SendResult)
    answer = client.send_request("pass_thread_control", {
        "recipient": {"id": PERSON}, "target_app_id": 263902037430900})
    assert answer == {"success": True}
    assert client.send_request("take_thread_control", {"recipient": {"id": PERSON}}) == {
        "success": True}
    assert client.send_request("message_attachments", {"message": {"attachment": {
        "type": "image", "payload": {"url": "https://x.test/a.png"}}}})["attachment_id"]
    assert client.send_request("messenger_profile", {"ice_breakers": ICE}) == {
        "result": "success"}
    assert [r.endpoint for r in standin.requests] == [
        "messages", "pass_thread_control", "take_thread_control", "message_attachments",
        "messenger_profile"]
    with pytest.raises(ValueError, match="unknown Send API endpoint"):
        client.send_request("subscribed_apps", {})


def test_page_auth_sends_token_as_query_parameter(standin: GraphStandIn) -> None:
    with GraphClient(TOKEN, base_url=standin.url, retry=fast_retry()) as client:
        assert client.auth == "page"
        client.send_message(PERSON, "hi")
    req = standin.requests[-1]
    assert req.auth == "query"
    assert "authorization" not in req.headers and "access_token" not in req.query


def test_bearer_auth_sends_authorization_header(standin: GraphStandIn) -> None:
    with GraphClient(TOKEN, base_url=standin.url, auth="bearer", account_id=standin.account_id,
                     api_version="v22.0") as client:
        client.send_message(PERSON, "hi")
    req = standin.requests[-1]
    assert req.auth == "bearer"
    assert req.path == f"/v22.0/{standin.account_id}/messages"


def test_auth_inferred_from_host() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"recipient_id": PERSON, "message_id": "m1"})

    for host, auth in (("https://graph.instagram.com", "bearer"),
                       ("https://graph.facebook.com", "page")):
        with GraphClient(TOKEN, base_url=host, transport=httpx.MockTransport(handler)) as c:
            assert c.auth == auth
            c.send_message(PERSON, "hi")
    instagram, facebook = seen
    assert instagram.url.host == "graph.instagram.com"
    assert instagram.headers["authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in instagram.url.params
    assert facebook.url.params["access_token"] == TOKEN
    assert "authorization" not in facebook.headers


def test_bad_auth_value_is_refused() -> None:
    with pytest.raises(ValueError, match="auth must be"):
        GraphClient(TOKEN, auth="cookie")  # type: ignore[arg-type]


def test_x_app_usage_is_kept(client: GraphClient) -> None:
    client.send_message(PERSON, "hi")
    assert client.last_usage is not None and "call_count" in client.last_usage


MENU = [{"type": "postback", "title": "Opening hours", "payload": "HOURS"},
        {"type": "web_url", "title": "Shop", "url": "https://shop.example/"}]


def test_persistent_menu_round_trip(client: GraphClient, standin: GraphStandIn) -> None:
    assert client.get_persistent_menu() == []
    assert client.set_persistent_menu(MENU) == {"result": "success"}
    post = standin.requests[-1]
    assert post.query == {"platform": "instagram"}
    assert post.json == {"platform": "instagram",
                         "persistent_menu": [{"locale": "default", "call_to_actions": MENU}]}
    raw = httpx.get(f"{standin.url}/v21.0/me/messenger_profile",
                    params={"fields": "persistent_menu", "platform": "instagram",
                            "access_token": standin.access_token}).json()
    assert raw == {"data": [{"persistent_menu": [{"locale": "default", "call_to_actions": MENU}]}]}
    assert client.get_persistent_menu() == [{"locale": "default", "call_to_actions": MENU}]
    assert client.delete_persistent_menu() == {"result": "success"}
    assert standin.requests[-1].json == {"fields": ["persistent_menu"]}
    assert client.get_persistent_menu() == []


def test_persistent_menu_is_checked_before_sending(client: GraphClient, standin: GraphStandIn) -> None:
    before = len(standin.requests)
    with pytest.raises(pydantic.ValidationError, match="at most 30 characters"):
        client.set_persistent_menu([{"type": "postback", "title": "x" * 31, "payload": "P"}])
    with pytest.raises(pydantic.ValidationError, match="at most 20 items"):
        client.set_persistent_menu([{"type": "postback", "title": f"{i}", "payload": "P"}
                                    for i in range(21)])
    with pytest.raises(pydantic.ValidationError, match="http"):
        client.set_persistent_menu([{"type": "web_url", "title": "Mail", "url": "mailto:a@b"}])
    assert len(standin.requests) == before
    # Kata's button spelling is accepted: label, url type, payload object
    client.set_persistent_menu([{"type": "postback", "label": "Menu", "payload": {"type": "menu"}}])
    assert client.get_persistent_menu()[0]["call_to_actions"] == [
        {"type": "postback", "title": "Menu", "payload": '{"type":"menu"}'}]


def test_public_reply_and_hiding_a_comment(client: GraphClient, standin: GraphStandIn) -> None:
    reply_id = client.reply_to_comment("17900000000000001", "Thanks! Check your DMs")
    post = standin.requests[-1]
    assert post.path == "/v21.0/17900000000000001/replies"
    assert post.json == {"message": "Thanks! Check your DMs"}
    assert standin.comment_replies == [{"comment_id": "17900000000000001", "id": reply_id,
                                        "message": "Thanks! Check your DMs"}]
    assert client.hide_comment("17900000000000002") is True
    assert standin.requests[-1].path == "/v21.0/17900000000000002"
    assert standin.requests[-1].json == {"hide": True}
    assert standin.hidden_comments == {"17900000000000002"}
    assert client.hide_comment("17900000000000002", hide=False) is True
    assert standin.hidden_comments == set()
    with pytest.raises(pydantic.ValidationError):
        client.reply_to_comment("1", "")


def test_sender_actions_and_reactions(client: GraphClient, standin: GraphStandIn) -> None:
    assert client.sender_action(PERSON, "typing_on").recipient_id == PERSON
    client.react(PERSON, "m_1", "love")
    client.react(PERSON, "m_1", None)
    bodies = [r.json for r in standin.requests[-3:]]
    assert bodies == [
        {"recipient": {"id": PERSON}, "sender_action": "typing_on"},
        {"recipient": {"id": PERSON}, "sender_action": "react",
         "payload": {"message_id": "m_1", "reaction": "love"}},
        {"recipient": {"id": PERSON}, "sender_action": "unreact", "payload": {"message_id": "m_1"}},
    ]
    with pytest.raises(InvalidParameterError, match=r"react needs payload\.message_id"):
        client.send({"recipient": {"id": PERSON}, "sender_action": "react", "payload": {}})


def test_phone_and_email_quick_replies(client: GraphClient, standin: GraphStandIn) -> None:
    message = {"text": "How can we reach you?", "quick_replies": [
        {"content_type": "user_phone_number"}, {"content_type": "user_email"}]}
    assert client.send_message(PERSON, message).message_id
    with pytest.raises(InvalidParameterError, match="content_type"):
        client.send_message(PERSON, {"text": "x", "quick_replies": [{"content_type": "location"}]})
