"""The Graph API stand-in as any HTTP client sees it: Meta's shapes, token checks, headers."""

from __future__ import annotations

import json

import httpx
import pytest

from igbot.channel import GraphStandIn

from ._support import PERSON, TOKEN


def post(g: GraphStandIn, path: str, body: object, token: str | None = TOKEN) -> httpx.Response:
    params = {"access_token": token} if token is not None else {}
    return httpx.post(g.url + path, params=params, json=body)


def test_message_answer_and_headers(standin: GraphStandIn) -> None:
    r = post(standin, "/v21.0/me/messages", {"recipient": {"id": PERSON},
                                             "message": {"text": "hi"}})
    assert r.status_code == 200
    assert set(r.json()) == {"recipient_id", "message_id"}
    usage = json.loads(r.headers["x-app-usage"])
    assert set(usage) == {"call_count", "total_cputime", "total_time"}
    assert r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("nope", 400)])
def test_token_is_checked(standin: GraphStandIn, token: str | None, status: int) -> None:
    r = post(standin, "/v21.0/me/messages", {"recipient": {"id": PERSON},
                                             "message": {"text": "hi"}}, token)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["code"] == 190 and err["type"] == "OAuthException"
    assert err["fbtrace_id"].startswith("A") and len(err["fbtrace_id"]) > 10
    assert standin.sent() == []
    assert standin.requests[-1].auth == ("query" if token else None)
    assert "access_token" not in standin.requests[-1].query


def test_bearer_token_accepted(standin: GraphStandIn) -> None:
    r = httpx.post(standin.url + f"/v21.0/{standin.account_id}/messages",
                   headers={"Authorization": f"Bearer {TOKEN}"},
                   json={"recipient": {"id": PERSON}, "message": {"text": "hi"}})
    assert r.status_code == 200
    assert standin.requests[-1].auth == "bearer"
    assert "authorization" not in standin.requests[-1].headers


def test_unknown_account_and_path(standin: GraphStandIn) -> None:
    r = post(standin, "/v21.0/123/messages", {})
    assert r.json()["error"]["code"] == 100 and r.json()["error"]["error_subcode"] == 33
    assert post(standin, "/messages", {}).json()["error"]["code"] == 2500


@pytest.mark.parametrize("body", [
    {"message": {"text": "no recipient"}},
    {"recipient": {"id": PERSON}},
    {"recipient": {"id": PERSON}, "message": {"text": "x"}, "sender_action": "typing_on"},
    {"recipient": {"id": PERSON}, "message": {}},
    {"recipient": {"id": PERSON}, "message": {"text": "x"}, "messaging_type": "MESSAGE_TAG"},
])
def test_bad_bodies_give_100(standin: GraphStandIn, body: object) -> None:
    r = post(standin, "/v21.0/me/messages", body)
    assert r.status_code == 400 and r.json()["error"]["code"] == 100


def test_scripted_failures_in_order(standin: GraphStandIn) -> None:
    body = {"recipient": {"id": PERSON}, "message": {"text": "hi"}}
    standin.fail_next(1, code=80002, status=400, is_transient=True, retry_after=3)
    standin.fail_next_http(1, status=502)
    first = post(standin, "/v21.0/me/messages", body)
    assert first.json()["error"] | {"fbtrace_id": "x"} == {
        "message": "(#80002) There have been too many calls to this Instagram account.",
        "type": "OAuthException", "code": 80002, "is_transient": True, "fbtrace_id": "x"}
    assert first.headers["retry-after"] == "3"
    second = post(standin, "/v21.0/me/messages", body)
    assert second.status_code == 502 and "Service Unavailable" in second.text
    assert post(standin, "/v21.0/me/messages", body).status_code == 200
    standin.drop_next(1)
    with pytest.raises(httpx.TransportError):
        post(standin, "/v21.0/me/messages", body)


