"""The store benchmark does what the engine does with a store: each event reads the person's
session and writes it back one version on, so its figures measure real gets and puts."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

from igbot import MemoryStore, SqliteStore

BENCH = Path(__file__).resolve().parents[2] / "bench" / "store.py"


def _bench() -> ModuleType:  # the benchmark is a script, not a package module
    spec = importlib.util.spec_from_file_location("bench_store", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_each_event_advances_its_persons_session(tmp_path: Path) -> None:
    bench = _bench()
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
