"""igbot._sqlite: the one way igbot opens an SQLite file and versions its schema."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from igbot import IgbotError
from igbot._errors import SchemaVersionError
from igbot._sqlite import Step, connect, migrate, schema_version
from igbot.channel import SQLitePolicyStore
from igbot.engine import SqliteStore
from igbot.server._inbox import Inbox
from igbot.server._state import StateDB


def test_connect_sets_the_pragmas_and_applies_the_schema(tmp_path: Path) -> None:
    conn = connect(tmp_path / "deep" / "a.sqlite", schema=["CREATE TABLE t (x INTEGER)"],
                   synchronous="FULL")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.isolation_level is None
    assert schema_version(conn) == 1
    conn.execute("INSERT INTO t VALUES (1)")
    # usable from another thread (each store guards it with its own lock)
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(conn.execute("SELECT x FROM t").fetchone()[0]))
    thread.start()
    thread.join()
    assert seen == [1]
    conn.close()
    normal = connect(tmp_path / "deep" / "a.sqlite", schema=["CREATE TABLE t (x INTEGER)"])
    assert normal.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    normal.close()


def test_steps_run_once_in_order_and_only_the_missing_ones(tmp_path: Path) -> None:
    calls: list[int] = []

    def step3(db: sqlite3.Connection) -> None:
        calls.append(schema_version(db))
        db.execute("INSERT INTO t VALUES ('three')")

    first: list[Step] = ["CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('one')"]
    conn = connect(tmp_path / "m.sqlite", schema=first)
    conn.close()
    steps: list[Step] = [*first, "INSERT INTO t VALUES ('two')", step3]
    conn = connect(tmp_path / "m.sqlite", schema=steps)
    assert [r[0] for r in conn.execute("SELECT x FROM t")] == ["one", "two", "three"]
    assert schema_version(conn) == 3 and calls == [1]  # inside the transaction, before the bump
    assert migrate(conn, steps) == 3  # nothing left to run
    assert [r[0] for r in conn.execute("SELECT x FROM t")] == ["one", "two", "three"]
    conn.close()


def test_a_failing_step_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    conn = connect(tmp_path / "f.sqlite", schema=["CREATE TABLE t (x TEXT)"])
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, ["CREATE TABLE t (x TEXT)", "CREATE TABLE u (y TEXT)",
                       "INSERT INTO nowhere VALUES (1)"])
    assert schema_version(conn) == 1
    assert not conn.in_transaction
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'u'").fetchone() is None
    conn.close()


def test_a_file_from_a_newer_igbot_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    connect(path, schema=["CREATE TABLE a (x)", "CREATE TABLE b (x)"]).close()
    with pytest.raises(SchemaVersionError, match=r"new\.sqlite: schema version 2 .* up to 1") as info:
        connect(path, schema=["CREATE TABLE a (x)"])
    assert isinstance(info.value, IgbotError)


def test_every_store_is_versioned_and_reopens(tmp_path: Path) -> None:
    stores: list[StateDB | SqliteStore | SQLitePolicyStore | Inbox] = [StateDB(tmp_path / "state.sqlite"), SqliteStore(tmp_path / "sessions.sqlite"),
              SQLitePolicyStore(tmp_path / "policy.sqlite"), Inbox(tmp_path / "inbox.sqlite")]
    for store in stores:
        store.close()
    for name, version in [("state", 1), ("sessions", 1), ("policy", 2), ("inbox", 1)]:
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as db:
            assert schema_version(db) == version, name
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # reopening runs nothing and keeps the data
    policy = SQLitePolicyStore(tmp_path / "policy.sqlite")
    policy.close()


def test_a_policy_file_from_before_versioning_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "policy.sqlite"
    with sqlite3.connect(path) as db:  # what igbot wrote before Live comments were told apart
        db.execute("CREATE TABLE inbound (person_id TEXT PRIMARY KEY, last_ts REAL NOT NULL)")
        db.execute("CREATE TABLE comments (comment_id TEXT PRIMARY KEY, person_id TEXT, "
                   "ts REAL NOT NULL, replied_ts REAL)")
        db.execute("INSERT INTO comments VALUES ('c1', 'p1', 1.0, NULL)")
    SQLitePolicyStore(path).close()
    with sqlite3.connect(path) as db:
        assert schema_version(db) == 2
        assert db.execute("SELECT comment_id, live FROM comments").fetchall() == [("c1", 0)]
    # one with the column already (written between the column and versioning) upgrades too
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE comments (comment_id TEXT PRIMARY KEY, person_id TEXT, "
                   "ts REAL NOT NULL, replied_ts REAL, live INTEGER NOT NULL DEFAULT 0)")
    SQLitePolicyStore(other).close()
    with sqlite3.connect(other) as db:
        assert schema_version(db) == 2


def test_no_other_module_opens_sqlite_itself() -> None:
    root = Path(__file__).resolve().parents[1] / "igbot"
    openers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                     if "sqlite3.connect(" in p.read_text(encoding="utf-8"))
    assert openers == ["_sqlite.py"]
