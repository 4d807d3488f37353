"""The lexer: numbers, strings and escapes, regex versus division, positions of errors."""

from __future__ import annotations

import pytest

from igbot import ExpressionSyntaxError
from igbot.expr._tokens import tokenize


def kinds(text: str) -> list[tuple[str, object]]:
    return [(t.kind, t.value) for t in tokenize(text)][:-1]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42), ("3.25", 3.25), ("1.0", 1), ("1.", 1), (".5", 0.5), ("1e3", 1000),
        ("1.5e-3", 0.0015), ("2E+2", 200), ("0x1F", 31), ("0o17", 15), ("0b11", 3), ("0", 0),
        ("9007199254740993", 9007199254740992.0),
    ],
)  # fmt: skip
def test_numbers(text: str, value: float) -> None:
    assert kinds(text) == [("num", value)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r"'a\nb'", "a\nb"), (r'"it\'s"', "it's"), (r"'say \"hi\"'", 'say "hi"'),
        (r"'back\\slash'", "back\\slash"), (r"'\u00e9'", "é"), (r"'\x41'", "A"),
        (r"'\u{1F600}'", "😀"), (r"'\uD83D\uDE00'", "😀"), (r"'\uD83D'", "\ufffd"),
        (r"'\t\r\b\f\v\0'", "\t\r\b\f\v\0"), (r"'\q'", "q"), ("'a\\\nb'", "ab"),
        ("\"it's\"", "it's"), ("''", ""),
    ],
)  # fmt: skip
def test_strings(text: str, value: str) -> None:
    assert kinds(text) == [("str", value)]


def test_regex_or_division_by_context() -> None:
    assert kinds("a / b / c") == [
        ("name", "a"), ("punct", "/"), ("name", "b"), ("punct", "/"), ("name", "c"),
    ]  # fmt: skip
    assert kinds("x.match(/a\\/[/]b/gi)")[4] == ("regex", ("a\\/[/]b", "gi"))
    assert kinds("(1) / 2")[3] == ("punct", "/")
    assert kinds("typeof /a/")[1] == ("regex", ("a", ""))


def test_punctuators_longest_first() -> None:
    assert [v for _, v in kinds("a!==b===c?.d??e")] == [
        "a", "!==", "b", "===", "c", "?.", "d", "??", "e",
    ]  # fmt: skip
    assert [v for _, v in kinds("a?.5:1")] == ["a", "?", 0.5, ":", 1]


def test_identifiers_allow_dollar_and_unicode() -> None:
    assert kinds("context.$state") == [("name", "context"), ("punct", "."), ("name", "$state")]
    assert kinds("café_1") == [("name", "café_1")]


def test_positions() -> None:
    tokens = tokenize("  ab == 'c'")
    assert [(t.start, t.end) for t in tokens] == [(2, 4), (5, 7), (8, 11), (11, 11)]


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("'abc", "unterminated string", 0),
        ("x == 'a\nb'", "unterminated string", 5),
        ("'\\u12'", "malformed escape", 1),
        ("'\\u{110000}'", "malformed escape", 1),
        ("'\\01'", "octal escapes", 1),
        ("/abc", "unterminated regular expression", 0),
        ("012", "legacy octal", 0),
        ("3px", "immediately after a number", 1),
        ("0x", "malformed number", 0),
        ("1e+", "malformed exponent", 1),
        ("a # b", "unexpected character '#'", 2),
        ("`t`", "template literals", 0),
        ("new X()", "'new' is not supported", 0),
        ("function() {}", "'function' is not supported", 0),
    ],
)
def test_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionSyntaxError, match=message) as info:
        tokenize(text)
    assert info.value.position == position
    assert info.value.expression == text
