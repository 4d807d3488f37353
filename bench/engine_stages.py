"""Where a shop-bot event's time goes: each stage of ``Engine.handle_webhook`` timed where it runs.

The stages are timed by wrapping the engine's own functions (decode: ``decode_messages``,
else ``parse_webhook``; session
store; turn records: ``TurnRecord.of``; intent selection; transition pick; actions; mappings);
"the rest" is the total less them (the dispatcher, the ``Outcome``/``Scope`` objects, the
variables expressions read, switching flows). The wrappers
cost a little themselves, so the total is a bit above ``bench/engine.py``'s. Baseline, same run:
``json.loads`` of the same bodies. Each figure is the best of ``--rounds`` rounds.
The stages are those of the Python sources, whichever build is installed: compiled modules
(``igbot/_build.py``) call each other directly, past the wrappers, so this script imports the
sources of the compiled ones (:func:`_import_sources`); its figures are the pure build's.
Run: ``.venv/bin/python bench/engine_stages.py [--store memory|sqlite] [--rounds 9]``.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import json
import runpy
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class _Sources(importlib.abc.MetaPathFinder):
    """Finds the ``.py`` source of each module the compiled build compiles."""

    def __init__(self) -> None:
        self.names = set(runpy.run_path(str(ROOT / "igbot" / "_build.py"))["COMPILED"])

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name not in self.names:
            return None
        return importlib.util.spec_from_file_location(name, ROOT.joinpath(*name.split(".")).with_suffix(".py"))


def _import_sources() -> None:
    """Import the Python sources of the compiled modules (before igbot is imported)."""
    sys.meta_path.insert(0, _Sources())


_import_sources()

import engine as bench  # noqa: E402

import igbot.engine._actions as actions_module  # noqa: E402
import igbot.engine._engine as engine_module  # noqa: E402
import igbot.engine._records as records_module  # noqa: E402
import igbot.engine._select as select_module  # noqa: E402
import igbot.engine._store as store_module  # noqa: E402
from igbot import Engine, MemoryStore, SqliteStore  # noqa: E402

STAGES = ["decode", "store", "record", "selection", "transition", "actions", "mapping"]
_spent: dict[str, float] = {}
_depth = [0]


def _timed(fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
    """``fn``, adding its time to ``stage`` unless another timed stage is already running."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _depth[0]:
            return fn(*args, **kwargs)
        _depth[0] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _spent[stage] = _spent.get(stage, 0.0) + time.perf_counter() - start
            _depth[0] -= 1
    return wrapper


def instrument() -> None:
    # ``handle_webhook`` decodes with ``decode_messages`` (the fast path) and falls back on
    # ``parse_webhook``; both are looked up in the engine module's namespace when it runs
    engine_module.decode_messages = _timed(engine_module.decode_messages, "decode")  # type: ignore[attr-defined]
    engine_module.parse_webhook = _timed(engine_module.parse_webhook, "decode")  # type: ignore[attr-defined]
    for cls in (store_module.MemoryStore, store_module.SqliteStore):
        cls.get = _timed(cls.get, "store")  # type: ignore[method-assign]
        cls.put = _timed(cls.put, "store")  # type: ignore[method-assign]
    eng = engine_module.Engine
    record = records_module.TurnRecord
    record.of = classmethod(_timed(record.of.__func__, "record"))  # type: ignore[method-assign]
    eng._pick = _timed(eng._pick, "transition")  # type: ignore[method-assign]
    eng._mapping = _timed(eng._mapping, "mapping")  # type: ignore[method-assign]
    sel = select_module.Selector
    sel.select = _timed(sel.select, "selection")  # type: ignore[method-assign]
    sel.best = _timed(sel.best, "selection")  # type: ignore[method-assign]
    runner = actions_module.ActionRunner
    runner.run_state = _timed(runner.run_state, "actions")  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    parser.add_argument("--texts", choices=["varied", "fixed"], default="varied",
                        help="as in bench/engine.py")
    args = parser.parse_args()
    instrument()
    items = bench.bodies(args.events, 300, varied=args.texts == "varied")
    shop = ROOT / "data" / "bots" / "shop"
    with tempfile.TemporaryDirectory() as tmp:
        def make() -> Engine:
            store = (SqliteStore(Path(tmp) / f"{time.time_ns()}.sqlite")
                     if args.store == "sqlite" else MemoryStore())
            return Engine(shop, store, seed=1)

        warm = make()
        for body in items[:50]:
            warm.handle_webhook(body)
        warm.close()
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            engine = make()
            _spent.clear()
            start = time.perf_counter()
            for body in items:
                json.loads(body)
            base = time.perf_counter() - start
            start = time.perf_counter()
            for body in items:
                engine.handle_webhook(body)
            total = time.perf_counter() - start
            engine.close()
            round_ = {**_spent, "total": total, "json.loads": base}
            best = {k: min(v, best.get(k, v)) for k, v in round_.items()}
    per = {k: v / len(items) * 1e6 for k, v in best.items()}
    rest = per["total"] - sum(per.get(s, 0.0) for s in STAGES)
    print(f"{len(items)} shop-bot bodies, {args.texts} texts, {args.store} store, "
          f"best of {args.rounds} rounds")
    for stage in STAGES:
        print(f"  {stage:<12} {per.get(stage, 0.0):6.1f} us")
    print(f"  {'the rest':<12} {rest:6.1f} us")
    print(f"  {'total':<12} {per['total']:6.1f} us  ({per['total'] / per['json.loads']:.1f}x "
          f"json.loads, {per['json.loads']:.1f} us)")


if __name__ == "__main__":
    main()
