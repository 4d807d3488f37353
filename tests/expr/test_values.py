"""Values and conversions: undefined, truthiness, ToString, ToNumber, == and ===."""

from __future__ import annotations

import json
import math
import pickle

import pytest

from igbot import ExpressionError
from igbot.expr import UNDEFINED, loose_equals, strict_equals, to_js_string, to_number, truthy
from igbot.expr._values import MAX_STRING, check_string, js_typeof, norm_number, to_int_arg


def test_undefined_is_a_falsy_singleton() -> None:
    assert repr(UNDEFINED) == "undefined"
    assert not UNDEFINED
    assert type(UNDEFINED)() is UNDEFINED
    assert pickle.loads(pickle.dumps(UNDEFINED)) is UNDEFINED


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (UNDEFINED, False), (None, False), (False, False), (0, False), (0.0, False),
        (math.nan, False), ("", False), (True, True), (1, True), (-0.5, True), ("0", True),
        (" ", True), ("false", True), ([], True), ({}, True), (math.inf, True),
    ],
)  # fmt: skip
def test_truthy(value: object, expected: bool) -> None:
    assert truthy(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "true"), (False, "false"), (None, "null"), (UNDEFINED, "undefined"), (1, "1"),
        (1.0, "1"), (1.5, "1.5"), (-0.0, "0"), (math.nan, "NaN"), (math.inf, "Infinity"),
        (-math.inf, "-Infinity"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"), (0.000001, "0.000001"), (123.456, "123.456"), (2**60, str(2**60)),
        (1.2345678901234568e20, "123456789012345680000"), (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), ([1, [2, None], UNDEFINED], "1,2,,"),
        ([], ""), ({"a": 1}, "[object Object]"), ("x", "x"), ((1, 2), "1,2"),
    ],
)  # fmt: skip
def test_to_js_string(value: object, expected: str) -> None:
    assert to_js_string(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 0), (True, 1), (False, 0), ("", 0), ("  ", 0), (" 42 ", 42), ("1.5", 1.5),
        ("1e3", 1000), ("0x1f", 31), ("0b101", 5), ("0o17", 8 + 7), ("-Infinity", -math.inf),
        ("5.0", 5), ([], 0), (["7"], 7), (7, 7), (2.5, 2.5),
    ],
)  # fmt: skip
def test_to_number(value: object, expected: float) -> None:
    result = to_number(value)
    assert result == expected
    if isinstance(expected, int) and not isinstance(expected, bool):
        assert type(result) is int


@pytest.mark.parametrize("value", [UNDEFINED, "x", "1,2", [1, 2], {}, "0x", "1e", "--1", "+-1"])
def test_to_number_nan(value: object) -> None:
    assert math.isnan(to_number(value))


def test_number_helpers() -> None:
    assert norm_number(3.0) == 3 and type(norm_number(3.0)) is int
    assert type(norm_number(2.0**60)) is float
    assert to_int_arg(UNDEFINED, 7) == 7
    assert to_int_arg("3.9") == 3
    assert to_int_arg(math.nan) == 0
    assert to_int_arg(-math.inf) == -math.inf
    assert js_typeof(len) == "object"  # anything opaque is just an object
    with pytest.raises(ExpressionError, match="over the limit"):
        check_string("x" * (MAX_STRING + 1))


def test_deeply_nested_arrays_stop_converting() -> None:
    nested: list[object] = []
    for _ in range(150):
        nested = [nested]
    with pytest.raises(ExpressionError, match="nested too deeply"):
        to_js_string(nested)


TABLE_JS = [
    "undefined", "null", "true", "false", "0", "1", "-1", "NaN", "Infinity", "''", "'0'", "'1'",
    "'a'", "' '", "'1.0'", "'true'", "[]", "[1]", "[1, 2]", "{}", "'[object Object]'", "'1,2'",
    "[0]", "''",
]  # fmt: skip
TABLE_PY = [
    UNDEFINED, None, True, False, 0, 1, -1, math.nan, math.inf, "", "0", "1", "a", " ", "1.0",
    "true", [], [1], [1, 2], {}, "[object Object]", "1,2", [0], "",
]  # fmt: skip


def test_equality_tables_match_a_javascript_engine() -> None:
    quickjs = pytest.importorskip("quickjs")
    ctx = quickjs.Context()
    script = f"const v = [{', '.join(TABLE_JS)}];JSON.stringify(v.map(a => v.map(b => [a == b, a === b])))"
    expected = json.loads(ctx.eval(script))
    for i, a in enumerate(TABLE_PY):
        for j, b in enumerate(TABLE_PY):
            got = [loose_equals(a, b), strict_equals(a, b)]
            assert got == expected[i][j], (TABLE_JS[i], TABLE_JS[j])


def test_join_bounded_refuses_before_building() -> None:
    from igbot.expr._values import MAX_ARRAY, check_array, join_bounded

    assert join_bounded(iter(["a", "b"]), "-") == "a-b"
    assert join_bounded(iter([]), "-") == ""

    def endless():
        while True:
            yield "x" * 1000

    with pytest.raises(ExpressionError, match="over the limit of 1000000 characters"):
        join_bounded(endless(), ",")
    check_array(MAX_ARRAY, "f()")
    with pytest.raises(ExpressionError, match=r"f\(\) would build an array of 100001 elements"):
        check_array(MAX_ARRAY + 1, "f()")
