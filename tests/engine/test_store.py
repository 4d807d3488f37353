from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from igbot import ConflictError
from igbot.engine import MemoryStore, Session, SessionStore, SqliteStore


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path) -> SessionStore:
    return MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.sqlite")


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
