"""QuickJS as a reference: the value a real JavaScript engine gives for an expression."""

from __future__ import annotations

import json
import math
from typing import Any

from igbot.expr import UNDEFINED
from igbot.expr._globals import js_stringify
from igbot.expr._values import js_typeof

SCOPE: dict[str, Any] = {
    "intent": "greeting",
    "content": "Hello World",
    "payload": {"type": "story_reply", "n": 3, "s": "5", "list": [1, "a", None], "empty": ""},
    "context": {"greetCount": 2, "zero": 0, "nothing": None, "flag": True, "f": 1.5},
    "metadata": {"channelType": "instagram", "senderId": "1789"},
    "data": {"items": [{"title": "A", "price": 10}, {"title": "B", "price": 2.5}]},
}


def describe(value: Any) -> Any:
    """A JSON-able [typeof, value] pair that both engines' results can be compared as."""
    kind = js_typeof(value)
    if value is UNDEFINED:
        return [kind, None]
    if kind == "number" and not math.isfinite(value):
        return [kind, "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")]
    if kind == "object" and value is not None:
        return [kind, json.loads(js_stringify(value) or "null")]
    return [kind, value]


_WRAPPER = """
(function () {
  const v = (%s);
  let shown = v;
  if (v === undefined) shown = null;
  else if (typeof v === 'number' && !isFinite(v)) shown = String(v);
  else if (typeof v === 'object' && v !== null) shown = JSON.parse(JSON.stringify(v));
  return JSON.stringify([typeof v, shown]);
})()
"""


def run_js(source: str, scope: dict[str, Any] | None = None) -> Any:
    """Evaluate ``source`` in QuickJS with ``scope``'s variables declared."""
    import quickjs

    ctx = quickjs.Context()
    decls = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in (scope or SCOPE).items())
    return json.loads(ctx.eval(decls + _WRAPPER % source))
