"""Engine throughput: raw webhook bodies through ``Engine.handle_webhook``.

Baseline, measured in the same run on the same bodies: ``json.loads``. Reports events per
second, the per-event cost as a ratio to the baseline, and p50/p99 latency, for the in-memory
and the SQLite session stores, and with the turn trace the simulator's debugger reads
(``Engine(trace=True)``; off by default, where it costs one ``is None`` test per step). Run: ``.venv/bin/python bench/engine.py [--events 3000]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from igbot import Engine, MemoryStore, SqliteStore  # noqa: E402
from igbot.models import encode_payload  # noqa: E402

ACCOUNT = "17841400000000001"
TEXTS = ["hi", "any promo?", "opening hours?", "where are you", "qwerty", "talk to a person", "pagi"]


def bodies(count: int, people: int, seed: int = 7) -> list[str]:
    """Webhook bodies a shop would get: texts, story replies, quick-reply and carousel taps."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        person = f"62510000{rng.randrange(people):05d}"
        ts = 1732500000000 + i * 1000
        roll = rng.random()
        if roll < 0.5:
            item = {"message": {"mid": f"m{i}", "text": rng.choice(TEXTS)}}
        elif roll < 0.7:
            item = {"message": {"mid": f"m{i}", "text": "so nice!",
                                "reply_to": {"story": {"url": "https://lookaside.fbsbx.com/x", "id": "1"}}}}
        elif roll < 0.85:
            item = {"postback": {"mid": f"m{i}", "title": "Promos",
                                 "payload": encode_payload({"type": "menu", "topic": "promo"})}}
        else:
            item = {"message": {"mid": f"m{i}", "text": "Opening hours", "quick_reply": {
                "payload": encode_payload({"type": "faq", "q": "hours"})}}}
        messaging = {"sender": {"id": person}, "recipient": {"id": ACCOUNT}, "timestamp": ts, **item}
        out.append(json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT, "time": ts, "messaging": [messaging]}]}))
    return out


def timed(fn, items: list[str]) -> list[float]:
    latencies = []
    for body in items:
        start = time.perf_counter()
        fn(body)
        latencies.append(time.perf_counter() - start)
    return latencies


def summary(name: str, latencies: list[float], baseline: float) -> str:
    total = sum(latencies)
    per_event = total / len(latencies)
    qs = statistics.quantiles(latencies, n=100)
    return (f"{name:<24} {len(latencies) / total:>10,.0f} ev/s   {per_event * 1e6:>8.1f} us/ev   "
            f"x{per_event / baseline:>7.1f} json.loads   p50 {qs[49] * 1e6:>7.1f} us   p99 {qs[98] * 1e6:>8.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--people", type=int, default=300)
    args = parser.parse_args()
    items = bodies(args.events, args.people)
    shop = ROOT / "data" / "bots" / "shop"
    for body in items[:50]:  # warm up caches (expression compilation, imports)
        Engine(shop, MemoryStore()).handle_webhook(body)
    base = timed(json.loads, items)
    baseline = sum(base) / len(base)
    memory = timed(Engine(shop, MemoryStore(), seed=1).handle_webhook, items)
    traced = timed(Engine(shop, MemoryStore(), seed=1, trace=True).handle_webhook, items)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = timed(Engine(shop, SqliteStore(Path(tmp) / "s.sqlite"), seed=1).handle_webhook, items)
    print(f"{args.events} webhook bodies, {args.people} people, shop bot")
    print(summary("json.loads (baseline)", base, baseline))
    print(summary("engine + MemoryStore", memory, baseline))
    print(summary("  + trace (simulator)", traced, baseline))
    print(summary("engine + SqliteStore", sqlite, baseline))


if __name__ == "__main__":
    main()
