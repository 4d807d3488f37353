"""Operators: each one, and a comparison with a real JavaScript engine (QuickJS)."""

from __future__ import annotations

import math

import pytest

from igbot import ExpressionError
from igbot.expr import UNDEFINED, compile_expr
from igbot.expr._compiler import js_add, js_arith, js_compare

from ._oracle import SCOPE, describe, run_js


def ev(source: str, **scope: object) -> object:
    return compile_expr(source).evaluate(scope or SCOPE)


def test_arithmetic_keeps_ints_when_exact() -> None:
    assert ev("1 + 2") == 3 and type(ev("1 + 2")) is int
    assert ev("6 / 3") == 2 and type(ev("6 / 3")) is int
    assert ev("7 / 2") == 3.5
    assert ev("7 % 3") == 1 and ev("-7 % 3") == -1 and ev("7 % -3") == 1
    assert ev("5.5 % 2") == 1.5
    assert ev("2 * 3 - 10") == -4
    assert ev("(context.n || 0) + 1", context={}) == 1
    assert type(ev("(context.n || 0) + 1", context={})) is int


def test_division_by_zero_is_infinity_or_nan() -> None:
    assert ev("1 / 0") == math.inf
    assert ev("-1 / 0") == -math.inf
    assert math.isnan(ev("0 / 0"))  # type: ignore[arg-type]
    assert math.isnan(ev("1 % 0"))  # type: ignore[arg-type]
    assert ev("1 / -0.0") == -math.inf


def test_big_integers_become_floats_like_javascript() -> None:
    assert ev("9007199254740992 + 2") == 9007199254740994.0
    assert isinstance(ev("9007199254740992 * 9007199254740992"), float)


def test_plus_concatenates_with_js_tostring() -> None:
    assert ev("'n=' + 1.0") == "n=1"
    assert ev("'n=' + 1.5") == "n=1.5"
    assert ev("'' + true + null + undefined") == "truenullundefined"
    assert ev("[1, 2] + ''") == "1,2"
    assert ev("({}) + ''") == "[object Object]"
    assert ev("1 + 2 + '3'") == "33"
    assert ev("'3' + 1 + 2") == "312"
    assert ev("true + 1") == 2
    assert ev("null + 1") == 1
    assert math.isnan(ev("undefined + 1"))  # type: ignore[arg-type]
    assert js_add([1], [2]) == "12"


def test_unary_operators() -> None:
    assert ev("-'3'") == -3
    assert ev("+'4.5'") == 4.5
    assert ev("+''") == 0
    assert math.isnan(ev("+'x'"))  # type: ignore[arg-type]
    assert ev("!0") is True and ev("!'a'") is False and ev("!!{}") is True
    assert ev("typeof 1") == "number"
    assert ev("typeof 'a'") == "string"
    assert ev("typeof null") == "object"
    assert ev("typeof nothing") == "undefined"
    assert ev("typeof [1]") == "object"
    assert ev("typeof true") == "boolean"
    assert ev("typeof parseInt") == "function"


def test_logical_operators_return_operands_and_short_circuit() -> None:
    assert ev("0 || 'x'") == "x"
    assert ev("'a' && 'b'") == "b"
    assert ev("'' && x.y()") == ""  # right side never runs
    assert ev("1 || x.y()") == 1
    assert ev("null ?? 'd'") == "d"
    assert ev("undefined ?? 0") == 0
    assert ev("0 ?? 'd'") == 0
    assert ev("'' ?? 'd'") == ""


def test_comparisons() -> None:
    assert ev("2 < 10") is True
    assert ev("'2' < '10'") is False  # strings compare lexicographically
    assert ev("'2' < 10") is True  # mixed: numbers
    assert ev("null >= 0") is True
    assert ev("undefined >= 0") is False
    assert ev("'a' <= 'a'") is True
    assert ev("NaN < 1 || NaN >= 1") is False
    assert js_compare(">", "b", "a") is True


def test_ternary_and_grouping() -> None:
    assert ev("1 ? 2 : 3") == 2
    assert ev("0 ? 2 : 1 ? 4 : 5") == 4
    assert ev("(1 + 2) * 3") == 9
    assert ev("1 + 2 * 3") == 7
    assert ev("!0 == true") is True


