"""The simulator's debugger: one turn's trace as HTML.

For every record of a turn (the person's message, then any commands it caused): the intents
tried, in order, with the reason each matched or not (type, each condition with the values it
read, classifier outputs); the transitions taken and not taken with their conditions' values;
``context`` and ``data`` before and after (changed keys marked); the actions run and the Send API
JSON each produced. Plain HTML with inline styles, so it reads the same in a notebook, Voilà and
an exported page.
"""

from __future__ import annotations

import html
import json
from typing import Any

from igbot.engine import Turn, TurnRecord

__all__ = ["turn_html"]

_BOX = "font:13px sans-serif;line-height:1.45;white-space:normal;overflow-wrap:anywhere"
_TABLE = "border-collapse:collapse;width:100%;margin:2px 0 8px 0"
_CELL = "border-top:1px solid #e5e5e5;padding:3px 6px;vertical-align:top;text-align:left"
_CODE = ("font:12px monospace;white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;"
         "padding:4px 6px;margin:2px 0;border-radius:4px")
_YES, _NO, _SKIP = ("color:#1a7f37", "color:#b00020", "color:#6e7781")


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _values(values: dict[str, Any]) -> str:
    if not values:
        return ""
    return " <span style='color:#6e7781'>read</span> " + ", ".join(
        f"<code>{_esc(path)}</code> = <code>{_esc(_json(value))}</code>"
        for path, value in values.items())


def _condition(check: Any) -> str:
    if check is None:
        return ""
    mark = ("✔", _YES) if check.holds else ("✘", _NO)
    result = (f"error: {_esc(check.error)}" if check.error is not None
              else f"→ <code>{_esc(_json(check.value))}</code>")
    return (f"<div><span style='{mark[1]}'>{mark[0]}</span> <code>{_esc(check.expression)}</code> "
            f"{result}{_values(check.values)}</div>")


def _intents(record: TurnRecord) -> str:
    trace = record.trace
    assert trace is not None
    if not trace.intents:
        return "<i>no intent was tried</i>"
    rows = []
    for trial in trace.intents:
        if trial.chosen:
            mark, style = "▶ chosen", _YES
        elif trial.matched:
            mark, style = "✔ matched", _YES
        elif trial.reason.startswith(("not tried", "not initial", "a fallback intent")):
            mark, style = "· skipped", _SKIP
        else:
            mark, style = "✘ no", _NO
        details = "".join(_condition(c) for c in trial.conditions)
        details += "".join(
            f"<div>classifier <code>{_esc(c.nlu)}</code> gave "
            f"<code>{_esc(_json(c.output))}</code>"
            + (f", wants <code>{_esc(c.match)}</code>" if c.match is not None else "")
            + f" <span style='{_YES if c.matched else _NO}'>{'✔' if c.matched else '✘'}</span>"
            "</div>" for c in trial.classifiers)
        kind = f"type {_esc(trial.type)}" if trial.type else "any type"
        weight = f", priority {trial.priority:g}" if trial.priority else ""
        rows.append(
            f"<tr><td style='{_CELL};{style};white-space:nowrap'>{mark}</td>"
            f"<td style='{_CELL}'><b>{_esc(trial.flow)}.{_esc(trial.intent)}</b>"
            f"<div style='color:#6e7781'>{_esc(trial.step)} · {kind}{weight}</div></td>"
            f"<td style='{_CELL}'>{_esc(trial.reason)}{details}</td></tr>")
    return f"<table style='{_TABLE}'>{''.join(rows)}</table>"


def _transitions(record: TurnRecord) -> str:
    trace = record.trace
    assert trace is not None
    if not trace.transitions:
        return "<i>no transition was considered</i>"
    rows = []
    for t in trace.transitions:
        mark, style = ("▶ taken", _YES) if t.taken else ("✘ not taken", _NO)
        tags = [f"priority {t.priority:g}"] if t.priority else []
        tags += ["fallback"] if t.fallback else []
        tags += ["float"] if t.float else []
        rows.append(
            f"<tr><td style='{_CELL};{style};white-space:nowrap'>{mark}</td>"
            f"<td style='{_CELL}'><b>{_esc(t.source)} → {_esc(t.dest)}</b>"
            f"<div style='color:#6e7781'>{_esc(', '.join(tags))}</div></td>"
            f"<td style='{_CELL}'>{_esc(t.reason)}{_condition(t.condition)}</td></tr>")
    return f"<table style='{_TABLE}'>{''.join(rows)}</table>"


