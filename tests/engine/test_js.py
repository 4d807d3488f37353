from __future__ import annotations

import pytest

from igbot import MethodError
from igbot.engine import JSRuntime
from igbot.kataml import Method


def method(code: str, key: str = "f(ctx)") -> Method:
    name = key.split("(")[0]
    params = [p.strip() for p in key[key.index("(") + 1 : -1].split(",") if p.strip()]
    return Method(key=key, name=name, params=params, code=code)


def test_method_gets_and_returns_json() -> None:
    m = method("ctx.context.data_text = ctx.content.replace(/ /g, '%20'); return ctx;")
    out = JSRuntime().call(m, [{"content": "a b c", "context": {}}])
    assert out == {"content": "a b c", "context": {"data_text": "a%20b%20c"}}


def test_code_and_entry_form() -> None:
    m = Method(key="sq(x)", name="sq", params=["x"], code="function square(x) { return x * x; }",
               entry="square")
    assert JSRuntime().call(m, [7]) == 49


def test_module_exports_entry() -> None:
    m = Method(key="g(x)", name="g", params=["x"],
               code="function g(x) { return x + 1; } module.exports = g;", entry="module.exports")
    assert JSRuntime().call(m, [1]) == 2


def test_throwing_method_is_a_method_error() -> None:
    with pytest.raises(MethodError, match="threw Error: boom"):
        JSRuntime().call(method("throw new Error('boom');"), [{}])


def test_endless_loop_hits_the_time_limit() -> None:
    with pytest.raises(MethodError, match="time limit"):
        JSRuntime(time_limit=0.2).call(method("while (true) {}"), [{}])


def test_memory_hog_hits_the_memory_limit() -> None:
    hog = "var a = []; while (true) { a.push('xxxxxxxxxxxxxxxxxxxxxxxx' + a.length); }"
    with pytest.raises(MethodError, match="memory limit"):
        JSRuntime(time_limit=5, memory_limit=8 * 1024 * 1024).call(method(hog), [{}])


def test_sandbox_has_no_host_access() -> None:
    probe = "return [typeof require, typeof process, typeof std, typeof os, typeof fetch];"
    assert JSRuntime().call(method(probe), [{}]) == ["undefined"] * 5


def test_calls_do_not_share_state() -> None:
    m = method("globalThis.n = (globalThis.n || 0) + 1; return globalThis.n;")
    rt = JSRuntime()
    assert rt.call(m, [{}]) == 1
    assert rt.call(m, [{}]) == 1


def test_bad_signature_is_refused() -> None:
    with pytest.raises(MethodError, match="not a valid function signature"):
        JSRuntime().call(method("return 1;", key="f(a); alert(1)//()"), [{}])
