"""String, array, number and regular-expression methods, checked against QuickJS."""

from __future__ import annotations

import time

import pytest

from igbot import ExpressionError
from igbot.expr import UNDEFINED, compile_expr
from igbot.expr._builtins import get_member, same_value_zero

from ._oracle import SCOPE, describe, run_js

METHODS = [
    # strings
    "'Hello'.toLowerCase()", "'Hello'.toUpperCase()", "'  a b  '.trim()", "'  a '.trimStart()",
    "'  a '.trimEnd()", "'\\u00a0x\\t\\n'.trim()", "'hello'.includes('ell')",
    "'hello'.includes('')",    "'hello'.includes('h', 1)", "'hello'.startsWith('he')", "'hello'.startsWith('l', 2)",
    "'hello'.endsWith('lo')", "'hello'.endsWith('l', 4)", "'hello'.indexOf('l')",
    "'hello'.indexOf('l', 3)", "'hello'.indexOf('', 10)", "'hello'.indexOf('z')",
    "'hello'.lastIndexOf('l')", "'hello'.lastIndexOf('l', 2)", "'hello'.lastIndexOf('')",
    "'hello'.slice(1)", "'hello'.slice(-3, -1)", "'hello'.slice(3, 1)", "'hello'.slice(1, 100)",
    "'hello'.substring(3, 1)", "'hello'.substring(-2)", "'hello'.substring(1, NaN)",
    "'hello'.substr(1, 3)", "'hello'.substr(-3)", "'hello'.substr(2, -1)", "'hello'.charAt(1)",
    "'hello'.charAt(10)", "'hello'.charCodeAt(0)",
    "'a,b,,c'.split(',')", "'abc'.split('')", "'a,b,c'.split(',', 2)", "'abc'.split()",
    "'a1b22c'.split(/\\d+/)", "'a1b2c'.split(/(\\d)/)", "'abc'.split(/(?:)/)", "''.split(',')",
    "''.split(/,/)", "'a, b ,c'.split(/\\s*,\\s*/)",
    "'aaa'.replace('a', 'b')", "'aaa'.replaceAll('a', 'b')", "'abc'.replace('', '-')",
    "'abc'.replaceAll('', '-')", "'a1b22'.replace(/\\d+/g, '#')", "'a1b22'.replace(/\\d+/, '#')",
    "'John Smith'.replace(/(\\w+)\\s(\\w+)/, '$2, $1')", "'abc'.replace('b', '[$&]')",
    "'abc'.replace('b', \"$`$'$$\")", "'AbA'.replace(/a/gi, 'x')",
    "'2024-01-05'.replace(/(?<y>\\d+)-(?<m>\\d+)-(?<d>\\d+)/, '$<d>/$<m>/$<y>')",
    "'xAx'.replace(/a/i, '$1')", "'x'.replace(/x/, '$0')",
    "'abc'.match(/b/)", "'abc'.match(/z/)", "'a1b22'.match(/\\d+/g)", "'abc'.match(/(a)(z)?/)",
    "'abc'.match('b')", "'ABC'.match(/b/i)", "'line1\\nline2'.match(/^line2$/m)",
    "'line1\\nline2'.match(/^line2$/)", "'a\\nb'.match(/a.b/s)", "'a\\nb'.match(/a.b/)",
    "'hello'.search(/l+/)", "'hello'.search('z')", "'5'.padStart(3, '0')", "'5'.padEnd(3)",
    "'abc'.padStart(10, '123')", "'abc'.padStart(2)", "'ab'.repeat(3)", "'ab'.repeat(0)",
    "'a'.concat(1, null, [2, 3])", "'abc'.toString()", "'é٣'.match(/\\d/)", "'a_1'.match(/\\w+/)",
    # regexes
    "/^hi/i.test('Hi there')", "/\\d{3}/.test('ab12')", "/a|b/.test('xbx')", "/[^]/.test('\\n')",
    "/[]/.test('a')", "/\\bcat\\b/.test('a cat!')", "/(a)\\1/.test('aa')",
    "/(?<q>a)\\k<q>/.test('aa')", "/[\\d-]+/.test('1-2')", "/a\\/b/.test('a/b')",
    "/x$/.test('x\\n')", "/x$/m.test('x\\ny')", "/(?=a)a/.test('a')", "/(?<!b)a/.test('ca')",
    "/\\u0041/.test('A')", "/\\x41/.test('A')", "/[a-z]+/g.exec('12ab')", "/a/g.source",
    "/a/gi.flags", "/\\e\\z/.test('ez')",
    # arrays
    "[1, 2, 3].includes(2)", "[1, NaN].includes(NaN)", "[1, '2'].includes(2)",
    "[1, 2, 3].indexOf(3)", "[NaN].indexOf(NaN)", "[1, 2, 1].lastIndexOf(1)", "[1, 2, 3].join()",
    "[1, null, undefined, [2, 3]].join('-')", "[1, 2, 3, 4].slice(1, -1)",
    "[1].concat(2, [3, [4]])",    "[1, 2].length", "[[1, 2], 3].toString()", "[1, 2].includes(1, 1)",
    # numbers and booleans
    "(1.005).toFixed(2)", "(2.5).toFixed(0)", "(-2.5).toFixed(0)", "(1.45).toFixed(1)",
    "(123.456).toFixed(1)", "(0).toFixed(2)", "(1e21).toFixed(2)", "(-0.0001).toFixed(2)",
    "(255).toString(16)", "(255).toString(2)", "(-255).toString(36)", "(1.5).toString()",
    "true.toString()", "(5).valueOf()",
    # globals
    "parseInt('42px')", "parseInt('  -17.9')", "parseInt('0x1F')", "parseInt('ff', 16)",
    "parseInt('z', 36)", "parseInt('')", "parseInt('abc')", "parseInt('12', 1)",
    "parseInt(null)", "parseInt('101', 2)", "parseInt(3.99)", "parseFloat('3.14abc')",
    "parseFloat('.5')", "parseFloat('-1e3x')", "parseFloat('Infinityx')", "parseFloat('x')",
    "Number('12')", "Number('')", "Number('12px')", "Number(null)", "Number(undefined)",
    "Number([])", "Number(true)", "Number()", "String(null)", "String(undefined)", "String([1, 2])",
    "String(1.0)", "String()", "Boolean('')", "Boolean('0')", "Boolean({})", "isNaN('x')",
    "isNaN('1')", "isFinite('1e3')", "JSON.stringify({a: [1, 'x', null, true], b: undefined})",
    "JSON.stringify([undefined, NaN, 1.5])", "JSON.stringify('a\"b\\n')",
    "JSON.stringify(undefined)",    "JSON.stringify({a: 1, b: [1, 2]}, null, 2)", "JSON.stringify([], null, 2)",
    "JSON.stringify({a: {}}, null, '--')", "JSON.parse('{\"a\": [1, 2.5, null]}')",
    "JSON.parse('\"x\"')", "JSON.parse(' 3 ')", "Math.floor(1.7)", "Math.floor(-1.5)",
    "Math.ceil(1.2)", "Math.round(2.5)", "Math.round(-2.5)", "Math.round(0.49999999999999994)",
    "Math.abs(-3)", "Math.min(3, 1, 2)", "Math.max()", "Math.min()", "Math.max(1, 'x')",
    "Math.max('7', 3)", "Math.pow(2, 10)", "Math.pow(2, 0.5)", "Math.sqrt(16)", "Math.sqrt(-1)",
    "Math.trunc(-4.7)", "Math.sign(-3)", "Math.PI", "Array.isArray([])", "Array.isArray('a')",
    "Object.keys({a: 1, b: 2})", "Object.keys([5, 6])", "Object.values({a: 1})",
    "Object.entries({a: 1})", "encodeURIComponent('a b&c/é')", "encodeURI('http://x/a b?q=1')",
    "decodeURIComponent('a%20b%C3%A9')", "data.items.length", "Object.keys(payload).length",
]  # fmt: skip


