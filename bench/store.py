"""The session store alone: a ``get`` and a ``put`` an event, as the engine makes them.

The users are those of ``bench/engine.py``'s shop traffic (300 people by default); each event
reads the person's session, changes its state, context and data, stamps it and writes it back.
Reports, for ``SqliteStore`` with its defaults, the median of ``--rounds`` rounds of:

- the CPU time of the calling thread an event (``time.thread_time``: another process's time
  slices do not count), less that of ``MemoryStore`` on the same events: what SQLite adds;
- the wall clock an event, its p99 and the third-largest event (a checkpoint, when the callers'
  thread does one).

The machine is shared: run it interleaved with the tree before (``--root``) and give the load.
Run: ``.venv/bin/python bench/store.py [--events 6000] [--people 300] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import engine as bench  # noqa: E402

from igbot import MemoryStore, SessionStore, SqliteStore  # noqa: E402
from igbot.engine import Session  # noqa: E402


def run(store: SessionStore, users: list[str]) -> tuple[float, float, list[float]]:
    """(CPU seconds of this thread, wall seconds, each event's latency) for ``users``."""
    latencies = []
    cpu, wall = time.thread_time(), time.perf_counter()
    for i, user in enumerate(users):
        start = time.perf_counter()
        session = store.get("instagram", user) or Session(user=user)
        version = session.version
        session.flow, session.state = "faq", f"s{i % 5}"
        session.context["step"] = i
        session.data["seen"] = session.data.get("seen", 0) + 1
        session.updated_at = 1.0 + i
        store.put(session, version)
        latencies.append(time.perf_counter() - start)
    return time.thread_time() - cpu, time.perf_counter() - wall, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    users = [json.loads(body)["entry"][0]["messaging"][0]["sender"]["id"]
             for body in bench.bodies(args.events, args.people)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            memory_cpu, _, _ = run(MemoryStore(), users)
            store = SqliteStore(Path(tmp) / f"{i}.sqlite")
            cpu, wall, latencies = run(store, users)
            store.close()
            rows.append(((cpu - memory_cpu) / len(users), wall / len(users),
                         statistics.quantiles(latencies, n=100)[98], sorted(latencies)[-3]))
    added, wall, p99, third = (statistics.median(column) for column in zip(*rows, strict=True))
    print(f"SqliteStore, {args.events} events, {args.people} people, median of {args.rounds} "
          f"rounds: CPU {added * 1e6:.1f} us an event more than MemoryStore; wall "
          f"{wall * 1e6:.1f} us, p99 {p99 * 1e6:.0f} us, third-largest {third * 1e6:.0f} us")


if __name__ == "__main__":
    main()
