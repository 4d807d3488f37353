"""Expression: the public compile/evaluate API, paths, the conformance bots' real conditions."""

from __future__ import annotations

import math

import pytest

from igbot import ExpressionError, ExpressionSyntaxError
from igbot.expr import UNDEFINED, Expression, compile_expr, truthy
from igbot.kataml import load_bot
from tests._conformance import BOTS, loading_bot_names


def ev(source: str, **scope: object) -> object:
    return compile_expr(source).evaluate(scope)


# -- the real conditions and mappings of the conformance bots ------------------------------------
def test_greet_count_mapping_counts_up_from_missing() -> None:
    expr = compile_expr("intent == 'greeting' ? (context.greetCount || 0) + 1 : 0")
    first = expr.evaluate({"intent": "greeting", "context": {}})
    assert first == 1 and type(first) is int
    assert expr.evaluate({"intent": "greeting", "context": {"greetCount": 1}}) == 2
    assert expr.evaluate({"intent": "other", "context": {"greetCount": 5}}) == 0


def test_greet_count_conditions() -> None:
    assert ev("!context.greetCount", context={}) is True
    assert ev("!context.greetCount", context={"greetCount": 0}) is True
    assert ev("!context.greetCount", context={"greetCount": 2}) is False
    assert ev("context.greetCount >= 1", context={}) is False
    assert ev("context.greetCount >= 1", context={"greetCount": 1}) is True


def test_first_defined_sender_id() -> None:
    src = (
        "metadata.lineSenderId || metadata.fbmessengerSenderId || metadata.telegramSenderId"
        " || metadata.qiscusSenderId"
    )
    assert ev(src, metadata={"fbmessengerSenderId": "fb-1"}) == "fb-1"
    assert ev(src, metadata={"qiscusSenderId": "q"}) == "q"
    assert ev(src, metadata={}) is UNDEFINED


def test_topic_news_disjunction() -> None:
    src = (
        "payload.topic_news == 'technology' || payload.topic_news == 'business' || "
        "payload.topic_news == 'sports' || payload.topic_news == 'health'"
    )
    assert ev(src, payload={"topic_news": "sports"}) is True
    assert ev(src, payload={"topic_news": "food"}) is False
    assert ev(src, payload=None) is False


def test_literal_null_and_payload_conditions() -> None:
    assert ev("null") is None
    assert ev("'null'") == "null"
    assert ev("payload.res_newsapi", payload={"res_newsapi": [1]}) == [1]
    assert ev("!payload.res_newsapi", payload={}) is True
    assert (
        ev(
            "payload.type == 'president' && payload.president == 'jokowi'",
            payload={"type": "president", "president": "jokowi"},
        )
        is True
    )
    assert ev('content == "/start"', content="/start") is True
    assert ev("metadata.channelType == 'line'", metadata={"channelType": "instagram"}) is False


def _conditions() -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "condition" and isinstance(value, str):
                    found.append(value)
                elif key == "condition" and isinstance(value, list):
                    found.extend(v for v in value if isinstance(v, str))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    # what each bot's loader read (not side files such as bot-geku's `kata console` script);
    # the broken bots are refused by the loader (tests/kataml/test_loader.py)
    for name in loading_bot_names():
        walk(load_bot(BOTS / name).model_dump(mode="json"))
    return found


@pytest.mark.skipif(not BOTS.is_dir(), reason="shared/conformance/kata-bots is not checked out")
def test_every_condition_of_the_conformance_bots_compiles_and_evaluates() -> None:
    conditions = _conditions()
    assert len(conditions) > 100
    scope = {"intent": "x", "content": "hi", "payload": None, "context": {}, "metadata": {}}
    for source in conditions:
        value = compile_expr(source).evaluate(scope)
        assert isinstance(truthy(value), bool), source


# -- API -------------------------------------------------------------------------------------
def test_compile_is_cached_and_expression_knows_its_source() -> None:
    a = compile_expr("payload.type == 'x'")
    assert a is compile_expr("payload.type == 'x'")
    assert isinstance(a, Expression)
    assert a.source == "payload.type == 'x'"
    assert repr(a) == "Expression(\"payload.type == 'x'\")"


def test_non_string_yaml_scalars_are_their_literals() -> None:
    assert compile_expr(True).evaluate({}) is True  # type: ignore[arg-type]
    assert compile_expr(1).evaluate({}) == 1  # type: ignore[arg-type]
    assert compile_expr(None).evaluate({}) is None  # type: ignore[arg-type]


def test_paths() -> None:
    expr = compile_expr(
        "payload.type == 'x' && intent && context.items[context.i].name"
        " && content.toLowerCase().includes(data.word) && Math.max(1, 2) && a?.b['c'][0]"
    )
    assert expr.paths() == {
        "payload.type", "intent", "context.items", "context.i", "content", "data.word", "a.b.c.0",
    }  # fmt: skip


def test_missing_paths_are_undefined_at_any_depth() -> None:
    assert ev("a.b.c.d") is UNDEFINED
    assert ev("payload.type", payload=None) is UNDEFINED
    assert ev("payload.type.x[3].y", payload=5) is UNDEFINED
    assert ev("content.foo", content="text") is UNDEFINED


def test_evaluation_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match=r"x\.foo is not a function"):
        ev("x.foo()", x={})
    with pytest.raises(ExpressionError, match="is undefined"):
        ev("payload.text.toLowerCase()", payload={})
    assert math.isinf(ev("1 / 0"))  # type: ignore[arg-type]


def test_syntax_error_names_position() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_expr("a == )")
    assert info.value.position == 5
    assert "unexpected ')'" in str(info.value)


def test_holds_is_truthy_of_the_value_and_raises_only_expression_errors() -> None:
    assert compile_expr('payload.type == "menu"').holds({"payload": {"type": "menu"}}) is True
    assert compile_expr("payload.type").holds({"payload": None}) is False  # undefined: falsy
    assert compile_expr("context.n").holds({"context": {"n": 0}}) is False
    assert compile_expr("context.s").holds({"context": {"s": "x"}}) is True
    with pytest.raises(ExpressionError):
        compile_expr("x()").holds({"x": 3})


@pytest.mark.parametrize(("source", "expected"), [
    ('payload.type == "menu"', ("payload.type", "menu")),
    ("'1' === content", ("content", "1")),
    ('payload["topic"] == "promo"', ("payload.topic", "promo")),
    ('payload.type != "menu"', None),
    ('payload.n == 1', None),
    ('payload?.type == "menu"', None),
    ('Math.PI == "x"', None),
    ('a.b == c', None),
])
def test_equality_names_the_path_and_text_an_index_can_use(source: str, expected: object) -> None:
    assert compile_expr(source).equality() == expected


def test_names_are_every_variable_an_expression_reads() -> None:
    expression = compile_expr("intent == 'x' || (payload.n > context.k ? data[attr] : 0)")
    assert expression.names() == {"intent", "payload", "context", "data", "attr"}
    assert compile_expr("'a' + 1").names() == frozenset()


@pytest.mark.parametrize(("source", "members"), [
    ("context.step", {"step"}),
    ("context.a.b + context?.c", {"a", "c"}),
    ("x ? context.a : data.b", {"a"}),
    ("data.x", set()),
    ("context", None),
    ("typeof context", None),
    ("context[k]", None),
    ("context['step']", None),
    ("context.$now", None),
    ("context.f()", None),
    ("context.hasOwnProperty('a')", None),
])
def test_members_of_a_variable_read_only_as_plain_members(
        source: str, members: set[str] | None) -> None:
    found = compile_expr(source).members_of("context")
    assert found == (None if members is None else frozenset(members))