@pytest.mark.parametrize("source", METHODS)
def test_same_value_as_a_javascript_engine(source: str) -> None:
    pytest.importorskip("quickjs")
    assert describe(compile_expr(source).evaluate(SCOPE)) == run_js(source)


def ev(source: str, **scope: object) -> object:
    return compile_expr(source).evaluate(scope)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("'a'.repeat(-1)", "invalid count"),
        ("'a'.repeat(2000000)", "over 1000000"),
        ("'a'.padStart(2000000)", "over the limit"),
        ("'ab'.replaceAll(/a/, 'x')", "g flag"),
        ("'ab'.includes(/a/)", "regular expression"),
        ("(1).toFixed(101)", "between 0 and 100"),
        ("(1).toString(1)", "between 2 and 36"),
        ("(1.5).toString(2)", "whole numbers"),
        ("JSON.parse('{bad')", "JSON.parse"),
        ("JSON.parse('NaN')", "JSON.parse"),
        ("Object.keys(null)", "undefined or null"),
        ("'abc'.match('(')", "invalid regular expression"),
        ("decodeURIComponent('%E0%A4%A')", "URI malformed"),
        ("[1].map(x)", r"\[1\]\.map is not a function"),
        ("({}).toString()", "is not a function"),
        ("Math.random()", "Math.random is not a function"),
    ],
)
def test_method_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ev(source)


