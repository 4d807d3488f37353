"""A Pratt parser for the JavaScript expression subset Kata-ML bots use."""

from __future__ import annotations

from typing import Final

from igbot._errors import ExpressionSyntaxError
from igbot.expr._ast import (
    ArrayLit,
    Binary,
    Call,
    Chain,
    Conditional,
    Identifier,
    Literal,
    Logical,
    Member,
    Node,
    ObjectLit,
    RegexLit,
    Unary,
    depth,
)
from igbot.expr._regex import compile_js_regex
from igbot.expr._tokens import Token, tokenize
from igbot.expr._values import UNDEFINED, to_js_string

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "parse"]

MAX_LENGTH: Final = 10_000
"""Longest expression source (characters)."""
MAX_DEPTH: Final = 200
"""Deepest nesting of an expression's syntax tree."""

_BINARY: Final = {
    "??": 3, "||": 4, "&&": 5,
    "==": 8, "!=": 8, "===": 8, "!==": 8,
    "<": 9, "<=": 9, ">": 9, ">=": 9,
    "+": 11, "-": 11, "*": 12, "/": 12, "%": 12,
}  # fmt: skip
_LOGICAL: Final = frozenset({"??", "||", "&&"})
_TERNARY_BP: Final = 2
_UNARY_BP: Final = 14
_LITERAL_WORDS: Final = {"true": True, "false": False, "null": None, "undefined": UNDEFINED}
_ASSIGNMENTS: Final = frozenset(
    {"=", "+=", "-=", "*=", "/=", "%=", "**=", "&&=", "||=", "??=", "&=", "|=", "^="}
)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0
        self.level = 0

    # -- helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, pos: int) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.source, pos)

    def unexpected(self, tok: Token) -> ExpressionSyntaxError:
        if tok.kind == "eof":
            return self.error("unexpected end of expression", tok.start)
        if tok.kind == "punct" and tok.value in _ASSIGNMENTS:
            return self.error(
                f"assignment ({tok.value!r}) is not allowed in an expression; "
                "use '==' or '===' to compare",
                tok.start,
            )
        text = self.source[tok.start : tok.end]
        return self.error(f"unexpected {text!r}", tok.start)

    def is_punct(self, value: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "punct" and tok.value == value

    def expect(self, value: str, message: str) -> Token:
        if not self.is_punct(value):
            tok = self.tok
            found = "the end" if tok.kind == "eof" else repr(self.source[tok.start : tok.end])
            raise self.error(f"{message}, found {found}", tok.start)
        return self.advance()

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expression(0)
        if self.tok.kind != "eof":
            raise self.unexpected(self.tok)
        return node

    def expression(self, min_bp: int) -> Node:
        self.level += 1
        if self.level > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels", self.tok.start)
        left = self.unary()
        while True:
            tok = self.tok
            if tok.kind != "punct":
                break
            op = tok.value
            if op == "?":
                if min_bp > _TERNARY_BP:
                    break
                self.advance()
                then = self.expression(0)
                self.expect(":", "expected ':' of the ternary")
                otherwise = self.expression(_TERNARY_BP)
                left = Conditional(left, then, otherwise, start=left.start, end=otherwise.end)
                continue
            bp = _BINARY.get(op)
            if bp is None or bp < min_bp:
                break
            self.advance()
            right = self.expression(bp + 1)
            cls = Logical if op in _LOGICAL else Binary
            left = cls(op, left, right, start=left.start, end=right.end)
        self.level -= 1
        return left

    def unary(self) -> Node:
        tok = self.tok
        if (tok.kind == "punct" and tok.value in ("!", "-", "+")) or (
            tok.kind == "name" and tok.value == "typeof"
        ):
            self.advance()
            operand = self.expression(_UNARY_BP)
            return Unary(tok.value, operand, start=tok.start, end=operand.end)
        node = self.postfix(self.primary())
        if self.tok.kind == "punct" and self.tok.value in ("++", "--"):
            # Kata's docs write mappings such as `context.count: (context.count || 0)++`: read
            # as "the value plus one" (nothing is assigned; the mapping writes the result).
            op_tok = self.advance()
            number = Unary("+", node, start=node.start, end=node.end)
            one = Literal(1, start=op_tok.start, end=op_tok.end)
            return Binary(op_tok.value[0], number, one, start=node.start, end=op_tok.end)
        return node

    def primary(self) -> Node:
        tok = self.advance()
        kind, value = tok.kind, tok.value
        if kind in ("num", "str"):
            return Literal(value, start=tok.start, end=tok.end)
        if kind == "regex":
            body, flags = value
            try:
                compiled = compile_js_regex(body, flags)
            except ValueError as exc:
                raise self.error(str(exc), tok.start) from None
            return RegexLit(body, flags, compiled, start=tok.start, end=tok.end)
        if kind == "name":
            if value in _LITERAL_WORDS:
                return Literal(_LITERAL_WORDS[value], start=tok.start, end=tok.end)
            return Identifier(value, start=tok.start, end=tok.end)
        if kind == "punct":
            if value == "(":
                inner = self.expression(0)
                self.expect(")", "expected ')'")
                return inner
            if value == "[":
                elements = self.items("]", "expected ',' or ']' in the array")
                return ArrayLit(elements, start=tok.start, end=self.tokens[self.i - 1].end)
            if value == "{":
                return self.object(tok)
        raise self.unexpected(tok)

    def items(self, close: str, message: str) -> tuple[Node, ...]:
        out: list[Node] = []
        while not self.is_punct(close):
            if self.is_punct("..."):
                raise self.error("spread ('...') is not supported", self.tok.start)
            out.append(self.expression(0))
            if not self.is_punct(close):
                self.expect(",", message)
        self.advance()
        return tuple(out)

    def object(self, open_tok: Token) -> Node:
        entries: list[tuple[str, Node]] = []
        while not self.is_punct("}"):
            key_tok = self.advance()
            if key_tok.kind in ("name", "str"):
                key = key_tok.value
            elif key_tok.kind == "num":
                key = to_js_string(key_tok.value)
            else:
                raise self.error("expected a property name", key_tok.start)
            self.expect(":", "expected ':' after the property name")
            entries.append((key, self.expression(0)))
            if not self.is_punct("}"):
                self.expect(",", "expected ',' or '}' in the object")
        end = self.advance().end
        return ObjectLit(tuple(entries), start=open_tok.start, end=end)

    def postfix(self, node: Node) -> Node:
        chained = False
        while self.tok.kind == "punct":
            op = self.tok.value
            optional = op == "?."
            if optional:
                chained = True
                self.advance()
                if self.is_punct("("):
                    op = "("
                elif self.is_punct("["):
                    op = "["
                else:
                    op = "."
                    self.i -= 1  # let the '.' branch read the name after '?.'
            if op == ".":
                self.advance()
                name_tok = self.advance()
                if name_tok.kind != "name":
                    raise self.error("expected a property name after '.'", name_tok.start)
                node = Member(node, name_tok.value, optional, start=node.start, end=name_tok.end)
            elif op == "[":
                self.advance()
                prop = self.expression(0)
                end = self.expect("]", "expected ']'").end
                node = Member(node, prop, optional, start=node.start, end=end)
            elif op == "(":
                self.advance()
                args = self.items(")", "expected ',' or ')' after an argument")
                end = self.tokens[self.i - 1].end
                node = Call(node, args, optional, start=node.start, end=end)
            else:
                break
        if chained:
            node = Chain(node, start=node.start, end=node.end)
        return node


def parse(source: str) -> Node:
    """Parse ``source`` into a syntax tree; raises :class:`ExpressionSyntaxError`."""
    if len(source) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            f"expression of {len(source)} characters is over the limit of {MAX_LENGTH}",
            source[:200] + "...",
            MAX_LENGTH,
        )
    if not source.strip():
        raise ExpressionSyntaxError("empty expression", source, 0)
    try:
        node = _Parser(source).parse()
    except RecursionError:
        raise ExpressionSyntaxError("expression nested too deeply", source, 0) from None
    levels, deepest = depth(node)
    if levels > MAX_DEPTH:
        raise ExpressionSyntaxError(
            f"expression nested deeper than {MAX_DEPTH} levels", source, deepest.start
        )
    return node
