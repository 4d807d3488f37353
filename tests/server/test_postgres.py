"""The PostgreSQL storage: the same promises as SQLite's, checked on a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from psycopg_pool import ConnectionPool

from igbot._errors import ConflictError
from igbot.engine import Session
from igbot.models import OutboundRequest
from igbot.server import log_line
from igbot.server._postgres import PgInbox, PgPolicyStore, PgState, bind, connect_pool, safe_url
from igbot.server._state import OutboxRow, Unit


@pytest.fixture
def pool(database_url: str) -> Iterator[ConnectionPool]:
    pool = connect_pool(database_url, 4)
    try:
        yield pool
    finally:
        pool.close()


def test_a_unit_commits_once_and_a_stale_session_conflicts(pool: ConnectionPool, database_url: str) -> None:
    db = PgState(pool, database_url)
    session = Session(user="u1", version=1)
    line = log_line("u1", 1_767_225_600_000, "in", "user", "text", text="hi", mid="m1")
    unit = Unit(key="m1", inbox_id=1, idx=0, kind="text", sessions={("instagram", "u1"): (session, 0)},
                outbox=[OutboxRow(0, "u1", OutboundRequest.from_body(
                    "messages", {"recipient": {"id": "u1"}, "message": {"text": "yo"}}), "bot", {})],
                log=[(line, "m1")])
    (row,) = db.commit(unit) or []
    assert row.body["message"]["text"] == "yo" and db.seen("m1") and db.session_version("instagram", "u1") == 1
    assert db.commit(unit) is None  # the same event again: nothing
    stale = Unit(key="m2", sessions={("instagram", "u1"): (Session(user="u1", version=1), 0)})
    with pytest.raises(ConflictError):
        db.commit(stale)
    assert not db.seen("m2")  # rolled back with the conflict
    assert [r.id for r in db.unsent("u1")] == [row.id]
    db.mark_sending(row.id)
    assert db.finish(row.id, "sent", "out-1") and not db.finish(row.id, "sent", "out-1")
    assert db.is_our_message("out-1") and db.unsent() == []


def test_one_statement_commits_a_unit_removes_its_pending_row_and_checks_versions(
        pool: ConnectionPool, database_url: str) -> None:
    db = PgState(pool, database_url)
    db.query("INSERT INTO igbot_pending (inbox_id, idx, conversation, ts, key) VALUES "
             "(7, 0, 'u4', 1, 'k1'), (7, 1, 'u4', 2, 'k2') RETURNING 1")
    first = Session(user="u4", version=1)
    assert db.commit(Unit(key="k1", inbox_id=7, idx=0, sessions={("instagram", "u4"): (first, 0)})) == []
    assert db.removed_pending(7, 0) and not db.removed_pending(7, 0)  # told once
    second = Session(user="u4", version=2)
    db.commit(Unit(key="k2", inbox_id=7, idx=1, sessions={("instagram", "u4"): (second, 1)}))
    assert db.query("SELECT count(*) FROM igbot_pending")[0][0] == 0
    assert db.session_version("instagram", "u4") == 2
    with pytest.raises(ConflictError):  # expected version 1, stored 2
        db.commit(Unit(key="k3", sessions={("instagram", "u4"): (Session(user="u4", version=2), 1)}))
    assert not db.seen("k3") and db.session_version("instagram", "u4") == 2


def test_what_a_worker_was_told_is_used_once(pool: ConnectionPool, database_url: str) -> None:
    db = PgState(pool, database_url)
    db.put_session(Session(user="u6", version=1), 0)
    db.know(key="k6", session=("instagram", "u6", None))
    assert db.get_session("instagram", "u6") is None  # the hint (as read with the event) ...
    assert db.get_session("instagram", "u6") is not None  # ... then the database
    db.commit(Unit(key="k6"))
    db.know(key="k6")
    assert not db.seen("k6") and db.seen("k6")
    store = PgPolicyStore(pool, database_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pool.connection() as conn, bind(conn, "p6"):
        store.record_inbound("p6", now)
        store.record_inbound("other", now)
        db.query("UPDATE igbot_policy_inbound SET last_ts = last_ts + 60 RETURNING 1")
        assert store.last_inbound("p6") == now  # remembered while the conversation is held
        assert store.last_inbound("other") == now + timedelta(seconds=60)
    assert store.last_inbound("p6") == now + timedelta(seconds=60)


def test_a_held_persons_inbound_time_is_written_with_the_events_commit(
        pool: ConnectionPool, database_url: str) -> None:
    db = PgState(pool, database_url)
    store = PgPolicyStore(pool, database_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def stored(person: str) -> list[tuple[float]]:
        return db.query("SELECT last_ts FROM igbot_policy_inbound WHERE person_id = %s", (person,))

    with pool.connection() as conn, bind(conn, "p7"):
        db.know(inbound=("p7", None))  # read with the event: no time stored yet
        store.record_inbound("p7", now)
        assert stored("p7") == [] and store.last_inbound("p7") == now  # known, not yet written
        with pytest.raises(ConflictError):  # a failed commit writes nothing and keeps it
            db.commit(Unit(key="k7", sessions={("instagram", "p7"): (Session(user="p7", version=2), 1)}))
        assert stored("p7") == []
        db.commit(Unit(key="k7"))
        assert stored("p7") == [(now.timestamp(),)]
        store.record_inbound("p7", now - timedelta(hours=1))  # an older one: kept the later
        db.commit(Unit(key="k8"))
        store.record_inbound("p7", now + timedelta(seconds=5))  # no commit takes this one ...
        assert stored("p7") == [(now.timestamp(),)]
    assert stored("p7") == [(now.timestamp() + 5,)]  # ... the end of the binding writes it


def test_an_events_first_request_is_stored_sending_and_counted_once(
        pool: ConnectionPool, database_url: str) -> None:
    db = PgState(pool, database_url)

    def request(text: str) -> OutboxRow:
        return OutboxRow(0, "u8", OutboundRequest.from_body(
            "messages", {"recipient": {"id": "u8"}, "message": {"text": text}}), "bot", {})

    first, second = db.commit(Unit(key="k9", outbox=[request("a"), request("b")])) or []
    assert (first.state, second.state) == ("sending", "pending")

    def stored() -> list[tuple[str, int]]:
        return db.query("SELECT state, attempts FROM igbot_outbox WHERE conversation = 'u8' "
                        "ORDER BY id")

    assert stored() == [("sending", 1), ("pending", 0)]  # a crash now: resent as maybe sent
    db.mark_sending(first.id)  # the send the commit marked: no second count
    db.mark_sending(second.id)
    assert stored() == [("sending", 1), ("sending", 1)]
    db.mark_sending(first.id)  # sent again (a resend): counted
    assert stored()[0] == ("sending", 2)


def test_a_deleted_message_is_redacted_in_the_log_table(pool: ConnectionPool, database_url: str) -> None:
    db = PgState(pool, database_url)
    line = log_line("u2", 1_767_225_600_000, "in", "user", "text", text="my address", mid="m9")
    db.queue_log([(line, "m9")])
    db.queue_log([], redact=["m9"])
    ((_, stored),) = list(db.log_lines())
    assert json.loads(stored)["text"] is None and "my address" not in stored


def test_the_inbox_keeps_bodies_and_redacts_them(pool: ConnectionPool, database_url: str) -> None:
    inbox = PgInbox(pool, database_url).start()
    try:
        body = json.dumps({"object": "instagram", "entry": [{"id": "1", "time": 1, "messaging": [
            {"sender": {"id": "u3"}, "recipient": {"id": "1"}, "timestamp": 1,
             "message": {"mid": "m3", "text": "secret"}}]}]}).encode()
        first = inbox.append(body).result(10)
        second = inbox.append(b"{not json").result(10)
        assert second > first and len(inbox) == 2
        inbox.redact(first, "m3")
        assert b"secret" not in (inbox.get(first) or b"") and inbox.get(second) == b"{not json"
    finally:
        inbox.close()


def test_the_policy_store_is_shared_and_private_replies_go_once(pool: ConnectionPool, database_url: str) -> None:
    one, two = PgPolicyStore(pool, database_url), PgPolicyStore(pool, database_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    one.record_inbound("p", now)
    two.record_inbound("p", now - timedelta(hours=1))  # an older event arriving late
    assert two.last_inbound("p") == now and one.last_inbound("nobody") is None
    one.record_comment("c1", "p", now)
    assert two.comment("c1") == (now, None)
    assert one.mark_private_reply("c1", now) and not two.mark_private_reply("c1", now)
    assert two.comment("c1") == (now, now)


def test_urls_are_shown_without_their_password() -> None:
    assert safe_url("postgresql://me:hunter2@db:5432/igbot") == "postgresql://me@db:5432/igbot"
    assert "hunter2" not in repr(PgState(None, "postgresql://me:hunter2@db/igbot"))  # type: ignore[arg-type]