def _variables(name: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    keys = [*before, *(k for k in after if k not in before)]
    if not keys:
        return f"<div><b>{name}</b> <i>empty before and after</i></div>"
    rows = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        changed = key not in before or key not in after or old != new
        style = "background:#fff8c5" if changed else ""
        was = _esc(_json(old)) if key in before else "<i>unset</i>"
        now = _esc(_json(new)) if key in after else "<i>unset</i>"
        rows.append(f"<tr style='{style}'><td style='{_CELL}'><code>{_esc(key)}</code></td>"
                    f"<td style='{_CELL}'><code>{was}</code></td>"
                    f"<td style='{_CELL}'><code>{now}</code></td></tr>")
    head = (f"<tr><th style='{_CELL}'>{name}</th><th style='{_CELL}'>before</th>"
            f"<th style='{_CELL}'>after</th></tr>")
    return f"<table style='{_TABLE}'>{head}{''.join(rows)}</table>"


def _actions(record: TurnRecord) -> str:
    trace = record.trace
    assert trace is not None
    if not record.actions:
        return "<i>no action ran</i>"
    parts = []
    for action in record.actions:
        style = {"ok": _YES, "skipped": _SKIP}.get(action.status, _NO)
        detail = f": {_esc(action.detail)}" if action.detail else ""
        requests = [r for r in trace.requests if r.action == action.name]
        bodies = "".join(
            f"<div style='{_CODE}'>POST /{_esc(r.endpoint)}\n"
            f"{_esc(json.dumps(r.body, ensure_ascii=False, indent=2))}</div>" for r in requests)
        parts.append(f"<div><b>{_esc(action.name)}</b> <code>{_esc(action.type)}</code> "
                     f"<span style='{style}'>{_esc(action.status)}</span>{detail}</div>{bodies}")
    return "".join(parts)


def record_html(record: TurnRecord, index: int = 0) -> str:
    """One record's debugger sections."""
    message = record.message.get("content") or _json(record.message.get("payload") or {})
    where = (f"{_esc(record.flow_before or '-')}/{_esc(record.state_before or '-')} → "
             f"{_esc(record.flow or '-')}/{_esc(record.state or '-')}")
    title = "the person's message" if record.depth == 0 else f"command (depth {record.depth})"
    head = (f"<div style='margin-top:6px'><b>{index + 1}. {title}</b> "
            f"<code>{_esc(record.message.get('type'))}</code> {_esc(message)} "
            f"<span style='color:#6e7781'>· {where} · intent "
            f"{_esc(record.intent or '-')}{' (fallback)' if record.is_fallback else ''}"
            "</span></div>")
    problems = "".join(f"<div style='{_NO}'>⚠ {_esc(e)}</div>" for e in record.errors)
    problems += "".join(f"<div style='color:#8a4b00'>⚠ {_esc(w)}</div>" for w in record.warnings)
    if record.trace is None:
        return head + problems + "<i>no trace (the engine ran without trace=True)</i>"
    trace = record.trace
    return (head + problems
            + f"<div><b>Intents tried</b> (selected via {_esc(trace.via)})</div>"
            + _intents(record)
            + "<div><b>Transitions</b></div>" + _transitions(record)
            + _variables("context", trace.context_before, trace.context_after)
            + _variables("data", trace.data_before, trace.data_after)
            + "<div><b>Actions</b></div>" + _actions(record))


def turn_html(turn: Turn | None) -> str:
    """The debugger panel for one turn (every record it holds)."""
    if turn is None or not turn.records:
        return f"<div style='{_BOX}'><i>no turn yet: send a message</i></div>"
    body = "".join(record_html(r, i) for i, r in enumerate(turn.records))
    return f"<div style='{_BOX}'>{body}</div>"
