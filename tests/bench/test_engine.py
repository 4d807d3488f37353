"""The engine benchmark's generated bots and traffic: the bot is valid, every flow is reached,
and the turns are real work (transitions taken, replies sent, no errors), so the ratios
bench/engine.py reports measure the engine and not a bot that falls through."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from types import ModuleType

from igbot import Engine, MemoryStore
from igbot.kataml import lint
from tests.bench.conftest import BENCH


def test_the_generated_bot_has_its_shape_and_answers_its_traffic(bench_script: Callable[[str], ModuleType]) -> None:
    bench = bench_script("engine")
    bot = bench.make_bot(4, 6)
    assert len(bot.flows) == 5  # 4 generated flows and the fallback flow
    assert all(len(bot.flows[f"f{i}"].states) == 6 for i in range(4))
    assert not [f for f in lint(bot) if f.level == "error"]
    engine = Engine(bot, MemoryStore(), seed=1)
    assert engine.compile_errors == []
    flows, transitions, errors, replies = Counter(), 0, [], 0
    for body in bench.generated_bodies(400, 20, 4):
        turn = engine.handle_webhook(body)
        replies += len(turn.requests)
        for record in turn.records:
            flows[record.flow] += 1
            transitions += record.transition is not None
            errors += record.errors
    assert errors == []
    assert set(flows) >= {"f0", "f1", "f2", "f3", "fallback"}
    assert transitions > 200 and replies > 300


def test_the_shop_traffic_is_answered(bench_script: Callable[[str], ModuleType]) -> None:
    bench = bench_script("engine")
    engine = Engine(bench.ROOT / "data" / "bots" / "shop", MemoryStore(), seed=1)
    turns = [engine.handle_webhook(body) for body in bench.bodies(200, 20)]
    assert sum(len(t.requests) for t in turns) > 150
    assert not [e for t in turns for e in t.errors]


def test_the_stage_timer_finds_the_functions_it_wraps() -> None:
    """``bench/engine_stages.py`` wraps the engine's own functions by name: when one moves, the
    script must fail here rather than when someone needs the figures."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "engine_stages.py"), "--events", "30", "--rounds", "1"],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0] for line in done.stdout.splitlines()[1:]}
    assert {"decode", "store", "record", "selection", "transition", "actions"} <= lines
    decode = next(line for line in done.stdout.splitlines() if line.split()[0] == "decode")
    assert float(decode.split()[1]) > 0  # the decoder was wrapped where handle_webhook calls it


def test_the_instruction_counter_runs_each_case() -> None:
    """``bench/engine_instr.py``'s measured runs (what callgrind watches), without valgrind."""
    for case in ("shop", "big", "json.loads"):
        done = subprocess.run(
            [sys.executable, str(BENCH / "engine_instr.py"), "--run", case, "--events", "20"],
            capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr


def test_the_benchmark_says_which_build_it_measured() -> None:
    """``bench/engine.py`` names the build it ran (mypyc or pure Python): the figures of the
    two differ by about 1.5x."""
    from igbot._build import build

    done = subprocess.run(
        [sys.executable, str(BENCH / "engine.py"), "--events", "30", "--people", "5", "--rounds", "1",
         "--only", "shop + memory"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert f"build: {build()} (" in done.stdout, done.stdout
