from __future__ import annotations

import gc
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import msgspec
import pytest

from igbot import ConflictError
from igbot.engine import FlowFrame, MemoryStore, Session, SessionStore, SqliteStore
from tests.engine.conftest import make_engine, say


@pytest.fixture(params=["memory", "sqlite", "sqlite-sync"])
def store(request, tmp_path) -> SessionStore:
    if request.param == "memory":
        return MemoryStore()
    return SqliteStore(tmp_path / "s.sqlite", commit_every=1 if request.param == "sqlite-sync" else 64)


def test_store_implements_the_interface(store: SessionStore) -> None:
    assert isinstance(store, SessionStore)


def test_new_conversation_is_none_then_round_trips(store: SessionStore) -> None:
    assert store.get("instagram", "u1") is None
    session = Session(user="u1", flow="order", state="ask", data={"name": "Ana"})
    stored = store.put(session, 0)
    assert stored.version == 1
    again = store.get("instagram", "u1")
    assert again is not None
    assert (again.flow, again.state, again.data, again.version) == ("order", "ask", {"name": "Ana"}, 1)


def test_two_workers_cannot_both_advance_one_conversation(store: SessionStore) -> None:
    store.put(Session(user="u1"), 0)
    first, second = store.get("instagram", "u1"), store.get("instagram", "u1")
    assert first and second
    first.state = "a"
    store.put(first, first.version)
    second.state = "b"
    with pytest.raises(ConflictError, match="another worker"):
        store.put(second, second.version)
    stored = store.get("instagram", "u1")
    assert stored is not None and stored.state == "a" and stored.version == 2


def test_two_new_sessions_for_one_user_conflict(store: SessionStore) -> None:
    store.put(Session(user="u1"), 0)
    with pytest.raises(ConflictError):
        store.put(Session(user="u1"), 0)


def test_delete_forgets(store: SessionStore) -> None:
    store.put(Session(user="u1"), 0)
    store.delete("instagram", "u1")
    assert store.get("instagram", "u1") is None


def test_sqlite_store_persists_across_instances(tmp_path) -> None:
    path = tmp_path / "data" / "sessions.sqlite"
    SqliteStore(path).put(Session(user="u9", context={"x": 1}), 0)
    session = SqliteStore(path).get("instagram", "u9")
    assert session is not None and session.context == {"x": 1}


def test_sqlite_reads_rows_written_as_pydantic_json_text(tmp_path: Path) -> None:
    """Rows an older igbot wrote (pydantic's JSON, as text) are still read, and rewritten."""
    store = SqliteStore(tmp_path / "s.sqlite")
    old = ('{"channel":"instagram","user":"u9","id":"abc","flow":"promo","state":"show",'
           '"context":{"item":"tote"},"data":{"claimed":1},"stack":[{"flow":"faq","state":"ask",'
           '"context":{}}],"last_flow":null,"last_state":null,"agent":null,"version":4,'
           '"created_at":1.5,"updated_at":2.5}')
    store._conn.execute("INSERT INTO sessions VALUES ('instagram', 'u9', 4, ?, 2.5)", (old,))
    session = store.get("instagram", "u9")
    assert session is not None
    assert (session.flow, session.state, session.context, session.data) == (
        "promo", "show", {"item": "tote"}, {"claimed": 1})
    assert session.stack[0].flow == "faq" and session.version == 4
    session.data["claimed"] = 2
    store.put(session, 4)
    again = store.get("instagram", "u9")
    assert again is not None and again.data == {"claimed": 2} and again.version == 5


def test_memory_store_keeps_its_copy_apart_from_the_callers() -> None:
    store = MemoryStore()
    session = Session(user="u1", data={"cart": [1]})
    store.put(session, 0)
    session.data["cart"].append(2)  # the caller goes on changing its object
    got = store.get("instagram", "u1")
    assert got is not None and got.data == {"cart": [1]}
    got.data["cart"].append(3)
    again = store.get("instagram", "u1")
    assert again is not None and again.data == {"cart": [1]}


def test_new_sessions_get_random_version_4_uuids() -> None:
    ids = {Session(user="u1").id for _ in range(50)}
    assert len(ids) == 50
    assert all(uuid.UUID(hex=i).version == 4 and len(i) == 32 for i in ids)


