"""The store benchmark does what the engine does with a store: each event reads the person's
session and writes it back one version on, so its figures measure real gets and puts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from igbot import MemoryStore, SqliteStore


def test_each_event_advances_its_persons_session(bench_script: Callable[[str], ModuleType], tmp_path: Path) -> None:
    bench = bench_script("store")
    users = ["a", "b", "a", "c", "a", "b"]
    for store in (MemoryStore(), SqliteStore(tmp_path / "s.sqlite")):
        cpu, wall, latencies = bench.run(store, users)
        assert len(latencies) == len(users) and cpu >= 0 and wall > 0
        for user, count in Counter(users).items():
            session = store.get("instagram", user)
            assert session is not None and session.version == count
            assert session.data["seen"] == count
        if isinstance(store, SqliteStore):
            store.close()
