"""Fixtures shared by every test package: a PostgreSQL server of the session's own."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from igbot.server._pgcluster import PostgresUnavailable, TempPostgres
from igbot.server._postgres import upgrade

_TEMPLATE = "igbot_template"
_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[TempPostgres]:
    """PostgreSQL started for the test session (initdb in a temp folder, 127.0.0.1, stopped at
    the end); the tests that use it are skipped, saying why, where it cannot run."""
    try:
        pg = TempPostgres(settings={"fsync": "off", "synchronous_commit": "off"}).start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL cannot run here: {exc}")
    try:
        upgrade(pg.createdb(_TEMPLATE))
        yield pg
    finally:
        pg.stop()


@pytest.fixture
def database_url(postgres: TempPostgres) -> str:
    """A fresh database at the latest schema (copied from a template: fast) for one test."""
    import psycopg

    name = f"t{next(_databases)}"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
    return postgres.url.rsplit("/", 1)[0] + "/" + name
