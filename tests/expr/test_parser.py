"""The parser: precedence, syntax-tree shapes, error messages with positions, limits."""

from __future__ import annotations

import re

import pytest

from igbot import ExpressionSyntaxError
from igbot.expr._ast import (
    Binary,
    Call,
    Chain,
    Conditional,
    Identifier,
    Literal,
    Logical,
    Member,
    ObjectLit,
    RegexLit,
    Unary,
    depth,
)
from igbot.expr._parser import MAX_DEPTH, MAX_LENGTH, parse


def test_precedence_and_associativity() -> None:
    node = parse("a || b && c == 1 + 2 * 3")
    assert isinstance(node, Logical) and node.op == "||"
    assert isinstance(node.right, Logical) and node.right.op == "&&"
    eq = node.right.right
    assert isinstance(eq, Binary) and eq.op == "=="
    assert isinstance(eq.right, Binary) and eq.right.op == "+"
    minus = parse("1 - 2 - 3")
    assert isinstance(minus, Binary) and isinstance(minus.left, Binary)  # left-associative


def test_ternary_is_right_associative_and_lowest() -> None:
    node = parse("a ? b : c ? d : e || f")
    assert isinstance(node, Conditional)
    assert isinstance(node.otherwise, Conditional)
    assert isinstance(node.otherwise.otherwise, Logical)


def test_unary_binds_tighter_than_binary() -> None:
    node = parse("!a == b")
    assert isinstance(node, Binary) and isinstance(node.left, Unary)
    node = parse("-a.b")
    assert isinstance(node, Unary) and isinstance(node.operand, Member)
    assert isinstance(parse("typeof x"), Unary)


def test_member_call_and_chain_shapes() -> None:
    node = parse("a.b['c'](1, 2)")
    assert isinstance(node, Call) and len(node.args) == 2
    assert isinstance(node.callee, Member) and isinstance(node.callee.prop, Literal)
    assert isinstance(node.callee.obj, Member) and node.callee.obj.prop == "b"
    chain = parse("a?.b.c")
    assert isinstance(chain, Chain) and isinstance(chain.expr, Member)
    assert chain.expr.obj.optional is True  # type: ignore[attr-defined]
    assert isinstance(parse("/x/g"), RegexLit)
    assert isinstance(parse("{a: 1, 'b c': 2, 3: 4}"), ObjectLit)


def test_spans() -> None:
    node = parse("  foo.bar  ")
    assert (node.start, node.end) == (2, 9)
    assert isinstance(node, Member) and isinstance(node.obj, Identifier)


def test_keywords_as_property_names() -> None:
    node = parse("a.null.true")
    assert isinstance(node, Member) and node.prop == "true"


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("a == )", "unexpected ')'", 5),
        ("(a", "expected ')'", 2),
        ("a ? b", "expected ':' of the ternary", 5),
        ("a ? b c", "expected ':' of the ternary, found 'c'", 6),
        ("a b", "unexpected 'b'", 2),
        ("", "empty expression", 0),
        ("a = 1", "assignment", 2),
        ("a += 1", "assignment", 2),
        ("a.", "property name after '.'", 2),
        ("a.1", "unexpected '.1'", 1),
        ("a[1", "expected ']'", 3),
        ("[1 2]", "expected ',' or ']'", 3),
        ("{a}", "expected ':' after the property name", 2),
        ("{a: 1 b: 2}", "expected ',' or '}'", 6),
        ("{[a]: 1}", "expected a property name", 1),
        ("f(1 2)", "expected ',' or ')'", 4),
        ("f(...a)", "spread", 2),
        ("a +", "unexpected end of expression", 3),
        ("()", "unexpected ')'", 1),
        ("a ** 2", "unexpected '**'", 2),
        ("a; b", "unexpected ';'", 1),
        ("a => 1", "unexpected '=>'", 2),
        ("/(/", "invalid regular expression", 0),
        ("/a/x", "invalid regular expression flags", 0),
        ("/a/gg", "invalid regular expression flags", 0),
    ],
)
def test_syntax_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionSyntaxError, match=re.escape(message)) as info:
        parse(text)
    assert info.value.position == position
    assert info.value.expression == text
    assert str(info.value).startswith(info.value.reason)


def test_limits() -> None:
    with pytest.raises(ExpressionSyntaxError, match="over the limit of 10000"):
        parse("1" + " " * MAX_LENGTH)
    with pytest.raises(ExpressionSyntaxError, match="nested deeper than 200"):
        parse("(" * 250 + "1" + ")" * 250)
    with pytest.raises(ExpressionSyntaxError, match="nested deeper than 200"):
        parse("!" * 250 + "1")
    with pytest.raises(ExpressionSyntaxError, match="nested deeper than 200"):
        parse("1" + " + 1" * 250)
    ok = parse("(" * 150 + "1" + ")" * 150)
    assert depth(ok)[0] <= MAX_DEPTH
    assert depth(parse("a[b[c[d]]]"))[0] == 4


def test_kata_docs_postfix_increment_reads_as_value_plus_one() -> None:
    # kata-platform-docs, flow.md: `context.count: (context.count || 0)++` in a mapping
    from igbot.expr import compile_expr

    assert compile_expr("(context.count || 0)++").evaluate({"context": {}}) == 1
    assert compile_expr("(context.count || 0)++").evaluate({"context": {"count": 2}}) == 3
    assert compile_expr("context.n--").evaluate({"context": {"n": "5"}}) == 4
    assert compile_expr("(a++) * 2").evaluate({"a": 1}) == 4
