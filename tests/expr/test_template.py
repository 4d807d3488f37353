"""Templates: $(expr) interpolation, raw values, $[field] per item, render_value, errors."""

from __future__ import annotations

import pytest

from igbot import ExpressionError, ExpressionSyntaxError
from igbot.expr import UNDEFINED, Template, compile_template, render_value

SCOPE = {
    "context": {"quantity": 2, "pizza": "Pepperoni", "list": [{"title": "A"}], "nothing": None},
    "result": {"articles": [{"title": "News", "author": {"name": "Ann"}}], "main": {"temp": 301.5}},
    "metadata": {"telegramSenderName": "Budi"},
    "payload": {"topic_news": "sports"},
}


def render(text: str, item: object = None) -> object:
    return compile_template(text).render(SCOPE, item)


def test_static_text() -> None:
    t = compile_template("Which one do you want?")
    assert t.is_static and t.expressions == () and t.fields == ()
    assert t.render(SCOPE) == "Which one do you want?"
    assert render("costs $5 (cheap) and $ (x)") == "costs $5 (cheap) and $ (x)"


def test_interpolation_from_the_pizzabot() -> None:
    text = "Is it correct that you order $(context.quantity) items of $(context.pizza)?"
    assert render(text) == "Is it correct that you order 2 items of Pepperoni?"
    assert render("Cuaca sekarang ini $(result.main.temp) kelvin") == ("Cuaca sekarang ini 301.5 kelvin")


def test_missing_and_null_render_empty() -> None:
    text = "Hai $(metadata.qiscusSenderName)$(result.displayName)$(metadata.telegramSenderName)!"
    assert render(text) == "Hai Budi!"
    assert render("[$(context.nothing)]") == "[]"
    assert render("[$(context.missing.deep)]") == "[]"


def test_whole_text_gives_the_raw_value() -> None:
    assert render("$(context.list)") == [{"title": "A"}]
    assert render("  $(result.articles)  ") == SCOPE["result"]["articles"]
    assert render("$(context.quantity)") == 2
    assert render("$(context.missing)") is UNDEFINED
    assert render("$(context.nothing)") is None
    assert render("$(context.quantity) ") == 2
    assert render("x$(context.quantity)") == "x2"


def test_expressions_with_parentheses_and_strings() -> None:
    assert render("$((context.quantity + 1) * 2) pizzas") == "6 pizzas"
    assert render("$(context.pizza.replace(')', '(')) ok") == "Pepperoni ok"
    assert render("$(')' + \"(\") !") == ")( !"
    assert render("$(context.pizza.match(/\\)/) || 'none') x") == "none x"
    assert render("$([1, 2].join('-')) $({a: 1}.a)") == "1-2 1"


def test_url_with_interpolation() -> None:
    text = "https://newsapi.org/v2/top-headlines?category=$(payload.topic_news)&pageSize=10"
    assert render(text) == "https://newsapi.org/v2/top-headlines?category=sports&pageSize=10"


def test_item_fields() -> None:
    item = {"title": "T", "author": {"name": "Ann"}, "url": None, "n": 1.0}
    assert render("$[title] by $[author.name]", item) == "T by Ann"
    assert render("$[ title ]|$[url]|$[missing]|$[author.missing.x]|$[n]", item) == "T||||1"
    t = compile_template("$[description] ")
    assert t.fields == ("description",) and not t.is_static
    assert t.render(SCOPE) == "$[description] "  # kept for a later per-item render
    assert t.render(SCOPE, item={"description": "d"}) == "d "
    assert render("$[0]-$[1]", ["a", "b"]) == "a-b"


def test_expressions_and_paths_for_lint() -> None:
    t = compile_template("$(context.a) and $(payload.b || data.c) $[x]")
    assert [e.source for e in t.expressions] == ["context.a", "payload.b || data.c"]
    assert t.paths() == {"context.a", "payload.b", "data.c"}
    assert isinstance(t, Template) and repr(t).startswith("Template(")
    assert compile_template("a $(b)") is compile_template("a $(b)")


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("Hi $(name", "unterminated '$('", 3),
        ("Hi $(", "unterminated '$('", 3),
        ("Hi $(a ==) x", "unexpected end of expression", 9),
        ("x $(a b) y", "unexpected 'b'", 6),
        ("x $() y", "empty expression", 4),
        ("x $('abc) y", "unterminated string", 4),
        ("x $(a]) y", "unexpected ']'", 5),
        ("x $[title y", "unterminated '$['", 2),
        ("x $[ ] y", "empty '$[]'", 2),
    ],
)
def test_malformed_templates(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_template(text)
    assert message in info.value.reason
    assert info.value.position == position
    assert info.value.expression == text


def test_render_value_walks_nested_options() -> None:
    options = {
        "type": "carousel",
        "data": "$(context.list)",
        "items": [{"title": "$[title]", "text": "$(context.pizza)!"}],
        "count": 3,
        "flag": None,
    }
    out = render_value(options, SCOPE)
    assert out == {
        "type": "carousel",
        "data": [{"title": "A"}],
        "items": [{"title": "$[title]", "text": "Pepperoni!"}],
        "count": 3,
        "flag": None,
    }
    assert options["data"] == "$(context.list)"  # input untouched
    per_item = render_value(options["items"], SCOPE, item={"title": "Card"})
    assert per_item == [{"title": "Card", "text": "Pepperoni!"}]
    assert render_value(("a", "$(context.quantity)"), SCOPE) == ["a", 2]


def test_render_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="is not a function"):
        render("x $(context.pizza.nope()) y")
