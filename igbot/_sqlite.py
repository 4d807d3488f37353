"""Opening igbot's SQLite files: one connection recipe, one way to version a schema.

Every SQLite file igbot keeps (the engine's session store, the server's inbox and state, the
send policy's store) opens through :func:`connect`: autocommit mode (``isolation_level=None``;
a caller that needs a transaction says ``BEGIN IMMEDIATE``), usable from any thread (each store
guards its connection with its own lock), WAL journal, a busy timeout, and the durability the
store asks for (``synchronous=FULL`` fsyncs every commit; ``NORMAL`` survives a killed process,
a power cut may lose the latest commits).

A schema is a list of steps: step ``i`` takes the file from version ``i`` to ``i + 1``. The
version lives in the file's ``PRAGMA user_version``; :func:`migrate` runs the missing steps in
order, in one ``BEGIN IMMEDIATE`` transaction (two processes opening a new file at once do
not both migrate it), and refuses a file a newer igbot wrote. Steps are only ever appended:
a released step never changes. Files from before versioning (version 0 with tables in them)
are why the first steps say ``IF NOT EXISTS`` and a later step may look before it alters.

Why here, beside ``_errors``, below every package: the engine (sessions), channel (the send
policy) and server (inbox, state) all keep SQLite files, and the engine is the lowest of them;
a helper they share must sit under the engine's floor. It is storage, not shared vocabulary,
so it is not in ``igbot.vocab``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from igbot._errors import SchemaVersionError

__all__ = ["Step", "connect", "migrate", "schema_version"]

Step = str | Callable[[sqlite3.Connection], None]
"""One schema step: SQL statements separated by ``;`` (igbot's own DDL, no ``;`` inside a
literal) or a function given the connection inside the migration's transaction."""

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


def connect(path: str | Path, *, schema: Sequence[Step] = (), synchronous: Synchronous = "NORMAL",
            timeout: float = 30.0) -> sqlite3.Connection:
    """Open (creating it and its folder if needed) an SQLite file the igbot way.

    Args:
        path: the file.
        schema: the steps of its schema, oldest first (see the module docstring).
        synchronous: ``FULL`` to fsync every commit, ``NORMAL`` to survive a killed process.
        timeout: seconds to wait for another connection's write lock.

    Returns:
        An autocommit connection usable from any thread, with the schema up to date.

    Raises:
        SchemaVersionError: the file was written by a newer igbot.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False,
                           isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        migrate(conn, schema, str(path))
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The file's schema version (``PRAGMA user_version``; 0 for a new or unversioned file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, schema: Sequence[Step], name: str = "database") -> int:
    """Bring the file up to ``len(schema)`` by running its missing steps in order; the version.

    Raises:
        SchemaVersionError: the file's version is newer than ``schema`` knows.
    """
    target = len(schema)
    if schema_version(conn) == target:
        return target
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)  # another process may have migrated meanwhile
        if current > target:
            raise SchemaVersionError(
                f"{name}: schema version {current} was written by a newer igbot (this one "
                f"knows versions up to {target}); upgrade igbot or use another data directory")
        for step in schema[current:]:
            if callable(step):
                step(conn)
            else:
                for statement in step.split(";"):
                    if statement.strip():
                        conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {target:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return target
