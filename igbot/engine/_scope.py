"""The variables expressions see, and mappings that write ``context.x``, ``data.x``, ``payload.x``."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from igbot._errors import ExpressionError
from igbot._message import KataMessage
from igbot.engine._session import Session
from igbot.expr import UNDEFINED, Expression, compile_expr

__all__ = ["CompiledMapping", "Scope", "compile_mapping", "get_path", "set_path"]

_WRITABLE = ("context", "data", "payload")


def get_path(value: Any, path: str) -> Any:
    """``value`` at a dotted path (``a.b.0``); ``None`` when any step is missing."""
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    """Set ``target[path[0]][path[1]]... = value``, creating dicts; UNDEFINED deletes the key."""
    for part in path[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            target[part] = nxt
        target = nxt
    if value is UNDEFINED:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


def _is_data(value: Any) -> bool:
    """JSON-like data (what a session can store), or UNDEFINED (which deletes the key)."""
    if value is UNDEFINED or value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list):
        return all(_is_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_data(v) for k, v in value.items())
    return False


CompiledMapping = tuple[tuple[list[str], "Expression | ExpressionError | None", Any], ...]
"""A mapping read once: per entry the path's parts, the value's expression (or the syntax error
it gave; None for a value that is not text) and the value itself."""


def compile_mapping(mapping: Mapping[str, Any]) -> CompiledMapping:
    """A mapping's paths split and its values compiled, for :meth:`Scope.apply_mapping`."""
    entries = []
    for path, source in mapping.items():
        expression: Expression | ExpressionError | None = None
        if isinstance(source, str):
            try:
                expression = compile_expr(source)
            except ExpressionError as exc:
                expression = exc
        entries.append((path.split("."), expression, source))
    return tuple(entries)


def mapping_reads_context(mapping: CompiledMapping) -> bool:
    """Whether any expression of a compiled mapping reads ``context``."""
    return any(isinstance(expression, Expression) and "context" in expression.names()
               for _, expression, _ in mapping)


