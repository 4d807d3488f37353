"""Processing on a real server: hostile text, out-of-order bodies, too many sends, future times."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from igbot.channel import GraphStandIn
from igbot.models import MessageEditEvent
from igbot.server import ServerRunner
from igbot.server._worker import _EventItem

from ._support import ACCOUNT, Live, bot, config, now_ms, text_body, texts_to, wait_for


@pytest.fixture
def slow_live(standin: GraphStandIn, tmp_path: Path) -> Iterator[Live]:
    """A server with the default reorder window of 1 s (the shared fixture's is shorter)."""
    runner = ServerRunner(bot(), config(standin, tmp_path / "data", reorder_window=1.0)).start()
    server = Live(runner, standin, tmp_path / "data")
    try:
        yield server
    finally:
        server.http.close()
        runner.stop()


def test_a_lone_surrogate_is_repaired_answered_and_logged_with_the_reason(live: Live) -> None:
    body = text_body("s1", "hi \ud800 there", "m-sur")  # json.dumps writes "\ud800" as an escape
    assert b"\\ud800" in body
    assert live.post(body).status_code == 200
    wait_for(lambda: texts_to(live.standin, "s1"))
    assert texts_to(live.standin, "s1") == ["Hi! You said: hi \ufffd there"]
    (line,) = [r for r in live.log() if r["direction"] == "in"]
    assert line["text"] == "hi \ufffd there"
    repaired = json.loads(line["payload"])["repaired"]
    assert repaired["fields"] == ["message.text"] and "U+FFFD" in repaired["reason"]
    server = live.runner.server
    assert server.db.dead_letters() == []
    assert server.db.is_done(1) and server.db.seen("m-sur")


def test_a_lone_surrogate_in_an_id_does_not_lose_the_message(live: Live) -> None:
    body = json.dumps({"object": "instagram", "entry": [{"id": "1", "time": now_ms(), "messaging": [
        {"sender": {"id": "s2\udc00"}, "recipient": {"id": "1"}, "timestamp": now_ms(),
         "message": {"mid": "m-\udbff", "text": "\ud83d"}}]}]}).encode()
    assert live.post(body).status_code == 200
    wait_for(lambda: texts_to(live.standin, "s2\ufffd"))
    (line,) = [r for r in live.log() if r["direction"] == "in"]
    assert line["conversation_id"] == "s2\ufffd" and line["mid"] == "m-\ufffd"
    assert json.loads(line["payload"])["repaired"]["fields"] == [
        "message.mid", "message.text", "sender.id"]


def test_messages_posted_out_of_order_are_processed_in_time_order(slow_live: Live) -> None:
    t0 = now_ms() - 60_000
    order = list(range(12))
    random.Random(7).shuffle(order)
    for n in order:  # each in its own body, as Meta delivers them
        assert slow_live.post(text_body("o1", f"n{n:02d}", f"m-o{n}", t0 + n * 1000)).status_code == 200
    slow_live.idle()
    assert texts_to(slow_live.standin, "o1") == [f"Hi! You said: n{n:02d}" for n in range(12)]
    incoming = [r["text"] for r in slow_live.log() if r["direction"] == "in"]
    assert incoming == [f"n{n:02d}" for n in range(12)]


def test_one_message_sends_at_most_max_sends_and_logs_the_rest_as_dropped(live: Live) -> None:
    text = "x" * 20_000  # echoed back: 21 messages of at most 1,000 bytes
    assert live.post(text_body("big", text, "m-big")).status_code == 200
    live.idle()
    sent = texts_to(live.standin, "big")
    assert len(sent) == 10
    (dropped,) = [r for r in live.log() if r["kind"] == "refused"]
    payload = json.loads(dropped["payload"])
    assert payload["reason"] == "too_many_sends" and payload["limit"] == 10
    assert payload["dropped"] == 11 and payload["kinds"] == ["text"]
    assert dropped["role"] == "bot" and dropped["direction"] == "out"


def test_max_sends_is_configurable(standin: GraphStandIn, tmp_path: Path) -> None:
    with ServerRunner(bot(), config(standin, tmp_path / "data", max_sends=3)) as runner:
        live = Live(runner, standin, tmp_path / "data")
        live.post(text_body("big", "y" * 5000, "m-big"))
        live.idle()
        assert len(texts_to(standin, "big")) == 3
        (dropped,) = [r for r in live.log() if r["kind"] == "refused"]
        assert json.loads(dropped["payload"])["dropped"] == 3
        live.http.close()


def test_a_timestamp_in_the_future_does_not_extend_the_window(live: Live) -> None:
    future = now_ms() + 1000 * 86_400_000  # 1,000 days ahead
    assert live.post(text_body("fut", "from the future", "m-fut", future)).status_code == 200
    wait_for(lambda: texts_to(live.standin, "fut"))
    last = live.runner.server.policy.store.last_inbound("fut")
    assert last is not None and last <= datetime.now(UTC)
    assert live.runner.server.policy.check(
        {"recipient": {"id": "fut"}, "message": {"text": "later"}},
        now=datetime.now(UTC) + timedelta(hours=25)).error is not None


def test_wait_idle_covers_events_still_held_for_reordering(slow_live: Live) -> None:
    server = slow_live.runner.server
    slow_live.post(text_body("w1", "held", "m-held"))
    wait_for(lambda: server.stats()["held"] == 1)
    assert texts_to(slow_live.standin, "w1") == []  # held for the window (1 s) first
    assert server.wait_idle(10)
    assert texts_to(slow_live.standin, "w1") == ["Hi! You said: held"]
    assert server.stats()["held"] == 0


def test_an_event_whose_effects_cannot_be_stored_becomes_an_error_line(live: Live) -> None:
    # An event that did not come through parse_webhook (which repairs text) still holding a
    # lone surrogate: SQLite refuses its log line. It must be recorded, not dropped.
    server = live.runner.server
    inbox_id = server.inbox.append_now(b'{"stand-in": "the body the event came in"}')
    event = MessageEditEvent(account_id=ACCOUNT, sender_id="bad", recipient_id=ACCOUNT,
                             timestamp=datetime.now(UTC), mid="m-bad", text="raw \ud800",
                             num_edit=1)
    key = event.dedupe_key or ""
    server.pool.call("bad", lambda worker: worker.process(
        _EventItem(inbox_id, 0, key, event, "bad"))).result(10)
    (line,) = [r for r in live.log() if r["conversation_id"] == "bad"]
    assert (line["kind"], line["role"]) == ("error", "system")
    payload = json.loads(line["payload"])
    assert payload["reason"] == "store_failed" and payload["error"] == "UnicodeEncodeError"
    assert payload["mid"] == "m-bad" and "\\ud800" in payload["message"]
    assert server.db.seen(key)  # recorded once: a redelivery is not processed again
    assert texts_to(live.standin, "bad") == []  # nothing of the failed unit was sent


def test_a_reorder_window_of_zero_keeps_arrival_order(standin: GraphStandIn, tmp_path: Path) -> None:
    with ServerRunner(bot(), config(standin, tmp_path / "data", reorder_window=0)) as runner:
        live = Live(runner, standin, tmp_path / "data")
        t0 = now_ms() - 60_000
        for n in (2, 1, 0):  # newest first, one body each, quickly: held, they would be sorted
            live.post(text_body("z1", f"n{n}", f"m-z{n}", t0 + n * 1000))
        live.idle()
        assert texts_to(standin, "z1") == [f"Hi! You said: n{n}" for n in (2, 1, 0)]
        assert runner.server.stats()["held"] == 0
        live.http.close()
