"""JavaScript regular expressions on Python: translation, flags, limits, replacement patterns."""

from __future__ import annotations

import time

import pytest

from igbot import ExpressionError, ExpressionSyntaxError
from igbot.expr import compile_expr
from igbot.expr._regex import (
    MAX_PATTERN,
    MAX_SUBJECT,
    compile_js_regex,
    regex_match,
    regex_replace,
    regex_split,
    regex_test,
)
from igbot.expr._values import UNDEFINED


def test_named_groups_and_backreferences() -> None:
    rx = compile_js_regex(r"(?<word>\w+) \k<word>", "")
    assert regex_match(rx, "hey hey you") == ["hey hey", "hey"]
    assert regex_replace("2024-01-05", compile_js_regex(r"(?<y>\d+)-(?<m>\d+)", ""), "$<m>/$<y>",
                         False) == "01/2024-05"  # fmt: skip


def test_ascii_digit_and_word_classes() -> None:
    assert not regex_test(compile_js_regex(r"^\d+$", ""), "٣٤")  # Arabic-Indic digits
    assert not regex_test(compile_js_regex(r"^\w+$", ""), "é")
    assert regex_test(compile_js_regex(r"^[\d_]+$", ""), "1_2")
    assert regex_test(compile_js_regex(r"^\D$", ""), "a")


def test_dollar_is_the_very_end_without_m() -> None:
    assert not regex_test(compile_js_regex("a$", ""), "a\n")
    assert regex_test(compile_js_regex("a$", "m"), "a\nb")


def test_flags() -> None:
    assert regex_test(compile_js_regex("abc", "i"), "ABC")
    assert regex_test(compile_js_regex("a.c", "s"), "a\nc")
    assert regex_match(compile_js_regex("a", "g"), "banana") == ["a", "a", "a"]
    assert regex_match(compile_js_regex("z", "g"), "banana") is None
    for bad in ("y", "x", "gg", "v"):
        with pytest.raises(ValueError, match="flags"):
            compile_js_regex("a", bad)


@pytest.mark.parametrize("source", ["(?P<n>a)", "(?i)a", "(?#c)", "(", "[a", "a\\", "(?<1>a)"])
def test_python_only_or_broken_syntax_is_rejected(source: str) -> None:
    with pytest.raises(ValueError, match=r"invalid|end of pattern|unterminated"):
        compile_js_regex(source, "")


def test_literal_errors_are_syntax_errors_and_dynamic_ones_are_runtime_errors() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_expr("content.match(/(/)")
    assert info.value.position == 14
    expr = compile_expr("content.match(pattern)")
    with pytest.raises(ExpressionError, match="invalid regular expression"):
        expr.evaluate({"content": "x", "pattern": "("})


def test_limits() -> None:
    with pytest.raises(ValueError, match="longer than"):
        compile_js_regex("a" * (MAX_PATTERN + 1), "")
    with pytest.raises(ExpressionError, match="too long for a regular expression"):
        regex_test(compile_js_regex("a", ""), "b" * (MAX_SUBJECT + 1))


def test_catastrophic_pattern_finishes_or_times_out() -> None:
    rx = compile_js_regex(r"^(a+)+$", "")
    try:
        result = regex_test(rx, "a" * 5000 + "!")
    except ExpressionError as exc:
        assert "took longer" in str(exc)
    else:
        assert result is False


def test_replacement_patterns() -> None:
    rx = compile_js_regex(r"(\w)(\d)?", "g")
    assert regex_replace("a1b", rx, "[$2$1]", True) == "[1a][b]"
    assert regex_replace("abc", "b", "$$-$&-$`-$'", False) == "a$-b-a-cc"
    assert regex_replace("abc", "b", "$9", False) == "a$9c"
    assert regex_replace("a.b.c", ".", "-", True) == "a-b-c"


def test_split_with_captures_and_limit() -> None:
    assert regex_split("a1b2c", compile_js_regex(r"(\d)", ""), -1) == ["a", "1", "b", "2", "c"]
    assert regex_split("a1b", compile_js_regex(r"(\d)|(x)", ""), -1) == ["a", "1", UNDEFINED, "b"]
    assert regex_split("a1b2c", compile_js_regex(r"\d", ""), 2) == ["a", "b"]
    assert regex_split("", compile_js_regex("", ""), -1) == []


# --- one deadline per call (issue 12, row 6) ------------------------------------------------
SLOW_PER_POSITION = "('a'.repeat(800) + 'b').split(/(a+)+$/)"  # ~0.2 s per search, ~5 s in all
SLOW_PER_MATCH = "('a'.repeat(300) + 'c').repeat(10)"  # each search ~0.1 s before its 'c' matches


@pytest.mark.parametrize("source, call", [
    (SLOW_PER_POSITION, "split"),
    (f"{SLOW_PER_MATCH}.split(/(a+)+b|c/)", "split"),
    (f"{SLOW_PER_MATCH}.replace(/(a+)+b|c/g, 'x')", "replace"),
    (f"{SLOW_PER_MATCH}.replaceAll(/(a+)+b|c/g, 'x')", "replaceAll"),
    (f"{SLOW_PER_MATCH}.match(/(a+)+b|c/g)", "match"),
])
def test_one_deadline_covers_every_search_of_a_call(source: str, call: str) -> None:
    start = time.monotonic()
    with pytest.raises(ExpressionError, match=rf"{call}\(\) took longer than 0\.25 s"):
        compile_expr(source).evaluate({})
    assert time.monotonic() - start < 1.0  # 0.25 s, and the regex module's own granularity


def test_global_matches_follow_javascript_for_empty_matches() -> None:
    assert compile_expr("'aaa'.replace(/a*/g, '-')").evaluate({}) == "--"
    assert compile_expr("'ab'.replace(/x*/g, '-')").evaluate({}) == "-a-b-"
    assert compile_expr("'a1b22'.match(/\\d*/g)").evaluate({}) == ["", "1", "", "22", ""]
