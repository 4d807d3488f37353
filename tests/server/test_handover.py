"""Handover to a human agent and back, agent replies, comments and refused sends."""

from __future__ import annotations

import json
import time
from pathlib import Path

from igbot.channel import GraphStandIn
from igbot.kataml import load_bot_text
from igbot.server import ServerRunner

from ._support import (
    ACCOUNT,
    APP_ID,
    BOT_YAML,
    INBOX_APP,
    Live,
    config,
    envelope,
    now_ms,
    text_body,
    text_item,
    texts_to,
    thread_item,
)

DAY_MS = 24 * 3600 * 1000


def _post(live: Live, body: dict | bytes) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    assert live.post(raw).status_code == 200
    live.idle()


def test_handover_round_trip(live: Live) -> None:
    _post(live, text_body("p1", "agent", "h-1"))
    assert texts_to(live.standin, "p1") == ["Connecting you to our team"]
    (passed,) = [r for r in live.standin.requests if r.endpoint == "pass_thread_control"]
    assert passed.json["target_app_id"] in (INBOX_APP, int(INBOX_APP))
    assert json.loads(passed.json["metadata"]) == {"reason": "asked"}
    assert live.standin.thread_owners["p1"] == INBOX_APP
    # the inbox owns the thread: messages arrive in standby, the bot stays silent
    _post(live, text_body("p1", "hello? anyone?", "h-2", standby=True))
    _post(live, text_body("p1", "still waiting", "h-3"))
    assert texts_to(live.standin, "p1") == ["Connecting you to our team"]
    # the agent is done: the inbox passes the thread back
    live.standin.thread_owners.pop("p1")
    _post(live, envelope(thread_item("p1", "pass_thread_control", previous_owner_app_id=INBOX_APP,
                                     new_owner_app_id=APP_ID, metadata="done")))
    _post(live, text_body("p1", "thanks", "h-4"))
    assert texts_to(live.standin, "p1") == ["Connecting you to our team", "Hi! You said: thanks"]
    log = live.log()
    silent = [r for r in log if r["mid"] in ("h-2", "h-3")]
    assert [r["role"] for r in silent] == ["user", "user"]
    assert all(json.loads(r["payload"])["agent_owned"] for r in silent)
    kinds = [(r["kind"], r["role"], r["direction"]) for r in log if r["role"] == "system"]
    assert kinds == [("handover", "system", "out"), ("resolve", "system", "in")]


def test_a_pass_between_other_apps_does_not_resume_the_bot(live: Live) -> None:
    # defect 4: a pass from another app to the Inbox made the bot talk while the agent owned it
    other_app = "555000111"
    _post(live, text_body("p9", "hi", "o-1"))
    _post(live, envelope(thread_item("p9", "pass_thread_control", previous_owner_app_id=other_app,
                                     new_owner_app_id=INBOX_APP)))
    _post(live, text_body("p9", "hello agent", "o-2"))
    assert texts_to(live.standin, "p9") == ["Hi! You said: hi"]
    kinds = [(r["kind"], r["direction"]) for r in live.log() if r["role"] == "system"]
    assert kinds == [("handover", "in")]
    _post(live, envelope(thread_item("p9", "pass_thread_control", previous_owner_app_id=INBOX_APP,
                                     new_owner_app_id=APP_ID)))
    _post(live, text_body("p9", "bot again", "o-3"))
    assert texts_to(live.standin, "p9")[-1] == "Hi! You said: bot again"


def test_an_agent_taking_over_silences_the_bot_until_resolved_by_the_api(live: Live) -> None:
    _post(live, text_body("p2", "hi", "t-1"))
    _post(live, envelope(thread_item("p2", "take_thread_control", previous_owner_app_id=APP_ID,
                                     new_owner_app_id=INBOX_APP)))
    live.standin.set_thread_owner("p2", INBOX_APP)
    _post(live, text_body("p2", "is this a person?", "t-2", standby=True))
    assert texts_to(live.standin, "p2") == ["Hi! You said: hi"]
    # only with the admin token
    assert live.api("/api/resolve", {"user": "p2"}, token="wrong").status_code == 403
    response = live.api("/api/resolve", {"user": "p2"})
    assert response.status_code == 200 and response.json()["resolved"] is True
    assert "p2" not in live.standin.thread_owners  # take_thread_control gave it back
    _post(live, text_body("p2", "back to the bot", "t-3"))
    assert texts_to(live.standin, "p2")[-1] == "Hi! You said: back to the bot"
    log = live.log()
    assert [r["kind"] for r in log if r["role"] == "system"] == ["handover", "resolve"]
    again = live.api("/api/resolve", {"user": "p2"})
    assert again.json()["resolved"] is False


