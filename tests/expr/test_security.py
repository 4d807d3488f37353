"""Expressions cannot reach Python: dunder names, constructors and prototypes read as
undefined or fail with ExpressionError, and never hand out a Python object."""

from __future__ import annotations

import math
from typing import Any

import pytest

from igbot import ExpressionError
from igbot.expr import UNDEFINED, compile_expr, compile_template
from igbot.expr._values import JSFunction, JSRegExp


def is_js_value(value: Any, depth: int = 0) -> bool:
    """True for the values an expression may produce (plain data and our opaque wrappers)."""
    if value is None or value is UNDEFINED or isinstance(value, (bool, str, JSFunction, JSRegExp)):
        return True
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, (list, tuple)):
        return depth < 50 and all(is_js_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return depth < 50 and all(isinstance(k, str) and is_js_value(v, depth + 1) for k, v in value.items())
    return False


ATTACKS = [
    "constructor", "__class__", "__globals__", "toString.constructor", "''.__class__",
    "[].__proto__", "''.constructor", "''.constructor.constructor('return 1')()",
    "(1).__class__", "true.__class__.__mro__", "parseInt.__call__", "parseInt.__globals__",
    "parseInt._call", "parseInt.invoke", "''.trim._call", "Math.__dict__", "Math.members",
    "JSON.parse.__self__", "JSON.__class__.__subclasses__()", "/a/.pattern", "/a/.__class__",
    "/a/.pattern.__class__", "obj.__class__", "obj.__dict__", "obj['__class__']",
    "a['__class__']", "a['constructor']", "a.__proto__", "''['__class__']", "''['constructor']",
    "[]['__class__']", "({}).constructor", "globalThis", "process", "__import__('os')",
    "require('os')", "Object.getPrototypeOf({})", "Function('return 1')", "eval('1')",
    "exec('1')", "String.__self__", "''.format", "''.join(['a'])", "''.encode()",
    "[].append(1)", "[].pop()", "({}).items()", "({}).keys()", "({}).get('a')", "(1).real",
    "(1).bit_length()", "'%s'.__mod__(obj)", "Object.keys.__code__", "Math.floor.__name__",
    "typeof parseInt.__call__", "[].constructor.prototype", "obj.__init__.__globals__",
    "'a'.split.__self__", "Object['keys']['__globals__']", "x.__class__", "UNDEFINED",
]  # fmt: skip


@pytest.mark.parametrize("source", ATTACKS)
def test_no_python_objects_escape(source: str) -> None:
    scope = {"obj": object(), "a": {"x": 1}, "x": UNDEFINED}
    try:
        value = compile_expr(source).evaluate(scope)
    except ExpressionError:
        return
    assert value is UNDEFINED or isinstance(value, str) or is_js_value(value)
    assert not isinstance(value, type)
    if isinstance(value, str):
        assert "<class" not in value and "<module" not in value


def test_python_objects_in_scope_are_opaque() -> None:
    class Secret:
        token = "s3cret"

        def __str__(self) -> str:
            return self.token

    scope = {"s": Secret()}
    assert compile_expr("s.token").evaluate(scope) is UNDEFINED
    assert compile_expr("'' + s").evaluate(scope) == "[object Object]"
    assert compile_expr("JSON.stringify(s)").evaluate(scope) == "{}"
    assert compile_template("$(s)!").render(scope) == "[object Object]!"


def test_data_keys_are_only_data() -> None:
    scope = {"d": {"__class__": "just a key", "constructor": 1}}
    assert compile_expr("d.__class__").evaluate(scope) == "just a key"
    assert compile_expr("d.constructor + 1").evaluate(scope) == 2


def test_resource_guards() -> None:
    with pytest.raises(ExpressionError):
        compile_expr("'x'.repeat(1e9)").evaluate({})
    with pytest.raises(ExpressionError):
        compile_expr(
            "s + s",
        ).evaluate({"s": "x" * 600_000})
    with pytest.raises(ExpressionError):
        compile_expr("'ab'.padEnd(1e7, 'x')").evaluate({})
    with pytest.raises(ExpressionError):
        compile_expr("s.replaceAll('', s)").evaluate({"s": "y" * 5_000})
    assert compile_expr("1e308 * 10").evaluate({}) == math.inf


def test_unexpected_python_errors_are_wrapped() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(5000):
        node.append([])
        node = node[0]
    with pytest.raises(ExpressionError):
        compile_expr("JSON.stringify(x)").evaluate({"x": deep})
    with pytest.raises(ExpressionError):
        compile_expr("x == 'a'").evaluate({"x": deep})  # ToPrimitive of a very deep array
