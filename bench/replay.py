"""Replay throughput: a generated shop log through ``igbot.replay``, against the raw engine.

The log comes from the simulator (:func:`igbot.sim.generate_events`), sized by
the number of incoming messages. Baseline, measured in the same run on the same messages:
``Engine.handle`` on the rebuilt Kata messages, one session after another, in this process
(what replay must cost at least). Reported per size: sessions/s and messages/s for the baseline,
the serial replay (``workers=1``) and the automatic one (2 processes from 3,000 sessions), and
each replay's time as a ratio to the baseline (below 1 means faster than the raw engine on one
core). Run: ``.venv/bin/python bench/replay.py [--messages 20000 100000]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from igbot import Engine, MemoryStore, load_bot  # noqa: E402
from igbot.replay import kata_message, replay  # noqa: E402
from igbot.replay._replay import prepare_sessions  # noqa: E402
from igbot.sim import generate_events  # noqa: E402


def make_log(messages: int, seed: int = 11) -> pd.DataFrame:
    """A simulated log with about ``messages`` incoming messages."""
    people = max(1, messages // 4)
    events = generate_events(people=people, seed=seed, days=28)
    df = pd.DataFrame([{k: v for k, v in e.items() if not k.startswith("_")} for e in events])
    df["payload"] = df["payload"].map(lambda p: p if p is None or isinstance(p, str) else json.dumps(p))
    return df


def baseline(bot, tasks) -> tuple[float, int]:
    """Seconds for Engine.handle on every message of every session (one engine, fresh users)."""
    built = [(sid, [kata_message(e[1], e[2], e[3], {"senderId": conv}) for e in events if len(e) > 2])
             for sid, conv, events in tasks]
    engine = Engine(bot, MemoryStore(), seed=0)
    count = 0
    started = time.perf_counter()
    for sid, messages in built:
        for m in messages:
            if m is not None:
                engine.handle(m, user=sid)
                count += 1
        engine.reset(sid)
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args()
    bot = load_bot(ROOT / "data" / "bots" / "shop")
    print(f"{'messages':>9} {'sessions':>9} {'run':<18} {'seconds':>8} {'sessions/s':>11} "
          f"{'messages/s':>11} {'ratio':>6}")
    for size in args.messages:
        log = make_log(size)
        tasks = prepare_sessions(log)
        base_s, count = baseline(bot, tasks)
        sessions = len(tasks)
        rows = [("engine.handle", base_s)]
        for label, workers in (("replay workers=1", 1), ("replay auto", None)):
            started = time.perf_counter()
            result = replay(bot, log, workers=workers, progress=False)
            rows.append((label, time.perf_counter() - started))
            assert len(result.messages) == count, (len(result.messages), count)
        for label, seconds in rows:
            print(f"{count:>9} {sessions:>9} {label:<18} {seconds:>8.2f} {sessions / seconds:>11.0f} "
                  f"{count / seconds:>11.0f} {seconds / base_s:>6.2f}")


if __name__ == "__main__":
    main()
