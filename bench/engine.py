"""Engine throughput: raw webhook bodies through ``Engine.handle_webhook``.

Baseline, measured in the same run on the same bodies: ``json.loads``. Reports events per
second, the per-event cost as a ratio to the baseline, and p50/p99 latency, for

- the sample shop bot (``data/bots/shop``) with the in-memory and the SQLite session stores, and
  with the turn trace the simulator's debugger reads (``Engine(trace=True)``);
- a generated bot of 1,000 states in 20 flows (:func:`make_bot`);
- generated bots of 2 and of 100 flows on the same traffic: how the cost grows with the number of
  flows (selection must not try every flow's intents).

It says which build it measured (the engine compiled by mypyc, or pure Python after
``IGBOT_PURE=1 make build``: ``igbot/_build.py``) and the load average. The machine is shared
and noisy: every measurement is repeated ``--rounds`` times, interleaved with its baseline, and
the best round is reported (beside it the ratio of the median latencies, which a busy machine
disturbs least).
Targets (issue 14): <= 5x json.loads on the shop bot and the 1,000-state bot, memory store; <= 8x
with SQLite; p99 <= 0.3 ms; 100 flows within 1.2x of 2 flows.
Run: ``.venv/bin/python bench/engine.py [--events 3000] [--rounds 5] [--only shop]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from igbot import Engine, MemoryStore, SqliteStore  # noqa: E402
from igbot._build import COMPILED, build  # noqa: E402
from igbot.kataml import Bot  # noqa: E402
from igbot.models import encode_payload  # noqa: E402

ACCOUNT = "17841400000000001"
TEXTS = ["hi", "any promo?", "opening hours?", "where are you", "qwerty", "talk to a person", "pagi"]
# words people add around what they mean: with --texts varied, nearly every text is one the engine
# has not seen (its memos, such as the keyword NLU's, cannot answer from memory)
FILLER = ["please", "kak", "min", "thanks", "ok", "hmm", "guys", "today", "now", "dong", "sis", "bro"]


def say(rng: random.Random, varied: bool) -> str:
    """What a person types: one of :data:`TEXTS`, and (``varied``) a few words and a number
    around it, so that texts rarely repeat."""
    text = rng.choice(TEXTS)
    if not varied:
        return text
    words = rng.sample(FILLER, rng.randrange(1, 4))
    return " ".join([*words[:1], text, *words[1:], str(rng.randrange(100000))])


def _body(person: str, ts: int, item: dict[str, Any]) -> str:
    messaging = {"sender": {"id": person}, "recipient": {"id": ACCOUNT}, "timestamp": ts, **item}
    return json.dumps({"object": "instagram",
                       "entry": [{"id": ACCOUNT, "time": ts, "messaging": [messaging]}]})


def bodies(count: int, people: int, seed: int = 7, varied: bool = False) -> list[str]:
    """Webhook bodies a shop would get: texts, story replies, quick-reply and carousel taps
    (``varied``: texts that rarely repeat, see :func:`say`)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        person = f"62510000{rng.randrange(people):05d}"
        ts = 1732500000000 + i * 1000
        roll = rng.random()
        if roll < 0.5:
            item = {"message": {"mid": f"m{i}", "text": say(rng, varied)}}
        elif roll < 0.7:
            item = {"message": {"mid": f"m{i}", "text": "so nice!",
                                "reply_to": {"story": {"url": "https://lookaside.fbsbx.com/x", "id": "1"}}}}
        elif roll < 0.85:
            item = {"postback": {"mid": f"m{i}", "title": "Promos",
                                 "payload": encode_payload({"type": "menu", "topic": "promo"})}}
        else:
            item = {"message": {"mid": f"m{i}", "text": "Opening hours", "quick_reply": {
                "payload": encode_payload({"type": "faq", "q": "hours"})}}}
        out.append(_body(person, ts, item))
    return out