# -- SqliteStore: the read cache and group commit ------------------------------------------------


def _committed(path: Path) -> dict[str, int]:
    """The sessions another connection sees in the file: user -> version."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT user, version FROM sessions").fetchall())


def test_sqlite_writes_wait_for_commit_every_puts_or_flush(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, commit_every=3, commit_after=60)
    store.put(Session(user="u1"), 0)
    store.put(Session(user="u2"), 0)
    assert _committed(path) == {}
    assert store.get("instagram", "u1") is not None  # its own writes are read back at once
    store.put(Session(user="u3"), 0)
    assert _committed(path) == {"u1": 1, "u2": 1, "u3": 1}
    store.delete("instagram", "u2")
    assert _committed(path) == {"u1": 1, "u2": 1, "u3": 1}
    store.flush()
    assert _committed(path) == {"u1": 1, "u3": 1}
    store.close()


def test_sqlite_commit_every_1_commits_before_put_returns(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, commit_every=1)
    store.put(Session(user="u1"), 0)
    assert _committed(path) == {"u1": 1}
    assert store._file.thread is None
    store.close()


def test_sqlite_an_idle_store_commits_after_commit_after(tmp_path: Path) -> None:
    """Nobody calls the store again: the commit thread commits, and the write lock is freed."""
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, commit_after=0.05)
    store.put(Session(user="u1"), 0)
    deadline = time.monotonic() + 5
    while not _committed(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _committed(path) == {"u1": 1}
    assert not store._conn.in_transaction
    store.close()


def test_sqlite_a_late_call_commits_first(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, commit_after=0.05)
    store.put(Session(user="u1"), 0)
    store._file.due = time.monotonic() - 1  # overdue, as if the commit thread had not run yet
    store.get("instagram", "u2")
    assert _committed(path) == {"u1": 1}
    store.close()


def test_sqlite_close_exit_and_collection_commit(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with SqliteStore(path, commit_after=60) as store:
        store.put(Session(user="u1", data={"a": 1}), 0)
    assert _committed(path) == {"u1": 1}
    SqliteStore(path, commit_after=60).put(Session(user="u2"), 0)  # dropped without close
    gc.collect()
    assert _committed(path) == {"u1": 1, "u2": 1}
    reopened = SqliteStore(path)
    again = reopened.get("instagram", "u1")
    assert again is not None and again.data == {"a": 1} and again.version == 1
    reopened.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.get("instagram", "u1")
    store.close()  # twice is fine


def test_sqlite_two_stores_on_one_file_see_each_others_commits(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    a, b = SqliteStore(path, commit_after=60), SqliteStore(path, commit_after=60)
    a.put(Session(user="u1", state="a1"), 0)
    assert b.get("instagram", "u1") is None  # not committed yet (and b remembers: none)
    a.flush()
    seen = b.get("instagram", "u1")  # b's cache was dropped: a committed
    assert seen is not None and seen.state == "a1"
    cached = a.get("instagram", "u1")
    assert cached is not None
    seen.state = "b2"
    b.put(seen, seen.version)
    b.flush()
    fresh = a.get("instagram", "u1")  # a had it cached: data_version tells it b committed
    assert fresh is not None and (fresh.state, fresh.version) == ("b2", 2)
    cached.state = "a-late"
    with pytest.raises(ConflictError, match="another worker"):
        a.put(cached, cached.version)  # a read version 1 before b advanced it
    assert cached.version == 1
    # b commits again while a holds u1 in its cache; a then opens a transaction (a write to
    # someone else) and reads u1 inside it: the look at data_version on BEGIN dropped the cache
    fresh.state = "b3"
    b.put(fresh, fresh.version)
    b.flush()
    a.put(Session(user="u2"), 0)
    assert a._conn.in_transaction
    inside = a.get("instagram", "u1")
    assert inside is not None and (inside.state, inside.version) == ("b3", 3)
    a.close()
    b.close()


def test_sqlite_an_open_batch_holds_another_writer_at_most_commit_after(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    a, b = SqliteStore(path, commit_after=0.1), SqliteStore(path, commit_after=60)
    a.put(Session(user="u1"), 0)  # a's transaction is open: b's write waits for its commit
    start = time.monotonic()
    with pytest.raises(ConflictError):
        b.put(Session(user="u1"), 0)
    assert time.monotonic() - start < 2  # well under the 5 s busy timeout
    b.put(Session(user="u2"), 0)
    b.close()
    a.close()
    assert _committed(path) == {"u1": 1, "u2": 1}


def test_sqlite_threads_share_a_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite", commit_every=7, commit_after=0.01)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(40):
                session = store.get("instagram", f"t{n}") or Session(user=f"t{n}")
                session.data["i"] = i
                store.put(session, session.version)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store.close()
    assert _committed(tmp_path / "s.sqlite") == {f"t{n}": 40 for n in range(4)}


def test_sqlite_the_cache_is_bounded(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite", cache_size=2)
    for i in range(5):
        store.put(Session(user=f"u{i}", data={"i": i}), 0)
    assert len(store._file.cache) == 2
    for i in range(5):
        got = store.get("instagram", f"u{i}")
        assert got is not None and got.data == {"i": i}
    assert len(store._file.cache) == 2
    with pytest.raises(ConflictError):  # u0 is in the open transaction, out of the cache
        store.put(Session(user="u0"), 0)
    store.close()
    with pytest.raises(ValueError, match="commit_every"):
        SqliteStore(tmp_path / "t.sqlite", commit_every=0)



def test_sqlite_the_commit_thread_checkpoints_and_the_log_starts_afresh(tmp_path: Path) -> None:
    """Under steady writes the commit thread copies the write-ahead log into the database file
    (no commit does it: the store's connection has autocheckpoint off), and the log restarts."""
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, commit_every=4, commit_after=60)
    assert store._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    store._file.checkpoint_frames = 16
    frames_after_checkpoint = []
    deadline = time.monotonic() + 20
    i = 0
    while time.monotonic() < deadline:
        session = store.get("instagram", f"u{i % 200}") or Session(user=f"u{i % 200}")
        session.data["x"] = "y" * 300
        store.put(session, session.version)
        i += 1
        if store._file.checkpoints:
            frames_after_checkpoint.append(store._file.log_frames())
            if store._file.checkpoints >= 2 and min(frames_after_checkpoint) < 16:
                break
    assert store._file.checkpoints >= 2
    assert min(frames_after_checkpoint) < 16  # the log restarted and fills again
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as db:  # the file alone, no log
        assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] > 0
    store.close()
    unbatched = SqliteStore(tmp_path / "t.sqlite", commit_every=1)  # SQLite checkpoints itself
    assert unbatched._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    unbatched.close()


