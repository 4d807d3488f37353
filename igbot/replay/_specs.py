"""What Kata test specs exercise: their messages re-run on an engine, the records kept.

:func:`igbot.engine._specs.run_spec` reports pass/fail only, so the cases are run again here the
way it runs them, keeping every :class:`~igbot.engine.TurnRecord`:

- ``flow`` specs: one conversation, every case's message through :meth:`Engine.handle`;
- ``states`` specs: the case's state and forced intent, transition only (no actions);
- ``actions`` specs: the case state's actions run (covers actions, not states);
- ``intents`` specs: intent matching in the spec's flow (covers intents only).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from igbot._errors import BotLoadError
from igbot.engine import Engine, MemoryStore, Turn, TurnRecord
from igbot.engine._scope import Scope
from igbot.engine._specs import _forced, _message, _session, load_spec
from igbot.kataml import Bot

__all__ = ["SPEC_SCHEMA", "is_spec_file", "spec_hits", "spec_records"]

logger = logging.getLogger(__name__)

SPEC_SCHEMA = "kata.ai/schema/kata-ml/1.0/test/"


def is_spec_file(path: str | Path) -> bool:
    """The file is a Kata test spec (YAML whose ``schema`` is a kata-ml test schema)."""
    path = Path(path)
    if path.suffix.lower() not in (".yml", ".yaml") or not path.is_file():
        return False
    try:
        load_spec(path)
    except BotLoadError:
        return False
    return True


def _cases(spec: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for case in (spec.get("test") or {}).values():
        yield case or {}


def spec_records(bot: Bot, spec: dict[str, Any]) -> list[TurnRecord]:
    """Every record the spec's cases produce on ``bot`` (a broken case is logged and skipped)."""
    kind = str(spec.get("schema", ""))[len(SPEC_SCHEMA):]
    flow = spec.get("flow")
    out: list[TurnRecord] = []
    if flow is not None and flow not in bot.flows:
        logger.warning("spec %r: flow %r is not in bot %r", spec.get("desc"), flow, bot.name)
        return out
    if kind == "flow":
        engine = Engine(bot, MemoryStore(), seed=0)
        session = _session(spec, {}, spec.get("state"))
        engine.store.put(session, 0)
        for case in _cases(spec):
            out += engine.handle(_message(case), user=session.user).records
        return out
    for case in _cases(spec):
        engine = Engine(bot, MemoryStore(), seed=0)
        try:
            out += _one_case(engine, kind, spec, case)
        except Exception as exc:  # a broken case exercises nothing; run_spec reports it
            logger.warning("spec %r: case skipped: %s: %s", spec.get("desc"), type(exc).__name__, exc)
    return out


def _one_case(engine: Engine, kind: str, spec: dict[str, Any], case: dict[str, Any]) -> list[TurnRecord]:
    flow = spec["flow"]
    message = _message(case)
    if kind == "states":
        session = _session(spec, case, case.get("state"))
        turn = Turn()
        ctx = engine._turn_context(session, message)
        engine._process(ctx, turn, message, 0, forced=_forced(spec, case), run_actions=False)
        for r in turn.records:
            r.intent = None  # forced by the case, not matched
        return turn.records
    if kind == "actions":
        session = _session(spec, case, case.get("state"))
        scope = Scope(message, session, engine.bot.config or {})
        selection = _forced(spec, case)
        scope.intent, scope.attributes = selection.intent, selection.attributes
        state = engine.bot.flows[flow].states[case["state"]]
        ctx = engine._turn_context(session, message)
        record = engine._record(session, message, 0)
        engine.actions.run_state(ctx, scope, flow, state.action, record, lambda _m: None)
        record.flow, record.state = flow, None
        return [record]
    if kind == "intents":
        session = _session(spec, case, None)
        scope = Scope(message, session, engine.bot.config or {})
        found = engine.selector.best(flow, message, scope.variables(), False, {}, [])
        record = TurnRecord(user=session.user, message={}, flow=flow)
        record.intent = found[0] if found else None
        return [record]
    logger.warning("spec %r: unknown spec kind %r", spec.get("desc"), kind)
    return []


def spec_hits(bot: Bot, specs: Iterable[dict[str, Any] | str | Path]) -> Counter[tuple[str, str, str]]:
    """Hit counts ``(kind, flow, name) -> n`` of the specs (dicts or spec files) on ``bot``."""
    from igbot.replay._replay import _hit

    hits: Counter[tuple[str, str, str]] = Counter()
    for spec in specs:
        loaded = spec if isinstance(spec, dict) else load_spec(spec)
        _hit(hits, Turn(records=spec_records(bot, loaded)))
    return hits
