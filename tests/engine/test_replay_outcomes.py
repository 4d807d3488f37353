"""Replaying the sample logs and webhooks gives the outcomes recorded before the engine's
fast path (``data/replay_outcomes.json``, written by the engine as it was on main).

Regenerate (only when a change of behaviour is intended): ``.venv/bin/python
tests/engine/test_replay_outcomes.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from igbot import Engine, MemoryStore
from igbot.replay import replay

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "data" / "replay_outcomes.json"
SHOP = ROOT / "data" / "bots" / "shop"
LOGS = [ROOT / "data" / "logs" / "igbot_log.jsonl", ROOT / "data" / "logs" / "webhooks.jsonl"]
WEBHOOKS = [ROOT / "data" / "webhooks" / "all_kinds.jsonl", ROOT / "data" / "webhooks" / "shop_demo.jsonl"]
sys.path.insert(0, str(ROOT / "bench"))


def _plain(value: Any) -> Any:
    """JSON-ready, whatever the request type is (dict, dataclass or model)."""
    if hasattr(value, "to_dict"):
        return _plain(value.to_dict())
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _record(record: Any) -> dict[str, Any]:
    out = record.to_dict()
    out.pop("actions", None)
    trace = out.get("trace")
    if trace is not None:  # what was tried and why; the values are checked without trace
        trace.pop("requests", None)
        for key in ("context_before", "context_after", "data_before", "data_after"):
            trace.pop(key)
        for trial in trace["intents"] + trace["transitions"]:
            for check in [*trial.get("conditions", []), trial.get("condition") or {}]:
                check.pop("values", None)
    return _plain(out)


def _bodies() -> list[str]:
    from engine import bodies  # bench/engine.py: the benchmark's own traffic

    lines = [line for path in WEBHOOKS for line in path.read_text().splitlines() if line.strip()]
    return lines + bodies(250, 40, seed=11)


def _timestamp(body: str) -> float:
    try:
        entry = json.loads(body)["entry"][0]
        return float(entry.get("time") or 1732500000000) / 1000
    except (ValueError, KeyError, IndexError, TypeError):
        return 1732500000.0


def outcomes() -> dict[str, Any]:
    """Every turn of the sample webhooks (traced and not) and the replays of the sample logs."""
    out: dict[str, Any] = {}
    now = [1732500000.0]
    for trace in (False, True):
        engine = Engine(SHOP, MemoryStore(), seed=3, trace=trace, clock=lambda: now[0])
        turns = []
        for body in _bodies()[:120] if trace else _bodies():  # traced: fewer, they are long
            now[0] = _timestamp(body)
            turn = engine.handle_webhook(body)
            turns.append({"requests": _plain(list(turn.requests)),
                          "records": [_record(r) for r in turn.records]})
        out[f"webhooks_trace_{trace}"] = turns
    for log in LOGS:
        result = replay(SHOP, log, progress=False, workers=1)
        replayed = json.loads(json.dumps(result.to_dict(messages=True), default=str))
        replayed["summary"].pop("elapsed_s")
        out[f"replay_{log.name}"] = replayed
    return out


@pytest.mark.parametrize("key", ["webhooks_trace_False", "webhooks_trace_True",
                                 *[f"replay_{log.name}" for log in LOGS]])
def test_outcomes_unchanged(key: str, current: dict[str, Any]) -> None:
    expected = json.loads(FIXTURE.read_text())[key]
    got = json.loads(json.dumps(current[key], default=str))
    if isinstance(expected, list):
        assert len(got) == len(expected)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert g == e, f"turn {i} differs"
    else:
        assert got == expected


@pytest.fixture(scope="module")
def current() -> dict[str, Any]:
    return outcomes()


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(outcomes(), default=str, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {FIXTURE}")
