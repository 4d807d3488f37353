"""A Kata message a person sent, as an event: the same turn as Engine.handle, plus its row."""

from __future__ import annotations

import pytest

from igbot.engine import MessageEvent
from tests.engine.conftest import make_engine, texts

BOT = """
    name: echo
    flows:
      main:
        intents:
          comment: {initial: true, type: data, condition: "payload.type == 'comment'", priority: 2}
          any: {initial: true}
        states:
          start:
            initial: true
            end: true
            transitions:
              comment: "intent == 'comment'"
              start: {fallback: true}
            action: {name: text, options: {text: "You said: $(content)"}}
          comment:
            end: true
            action: {name: text, options: {text: "Thanks for your comment"}}
"""


def test_the_same_turn_as_handle_and_a_row_in_the_log_schema() -> None:
    message = {"type": "text", "content": "hello", "metadata": {"mid": "m1",
                                                                "timestamp": 1732500000123}}
    direct = make_engine(BOT).handle(message, user="u1")
    outcome = make_engine(BOT).handle_event(MessageEvent(message, "u1"))
    assert texts(outcome.turn) == texts(direct) == ["You said: hello"]
    assert [r.to_dict() for r in outcome.records] == [r.to_dict() for r in direct.records]
    (entry,) = outcome.log
    row = entry.row
    assert (row["conversation_id"], row["kind"], row["text"], row["mid"]) == (
        "u1", "text", "hello", "m1")
    assert row["timestamp"] == "2024-11-25T02:00:00.123Z"
    assert (row["flow"], row["state"], row["intent"]) == ("main", "start", "any")
    (note,) = outcome.policy
    assert (note.person_id, note.kind, note.comment_id) == ("u1", "text", None)


def test_a_comment_is_a_comment_kind_and_allows_a_private_reply() -> None:
    event = MessageEvent({"type": "data", "content": "nice", "payload": {
        "type": "comment", "comment_id": "c9"}}, "u1")
    assert event.kind == "comment" and not event.opens_window
    outcome = make_engine(BOT).handle_event(event)
    assert texts(outcome.turn) == ["Thanks for your comment"]
    (note,) = outcome.policy
    assert (note.kind, note.comment_id) == ("comment", "c9")


def test_a_message_needs_its_sender() -> None:
    with pytest.raises(ValueError, match="user"):
        MessageEvent({"type": "text", "content": "hi"}, "")
