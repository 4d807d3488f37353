from __future__ import annotations

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