def make_bot(flows: int, states_per_flow: int) -> Bot:
    """A generated bot: ``flows`` flows of ``states_per_flow`` states in a chain, each flow
    opened by a text (``topic<f>``) or a tap (``payload.flow == "f<f>"``), stepping on words
    ``w0``..``w4`` and taps carrying ``payload.n``, with a float (``cancel``), mappings, and a
    fallback flow answering everything else."""
    spec: dict[str, Any] = {}
    for f in range(flows):
        states: dict[str, Any] = {}
        for i in range(states_per_flow):
            last = i == states_per_flow - 1
            transitions: dict[str, Any] = {} if last else {
                f"s{i + 1}": {"condition": f"intent == 'i{(i + 1) % 5}' || payload.n == {i}",
                              "mapping": {"context.step": f"{i + 1}",
                                          "data.seen": "(data.seen || 0) + 1"}},
                f"s{i}": {"fallback": True},
            }
            states[f"s{i}"] = {"initial": i == 0, "end": last, "transitions": transitions,
                               "action": ["say"] if not last else ["say", "done"]}
        states["s0"]["float"] = {"condition": "content == 'cancel'"}
        intents: dict[str, Any] = {f"i{k}": {"type": "text", "condition": f"content == 'w{k}'"}
                                   for k in range(5)}
        intents["open"] = {"initial": True, "type": "text", "condition": f"content == 'topic{f}'"}
        intents["tap"] = {"initial": True, "type": "data", "condition": f"payload.flow == 'f{f}'"}
        intents["other"] = {"fallback": True}
        spec[f"f{f}"] = {
            "intents": intents, "states": states,
            "actions": {"say": {"type": "text", "options": {"text": "step $(context.step)"}},
                        "done": {"type": "text", "options": {"text": "done, $(data.seen) steps"}}},
        }
    spec["fallback"] = {
        "fallback": True, "intents": {"any": {"fallback": True}},
        "states": {"s": {"initial": True, "end": True, "action": ["sorry"]}},
        "actions": {"sorry": {"type": "text", "options": {"text": "Sorry?"}}},
    }
    return Bot.model_validate({"name": f"gen{flows}x{states_per_flow}", "flows": spec})


