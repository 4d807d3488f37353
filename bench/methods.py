"""JavaScript method calls: what running them in worker processes costs, and what it buys.

Measured in one run on the same method and arguments:

- baseline: ``json.dumps`` + ``json.loads`` of the arguments (the least a call must do);
- before: the old in-process call (a fresh QuickJS context per call in this process, as
  ``JSRuntime.call`` did before issue 12);
- after: ``JSRuntime.call`` today (a worker process from the pool, the result checked on both
  sides of the pipe).

Then the time each hostile method takes to be contained (time limit 1 s), and a freezing method
beside ordinary calls in other threads. Run: ``.venv/bin/python bench/methods.py [--calls 2000]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import quickjs
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from igbot import MethodError  # noqa: E402
from igbot.engine import JSRuntime  # noqa: E402
from igbot.kataml import Method  # noqa: E402

CODE = ("ctx.context.total = (ctx.context.total || 0) + ctx.data.items.length;"
        " ctx.context.label = ctx.content.toUpperCase(); return ctx;")
ARGS = [{"content": "two pizzas please", "context": {"total": 3},
         "data": {"items": [{"id": i, "name": f"item {i}"} for i in range(10)]}}]
HOSTILE = {
    "toString that loops": "throw {toString: function () { while (true) {} }};",
    "regex backtracking": "return /^(a+)+$/.test('a'.repeat(40) + 'b');",
    "100k-deep return": "var o = {}; for (var i = 0; i < 100000; i++) o = {a: o}; return o;",
    "2k-deep return": "var o = {}; for (var i = 0; i < 2000; i++) o = {a: o}; return o;",
    "lone surrogate": "return {t: '\\ud800'};",
    "infinite loop": "while (true) {}",
    "memory bomb": "var a = []; while (true) a.push('xxxxxxxxxxxxxxxxxxxxxxxx' + a.length);",
    "huge return": "return 'x'.repeat(3000000);",
    "throw null": "throw null;",
}


def method(code: str) -> Method:
    return Method(key="f(ctx)", name="f", params=["ctx"], code=code)


def in_process(code: str, args: list[Any]) -> Any:
    """The call as it was before: a fresh QuickJS context in this process."""
    context = quickjs.Context()
    context.set_time_limit(1.0)
    context.set_memory_limit(32 * 1024 * 1024)
    context.eval("var module = {exports: {}}; var exports = module.exports;")
    context.eval(f"function f(ctx) {{\n{code}\n}}")
    context.eval("function __igbot_call(__args) { var __r = (f).apply(null, JSON.parse(__args));"
                 " return __r === undefined ? 'null' : JSON.stringify(__r); }")
    return json.loads(context.get("__igbot_call")(json.dumps(args)))


def per_call(fn: Callable[[], Any], calls: int, label: str) -> list[float]:
    times = []
    for _ in tqdm(range(calls), desc=label, leave=False):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    runtime = JSRuntime()
    m = method(CODE)
    expected = in_process(CODE, ARGS)
    assert runtime.call(m, ARGS) == expected  # same answer, and the pool is warm

    rounds = {"baseline": [], "before": [], "after": []}
    fns: dict[str, Callable[[], Any]] = {
        "baseline": lambda: json.loads(json.dumps(ARGS)),
        "before": lambda: in_process(CODE, ARGS),
        "after": lambda: runtime.call(m, ARGS),
    }
    for _ in range(3):  # interleaved rounds, so load on the machine hits all three alike
        for name, fn in fns.items():
            rounds[name] += per_call(fn, args.calls // 3, name)
    median = {name: statistics.median(times) for name, times in rounds.items()}
    fast = {name: statistics.quantiles(times, n=10)[0] for name, times in rounds.items()}
    print(f"method call, {args.calls // 3 * 3} calls each (same run; load average "
          f"{_load()}); p10 is the cost itself, the median adds the wait for a busy CPU")
    for name in fns:
        print(f"  {name:<9} p10 {fast[name] * 1e6:>8.1f} us  x{fast[name] / fast['baseline']:>6.1f}"
              f" baseline   median {median[name] * 1e6:>8.1f} us  "
              f"x{median[name] / median['baseline']:>6.1f} baseline")
    print(f"  after / before: p10 x{fast['after'] / fast['before']:.2f}, "
          f"median x{median['after'] / median['before']:.2f}")

    print("\ncontaining hostile methods (time limit 1 s; worker killed at 1.25 s)")
    for label, code in HOSTILE.items():
        runtime.call(m, ARGS)  # a worker is ready: its start is not the hostile method's time
        start = time.perf_counter()
        try:
            runtime.call(method(code), [{}])
            outcome = "returned!"
        except MethodError as exc:
            outcome = str(exc).removeprefix("method 'f': ")
        print(f"  {label:<20} {time.perf_counter() - start:>6.2f} s   {outcome[:70]}")

    frozen = threading.Thread(target=lambda: _swallow(runtime, HOSTILE["regex backtracking"]))
    frozen.start()
    time.sleep(0.05)
    beside = per_call(lambda: runtime.call(m, ARGS), 50, "beside")
    frozen.join()
    print(f"\n50 calls beside a frozen method: median {statistics.median(beside) * 1e6:.0f} us, "
          f"max {max(beside) * 1e3:.1f} ms")


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def _swallow(runtime: JSRuntime, code: str) -> None:
    with contextlib.suppress(MethodError):
        runtime.call(method(code), [{}])


if __name__ == "__main__":
    main()