def test_methods_read_as_values_are_opaque_functions() -> None:
    fn = ev("'a'.toUpperCase")
    assert repr(fn) == "function toUpperCase() { [native code] }"
    assert ev("typeof 'a'.trim") == "function"
    assert ev("'a'.trim.name") == "trim"
    assert ev("f('x')", f=ev("'ab'.includes")) is False  # still bound to 'ab'


def test_get_member_and_same_value_zero() -> None:
    assert get_member({"a": 1}, "a") == 1
    assert get_member({"1": "x"}, 1) == "x"
    assert get_member([5, 6], "1") == 6
    assert get_member([5, 6], "01") is UNDEFINED
    assert get_member("ab", 1.0) == "b"
    assert get_member(None, "a") is UNDEFINED
    assert get_member(object(), "__class__") is UNDEFINED
    assert same_value_zero(float("nan"), float("nan")) is True
    assert same_value_zero(1, 1.0) is True


def test_has_own_property_and_data_keys_win() -> None:
    assert ev("o.hasOwnProperty('a')", o={"a": None}) is True
    assert ev("o.hasOwnProperty('b')", o={"a": 1}) is False
    assert ev("o.toString", o={"toString": "data"}) == "data"


def test_at_counts_from_the_end() -> None:
    assert ev("'hello'.at(-1)") == "o"
    assert ev("[1, 2, 3].at(-1)") == 3
    assert ev("[1, 2, 3].at(5)") is UNDEFINED


def test_match_returns_list_with_undefined_groups() -> None:
    assert ev("'abc'.match(/(a)(z)?/)") == ["a", "a", UNDEFINED]


def test_replace_with_function_value_is_not_callable_data() -> None:
    assert ev("'aXb'.replace('X', String)") == "aXb"


# --- sizes and deadlines of calls that build big values (issue 12, "Expressions") ------------
@pytest.mark.parametrize("source, message", [
    ("'x'.repeat(200000).split('')", r"split\(\) would build an array of 200000 elements"),
    ("'x,'.repeat(200000).split(',')", r"split\(\) would build an array of 200001 elements"),
    ("'x'.repeat(60000).split('').concat('y'.repeat(60000).split(''))",
     r"concat\(\) would build an array of 120000 elements"),
    ("'x'.repeat(100000).split('').join('y'.repeat(1000000))",
     "joining builds a string over the limit of 1000000"),
    ("[s, s, s, s, s, s, s, s, s, s, s, s].join('')", "over the limit of 1000000"),
    ("[s, s, s, s, s, s, s, s, s, s, s, s] + ''", "over the limit of 1000000"),
    ("'ab'.repeat(600000)", "repeat would build over 1000000"),
])
def test_values_are_capped_before_they_are_built(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile_expr(source).evaluate({"s": "z" * 900_000})


def test_split_with_a_limit_is_not_refused_for_the_whole_string() -> None:
    assert compile_expr("'x'.repeat(500000).split('', 3)").evaluate({}) == ["x", "x", "x"]
    assert compile_expr("'a,b,c,d'.split(',', 2)").evaluate({}) == ["a", "b"]


@pytest.mark.parametrize("source, call", [
    ("a.join('')", "join"), ("a.includes(-1)", "includes"), ("a.indexOf(-1)", "indexOf"),
    ("a.lastIndexOf(-1)", "lastIndexOf"),
])
def test_long_loops_over_big_scope_arrays_have_one_deadline(source: str, call: str) -> None:
    # as an api answer could hold; not buildable by an expression. 30M items: the compiled
    # build (mypyc) joins 3M empty strings inside the deadline
    big = [""] * 30_000_000
    start = time.monotonic()
    with pytest.raises(ExpressionError, match=rf"{call}\(\) took longer than 0\.25 s"):
        compile_expr(source).evaluate({"a": big})
    assert time.monotonic() - start < 1.0
