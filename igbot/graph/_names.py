"""Node ids and the readings of a bot the graph needs: actions, commands, transition labels."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from igbot.engine import ACTION_TYPES
from igbot.expr import compile_expr
from igbot.graph._style import shorten
from igbot.kataml import Action, Flow, Intent, Transition

__all__ = [
    "AGENT",
    "any_id",
    "command_matcher",
    "flow_id",
    "intent_id",
    "intents_in",
    "resolve_action",
    "state_id",
    "takes_command",
    "transition_text",
]

logger = logging.getLogger(__name__)

AGENT = "agent"
_INTENT_NAME = re.compile(r"""\bintent\s*===?\s*(['"])([^'"]*)\1|(['"])([^'"]*)\3\s*===?\s*intent\b""")
_CONTENT_EQ = re.compile(r"""\bcontent\s*===?\s*(['"])((?:\\.|(?!\1).)*)\1""")


def flow_id(flow: str) -> str:
    """The node id of a flow."""
    return f"flow:{flow}"


def state_id(flow: str, state: str) -> str:
    """The node id of a state."""
    return f"state:{flow}/{state}"


def intent_id(flow: str, intent: str) -> str:
    """The node id of an intent."""
    return f"intent:{flow}/{intent}"


def any_id(flow: str) -> str:
    """The node id of a flow's synthetic "any state" node (collapsed floats)."""
    return f"any:{flow}"


def resolve_action(flow: Flow, name: str, options: dict[str, Any] | None) -> Action | None:
    """The action a state's reference names: the flow's own, else an action type, else None."""
    action = flow.actions.get(name)
    if action is None:
        if name not in ACTION_TYPES:
            return None
        action = Action(type=name)
    if options:
        action = action.model_copy(update={"options": {**action.options, **options}})
    return action


def command_matcher() -> Any:
    """A function ``(conditions, command) -> bool``: the conditions evaluated by igbot.expr for
    the command message, or read as text where a condition does not parse."""

    def by_regex(conditions: list[str], command: str) -> bool:
        for cond in conditions:
            found = {m.group(2) for m in _CONTENT_EQ.finditer(cond)}
            if command not in found:
                return False
        return True

    @functools.lru_cache(maxsize=4096)
    def holds(cond: str, command: str) -> bool:
        message = {"type": "command", "content": command, "payload": None}
        try:
            return compile_expr(cond).holds(message)
        except Exception:  # a syntax error in the bot: fall back to reading the text
            logger.debug("condition %r not evaluated; reading it as text", cond)
            return by_regex([cond], command)

    def matches(conditions: list[str], command: str) -> bool:
        return all(holds(cond, command) for cond in conditions)

    return matches


def takes_command(intent: Intent) -> bool:
    return intent.type == "command" or (intent.type is None and bool(intent.condition))


def transition_text(tr: Transition) -> tuple[str, str]:
    """(label, title) of a transition."""
    parts = []
    if tr.condition:
        parts.append(shorten(tr.condition, 36))
    if tr.fallback:
        parts.append("fallback")
    if tr.priority is not None:
        parts.append(f"p={tr.priority:g}")
    if isinstance(tr.mapping, dict) and tr.mapping:
        parts.append("⇒ " + ", ".join(tr.mapping))
    elif isinstance(tr.mapping, str):
        parts.append(f"⇒ {tr.mapping}()")
    lines = [f"condition: {tr.condition}" if tr.condition else "condition: (none)"]
    if tr.fallback:
        lines.append("fallback: true")
    if tr.priority is not None:
        lines.append(f"priority: {tr.priority:g}")
    if isinstance(tr.mapping, dict):
        lines.extend(f"mapping: {k} = {v}" for k, v in tr.mapping.items())
    elif isinstance(tr.mapping, str):
        lines.append(f"mapping: method {tr.mapping}")
    return " ".join(parts), "\n".join(lines)


def intents_in(condition: str | None) -> list[str]:
    if not condition:
        return []
    found = []
    for m in _INTENT_NAME.finditer(condition):
        name = m.group(2) if m.group(2) is not None else m.group(4)
        if name not in found:
            found.append(name)
    return found
