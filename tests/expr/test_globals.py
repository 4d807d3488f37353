"""Global functions: parseInt, parseFloat, Number, String, JSON, Math, Object, URI encoding."""

from __future__ import annotations

import math

import pytest

from igbot import ExpressionError
from igbot.expr import UNDEFINED, compile_expr
from igbot.expr._globals import GLOBALS, js_stringify


def ev(source: str, **scope: object) -> object:
    return compile_expr(source).evaluate(scope)


def test_parse_int() -> None:
    assert ev("parseInt('42px')") == 42 and type(ev("parseInt('42')")) is int
    assert ev("parseInt(attributes.quantity)", attributes={"quantity": "3"}) == 3
    assert ev("parseInt('0x10')") == 16
    assert ev("parseInt('10', 36)") == 36
    assert math.isnan(ev("parseInt('x')"))  # type: ignore[arg-type]
    assert math.isnan(ev("parseInt('1', 37)"))  # type: ignore[arg-type]
    assert ev("parseInt('9' + '0'.repeat(400))") == math.inf
    assert ev("parseInt('1' + '0'.repeat(301))") == 1e301
    assert ev("parseInt('12345678901234567890')") == 12345678901234567890.0


def test_parse_float_and_number() -> None:
    assert ev("parseFloat('2.50 kg')") == 2.5
    assert ev("parseFloat('3')") == 3 and type(ev("parseFloat('3')")) is int
    assert ev("Number('  7 ')") == 7
    assert math.isnan(ev("Number('7a')"))  # type: ignore[arg-type]


def test_json() -> None:
    assert ev("JSON.stringify(x)", x={"a": [1, 2.0, "é"], "b": None}) == '{"a":[1,2,"é"],"b":null}'
    assert ev("JSON.stringify(x)", x=UNDEFINED) is UNDEFINED
    assert ev("JSON.parse('[1, 2.0, {\"a\": null}]')") == [1, 2, {"a": None}]
    assert ev("JSON.parse('12345678901234567890')") == 12345678901234567890.0
    assert js_stringify(ev("/a/")) == "{}"
    assert js_stringify([len]) == "[{}]"  # opaque values are empty objects
    nested: list[object] = []
    for _ in range(150):
        nested = [nested]
    with pytest.raises(ExpressionError, match="nested too deeply"):
        ev("JSON.stringify(x)", x=nested)
    with pytest.raises(ExpressionError, match=r"JSON\.parse"):
        ev("JSON.parse('[' .repeat(100000))")


def test_math() -> None:
    assert ev("Math.floor(2.7)") == 2 and type(ev("Math.floor(2.7)")) is int
    assert ev("Math.round(-0.5)") == 0
    assert ev("Math.max(1, 5, 3)") == 5
    assert math.isnan(ev("Math.min(1, undefined)"))  # type: ignore[arg-type]
    assert ev("Math.pow(10, 400)") == math.inf
    assert ev("Math.floor(1e300)") == 1e300
    assert ev("Math.abs('-2')") == 2


def test_object_helpers() -> None:
    assert ev("Object.keys(x)", x={"b": 1, "a": 2}) == ["b", "a"]
    assert ev("Object.keys('ab')") == ["0", "1"]
    assert ev("Object.keys(5)") == []
    assert ev("Object.entries(x)", x={"a": 1}) == [["a", 1]]
    assert ev("Array.isArray(x)", x=(1, 2)) is True


def test_scope_variables_shadow_globals() -> None:
    assert ev("Math", Math=3) == 3
    assert ev("NaN == NaN") is False
    assert ev("Infinity > 1e308") is True
    assert set(GLOBALS) >= {"parseInt", "JSON", "Math", "Object", "Array", "String", "Number"}


def test_uri_encoding() -> None:
    assert ev("encodeURIComponent('Jakarta Selatan')") == "Jakarta%20Selatan"
    assert ev("decodeURIComponent('%F0%9F%98%80')") == "😀"


def test_json_stringify_stops_at_the_size_limit_before_building() -> None:
    with pytest.raises(ExpressionError, match="over the limit of 1000000 characters"):
        ev("JSON.stringify([s, s])", s="x" * 600_000)
    with pytest.raises(ExpressionError, match="over the limit of 1000000 characters"):
        ev("JSON.stringify(a, null, 10)", a=[[[[1] * 5000] * 5]] * 5)


def test_json_stringify_of_a_huge_scope_value_has_one_deadline() -> None:
    import time

    huge = [{"k": i} for i in range(600_000)]  # built before the clock starts
    start = time.monotonic()
    # a fast machine meets the size cap first, a slow one the deadline: either bounds the call
    with pytest.raises(ExpressionError, match=r"JSON.stringify(\(\) took longer than 0\.25 s|"
                                              r": the text would be over the limit of 1000000)"):
        ev("JSON.stringify(a)", a=huge)
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize("name", ["keys", "values", "entries"])
def test_object_keys_values_entries_are_capped(name: str) -> None:
    with pytest.raises(ExpressionError, match="over the limit of 100000"):
        ev(f"Object.{name}(s)", s="x" * 200_000)
