"""Kata test specs (``kata test``): intents, states, actions and flow specs run on the engine.

Schemas ``kata.ai/schema/kata-ml/1.0/test/{intents,states,actions,flow}``. Expectations match
partially (a dict expectation only checks the keys it names). Flow specs are one conversation:
their cases run in order on the same session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from igbot._errors import BotLoadError
from igbot._message import Message
from igbot.engine._engine import Engine
from igbot.engine._records import Turn, TurnRecord
from igbot.engine._scope import Scope
from igbot.engine._select import Selection
from igbot.engine._session import Session
from igbot.engine._store import MemoryStore

__all__ = ["CaseResult", "load_spec", "run_spec"]

_SCHEMA = "kata.ai/schema/kata-ml/1.0/test/"


@dataclass
class CaseResult:
    """One test case: passed or not, the differences (``field: expected ..., got ...``), and
    the records of what the engine did (for coverage)."""

    spec: str
    name: str
    passed: bool
    differences: list[str] = field(default_factory=list)
    records: list[TurnRecord] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.spec}: {self.name}"
        return "\n".join([head, *("    " + d for d in self.differences)])


def load_spec(path: str | Path) -> dict[str, Any]:
    """Read a spec file; a file that is not a Kata test spec is a :class:`igbot.BotLoadError`."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BotLoadError(f"cannot read test spec: {exc}", file=str(path)) from None
    if not isinstance(spec, dict) or not str(spec.get("schema", "")).startswith(_SCHEMA):
        raise BotLoadError(f"not a Kata test spec (schema must start with {_SCHEMA!r})", file=str(path))
    spec.setdefault("desc", path.name)
    return spec


def run_spec(engine_or_bot: Any, spec: dict[str, Any]) -> list[CaseResult]:
    """Run every case of a spec on a fresh in-memory engine for the bot."""
    bot = engine_or_bot.bot if isinstance(engine_or_bot, Engine) else engine_or_bot
    kind = str(spec["schema"])[len(_SCHEMA):]
    runner = {"intents": _intent_case, "states": _state_case, "actions": _action_case}.get(kind)
    name = str(spec.get("desc"))
    if kind == "flow":
        return _flow_cases(bot, spec, name)
    if runner is None:
        return [CaseResult(name, "schema", False, [f"unknown spec kind {kind!r}"])]
    results = []
    for case_name, case in (spec.get("test") or {}).items():
        engine = Engine(bot, MemoryStore(), seed=0)
        records: list[TurnRecord] = []
        try:
            differences = runner(engine, spec, case or {}, records)
        except Exception as exc:  # a broken case is a failure with its reason, not a crash
            differences = [f"error: {type(exc).__name__}: {exc}"]
        results.append(CaseResult(name, str(case_name), not differences, differences, records))
    return results


def _message(case: dict[str, Any]) -> Message:
    raw = dict(case.get("message") or {"type": "text", "content": ""})
    raw.setdefault("metadata", {})
    return Message.model_validate(raw)


def _session(spec: dict[str, Any], case: dict[str, Any], state: str | None) -> Session:
    return Session(user="spec-user", flow=spec.get("flow"), state=state,
                   context=dict(case.get("context") or spec.get("context") or {}),
                   data=dict(case.get("data") or spec.get("data") or {}))


