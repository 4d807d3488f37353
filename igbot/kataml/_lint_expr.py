"""Lint: every expression and ``$(...)`` template of a bot must parse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from igbot._errors import ExpressionSyntaxError
from igbot.expr import compile_expr, compile_template
from igbot.kataml._findings import Reporter
from igbot.kataml._models import Bot, State

__all__ = ["check_expressions", "iter_expressions"]

Scope = dict[str, str | None]


def iter_expressions(bot: Bot) -> Iterator[tuple[str, str, str, Scope]]:
    """Every ``(kind, source, yaml_path, scope)``; kind is ``expr`` or ``template``."""
    for fname, flow in bot.flows.items():
        base = f"flows.{fname}"
        for iname, intent in flow.intents.items():
            scope: Scope = {"flow": fname, "intent": iname}
            ipath = f"{base}.intents.{iname}"
            for i, condition in enumerate(intent.condition):
                yield "expr", condition, f"{ipath}.condition[{i}]", scope
            for i, classifier in enumerate(intent.classifier):
                expression = (classifier.model_extra or {}).get("expression")
                if isinstance(expression, str):
                    yield "expr", expression, f"{ipath}.classifier[{i}].expression", scope
        for sname, state in flow.states.items():
            yield from _state_expressions(state, f"{base}.states.{sname}",
                                          {"flow": fname, "state": sname})
        for aname, action in flow.actions.items():
            scope = {"flow": fname, "action": aname}
            apath = f"{base}.actions.{aname}"
            if action.condition:
                yield "expr", action.condition, f"{apath}.condition", scope
            yield from _templates(action.options, f"{apath}.options", scope)


def _state_expressions(state: State, spath: str, scope: Scope) -> Iterator[
        tuple[str, str, str, Scope]]:
    for event in ("enter", "transit", "exit"):
        yield from _mapping(getattr(state, event), f"{spath}.{event}", scope)
    transitions = [(f"{spath}.transitions.{dest}", t) for dest, t in state.transitions.items()]
    if state.float is not None:
        transitions.append((f"{spath}.float", state.float))
    for tpath, transition in transitions:
        if transition.condition:
            yield "expr", transition.condition, f"{tpath}.condition", scope
        yield from _mapping(transition.mapping, f"{tpath}.mapping", scope)
    for i, ref in enumerate(state.action):
        ref_scope = {**scope, "action": ref.name}
        if ref.condition:
            yield "expr", ref.condition, f"{spath}.action[{i}].condition", ref_scope
        yield from _templates(ref.options, f"{spath}.action[{i}].options", ref_scope)


def _mapping(mapping: Any, path: str, scope: Scope) -> Iterator[tuple[str, str, str, Scope]]:
    if isinstance(mapping, dict):
        for key, value in mapping.items():
            if isinstance(value, str):
                yield "expr", value, f"{path}.{key}", scope


def _templates(value: Any, path: str, scope: Scope) -> Iterator[tuple[str, str, str, Scope]]:
    if isinstance(value, str):
        if "$(" in value or "$[" in value:
            yield "template", value, path, scope
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _templates(item, f"{path}.{key}", scope)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _templates(item, f"{path}[{i}]", scope)


def check_expressions(bot: Bot, report: Reporter) -> None:
    """Report each expression or template that does not parse, with the position."""
    for kind, source, path, scope in iter_expressions(bot):
        try:
            (compile_expr if kind == "expr" else compile_template)(source)
        except ExpressionSyntaxError as exc:
            what = "expression" if kind == "expr" else "template"
            before = source[max(0, exc.position - 20): exc.position]
            after = f" (after {before!r})" if before else ""
            report("expression-syntax", f"{what} {source!r} does not parse: {exc.reason} at "
                   f"position {exc.position}{after}", path, **scope)
