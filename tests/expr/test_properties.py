"""Property tests: random expressions and contexts never raise anything but ExpressionError,
and integer arithmetic agrees with Python's integers."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from igbot import ExpressionError
from igbot.expr import compile_expr, compile_template, render_value, to_js_string, truthy

TOKENS = [
    "a", "b", "payload", "context", "intent", "content", "data", "type", ".", "?.", "[", "]",
    "(", ")", "{", "}", ",", ":", "?", "!", "-", "+", "*", "/", "%", "==", "===", "!=", "!==",
    "<", "<=", ">", ">=", "&&", "||", "??", "typeof", "null", "undefined", "true", "false", "0",
    "1", "2.5", "1e3", "0x1f", "NaN", "Infinity", "'x'", '"y"', "''", "'a\\'b'", "/a+/g", "/(/",
    "length", "toLowerCase", "includes", "split", "replace", "match", "slice", "repeat",
    "padStart", "toFixed", "join", "parseInt", "JSON", "stringify", "parse", "Math", "max",
    "floor", "Object", "keys", "__class__", "constructor", "=", "'", "\"", "`", "$(", "$[", "\\",
    "#", ";",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "type", "x", "length", "0"]), children, max_size=4)
    ),
    max_leaves=12,
)
scopes = st.fixed_dictionaries(
    {},
    optional={
        name: json_values for name in ("a", "b", "payload", "context", "intent", "content", "data", "type")
    },
)
token_soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join)
glued_soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map("".join)
sources = token_soup | glued_soup | st.text(max_size=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=sources, scope=scopes)
def test_random_expressions_only_raise_expression_errors(source: str, scope: dict[str, Any]) -> None:
    try:
        expr = compile_expr(source)
        value = expr.evaluate(scope)
        truthy(value)
        to_js_string(value) if not isinstance(value, (list, dict)) else None
        expr.paths()
    except ExpressionError:
        pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from([*TOKENS, " ", "hi", "$(a)", ")"]), max_size=10).map("".join),
       scope=scopes, item=json_values)  # fmt: skip
def test_random_templates_only_raise_expression_errors(text: str, scope: dict[str, Any], item: Any) -> None:
    try:
        compile_template(text).render(scope, item=item)
        render_value({"k": [text]}, scope)
    except ExpressionError:
        pass


REAL = [
    "intent == 'greeting' ? (context.greetCount || 0) + 1 : 0",
    "metadata.lineSenderId || metadata.fbmessengerSenderId",
    "payload.topic_news == 'technology' || payload.topic_news == 'business'",
    "!context.greetCount", "context.greetCount >= 1", "payload.res_newsapi",
    "type == 'text' && content == 'hello' && !context.completed",
    "content.toLowerCase().includes('hi')", "parseInt(attributes.quantity) > 0",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(scope=st.dictionaries(
    st.sampled_from(["intent", "context", "metadata", "payload", "type", "content", "attributes"]),
    json_values,
))  # fmt: skip
def test_real_conditions_on_random_contexts(scope: dict[str, Any]) -> None:
    for source in REAL:
        with contextlib.suppress(ExpressionError):
            truthy(compile_expr(source).evaluate(scope))


def _tree(draw: Any, depth: int) -> tuple[str, int, int]:
    """A random +,-,* expression over ints: (source, value, largest intermediate magnitude)."""
    if depth == 0 or draw(st.booleans()):
        n = draw(st.integers(-1000, 1000))
        return (f"({n})" if n < 0 and draw(st.booleans()) else str(n)), n, abs(n)
    op = draw(st.sampled_from(["+", "-", "*"]))
    ls, lv, lm = _tree(draw, depth - 1)
    rs, rv, rm = _tree(draw, depth - 1)
    value = lv + rv if op == "+" else lv - rv if op == "-" else lv * rv
    # Parentheses keep the tree's grouping; a plain left operand is fine where precedence
    # already groups it the same way (left-associative, and not + or - under *).
    plain_left = " " not in ls or (op != "*" and draw(st.booleans()))
    left = ls if plain_left else f"({ls})"
    return f"{left} {op} ({rs})", value, max(lm, rm, abs(value))


@st.composite
def int_arithmetic(draw: Any) -> tuple[str, int, int]:
    return _tree(draw, draw(st.integers(0, 5)))


@settings(max_examples=300, deadline=None)
@given(case=int_arithmetic())
def test_integer_arithmetic_agrees_with_python(case: tuple[str, int, int]) -> None:
    source, expected, largest = case
    assume(largest <= 2**53)
    value = compile_expr(source).evaluate({})
    assert value == expected
    assert type(value) is int


# --- hostile regular expressions and big values: typed errors, one deadline per call ----------
HOSTILE_PATTERNS = [
    "/(a+)+$/", "/(a|a)*b/", "/(a|aa)+c/g", "/(.*a){12}/", "/x*/g", "/(?:)/g", "/\\d*/g",
    "/(a+)+b|c/g", "/[^]*?$/", "/(a*)*$/u", "/^(\\w+\\s?)*$/", "/(?<n>a)\\k<n>/g",
]  # fmt: skip
SUBJECTS = ["'a'.repeat({n})", "('a'.repeat({n}) + 'b')", "('ab '.repeat({n}) + '!')",
            "('a'.repeat(300) + 'c').repeat({k})", "content"]
CALLS = ["split({p})", "split({p}, 3)", "replace({p}, 'x')", "replace({p}, '$&$&')",
         "replaceAll({p}, '$1')", "match({p})", "search({p})", "repeat({n})", "padStart({n})",
         "split('').join({p})"]
hostile_calls = st.lists(
    st.tuples(st.sampled_from(CALLS), st.sampled_from(HOSTILE_PATTERNS),
              st.integers(0, 5_000)),
    min_size=1, max_size=3,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=st.sampled_from(SUBJECTS), n=st.integers(0, 5_000), k=st.integers(0, 12),
       calls=hostile_calls, test_first=st.booleans())
def test_hostile_regex_calls_end_in_a_typed_error_within_their_deadlines(
    subject: str, n: int, k: int, calls: list[tuple[str, str, int]], test_first: bool,
) -> None:
    source = subject.format(n=n, k=k)
    for call, pattern, size in calls:
        source = f"({source}).{call.format(p=pattern, n=size)}"
    if test_first:
        source = f"{HOSTILE_PATTERNS[0]}.test(String({source}))"
    scope = {"content": "a" * 2_000 + "!"}
    start = time.monotonic()
    with contextlib.suppress(ExpressionError):
        value = compile_expr(source).evaluate(scope)
        to_js_string(value)
    # one deadline (0.25 s) per call, plus the regex module's granularity and a loaded machine
    assert time.monotonic() - start < 0.25 * (len(calls) + 1) + 1.5, source