def _compare(label: str, expected: Any, got: Any, out: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(got, dict):
        for key, value in expected.items():
            _compare(f"{label}.{key}", value, got.get(key), out)
    elif expected != got and not (expected is not None and str(expected) == str(got) and
                                  not isinstance(got, dict | list)):
        out.append(f"{label}: expected {expected!r}, got {got!r}")


def _intent_case(engine: Engine, spec: dict[str, Any], case: dict[str, Any],
                 records: list[TurnRecord]) -> list[str]:
    session, message = _session(spec, case, None), _message(case)
    out: list[str] = []
    errors: list[str] = []
    scope = Scope(message, session, engine.bot.config or {})
    flow = spec["flow"]
    found = engine.selector.best(flow, message, scope.variables(), False, {}, errors)
    intent = found[0] if found else engine.selector.fallback_intent(flow)
    records.append(TurnRecord(user=session.user, message=message.model_dump(exclude_none=True),
                              flow=flow, intent=found[0] if found else None,
                              attributes=found[1] if found else {}))
    expect = case.get("expect") or {}
    if "match" in expect:
        matched = found is not None and (expect.get("intent") in (None, found[0]))
        if bool(expect["match"]) != matched:
            out.append(f"match: expected {bool(expect['match'])}, got {matched} (intent {intent!r})")
    elif "intent" in expect:
        _compare("intent", expect["intent"], intent, out)
    if "attributes" in expect:
        _compare("attributes", expect["attributes"], found[1] if found else {}, out)
    return out + errors


def _forced(spec: dict[str, Any], case: dict[str, Any]) -> Selection:
    return Selection(spec["flow"], case.get("intent"), dict(case.get("attributes") or {}), via="current")


def _state_case(engine: Engine, spec: dict[str, Any], case: dict[str, Any],
                records: list[TurnRecord]) -> list[str]:
    session = _session(spec, case, case.get("state"))
    turn = Turn()
    out: list[str] = []
    ctx = engine._turn_context(session, _message(case))
    engine._process(ctx, turn, _message(case), 0, forced=_forced(spec, case), run_actions=False)
    records.extend(turn.records)
    expect = case.get("expect") or {}
    record = turn.records[0]
    if "state" in expect:
        _compare("state", expect["state"], record.state, out)
    if "end" in expect:
        state = engine.bot.flows[spec["flow"]].states.get(record.state or "")
        _compare("end", bool(expect["end"]), bool(state and state.end), out)
    for key in ("context", "data"):
        if key in expect:
            _compare(key, expect[key], getattr(session, key), out)
    return out + record.errors


def _action_case(engine: Engine, spec: dict[str, Any], case: dict[str, Any],
                 records: list[TurnRecord]) -> list[str]:
    session = _session(spec, case, case.get("state"))
    message = _message(case)
    scope = Scope(message, session, engine.bot.config or {})
    selection = _forced(spec, case)
    scope.intent, scope.attributes = selection.intent, selection.attributes
    state = engine.bot.flows[spec["flow"]].states[case["state"]]
    ctx = engine._turn_context(session, message)
    record = engine._record(session, message, 0)
    engine.actions.run_state(ctx, scope, spec["flow"], state.action, record, lambda *_: None)
    records.append(record)
    ran = [a.name for a in record.actions if a.status in ("ok", "substituted")]
    expected = [e.get("action") if isinstance(e, dict) else e for e in (case.get("expect") or [])]
    return [] if ran[: len(expected)] == expected else [f"actions: expected {expected!r}, got {ran!r}"]


def _flow_cases(bot: Any, spec: dict[str, Any], name: str) -> list[CaseResult]:
    engine = Engine(bot, MemoryStore(), seed=0)
    session = _session(spec, {}, spec.get("state"))
    engine.store.put(session, 0)
    results = []
    for case_name, case in (spec.get("test") or {}).items():
        case = case or {}
        turn = engine.handle(_message(case), user=session.user)
        record = turn.records[0]
        out: list[str] = []
        expect = case.get("expect") or {}
        current = engine.session(session.user) or session
        for key, got in (("state", record.state), ("intent", record.intent),
                         ("attributes", record.attributes), ("end", record.flow_ended)):
            if key in expect:
                _compare(key, expect[key], got, out)
        for key in ("context", "data"):
            if key in expect:
                _compare(key, expect[key], getattr(current, key), out)
        if "responses" in expect:
            ran = [a.name for r in turn.records for a in r.actions if a.status in ("ok", "substituted")]
            wanted = [e.get("action") if isinstance(e, dict) else e for e in expect["responses"] or []]
            if ran[: len(wanted)] != wanted:
                out.append(f"responses: expected {wanted!r}, got {ran!r}")
        results.append(CaseResult(name, str(case_name), not out, out, turn.records))
    return results