def generated_bodies(count: int, people: int, flows: int, seed: int = 5,
                     varied: bool = False) -> list[str]:
    """Traffic for :func:`make_bot`: openings of ``flows`` flows, steps, taps, cancels, noise
    (``varied``: the noise rarely repeats)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        person = f"62520000{rng.randrange(people):05d}"
        ts = 1732500000000 + i * 1000
        roll = rng.random()
        if roll < 0.15:
            item = {"message": {"mid": f"m{i}", "text": f"topic{rng.randrange(flows)}"}}
        elif roll < 0.6:
            item = {"message": {"mid": f"m{i}", "text": f"w{rng.randrange(5)}"}}
        elif roll < 0.8:
            payload = {"flow": f"f{rng.randrange(flows)}", "n": rng.randrange(10)}
            item = {"postback": {"mid": f"m{i}", "title": "Go", "payload": encode_payload(payload)}}
        elif roll < 0.85:
            item = {"message": {"mid": f"m{i}", "text": "cancel"}}
        else:
            item = {"message": {"mid": f"m{i}", "text": say(rng, varied)}}
        out.append(_body(person, ts, item))
    return out


def timed(fn: Callable[[str], Any], items: list[str]) -> list[float]:
    latencies = []
    for body in items:
        start = time.perf_counter()
        fn(body)
        latencies.append(time.perf_counter() - start)
    return latencies


class Case:
    """One measured configuration: a fresh engine per round on the same bodies."""

    def __init__(self, name: str, make: Callable[[Path], Engine], items: list[str]) -> None:
        self.name, self.make, self.items = name, make, items
        self.rounds: list[tuple[list[float], list[float]]] = []  # (baseline, engine) latencies

    def run(self, tmp: Path) -> None:
        base = timed(json.loads, self.items)
        engine = self.make(tmp)
        latencies = timed(engine.handle_webhook, self.items)
        engine.close()
        self.rounds.append((base, latencies))

    @staticmethod
    def _ratios(base: list[float], lat: list[float]) -> tuple[float, float]:
        """(mean / mean, median / median): the second holds up when the machine is busy."""
        return (sum(lat) / sum(base) * len(base) / len(lat),
                statistics.median(lat) / statistics.median(base))

    def best(self) -> tuple[list[float], list[float]]:
        return min(self.rounds, key=lambda r: self._ratios(*r)[0])

    def cost(self) -> float:
        """The per-event ratio of the best round."""
        return self._ratios(*self.best())[0]

    def line(self) -> str:
        base, lat = self.best()
        per_event = sum(lat) / len(lat)
        mean_ratio, median_ratio = self._ratios(base, lat)
        qs = statistics.quantiles(lat, n=100)
        return (f"{self.name:<30} {per_event * 1e6:>7.1f} us/ev  x{mean_ratio:>5.1f} json.loads "
                f"(of medians x{median_ratio:>5.1f})   p50 {qs[49] * 1e6:>6.1f} us   "
                f"p99 {qs[98] * 1e6:>6.1f} us")


def build_line() -> str:
    """Which build of the engine a run measures (``igbot._build``: mypyc or pure Python)."""
    kind = build()
    if kind == "pure":
        return "build: pure (IGBOT_PURE=1 or no C compiler)"
    return f"build: {kind} (mypyc, {len(COMPILED)} modules)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the cases whose name holds TEXT (repeatable)")
    parser.add_argument("--texts", choices=["varied", "fixed"], default="varied",
                        help="varied: texts rarely repeat (default); fixed: seven texts, which "
                             "the engine's memos answer from memory (the figures before Dec 2026)")
    args = parser.parse_args()
    varied = args.texts == "varied"
    shop = ROOT / "data" / "bots" / "shop"
    shop_items = bodies(args.events, args.people, varied=varied)
    big = make_bot(20, 50)
    big_items = generated_bodies(args.events, args.people, 20, varied=varied)
    two, hundred = make_bot(2, 10), make_bot(100, 10)
    few_items = generated_bodies(args.events, args.people, 2, varied=varied)
    cases = [
        Case("shop + MemoryStore", lambda tmp: Engine(shop, MemoryStore(), seed=1), shop_items),
        Case("shop + SqliteStore", lambda tmp: Engine(shop, SqliteStore(tmp / f"{time.time_ns()}.sqlite"),
                                                      seed=1), shop_items),
        Case("shop + trace (simulator)", lambda tmp: Engine(shop, MemoryStore(), seed=1, trace=True),
             shop_items),
        Case("1,000 states/20 flows + Memory", lambda tmp: Engine(big, MemoryStore(), seed=1), big_items),
        Case("2 flows + MemoryStore", lambda tmp: Engine(two, MemoryStore(), seed=1), few_items),
        Case("100 flows + MemoryStore", lambda tmp: Engine(hundred, MemoryStore(), seed=1), few_items),
    ]
    flows = cases[4], cases[5]
    if args.only:
        cases = [case for case in cases if any(text.lower() in case.name.lower() for text in args.only)]
    for case in cases:  # warm up (imports, expression caches)
        engine = case.make(Path(tempfile.gettempdir()))
        for body in case.items[:50]:
            engine.handle_webhook(body)
        engine.close()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for case in cases:
                case.run(Path(tmp))
    print(f"{args.events} webhook bodies, {args.people} people, {args.texts} texts, "
          f"best of {args.rounds} rounds")
    print(f"{build_line()}; load average {os.getloadavg()[0]:.2f}")
    for case in cases:
        print(case.line())
    if all(case in cases for case in flows):
        print(f"cost at 100 flows / cost at 2 flows: {flows[1].cost() / flows[0].cost():.2f}x "
              "(target <= 1.2x)")


if __name__ == "__main__":
    main()
