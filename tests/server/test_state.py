"""The state database, the session store's optimistic writes and the conversation log file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from igbot import ConflictError
from igbot.engine import Engine, Session
from igbot.models import OutboundRequest
from igbot.server import LOG_FIELDS, log_line
from igbot.server._log import ConversationLog, redacted
from igbot.server._state import OutboxRow, ServerStore, StateDB, Unit

from ._support import bot


def test_a_unit_commits_the_session_the_event_and_its_requests_together(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.sqlite")
    store = ServerStore(db)
    engine = Engine(bot(), store)
    unit = Unit(key="m-1", inbox_id=1, idx=0, kind="text")
    with store.unit(unit):
        turn = engine.handle({"type": "text", "content": "hi"}, user="u1")
    assert db.get_session("instagram", "u1") is None  # nothing before the commit
    unit.outbox = [OutboxRow(0, "u1", r, "bot", {}) for r in turn.requests]
    rows = db.commit(unit)
    assert rows and rows[0].body["message"]["text"] == "Hi! You said: hi"
    assert db.get_session("instagram", "u1").version == 1  # type: ignore[union-attr]
    assert db.seen("m-1")
    # the same event again: nothing is committed
    again = Unit(key="m-1", inbox_id=2, idx=0)
    again.outbox = [OutboxRow(0, "u1", OutboundRequest.from_body(
        "messages", {"recipient": {"id": "u1"}, "sender_action": "typing_on"}), "bot", {})]
    assert db.commit(again) is None
    assert len(db.unsent()) == 1


def test_outbox_rows_of_an_older_data_dir_read_back_typed(tmp_path: Path) -> None:
    """Rows stored as JSON bodies (as every version wrote them) come back as typed requests."""
    StateDB(tmp_path / "state.sqlite").close()
    old = [
        ("u1", "messages", {"recipient": {"comment_id": "c1"}, "message": {
            "text": "Sent you a DM", "quick_replies": [
                {"content_type": "text", "title": "Menu", "payload": "{\"type\":\"menu\"}"}]}},
         {"flow": "comments", "state": "init", "action": "dm"}, "sending"),
        ("u1", "pass_thread_control", {"recipient": {"id": "u1"},
                                       "target_app_id": "1217981644879628"},
         {"flow": "human", "state": "init", "action": "handover", "by": "bot"}, "pending"),
    ]
    with sqlite3.connect(tmp_path / "state.sqlite") as conn:
        for conversation, endpoint, body, meta, state in old:
            conn.execute("INSERT INTO outbox (conversation, endpoint, body, role, meta, state, "
                         "created_at) VALUES (?, ?, ?, 'bot', ?, ?, 0)",
                         (conversation, endpoint, json.dumps(body), json.dumps(meta), state))
    rows = StateDB(tmp_path / "state.sqlite").unsent()
    assert [(r.endpoint, r.body, r.meta, r.state) for r in rows] == [
        (e, b, m, st) for _, e, b, m, st in old]
    reply, handover = (r.request for r in rows)
    assert (reply.kind, reply.text, reply.private_reply, reply.comment_id) == (
        "text", "Sent you a DM", True, "c1")
    assert [t.title for t in reply.taps] == ["Menu"]
    assert (reply.action, reply.flow) == ("dm", "comments")
    assert handover.kind == "pass_thread_control" and handover.log_fields()[0] == "handover"
    assert rows[0].stored_body() == json.dumps(old[0][2])


def test_two_workers_cannot_both_advance_one_conversation(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.sqlite")
    store = ServerStore(db)
    first, second = Engine(bot(), store), Engine(bot(), store)
    a, b = Unit(key="a"), Unit(key="b")
    with store.unit(a):
        first.handle({"type": "text", "content": "one"}, user="u2")
    with store.unit(b):
        second.handle({"type": "text", "content": "two"}, user="u2")
    db.commit(a)
    with pytest.raises(ConflictError):
        db.commit(b)
    assert not db.seen("b")  # rolled back: the event runs again after reloading
    b = Unit(key="b")
    with store.unit(b):
        second.handle({"type": "text", "content": "two"}, user="u2")
    db.commit(b)
    assert db.get_session("instagram", "u2").version == 2  # type: ignore[union-attr]


def test_store_put_checks_the_version_outside_units_too(tmp_path: Path) -> None:
    store = ServerStore(StateDB(tmp_path / "state.sqlite"))
    store.put(Session(user="u3"), 0)
    with pytest.raises(ConflictError):
        store.put(Session(user="u3"), 0)


def test_log_lines_have_exactly_the_canonical_fields_and_analytics_reads_them(tmp_path: Path) -> None:
    from igbot.analytics._log import read_jsonl_log, to_log_record
    from igbot.analytics._schema import Problems

    line = log_line("u1", 1732500000123, "in", "user", "story_reply", text="love it",
                    payload={"type": "story_reply", "story_id": "3456"}, flow="main",
                    state="start", intent="story", is_fallback=False, mid="m-1")
    data = json.loads(line)
    assert tuple(data) == LOG_FIELDS
    assert data["timestamp"] == "2024-11-25T02:00:00.123Z" and data["source"] == "igbot_log"
    assert to_log_record(**{k: v for k, v in data.items() if k != "source"}) == {**data}
    path = tmp_path / "log.jsonl"
    path.write_text(line + "\n" + redacted(line) + "\n")
    problems = Problems()
    frame = read_jsonl_log(path, problems)
    assert len(frame) == 2 and not problems.items
    assert frame["text"].isna().tolist() == [False, True]
    with pytest.raises(ValueError, match="role"):
        log_line("u1", 0, "in", "robot", "text")


def test_a_redacted_line_keeps_its_length() -> None:
    for text in ("x", "a longer message", "émoji 😀"):
        line = log_line("u1", 0, "in", "user", "text", text=text, mid="m")
        assert len(redacted(line).encode()) == len(line.encode())
        assert json.loads(redacted(line))["text"] in (None, "")


def test_the_log_writer_skips_lines_written_just_before_a_crash(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.sqlite")
    lines = [(log_line("u1", n, "in", "user", "text", text=f"t{n}", mid=f"m{n}"), f"m{n}")
             for n in range(4)]
    db.queue_log(lines)
    path = tmp_path / "log.jsonl"
    # the crash came after the first two lines reached the file (the last one torn)
    path.write_text(lines[0][0] + "\n" + lines[1][0] + "\n" + lines[2][0][:20])
    log = ConversationLog(path, db).start()
    log.stop()
    written = [json.loads(x)["text"] for x in path.read_text().splitlines()]
    assert written == ["t0", "t1", "t2", "t3"]
