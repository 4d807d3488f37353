"""The worker side of a method call, run in this process (harmless methods only)."""

from __future__ import annotations

from typing import Any

from igbot.engine._jsworker import answer


def call(code: str, args: str = "[{}]", **limits: Any) -> dict[str, Any]:
    request = {"source": f"function f(ctx) {{ {code} }}", "entry": "f", "args": args,
               "time_limit": 1.0, "memory_limit": 32 * 1024 * 1024, "max_depth": 5,
               "max_values": 50, "max_chars": 200}
    request.update(limits)
    return answer(request)


def test_a_result_crosses_as_json_text() -> None:
    assert call("return {a: [ctx.n, 'é']};", '[{"n": 2}]') == {"ok": '{"a":[2,"é"]}'}
    assert call("return undefined;") == {"ok": "null"}


def test_throws_are_told_apart() -> None:
    assert call("throw new TypeError('no');") == {"threw": "TypeError: no"}
    assert call("throw null;") == {"threw": "null"}
    assert call("throw 42;") == {"threw": "42"}


def test_results_that_cannot_cross_are_bad() -> None:
    assert call("return [[[[[[1]]]]]];") == {"bad": "it is nested deeper than 5 levels"}
    assert call("var a = []; for (var i = 0; i < 60; i++) a.push(i); return a;") == {
        "bad": "it holds more than 50 values"}
    assert call("return 'y'.repeat(300);") == {"bad": "it is 302 characters of JSON, over 200"}
    assert call("return ['\\ud800'];") == {"bad": "a text is not valid Unicode (a lone surrogate)"}


def test_a_syntax_error_is_a_throw() -> None:
    assert call("return (;")["threw"].startswith("SyntaxError")