def test_member_index_and_optional_chaining() -> None:
    scope = {"a": {"b": [10, {"c": "d"}]}, "n": None}
    assert ev("a.b[0]", **scope) == 10
    assert ev("a['b'][1].c", **scope) == "d"
    assert ev("a.b['1']['c']", **scope) == "d"
    assert ev("a.b.length", **scope) == 2
    assert ev("'hello'.length") == 5
    assert ev("'hello'[1]") == "e"
    assert ev("n?.x.y.z()", **scope) is UNDEFINED
    assert ev("n?.[0]", **scope) is UNDEFINED
    assert ev("a.zz?.()", **scope) is UNDEFINED
    assert ev("a?.b[0]", **scope) == 10
    assert ev("a.b[5]", **scope) is UNDEFINED
    assert ev("a.b[-1]", **scope) is UNDEFINED


def test_array_and_object_literals() -> None:
    assert ev("[1, 'a', [true], {}]") == [1, "a", [True], {}]
    assert ev("{a: 1, 'b': 2, 3: x}", x=4) == {"a": 1, "b": 2, "3": 4}
    assert ev("[1, 2,]") == [1, 2]
    assert ev("({a: {b: 1}}).a.b") == 1


def test_object_identity_for_equality() -> None:
    same = [1]
    assert ev("a == a", a=same) is True
    assert ev("a == b", a=[1], b=[1]) is False
    assert ev("[] == []") is False
    assert ev("a === a", a={"x": 1}) is True


def test_js_arith_helper() -> None:
    assert js_arith("-", "5", True) == 4
    assert math.isnan(js_arith("*", "x", 2))


DIFFERENTIAL = [
    # equality
    "1 == '1'", "0 == ''", "0 == '0'", "'' == '0'", "null == undefined", "null == 0",
    "undefined == 0", "false == '0'", "true == 1", "true == '1'", "true == 2", "NaN == NaN",
    "[1] == 1", "[1,2] == '1,2'", "({}) == '[object Object]'", "null == false", "'1' === 1",
    "undefined === undefined", "null !== undefined", "' 1 ' == 1", "'0x10' == 16", "1e3 == '1000'",
    # arithmetic and conversion
    "1 + '2'", "'3' * '4'", "10 / 4", "10 % 4", "-10 % 4", "5.5 % -2", "2 - '1'", "'a' - 1",
    "1 / 3", "0.1 + 0.2", "1e21 + ''", "1e-7 + ''", "1e20 + ''", "0.000001 + ''",
    "-0.5 + ''", "100 + ''", "1.5e300 * 1e10", "[] + []", "[] + {}", "[null, undefined, 1] + ''",
    "true + true", "'x' + [1, [2, 3]]", "+[]", "+[5]", "+'  12  '", "+'1e3'", "+'-Infinity'",
    # comparisons
    "'abc' < 'abd'", "'Z' < 'a'", "'10' < '9'", "'10' < 9", "null < 1", "undefined < 1",
    "[2] > 1", "'b' >= 'b'",
    # logic
    "0 || null || 'x'", "1 && 0 && 2", "'' || 0", "null ?? false", "!'' && !0",
    # scope
    "intent == 'greeting' ? (context.greetCount || 0) + 1 : 0", "payload.n + payload.s",
    "payload.n * payload.s", "payload.list.length", "payload.list[2] == undefined",
    "payload.empty || 'default'", "context.f * 2", "context.nothing?.x", "data.items[1].price",
    "metadata.senderId + 1", "context.flag === true", "payload.missing?.deep.deeper",
    "content.length > 5 && content.startsWith('Hello')", "typeof context.nothing",
]  # fmt: skip


@pytest.mark.parametrize("source", DIFFERENTIAL)
def test_same_value_as_a_javascript_engine(source: str) -> None:
    pytest.importorskip("quickjs")
    assert describe(compile_expr(source).evaluate(SCOPE)) == run_js(source)


def test_calling_a_non_function_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="payload is not a function"):
        ev("payload()")
    with pytest.raises(ExpressionError, match=r"'abc'\.nope is not a function"):
        ev("'abc'.nope()")