def _rows(path: Path) -> dict[str, tuple[int, int, str | None]]:
    """user -> (rowid, version, state) of what the file holds."""
    with sqlite3.connect(path) as db:
        return {user: (rowid, version, Session.from_json(body).state)
                for rowid, user, version, body in
                db.execute("SELECT rowid, user, version, body FROM sessions")}


def test_sqlite_a_batching_store_updates_a_known_row_by_its_rowid(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, commit_after=60)
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    store.put(Session(user="u1", state="a"), 0)
    session = store.get("instagram", "u1")
    assert session is not None
    session.state = "b"
    store.put(session, 1)  # in the same transaction: the row the INSERT made
    store.delete("instagram", "u1")
    store.put(Session(user="u1", state="c"), 0)  # a new row, a new rowid
    again = store.get("instagram", "u1")
    assert again is not None and again.state == "c"
    again.state = "d"
    store.put(again, 1)
    store.flush()
    updates = [s for s in statements if s.startswith("UPDATE")]
    assert len(updates) == 2 and all("WHERE rowid = " in s for s in updates)
    assert _rows(path)["u1"][1:] == (2, "d")
    store.close()


def test_sqlite_rows_moved_by_another_connection_are_found_by_key(tmp_path: Path) -> None:
    """Another connection renumbers the rows, or deletes a session and gives its rowid to
    another: the store's next transaction sees that it committed (the cache is dropped), so a
    write finds its row by key, and never lands in another session's row."""
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, commit_after=60)
    for user in ("u1", "u2", "u3"):
        store.put(Session(user=user, state="a"), 0)
    store.flush()
    u2, u3 = store.get("instagram", "u2"), store.get("instagram", "u3")  # cached, with rowids
    assert u2 is not None and u3 is not None
    with sqlite3.connect(path) as db:
        db.execute("UPDATE sessions SET rowid = rowid + 100")
    u2.state = "b"
    store.put(u2, 1)  # found by key: the rowid it knew is gone
    store.flush()
    assert _rows(path)["u2"][1:] == (2, "b")
    u3_rowid = _rows(path)["u3"][0]
    with sqlite3.connect(path) as db:  # u3 leaves; u9 arrives in the row u3 had
        db.execute("DELETE FROM sessions WHERE user = 'u3'")
        db.execute("INSERT INTO sessions VALUES ('instagram', 'u9', 7, ?, 1.0)",
                   (Session(user="u9", state="nine").model_dump_json(),))
    assert _rows(path)["u9"][0] == u3_rowid
    u3.state = "b"
    with pytest.raises(ConflictError):
        store.put(u3, 1)
    store.close()
    rows = _rows(path)
    assert "u3" not in rows and rows["u9"][1:] == (7, "nine")
    assert rows["u1"][1:] == (1, "a")


