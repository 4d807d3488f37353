"""The webhook endpoint on a real socket: handshake, signatures, batches, dedupe, dead letters."""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from igbot.channel import GraphStandIn
from igbot.models import parse_webhook
from igbot.server import ServerRunner, sign_body

from ._support import (
    ACCOUNT,
    SECRET,
    VERIFY,
    Live,
    bot,
    config,
    echo_item,
    envelope,
    now_ms,
    text_body,
    text_item,
    texts_to,
    wait_for,
)


def test_handshake_answers_the_challenge_as_text(live: Live) -> None:
    ok = live.http.get(live.url + "/webhook", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {},
])
def test_handshake_refuses_anything_else(live: Live, params: dict[str, str]) -> None:
    response = live.http.get(live.url + "/webhook", params=params)
    assert response.status_code == 403 and "1" not in response.text


def test_good_signature_gets_200_and_one_reply(live: Live) -> None:
    response = live.post(text_body("u1", "hello", "m-1"))
    assert response.status_code == 200 and response.text == "EVENT_RECEIVED"
    wait_for(lambda: texts_to(live.standin, "u1"))
    assert texts_to(live.standin, "u1") == ["Hi! You said: hello"]


@pytest.mark.parametrize("header", [None, "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_missing_or_wrong_signature_is_403_and_nothing_is_stored(live: Live, header: str | None) -> None:
    body = text_body("u2", "hello", "m-2")
    headers = {"X-Hub-Signature-256": header} if header else {}
    response = live.http.post(live.url + "/webhook", content=body, headers=headers)
    assert response.status_code == 403
    assert len(live.runner.server.inbox) == 0
    live.idle()
    assert live.standin.sent() == [] and live.log() == []


def test_a_signature_made_with_another_secret_or_over_other_bytes_is_refused(live: Live) -> None:
    body = text_body("u2", "hello", "m-2")
    assert live.post(body, secret="not-the-secret").status_code == 403
    reserialised = json.dumps(json.loads(body), indent=1).encode()
    response = live.http.post(live.url + "/webhook", content=reserialised,
                              headers={"X-Hub-Signature-256": sign_body("test-app-secret-4f1c", body)})
    assert response.status_code == 403
    assert len(live.runner.server.inbox) == 0


def test_a_batch_of_entries_and_items_is_processed_in_time_order(live: Live) -> None:
    t = now_ms()
    body = {"object": "instagram", "entry": [
        {"id": ACCOUNT, "time": t, "messaging": [text_item("u3", "second", "m-3b", t + 10),
                                                  text_item("u4", "other", "m-4", t + 5)]},
        {"id": ACCOUNT, "time": t, "messaging": [text_item("u3", "first", "m-3a", t)]},
    ]}
    assert live.post(json.dumps(body).encode()).status_code == 200
    live.idle()
    assert texts_to(live.standin, "u3") == ["Hi! You said: first", "Hi! You said: second"]
    assert texts_to(live.standin, "u4") == ["Hi! You said: other"]


def test_the_same_body_posted_twice_gets_one_reply(live: Live) -> None:
    body = text_body("u5", "hello", "m-5")
    assert live.post(body).status_code == 200
    assert live.post(body).status_code == 200
    live.idle()
    # the same event inside a different body (Meta batches retries differently) is also skipped
    again = envelope(text_item("u5", "hello", "m-5"), text_item("u5", "new", "m-6"))
    assert live.post(json.dumps(again).encode()).status_code == 200
    live.idle()
    assert texts_to(live.standin, "u5") == ["Hi! You said: hello", "Hi! You said: new"]
    incoming = [r for r in live.log() if r["direction"] == "in"]
    assert [r["mid"] for r in incoming] == ["m-5", "m-6"]


@pytest.mark.parametrize(("body", "reason"), [
    (b"not json at all", "not JSON"),
    (b"[1, 2, 3]", "JSON array"),
    (b'{"object": "whatsapp_business_account", "entry": []}', "object is"),
    (b'{"object": "instagram"}', "entry"),
    (b"\xff\xfe\x00", "not JSON"),
    (b'{"object": "page", "entry": []}', "no entries"),
    (b'{"entry": [{"time": NaN}]}', "NaN is not a JSON number"),
    (b'{"object": "instagram", "entry": [{"id": "1", "time": NaN, "messaging": []}]}', "NaN"),
    (b'{"object": "instagram", "entry": [{"id": "1", "time": Infinity}]}', "Infinity"),
    (b'{"object": "instagram", "entry": [{"id": "1", "time": 1}]}', "entry[0]: no items"),
    (b'{"object": "instagram", "entry": [{"id": "1", "messaging": []}]}', "entry[0]: no items"),
    (b'{"object": "instagram", "entry": [{"id": "1", "messaging": [{"recipient": {"id": "1"}, '
     b'"timestamp": 1, "message": {"mid": "m", "text": "who?"}}]}]}', "missing sender.id"),
    (b'{"object": "instagram", "entry": [{"id": "1", "changes": [{"field": "mentions", '
     b'"value": {}}]}]}', "field 'mentions' is not one igbot knows"),
])
def test_malformed_bodies_are_answered_200_and_kept_as_dead_letters(live: Live, body: bytes, reason: str) -> None:
    assert live.post(body).status_code == 200
    wait_for(lambda: live.runner.server.db.dead_letters())
    (dead,) = live.runner.server.db.dead_letters()
    assert reason in dead["reason"] and dead["body"] == body
    assert live.http.get(live.url + "/healthz").json()["dead_letters"] == 1
    # the server is still fine
    assert live.post(text_body("u6", "still there?", "m-7")).status_code == 200
    wait_for(lambda: texts_to(live.standin, "u6"))


def test_echoes_reads_reactions_and_edits_are_logged_and_answered_by_nothing(live: Live) -> None:
    t = now_ms()
    items = [
        echo_item("u7", "typed in the Instagram app", "m-echo", app_id="999"),
        {"sender": {"id": "u7"}, "recipient": {"id": ACCOUNT}, "timestamp": t, "read": {"mid": "m-x"}},
        {"sender": {"id": "u7"}, "recipient": {"id": ACCOUNT}, "timestamp": t,
         "reaction": {"mid": "m-x", "action": "react", "reaction": "love", "emoji": "❤"}},
        {"sender": {"id": "u7"}, "recipient": {"id": ACCOUNT}, "timestamp": t,
         "message_edit": {"mid": "m-x", "text": "edited", "num_edit": 1}},
    ]
    assert live.post(json.dumps(envelope(*items)).encode()).status_code == 200
    log = live.log()
    assert live.standin.sent() == []
    kinds = sorted((r["kind"], r["role"], r["direction"]) for r in log)
    assert kinds == [("message_edit", "user", "in"), ("reaction", "user", "in"),
                     ("read", "user", "in"), ("text", "agent", "out")]


def test_a_deleted_message_is_redacted_in_the_log_and_the_inbox(live: Live) -> None:
    assert live.post(text_body("u8", "my secret address", "m-del")).status_code == 200
    live.idle()
    deleted = {"sender": {"id": "u8"}, "recipient": {"id": ACCOUNT}, "timestamp": now_ms(),
               "message": {"mid": "m-del", "is_deleted": True}}
    assert live.post(json.dumps(envelope(deleted)).encode()).status_code == 200
    log = live.log()
    raw = live.raw_log()
    assert '"text":"my secret address"' not in raw
    original = next(r for r in log if r["mid"] == "m-del" and r["kind"] == "text")
    assert original["text"] is None and original["payload"] is None
    assert any(r["kind"] == "deleted" and r["mid"] == "m-del" for r in log)
    # only the bot's own reply quoted it; the person's copy is gone from the stored body
    wait_for(lambda: b"my secret address" not in live.runner.server.inbox.get(1))
    assert len(texts_to(live.standin, "u8")) == 1


def test_a_story_reply_gets_its_own_answer(live: Live) -> None:
    item = text_item("u9", "love this!", "m-story")
    item["message"]["reply_to"] = {"story": {"url": "https://lookaside.fbsbx.com/x", "id": "3456"}}
    assert live.post(json.dumps(envelope(item)).encode()).status_code == 200
    live.idle()
    assert texts_to(live.standin, "u9") == ["Thanks for replying to our story!"]
    (line,) = [r for r in live.log() if r["direction"] == "in"]
    assert line["kind"] == "story_reply" and line["intent"] == "story"
    assert json.loads(line["payload"])["story_id"] == "3456"


def test_healthz_and_unknown_paths(live: Live) -> None:
    health = live.http.get(live.url + "/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert live.http.get(live.url + "/nope").status_code == 404
    assert live.http.put(live.url + "/webhook").status_code == 405


def _raw_request(live: Live, head: bytes, body: bytes) -> socket.socket:
    host, port = live.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(head + body)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_that_never_finishes_gets_408_and_the_connection_closed(
    standin: GraphStandIn, tmp_path: Path,
) -> None:
    with ServerRunner(bot(), config(standin, tmp_path / "data", request_timeout=0.5)) as runner:
        live = Live(runner, standin, tmp_path / "data")
        body = text_body("slow", "hello", "m-slow")
        head = (b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"X-Hub-Signature-256: " + sign_body(SECRET, body).encode() +
                b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        with _raw_request(live, head, body[:10]) as sock:  # and then nothing more
            answer = _read_all(sock)  # returns once the server closed the connection
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"connection: close" in answer.lower()
        # the server is fine, and a whole body still goes through
        assert live.post(body).status_code == 200
        wait_for(lambda: texts_to(standin, "slow"))
        assert len(runner.server.inbox) == 1
        live.http.close()


@pytest.mark.parametrize("head", [b"", b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Le"])
def test_a_request_head_that_never_finishes_gets_408_and_the_connection_closed(
    standin: GraphStandIn, tmp_path: Path, head: bytes,
) -> None:
    with ServerRunner(bot(), config(standin, tmp_path / "data", request_timeout=0.5)) as runner:
        live = Live(runner, standin, tmp_path / "data")
        with _raw_request(live, head, b"") as sock:  # a slowloris: a few bytes, then nothing
            answer = _read_all(sock)  # returns once the server closed the connection
        assert answer.startswith(b"HTTP/1.1 408 ") and b"connection: close" in answer.lower()
        # a keep-alive connection that finished a request gets the same deadline for the next
        body = text_body("ka", "hello", "m-ka")
        request = (b"POST /webhook HTTP/1.1\r\nHost: x\r\nX-Hub-Signature-256: " +
                   sign_body(SECRET, body).encode() + b"\r\nContent-Length: " +
                   str(len(body)).encode() + b"\r\n\r\n" + body)
        with _raw_request(live, request + b"POST /webhook HTTP/1.1\r\n", b"") as sock:
            answer = _read_all(sock)
        first, second = answer.split(b"EVENT_RECEIVED")
        assert first.startswith(b"HTTP/1.1 200 ") and second.startswith(b"HTTP/1.1 408 ")
        wait_for(lambda: texts_to(standin, "ka"))
        live.http.close()


def test_the_head_deadline_moves_with_each_request_on_a_keep_alive_connection(
    standin: GraphStandIn, tmp_path: Path,
) -> None:
    # one timer per connection: when it fires on a deadline that has moved on, it re-arms
    with ServerRunner(bot(), config(standin, tmp_path / "data", request_timeout=0.5)) as runner:
        live = Live(runner, standin, tmp_path / "data")
        with _raw_request(live, b"", b"") as sock:
            for n in range(4):  # 1.2 s in all, each head well within 0.5 s of the last answer
                time.sleep(0.3)
                body = text_body("steady", f"hello {n}", f"m-steady-{n}")
                sock.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nX-Hub-Signature-256: " +
                             sign_body(SECRET, body).encode() + b"\r\nContent-Length: " +
                             str(len(body)).encode() + b"\r\n\r\n" + body)
                answer = b""
                while not answer.endswith(b"EVENT_RECEIVED"):
                    chunk = sock.recv(65536)
                    assert chunk, f"connection closed before answer {n}: {answer!r}"
                    answer += chunk
                assert answer.startswith(b"HTTP/1.1 200 ")
            answered = time.monotonic()
            sock.sendall(b"POST /webhook HTTP/1.1\r\n")  # and then nothing more
            late = _read_all(sock)
            waited = time.monotonic() - answered
        assert late.startswith(b"HTTP/1.1 408 ") and 0.4 <= waited < 5
        wait_for(lambda: len(texts_to(standin, "steady")) >= 4)
        live.http.close()


def test_a_body_over_max_body_gets_413_and_nothing_is_stored(
    standin: GraphStandIn, tmp_path: Path,
) -> None:
    with ServerRunner(bot(), config(standin, tmp_path / "data", max_body=2000)) as runner:
        live = Live(runner, standin, tmp_path / "data")
        big = text_body("big", "x" * 3000, "m-big")
        response = live.post(big)
        assert response.status_code == 413 and response.headers["connection"] == "close"
        assert live.post(text_body("small", "hi", "m-small")).status_code == 200
        wait_for(lambda: texts_to(standin, "small"))
        assert len(runner.server.inbox) == 1 and texts_to(standin, "big") == []
        live.http.close()


def test_a_client_that_goes_away_mid_body_leaves_nothing_behind(live: Live) -> None:
    body = text_body("gone", "hello", "m-gone")
    head = (b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n")
    _raw_request(live, head, body[:20]).close()
    assert live.post(text_body("still", "there?", "m-still")).status_code == 200
    wait_for(lambda: texts_to(live.standin, "still"))
    assert len(live.runner.server.inbox) == 1 and live.runner.server.db.dead_letters() == []



# --- every body Meta could sign ends processed or dead-lettered, never dropped ---------------

_text = st.text(st.characters(codec=None, categories=None), max_size=6) | st.sampled_from(
    ["\ud800", "x\udfff", "hello", ""])
_scalar = st.none() | st.booleans() | st.integers(-5, 2**64) | st.floats() | _text
_json = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_text, inner, max_size=3), max_leaves=6)
_item = st.fixed_dictionaries({}, optional={
    "sender": st.fixed_dictionaries({"id": st.sampled_from(["f1", "f2", 7]) | _text}),
    "recipient": st.just({"id": ACCOUNT}),
    "timestamp": st.integers(0, 2**50) | st.floats() | _text,
    "message": st.fixed_dictionaries({}, optional={"mid": _text, "text": _text | _json,
                                                   "is_echo": st.booleans()}) | _json,
    "postback": _json, "reaction": _json, "read": _json,
})
_entry = st.fixed_dictionaries({"id": st.just(ACCOUNT) | _text}, optional={
    "time": st.integers(0, 2**50) | st.floats(), "messaging": st.lists(_item, max_size=3) | _json,
    "standby": st.lists(_item, max_size=2), "changes": _json,
})
_body = st.fixed_dictionaries({}, optional={
    "object": st.sampled_from(["instagram", "page"]) | _text,
    "entry": st.lists(_entry, max_size=2) | _json,
}).map(lambda b: json.dumps(b).encode()) | st.binary(max_size=30)


def test_every_signed_body_is_processed_or_dead_lettered(live: Live) -> None:
    @settings(max_examples=60, deadline=timedelta(seconds=2), database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(_body)
    def post_one(body: bytes) -> None:
        assert live.post(body).status_code == 200

    post_one()
    live.idle()
    server = live.runner.server
    db = server.db
    dead = {d["inbox_id"]: d["reason"] for d in db.dead_letters()}
    stored = list(range(1, len(server.inbox) + 1))
    assert stored and all(db.is_done(inbox_id) for inbox_id in stored)
    for inbox_id in stored:
        if inbox_id in dead:  # kept with the reason
            assert dead[inbox_id]
            continue
        events = parse_webhook(server.inbox.get(inbox_id) or b"")
        # every event was processed (here, or first in an earlier body: a retry)
        assert events, f"body {inbox_id} marked done with no event and no dead letter"
        assert all(db.seen(e.dedupe_key or f"inbox:{inbox_id}#{i}") for i, e in enumerate(events))
    assert live.http.get(live.url + "/healthz").json()["status"] == "ok"
