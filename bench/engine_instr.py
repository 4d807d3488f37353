"""Machine instructions an event through ``Engine.handle_webhook``, counted by callgrind.

A busy machine moves wall-clock figures by more than most changes (the same tree's ratio to
``json.loads`` moves by 2x between runs on the shared 2-core machine); instruction counts do
not. Each case (``shop``: the sample shop bot; ``big``: the generated 1,000-state 20-flow bot;
both with ``MemoryStore`` and the ``--texts fixed`` traffic of ``bench/engine.py``) runs in its
own process under ``valgrind --tool=callgrind``, collecting only inside ``sys.call_tracing``:
a first engine warms the caches on the bodies, then a ``gc.collect()`` (a full collection in
the window adds about 12,000 instructions an event on the 1,000-state bot), then a fresh
engine takes every body. The baseline, ``json.loads`` of the shop bodies, is counted the same
way. Repeated counts differ by about 0.3% (session ids are random).
Run: ``.venv/bin/python bench/engine_instr.py [--events 3000] [--case shop --case big]``
(about two minutes a case; needs valgrind).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import engine as bench  # noqa: E402

from igbot import Engine, MemoryStore  # noqa: E402

CASES = ("shop", "big", "json.loads")


def run(case: str, events: int) -> None:
    """The measured run of one case (in the process callgrind watches)."""
    if case == "big":
        bot = bench.make_bot(20, 50)
        items = bench.generated_bodies(events, 300, 20)
    else:
        bot = bench.ROOT / "data" / "bots" / "shop"
        items = bench.bodies(events, 300)
    if case == "json.loads":
        def send() -> None:
            for body in items:
                json.loads(body)
    else:
        warm = Engine(bot, MemoryStore(), seed=1)
        for body in items:
            warm.handle_webhook(body)
        engine = Engine(bot, MemoryStore(), seed=1)

        def send() -> None:
            for body in items:
                engine.handle_webhook(body)
    gc.collect()
    sys.call_tracing(send, ())


def count(case: str, events: int) -> int:
    """Instructions callgrind counts inside the measured run of ``case``."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("bench/engine_instr.py needs valgrind")
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--collect-atstart=no",
         "--toggle-collect=sys_call_tracing", "--callgrind-out-file=/dev/null",
         sys.executable, __file__, "--run", case, "--events", str(events)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind said nothing of {case}: {done.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--case", action="append", choices=CASES[:2], default=[])
    parser.add_argument("--run", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run, args.events)
        return
    base = count("json.loads", args.events) / args.events
    print(f"{args.events} bodies, --texts fixed, MemoryStore, {bench.build_line()}; "
          f"json.loads {base:,.0f} instructions an event")
    for case in args.case or list(CASES[:2]):
        per = count(case, args.events) / args.events
        print(f"  {case:<6} {per:>10,.0f} instructions an event  ({per / base:.2f}x json.loads)")


if __name__ == "__main__":
    main()
