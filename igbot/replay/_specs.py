"""What Kata test specs exercise: their messages re-run on an engine, the records kept.

:func:`igbot.engine._specs.run_spec` keeps every case's :class:`~igbot.engine.TurnRecord`;
what they cover depends on the spec's kind:

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
from igbot.engine import TurnRecord, load_spec, run_spec
from igbot.kataml import Bot
from igbot.replay._coverage import Hits, count_hits

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


def spec_records(bot: Bot, spec: dict[str, Any]) -> list[TurnRecord]:
    """Every record the spec's cases produce on ``bot`` (from :func:`run_spec`).

    What a case exercises depends on its kind: a ``states`` case's intent is forced by the case,
    not matched (so it covers no intent); an ``actions`` case runs a state's actions without
    moving to it (so it covers actions, not the state).
    """
    kind = str(spec.get("schema", ""))[len(SPEC_SCHEMA):]
    flow = spec.get("flow")
    if flow is not None and flow not in bot.flows:
        logger.warning("spec %r: flow %r is not in bot %r", spec.get("desc"), flow, bot.name)
        return []
    out: list[TurnRecord] = []
    for case in run_spec(bot, spec):
        for record in case.records:
            if kind == "states":
                record.intent = None
            elif kind == "actions":
                record.flow, record.state = flow, None
            out.append(record)
    return out


def spec_hits(bot: Bot, specs: Iterable[dict[str, Any] | str | Path]) -> Counter[tuple[str, str, str]]:
    """Hit counts ``(kind, flow, name) -> n`` of the specs (dicts or spec files) on ``bot``."""
    hits: Hits = Counter()
    for spec in specs:
        loaded = spec if isinstance(spec, dict) else load_spec(spec)
        count_hits(hits, spec_records(bot, loaded))
    return hits