_CHILD = textwrap.dedent("""
    import sys, time
    from igbot.engine import Session, SqliteStore
    store = SqliteStore(sys.argv[1], commit_every=1000, commit_after=float(sys.argv[2]))
    for i in range(50):
        store.put(Session(user=f"f{i}"), 0)
    store.flush()
    for i in range(10):
        store.put(Session(user=f"w{i}"), 0)
    print("ready", flush=True)
    time.sleep(60)
""")


def _killed_child(path: Path, commit_after: float, wait: float) -> None:
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), str(commit_after)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(wait)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()


def test_sqlite_kill_9_loses_at_most_the_unflushed_window(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    _killed_child(path, commit_after=60, wait=0)
    users = set(_committed(path))
    assert {f"f{i}" for i in range(50)} <= users  # everything flushed is there
    assert users - {f"f{i}" for i in range(50)} == set()  # the open window was lost
    store = SqliteStore(path)  # the file is fine: written again, read back
    store.put(Session(user="w0"), 0)
    store.close()
    assert set(_committed(path)) == users | {"w0"}


def test_sqlite_kill_9_after_commit_after_loses_nothing(tmp_path: Path) -> None:
    """An idle process has committed its window within ``commit_after`` (the commit thread)."""
    path = tmp_path / "s.sqlite"
    _killed_child(path, commit_after=0.05, wait=1.0)
    assert set(_committed(path)) == {f"f{i}" for i in range(50)} | {f"w{i}" for i in range(10)}


def test_sqlite_two_processes_conflict_and_see_each_other(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path)
    store.put(Session(user="u1", state="here"), 0)
    store.flush()
    mine = store.get("instagram", "u1")
    assert mine is not None
    script = textwrap.dedent("""
        import sys
        from igbot.engine import SqliteStore
        with SqliteStore(sys.argv[1]) as store:
            session = store.get("instagram", "u1")
            session.state = "there"
            store.put(session, session.version)
    """)
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    seen = store.get("instagram", "u1")
    assert seen is not None and (seen.state, seen.version) == ("there", 2)
    with pytest.raises(ConflictError):
        store.put(mine, 1)
    store.close()


def test_sqlite_a_process_exiting_without_close_commits(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    script = textwrap.dedent("""
        import sys
        from igbot.engine import Session, SqliteStore
        store = SqliteStore(sys.argv[1], commit_every=1000, commit_after=60)
        store.put(Session(user="u1"), 0)
    """)
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    assert _committed(path) == {"u1": 1}



# -- MemoryStore: the stored session and the callers' objects stay apart ----------------------


def test_memory_store_copies_share_nothing_with_the_callers_objects() -> None:
    store = MemoryStore()
    frame = FlowFrame(flow="faq", state="ask", context={"q": {"n": [1]}})
    session = Session(user="u1", context={"a": {"b": [1]}}, data={"cart": [{"id": 1}]},
                      stack=[frame], agent={"app_id": "1"})
    store.put(session, 0)
    session.context["a"]["b"].append(2)
    session.data["cart"][0]["id"] = 2
    frame.context["q"]["n"].append(2)
    frame.state = "changed"
    session.agent["app_id"] = "2"
    got = store.get("instagram", "u1")
    assert got is not None
    assert (got.context, got.data, got.agent) == ({"a": {"b": [1]}}, {"cart": [{"id": 1}]},
                                                  {"app_id": "1"})
    assert got.stack == [FlowFrame(flow="faq", state="ask", context={"q": {"n": [1]}})]
    got.context["a"]["b"].append(3)
    got.stack[0].context["q"]["n"].append(3)
    got.stack.append(FlowFrame(flow="x"))
    got.data.clear()
    again = store.get("instagram", "u1")
    assert again is not None and again == store.get("instagram", "u1")
    assert (again.context, again.data, len(again.stack)) == (
        {"a": {"b": [1]}}, {"cart": [{"id": 1}]}, 1)
    assert again.stack[0].context == {"q": {"n": [1]}}


def test_memory_store_reads_back_what_a_messagepack_round_trip_gives() -> None:
    """A tuple comes back a list, an int time a float; what MessagePack refuses fails where it
    fails (a number as a key at ``get``, an integer past 64 bits at ``put``)."""
    store = MemoryStore()
    store.put(Session(user="u1", data={"ids": (1, 2)}, updated_at=5), 0)
    got = store.get("instagram", "u1")
    assert got is not None and got.data == {"ids": [1, 2]} and type(got.updated_at) is float
    store.put(Session(user="u2", data={1: "x"}), 0)
    with pytest.raises(msgspec.ValidationError):
        store.get("instagram", "u2")
    with pytest.raises(OverflowError):
        store.put(Session(user="u3", data={"n": 1 << 70}), 0)
    assert store.get("instagram", "u3") is None


def test_a_failed_turn_leaves_the_stored_session_as_it_was() -> None:
    now = [1000.0]
    failing = [False]

    def clock() -> float:
        if failing[0]:
            raise RuntimeError("clock broke")
        return now[0]

    engine = make_engine("""
        flows:
          main:
            intents:
              go: {type: text, initial: true, condition: "content == 'go'"}
              step: {type: text, condition: "content == 'step'"}
            states:
              a:
                initial: true
                transitions: {b: {condition: "intent == 'step'",
                                  mapping: {context.last: "content",
                                            data.seen.count: "(data.seen.count || 0) + 1"}}}
              b: {transitions: {a: {mapping: {context.last: "'b'", data.seen.b: "true"}}}}
        """, clock=clock)  # nothing reads the context's $now: the clock is read by the put alone
    say(engine, "go")
    say(engine, "step")
    before = msgspec.to_builtins(engine.session("u1"))
    assert before["data"] == {"seen": {"count": 1}}
    assert before["context"] == {"last": "step"} and before["state"] == "b"
    failing[0] = True  # the turn runs its mappings, then fails before its put
    with pytest.raises(RuntimeError, match="clock broke"):
        say(engine, "step")
    failing[0] = False
    assert msgspec.to_builtins(engine.session("u1")) == before


def test_a_callers_session_does_not_see_later_turns() -> None:
    engine = make_engine("""
        flows:
          main:
            intents:
              any: {type: text, initial: true}
            states:
              a:
                initial: true
                transitions: {a: {mapping: {data.seen.n: "(data.seen.n || 0) + 1"}}}
        """)
    say(engine, "hi")
    held = engine.session("u1")
    assert held is not None and held.data == {"seen": {"n": 1}}
    say(engine, "again")
    assert held.data == {"seen": {"n": 1}} and held.version == 1
    now = engine.session("u1")
    assert now is not None and now.data == {"seen": {"n": 2}} and now.version == 2
    held.data["seen"]["n"] = 99  # and the caller's changes stay the caller's
    assert engine.session("u1") == now


def test_a_session_copy_is_deep_and_equal() -> None:
    frame = FlowFrame(flow="faq", state="ask", context={"q": [{"n": 1}]})
    session = Session(user="u1", flow="promo", context={"a": {"b": [1]}}, data={"c": [1, 2]},
                      stack=[frame], agent={"app_id": "1"}, version=3, last_flow="x")
    for copy in (session.copy(), session.model_copy(deep=True)):
        assert copy == session and type(copy) is Session and copy is not session
        assert copy.context["a"] is not session.context["a"]
        assert copy.data["c"] is not session.data["c"]
        assert copy.stack is not session.stack and copy.stack[0] is not frame
        assert copy.stack[0].context["q"][0] is not frame.context["q"][0]
        assert copy.agent is not session.agent
    assert Session(user="u2").copy().agent is None