def test_delay_next_slows_answers(standin: GraphStandIn) -> None:
    standin.delay_next(1, 0.2)
    post(standin, "/v21.0/me/messages", {"recipient": {"id": PERSON}, "message": {"text": "a"}})
    req = standin.requests[-1]
    assert req.finished is not None and req.finished - req.time >= 0.19


def test_set_thread_owner_and_clear(standin: GraphStandIn) -> None:
    standin.set_thread_owner(PERSON, 263902037430900)
    r = httpx.get(standin.url + "/v21.0/me/thread_owner",
                  params={"recipient": PERSON, "access_token": TOKEN})
    assert r.json() == {"data": [{"thread_owner": {"app_id": "263902037430900"}}]}
    standin.clear()
    assert standin.requests == [] and standin.sent() == []


def test_lifecycle_and_repr() -> None:
    g = GraphStandIn(access_token="notebook-token").start()
    try:
        assert g.url.startswith("http://127.0.0.1:")
        assert "notebook-token" not in repr(g) and g.url in repr(g)
    finally:
        g.stop()
    assert "stopped" in repr(g)
    with pytest.raises(RuntimeError):
        _ = g.url


@pytest.mark.parametrize(("path", "body", "error"), [
    ("/v21.0/me/messenger_profile", {"persistent_menu": [{"locale": "default", "composer_input_disabled": True,
                                                          "call_to_actions": [{"type": "postback", "title": "A", "payload": "A"}]}]},
     "composer_input_disabled is not available"),
    ("/v21.0/me/messenger_profile", {"persistent_menu": [{"locale": "default", "call_to_actions": [
        {"type": "web_url", "title": "A", "url": "https://a.example", "webview_height_ratio": "full"}]}]},
     "webview_height_ratio is not available"),
    ("/v21.0/me/messenger_profile", {"persistent_menu": [{"locale": "en_US", "call_to_actions": [
        {"type": "postback", "title": "A", "payload": "A"}]}]}, "default locale"),
    ("/v21.0/me/messenger_profile", {"get_started": {"payload": "GO"}}, "Requires one of the params"),
    ("/v21.0/1790001", {}, "parameter hide is required"),
    ("/v21.0/1790001/replies", {"message": ""}, "parameter message is required"),
    ("/v21.0/me/messages", {"recipient": {"id": PERSON}, "sender_action": "dance"}, "sender_action must be"),
    ("/v21.0/me/messages", {"recipient": {"id": PERSON}, "sender_action": "unreact"}, "unreact needs payload.message_id"),
    ("/v21.0/me/messages", {"recipient": {"id": PERSON}, "message": {"attachment": {
        "type": "MEDIA_SHARE", "payload": {}}}}, "MEDIA_SHARE attachment needs payload.id"),
    ("/v21.0/me/messages", {"recipient": {"id": PERSON}, "message": {"text": "x"},
                            "thread_control": {"control_type": "take"}}, "control_type must be pass"),
    ("/v21.0/me/extend_thread_control", {"recipient": {"id": PERSON}, "duration": 0}, "duration must be 1 to 86400"),
])
def test_new_endpoints_refuse_what_meta_refuses(standin: GraphStandIn, path: str, body: dict,
                                                error: str) -> None:
    response = post(standin, path, body)
    assert response.status_code == 400
    assert error in response.json()["error"]["message"]
    assert response.json()["error"]["code"] == 100


def test_only_the_app_in_control_extends_it(standin: GraphStandIn) -> None:
    standin.set_thread_owner(PERSON, "1217981644879628")
    response = post(standin, "/v21.0/me/extend_thread_control", {"recipient": {"id": PERSON}, "duration": 60})
    assert response.status_code == 400 and response.json()["error"]["error_subcode"] == 2018300
    standin.set_thread_owner(PERSON, standin.app_id)
    assert post(standin, "/v21.0/me/extend_thread_control",
                {"recipient": {"id": PERSON}, "duration": 60}).json() == {"success": True}
