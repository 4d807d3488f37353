"""``handle_event``: what each kind of webhook event means, as an Outcome (no server needed)."""

from __future__ import annotations

import json
from typing import Any

from igbot._message import Message
from igbot.engine import Engine, Outcome, Turn, conversation_of, handle_event
from igbot.models import Incoming, parse_webhook, read_webhook
from igbot.vocab import INSTAGRAM_INBOX_APP_ID, LOG_FIELDS
from tests.engine.conftest import make_engine, texts

ACCOUNT = "17841400000000001"
OUR_APP = "42"
BOT = """
    name: shop
    flows:
      main:
        intents:
          agent: {initial: true, condition: "content == 'agent'", priority: 3}
          any: {initial: true}
        states:
          start:
            initial: true
            end: true
            transitions:
              human: "intent == 'agent'"
              start: {fallback: true}
            action: {name: text, options: {text: "You said: $(content)"}}
          human:
            end: true
            action: {name: toAgent}
        actions:
          toAgent: {type: handover, options: {text: "Connecting you", metadata: {reason: asked}}}
"""


def _engine() -> Engine:
    return make_engine(BOT, app_id=OUR_APP, clock=lambda: 1_767_225_600.0)


def _body(*items: dict[str, Any], standby: bool = False,
          changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": ACCOUNT, "time": 1_767_225_600_000}
    if items:
        entry["standby" if standby else "messaging"] = list(items)
    if changes:
        entry["changes"] = changes
    return {"object": "instagram", "entry": [entry]}


def _item(user: str, **fields: Any) -> dict[str, Any]:
    return {"sender": {"id": user}, "recipient": {"id": ACCOUNT},
            "timestamp": 1_767_225_600_000, **fields}


def _text(user: str, text: str, mid: str) -> dict[str, Any]:
    return _item(user, message={"mid": mid, "text": text})


def _echo(user: str, text: str, mid: str, app_id: str) -> dict[str, Any]:
    return {"sender": {"id": ACCOUNT}, "recipient": {"id": user}, "timestamp": 1_767_225_600_000,
            "message": {"mid": mid, "text": text, "is_echo": True, "app_id": int(app_id)}}


def _one(engine: Engine, body: dict[str, Any], **kwargs: Any) -> Outcome:
    (event,) = parse_webhook(body)
    return engine.handle_event(event, **kwargs)


def test_a_person_speaking_is_a_turn_with_its_row_and_a_window_note() -> None:
    engine = _engine()
    outcome = _one(engine, _body(_text("u1", "hello", "m1")))
    assert texts(outcome.turn) == ["You said: hello"]
    (entry,) = outcome.log
    assert tuple(entry.row) == LOG_FIELDS
    assert (entry.row["role"], entry.row["kind"], entry.row["text"]) == ("user", "text", "hello")
    assert (entry.row["flow"], entry.row["state"], entry.row["intent"]) == ("main", "start", "any")
    assert entry.indexed_mid == "m1"  # redacted if the person deletes it
    (note,) = outcome.policy
    assert (note.person_id, note.kind, note.comment_id) == ("u1", "text", None)
    assert outcome.thread == [] and outcome.redactions == []


def test_the_bot_handing_over_is_a_request_and_the_bot_then_stays_silent() -> None:
    engine = _engine()
    outcome = _one(engine, _body(_text("u1", "agent", "m1")))
    assert [r.endpoint for r in outcome.requests] == ["messages", "pass_thread_control"]
    assert [(c.kind, c.user, c.app_id, c.by) for c in outcome.thread] == [
        ("handover", "u1", INSTAGRAM_INBOX_APP_ID, "bot")]
    assert engine.session("u1").agent  # type: ignore[union-attr]
    later = _one(engine, _body(_text("u1", "still there?", "m2")))
    assert later.requests == []
    assert json.loads(later.log[0].row["payload"]) == {"agent_owned": True}
    assert later.log[0].row["is_fallback"] is None


def test_a_standby_message_marks_the_thread_as_an_agents_and_is_not_answered() -> None:
    engine = _engine()
    outcome = _one(engine, _body(_text("u1", "hi agent", "m1"), standby=True))
    assert outcome.requests == []
    assert [(c.kind, c.user) for c in outcome.thread] == [("take", "u1")]
    assert engine.session("u1").agent == {"app_id": INSTAGRAM_INBOX_APP_ID, "by": "agent"}  # type: ignore[union-attr]
    assert outcome.log[0].row["role"] == "user"
    (note,) = outcome.policy  # a person wrote: the window opens even in standby
    assert note.person_id == "u1"
    again = _one(engine, _body(_text("u1", "more", "m2"), standby=True))
    assert again.thread == []  # already the agent's


def test_echoes_of_our_sends_are_nothing_of_others_an_agent_row() -> None:
    engine = _engine()
    ours_by_app = _one(engine, _body(_echo("u1", "You said: hi", "e1", OUR_APP)))
    assert ours_by_app.log == [] and ours_by_app.requests == []
    asked: list[str] = []

    def is_ours(mid: str) -> bool:
        asked.append(mid)
        return mid == "e2"

    ours_by_mid = _one(engine, _body(_echo("u1", "sent by the bot", "e2", "555")),
                       is_ours=is_ours)
    assert ours_by_mid.log == [] and asked == ["e2"]
    agent = _one(engine, _body(_echo("u1", "Hi, Rina here", "e3", INSTAGRAM_INBOX_APP_ID)),
                 is_ours=is_ours)
    (entry,) = agent.log
    row = entry.row
    assert (row["direction"], row["role"], row["kind"], row["text"]) == (
        "out", "agent", "text", "Hi, Rina here")
    assert json.loads(row["payload"])["app_id"] == INSTAGRAM_INBOX_APP_ID
    assert entry.indexed_mid is None and agent.policy == [] and agent.requests == []


def test_a_deletion_is_a_row_and_a_redaction() -> None:
    engine = _engine()
    outcome = _one(engine, _body(_item("u1", message={"mid": "m1", "is_deleted": True})))
    assert outcome.redactions == ["m1"]
    assert [e.row["kind"] for e in outcome.log] == ["deleted"]
    assert outcome.log[0].indexed_mid is None and outcome.requests == []


def test_thread_control_pass_to_us_resolves_to_others_hands_over() -> None:
    engine = _engine()
    engine.mark_agent("u1")
    away = _one(engine, _body(_item("u1", pass_thread_control={"new_owner_app_id": "777"})))
    assert [(c.kind, c.app_id) for c in away.thread] == [("handover", "777")]
    assert [e.row["kind"] for e in away.log] == ["handover"]
    assert away.log[0].row["timestamp"] == "2026-01-01T00:00:00.000Z"  # the engine's clock
    back = _one(engine, _body(_item("u1", pass_thread_control={"new_owner_app_id": OUR_APP})))
    assert [(c.kind, c.app_id) for c in back.thread] == [("resolve", OUR_APP)]
    assert [(e.row["kind"], e.row["role"]) for e in back.log] == [("resolve", "system")]
    assert json.loads(back.log[0].row["payload"])["by"] == "agent"
    assert engine.session("u1").agent is None  # type: ignore[union-attr]


def test_thread_control_take_hands_over_and_request_is_noted() -> None:
    engine = _engine()
    take = _one(engine, _body(_item("u1", take_thread_control={"new_owner_app_id": "900"})))
    assert [(c.kind, c.app_id) for c in take.thread] == [("take", "900")]
    assert engine.session("u1").agent["app_id"] == "900"  # type: ignore[index,union-attr]
    ask = _one(engine, _body(_item("u2", request_thread_control={
        "requested_owner_app_id": "900", "metadata": "please"})))
    assert [(c.kind, c.app_id) for c in ask.thread] == [("request", "900")]
    assert [e.row["kind"] for e in ask.log] == ["request_thread_control"]
    assert engine.session("u2") is None  # asking changes nothing


def test_a_comment_without_its_author_is_answered_by_a_private_reply() -> None:
    engine = _engine()
    body = _body(changes=[{"field": "comments", "value": {
        "id": "c123", "text": "price?", "media": {"id": "m9", "media_product_type": "FEED"}}}])
    (event,) = parse_webhook(body)
    assert event.person_id is None
    assert conversation_of(event) == "comment:c123"
    outcome = engine.handle_event(event)
    (request,) = outcome.requests
    assert request.body["recipient"] == {"comment_id": "c123"}
    assert outcome.log[0].row["conversation_id"] == "comment:c123"
    (note,) = outcome.policy
    assert (note.kind, note.comment_id) == ("comment", "c123")


def test_the_caller_names_the_conversation() -> None:
    outcome = _one(_engine(), _body(_item("u1", read={"mid": "m1"})), conversation="inbox:7")
    assert [(e.row["conversation_id"], e.row["kind"]) for e in outcome.log] == [
        ("inbox:7", "read")]
    assert outcome.requests == [] and outcome.policy == []


def test_handle_webhook_merges_the_outcomes_and_reads_like_a_turn() -> None:
    engine = _engine()
    body = _body(_text("u1", "one", "m1"), _text("u2", "two", "m2"),
                 _item("u3", read={"mid": "m0"}))
    outcome = engine.handle_webhook(body)
    assert isinstance(outcome, Outcome)
    assert texts(outcome.turn) == ["You said: one", "You said: two"]
    assert len(outcome) == 2 and list(outcome) == outcome.requests
    assert [r.user for r in outcome.records] == ["u1", "u2"]
    assert outcome.record is outcome.records[0] and outcome.errors == []
    assert [e.row["kind"] for e in outcome.log] == ["text", "text", "read"]
    merged = Outcome()
    merged.extend(outcome)
    merged.extend(Turn())
    assert merged.rows == outcome.rows and "You said: one" in merged._repr_html_()


def test_the_module_function_and_the_method_agree() -> None:
    body = _body(_text("u1", "hello", "m1"))
    (event,) = parse_webhook(body)
    a, b = _engine(), _engine()
    assert handle_event(a, event).rows == b.handle_event(event).rows


def test_fast_path_events_mean_what_their_pydantic_events_mean() -> None:
    body = _body(_text("u1", "hello", "m1"), _text("u2", "agent", "m2"),
                 _text("u2", "still there?", "m3"))
    fast, slow = _engine(), _engine()
    assert all(type(e) is Incoming for e in read_webhook(json.dumps(body)))  # the fast path
    by_fast = fast.handle_webhook(json.dumps(body))
    by_slow = Outcome()
    for event in parse_webhook(body):
        by_slow.extend(slow.handle_event(event))
    assert [r.body for r in by_fast.requests] == [r.body for r in by_slow.requests]
    assert [r.to_dict() for r in by_fast.records] == [r.to_dict() for r in by_slow.records]
    assert by_fast.log == by_slow.log and by_fast.policy == by_slow.policy
    assert by_fast.thread == by_slow.thread and by_fast.thread[0].kind == "handover"


def test_handle_into_adds_a_turn_to_the_one_given() -> None:
    engine = _engine()
    turn = engine.handle({"type": "text", "content": "hi"}, user="u1")
    engine.handle_into(turn, Message(type="text", content="hi"), "u2")
    assert [r.user for r in turn.records] == ["u1", "u2"] and texts(turn) == ["You said: hi"] * 2