def test_agent_replies_are_tagged_past_24_hours_and_refused_past_7_days(live: Live) -> None:
    _post(live, text_body("p3", "hi there", "a-1", ts=now_ms() - 3 * DAY_MS))
    # a bot reply three days later would be refused: logged, not sent
    sent = live.standin.sent("p3")
    assert sent == []
    refused = [r for r in live.log() if r["kind"] == "refused"]
    assert refused and json.loads(refused[0]["payload"])["reason"] == "outside_window"
    response = live.api("/api/agent/send", {"user": "p3", "text": "Hi, Rina here"})
    assert response.status_code == 200, response.text
    assert response.json()["tag"] == "HUMAN_AGENT"
    (body,) = live.standin.sent("p3")
    assert body["tag"] == "HUMAN_AGENT" and body["messaging_type"] == "MESSAGE_TAG"
    # 8 days: refused with a typed error, and a log record
    _post(live, text_body("p4", "old", "a-2", ts=now_ms() - 8 * DAY_MS))
    late = live.api("/api/agent/send", {"user": "p4", "text": "sorry for the wait"})
    assert late.status_code == 409
    assert late.json()["error"]["type"] == "HumanAgentWindowClosedError"
    assert live.standin.sent("p4") == []
    log = live.log()
    agent = [r for r in log if r["role"] == "agent"]
    assert [(r["kind"], r["conversation_id"]) for r in agent] == [("text", "p3"), ("refused", "p4")]
    assert json.loads(agent[0]["payload"])["tag"] == "HUMAN_AGENT"
    assert json.loads(agent[1]["payload"])["reason"] == "outside_human_agent_window"


def test_a_comment_gets_one_private_reply_and_the_dm_continues(live: Live) -> None:
    change = {"field": "comments", "value": {"id": "c-100", "from": {"id": "p5", "username": "rina"},
                                             "text": "price?", "media": {"id": "media-1"}}}
    body = envelope(changes=[change])
    _post(live, body)
    _post(live, body)  # Meta's retry: no second private reply
    replies = [b for b in live.standin.sent() if b["recipient"].get("comment_id") == "c-100"]
    assert [b["message"]["text"] for b in replies] == ["Thanks for your comment: price?"]
    _post(live, text_body("p5", "how much exactly?", "c-dm"))
    assert texts_to(live.standin, "p5") == ["Hi! You said: how much exactly?"]
    log = live.log()
    comment = next(r for r in log if r["kind"] == "comment")
    assert comment["intent"] == "comment" and comment["conversation_id"] == "p5"
    reply = next(r for r in log if r["role"] == "bot" and "comment" in (r["text"] or ""))
    assert json.loads(reply["payload"])["private_reply"] is True


def test_failed_sends_are_logged_with_metas_error(live: Live) -> None:
    live.standin.fail_next(1, code=551, status=400)
    _post(live, text_body("p6", "hi", "f-1"))
    (error,) = [r for r in live.log() if r["kind"] == "error"]
    payload = json.loads(error["payload"])
    assert payload["code"] == 551 and payload["reason"] == "person_unavailable"
    assert error["text"] == "Hi! You said: hi" and error["role"] == "bot"


def test_admin_api_checks_input(live: Live) -> None:
    assert live.api("/api/agent/send", {"user": "p7"}).status_code == 400
    assert live.http.post(live.url + "/api/resolve", json={"user": "p7"}).status_code == 403
    started = time.monotonic()
    assert live.api("/api/resolve", {"user": "nobody"}).json()["resolved"] is False
    assert time.monotonic() - started < 5
    _ = (ACCOUNT, text_item)


def test_a_send_api_handover_logs_its_message_and_the_handover(
        standin: GraphStandIn, tmp_path: Path, backend: str | None) -> None:
    """Conversation Routing's Send API form: one message carries ``thread_control``; the log
    has the message and a ``handover`` line, so analytics counts the handover."""
    bot = load_bot_text(BOT_YAML.replace("name: shop\n",
                                         "name: shop\nconfig: {instagram: {thread_control: send_api}}\n"))
    runner = ServerRunner(bot, config(standin, tmp_path / "data", database=backend)).start()
    live = Live(runner, standin, tmp_path / "data")
    try:
        _post(live, text_body("p9", "agent", "r-1"))
        (sent,) = [r for r in standin.requests if r.endpoint == "messages"]
        assert sent.json["thread_control"] == {"app_id": INBOX_APP, "control_type": "pass"}
        assert not [r for r in standin.requests if r.endpoint == "pass_thread_control"]
        out = [(r["kind"], r["role"]) for r in live.log() if r["direction"] == "out"]
        assert out == [("text", "bot"), ("handover", "system")]
        handover = json.loads(next(r for r in live.log() if r["kind"] == "handover")["payload"])
        assert handover == {"target_app_id": INBOX_APP, "by": "bot", "via": "send_api"}
    finally:
        live.http.close()
        runner.stop()