class Scope:
    """The variables of one step: message, session context/data, config, intent, attributes."""

    __slots__ = ("_fixed", "_own_payload", "_variables", "attributes", "clock", "config",
                 "deployment_id", "init", "intent", "message", "meta", "payload", "result",
                 "session")

    def __init__(self, message: KataMessage, session: Session, config: dict[str, Any],
                 clock: Callable[[], float] = time.time, deployment_id: str | None = None) -> None:
        self.message = message
        self.deployment_id = deployment_id
        self.init = False
        self.clock = clock
        self.session = session
        self.config = config
        # the message's payload, copied when a mapping first writes ``payload.x`` (copy on write)
        self.payload: dict[str, Any] | None = message.payload
        self._own_payload = False
        self.intent: str | None = None
        self.attributes: dict[str, Any] = {}
        self.result: Any = None
        self.meta: dict[str, Any] = {}
        self._fixed: dict[str, Any] | None = None  # the meta context that holds for the step
        self._variables: dict[str, Any] | None = None  # built once, then updated in place

    def meta_context(self) -> dict[str, Any]:
        """Kata's read-only meta context (``context.$now`` ...), from ``kata-ml/data-structure.md``.

        ``$now`` and ``$timestamp`` are milliseconds since the epoch (like JavaScript's
        ``Date.now()``); ``$now`` is read once per message step, ``$timestamp`` is when the
        session began. ``$channelId`` is the channel the session belongs to; ``$dataKey`` names
        the session data (channel and user).
        """
        session = self.session
        meta = {
            "$init": self.init,
            "$state": session.state,
            "$flow": session.flow,
            "$lastFlow": session.last_flow,
            "$lastState": session.last_state,
        }
        meta.update(self._fixed or self._fix())
        if self.meta:
            meta.update(self.meta)
        return meta

    def _fix(self) -> dict[str, Any]:
        """The meta context that holds for the whole step, read once."""
        session = self.session
        self._fixed = {
            "$now": int(self.clock() * 1000),
            "$timestamp": int(session.created_at * 1000),
            "$dataKey": f"{session.channel}:{session.user}",
            "$sessionId": session.id,
            "$channelId": session.channel,
            "$deploymentId": self.deployment_id,
            "$userId": session.user,
        }
        return self._fixed

    def variables(self, with_context: bool = True, own_context: bool = False) -> dict[str, Any]:
        """The dict expressions are evaluated against; without ``context`` (the flow's context
        and the ``$`` meta context, the dearest to build) for expressions that never read it
        (:meth:`igbot.expr.Expression.names`); with the flow's own context as ``context``
        (``own_context``) for expressions that read only plain members of it
        (:meth:`igbot.expr.Expression.members_of`: no ``$`` name, which is all the meta
        context adds).

        The dict is the scope's own, built at the first call and brought up to date in place at
        each later one (what a step can change: the payload, data, intent, attributes, result;
        the context is a new dict each time it is asked for, so a value read from an earlier
        one never changes): read it before asking again."""
        session = self.session
        variables = self._variables
        if variables is None:
            message = self.message
            variables = self._variables = {
                "type": message.type,
                "content": message.content,
                "payload": self.payload,
                "metadata": message.metadata,
                "data": session.data,
                "config": self.config,
                "intent": self.intent,
                "attributes": self.attributes,
                "result": self.result,
            }
        else:
            variables["payload"] = self.payload
            variables["data"] = session.data
            variables["intent"] = self.intent
            variables["attributes"] = self.attributes
            variables["result"] = self.result
        if own_context and with_context:  # the same values for what is read, nothing built
            variables["context"] = session.context
        elif with_context:  # ``{**session.context, **self.meta_context()}`` in one dict
            context = {**session.context, "$init": self.init, "$state": session.state,
                       "$flow": session.flow, "$lastFlow": session.last_flow,
                       "$lastState": session.last_state, **(self._fixed or self._fix())}
            if self.meta:
                context.update(self.meta)
            variables["context"] = context
        elif "context" in variables:
            del variables["context"]
        return variables

    def method_ctx(self) -> dict[str, Any]:
        """The ``ctx`` a mapping method receives: intent, attributes, content, payload, data,
        context (with the ``$`` meta context, read-only) and config."""
        return {
            "intent": self.intent,
            "attributes": self.attributes,
            "content": self.message.content,
            "payload": self.payload,
            "data": self.session.data,
            "context": {**self.session.context, **self.meta_context()},
            "config": self.config,
        }

    def message_dict(self) -> dict[str, Any]:
        """The message as Kata methods see it (``type``, ``content``, ``payload``, ``metadata``)."""
        return {"type": self.message.type, "content": self.message.content,
                "payload": self.payload, "metadata": self.message.metadata}

    def context_with_meta(self) -> dict[str, Any]:
        """The flow's context with the ``$`` meta context, as an action method's ``context``."""
        return {**self.session.context, **self.meta_context()}

    def apply_method_ctx(self, ctx: Any) -> None:
        """Take back what a mapping method returned (its data, context and payload); the ``$``
        meta context is read-only and is not stored."""
        if not isinstance(ctx, dict):
            return
        if isinstance(ctx.get("context"), dict):
            self.session.context = {k: v for k, v in ctx["context"].items()
                                    if not (isinstance(k, str) and k.startswith("$"))}
        if isinstance(ctx.get("data"), dict):
            self.session.data = ctx["data"]
        if isinstance(ctx.get("payload"), dict):
            self.payload = ctx["payload"]
            self._own_payload = True

    def apply_mapping(self, mapping: Mapping[str, Any] | CompiledMapping,
                      with_context: bool = True) -> None:
        """Evaluate every value first, then write them (a mapping reads the state before it).

        ``mapping``: the bot's mapping, or its :func:`compile_mapping` (read once, at load);
        ``with_context=False`` when none of its expressions reads ``context``."""
        entries = mapping if isinstance(mapping, tuple) else compile_mapping(mapping)
        variables = self.variables(with_context)
        values: list[tuple[list[str], Any]] = []
        for parts, expression, value in entries:
            if expression is not None:
                if not isinstance(expression, Expression):
                    raise expression  # a syntax error, found at load
                value = expression.evaluate(variables)
            values.append((parts, value))
        for parts, value in values:
            if not _is_data(value):
                raise ExpressionError(
                    f"mapping {'.'.join(parts)!r}: the value is a {type(value).__name__}, not data"
                )
            self._write(parts, value)

    def _write(self, parts: list[str], value: Any) -> None:
        root, rest = parts[0], parts[1:]
        if root not in _WRITABLE or not rest:
            raise KeyError(f"mapping can only write context.*, data.* or payload.*, not {'.'.join(parts)!r}")
        if root == "context":
            set_path(self.session.context, rest, value)
        elif root == "data":
            set_path(self.session.data, rest, value)
        else:
            if not self._own_payload or not isinstance(self.payload, dict):
                self.payload = dict(self.payload) if isinstance(self.payload, dict) else {}
                self._own_payload = True
            set_path(self.payload, rest, value)
