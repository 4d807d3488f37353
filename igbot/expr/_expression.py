"""Compiled expressions: parse once, evaluate many times against a scope."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from igbot._errors import ExpressionError
from igbot.expr._ast import Binary, Call, Chain, Identifier, Literal, Member, Node, children
from igbot.expr._compiler import build
from igbot.expr._globals import GLOBALS
from igbot.expr._parser import parse
from igbot.expr._values import to_js_string, truthy

__all__ = ["Expression", "compile_expr"]

_NOT_PATHS = frozenset(GLOBALS)


class Expression:
    """A parsed JavaScript expression (a condition, a mapping value, the inside of ``$(...)``).

    Build one with :func:`compile_expr`; :meth:`evaluate` runs it against a scope mapping such as
    ``{"intent": ..., "payload": ..., "context": ...}``.
    """

    __slots__ = ("_fn", "_names", "ast", "source")

    def __init__(self, source: str, ast: Node) -> None:
        self.source = source
        self.ast = ast
        self._fn = build(ast, source)
        self._names: frozenset[str] | None = None

    def evaluate(self, scope: Mapping[str, Any]) -> Any:
        """The expression's value in ``scope``; raises only :class:`igbot.ExpressionError`."""
        try:
            return self._fn(scope)
        except ExpressionError:
            raise
        except Exception as exc:  # anything unexpected is still an expression error
            raise self._failure(exc) from None

    def holds(self, scope: Mapping[str, Any]) -> bool:
        """Whether the expression is truthy in ``scope`` (a condition); raises only
        :class:`igbot.ExpressionError`."""
        try:
            value = self._fn(scope)
            return value if value is True or value is False else truthy(value)  # bools at once
        except ExpressionError:
            raise
        except Exception as exc:  # anything unexpected is still an expression error
            raise self._failure(exc) from None

    def _failure(self, exc: Exception) -> ExpressionError:
        """The :class:`igbot.ExpressionError` an unexpected exception while evaluating becomes."""
        if isinstance(exc, RecursionError):
            return ExpressionError(f"{self.source!r}: value nested too deeply")
        return ExpressionError(
            f"{self.source!r} could not be evaluated: {type(exc).__name__}: {exc}")

    def equality(self) -> tuple[str, str] | None:
        """``(path, text)`` when the expression is ``path == "text"`` (or ``===``, either side),
        such as ``payload.type == "menu"``: the engine indexes intents by it. For a value that
        is a string it holds exactly when the value equals ``text``; for any other value the
        expression must be evaluated (``1 == "1"`` holds in JavaScript)."""
        node = self.ast
        if not isinstance(node, Binary) or node.op not in ("==", "==="):
            return None
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, Literal) and type(other.value) is str:
                path = _path(side) if isinstance(side, Identifier | Member) else None
                if path is not None and not any(isinstance(n, Member) and n.optional
                                                for n in _members(side)):
                    return path, other.value
        return None

    def names(self) -> frozenset[str]:
        """Every variable name the expression can read from its scope (``context`` for
        ``context.x + 1``): an expression reads nothing else, so a scope without the other
        names gives it the same value."""
        if self._names is not None:  # read once per expression (compile_expr shares them)
            return self._names
        found: set[str] = set()
        stack = [self.ast]
        while stack:
            node = stack.pop()
            if isinstance(node, Identifier):
                found.add(node.name)
            stack.extend(children(node))
        self._names = frozenset(found)
        return self._names

    def members_of(self, name: str) -> frozenset[str] | None:
        """The members the expression reads of variable ``name`` when it reads it only as
        ``name.member`` (or ``name?.member``), never calling one, with no member starting
        with ``$`` nor ``hasOwnProperty``; else None (``name`` read whole, ``name[x]``, a
        call). ``context.step`` gives ``{"step"}``: such an expression reads the same values
        from the flow's own context as from the context with Kata's ``$`` meta context."""
        found: set[str] = set()
        stack = [self.ast]
        while stack:
            node = stack.pop()
            if isinstance(node, Identifier):
                if node.name == name:
                    return None  # read whole (or as name[x], which reaches here too)
                continue
            if isinstance(node, Call) and isinstance(node.callee, Member) and isinstance(
                    node.callee.obj, Identifier) and node.callee.obj.name == name:
                return None  # a method of it called
            if isinstance(node, Member) and isinstance(node.obj, Identifier) \
                    and node.obj.name == name:
                prop = node.prop
                if not isinstance(prop, str) or prop.startswith("$") or prop == "hasOwnProperty":
                    return None
                found.add(prop)
                continue
            stack.extend(children(node))
        return frozenset(found)

    def paths(self) -> frozenset[str]:
        """The dotted variable paths the expression reads, such as ``payload.type``."""
        found: set[str] = set()
        _collect(self.ast, found)
        return frozenset(found)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.source == self.source

    def __hash__(self) -> int:
        return hash(("Expression", self.source))


def _path(node: Node) -> str | None:
    """The dotted path of an identifier or a chain of static member reads, else None."""
    if isinstance(node, Chain):
        return _path(node.expr)
    if isinstance(node, Identifier):
        return None if node.name in _NOT_PATHS else node.name
    if isinstance(node, Member):
        base = _path(node.obj)
        if base is None:
            return None
        if isinstance(node.prop, str):
            return f"{base}.{node.prop}"
        if isinstance(node.prop, Literal) and isinstance(node.prop.value, (str, int, float)):
            return f"{base}.{to_js_string(node.prop.value)}"
    return None


def _members(node: Node) -> list[Member]:
    out = []
    while isinstance(node, Member):
        out.append(node)
        node = node.obj
    return out


def _collect(node: Node, found: set[str]) -> None:
    path = _path(node)
    if path is not None:
        found.add(path)
        return
    if isinstance(node, Chain):
        _collect(node.expr, found)
        return
    if isinstance(node, Call) and isinstance(node.callee, Member):
        callee = node.callee
        _collect(callee.obj, found)
        if not isinstance(callee.prop, str):
            _collect(callee.prop, found)
        for a in node.args:
            _collect(a, found)
        return
    for child in children(node):
        _collect(child, found)


@functools.lru_cache(maxsize=4096)
def _compile(source: str) -> Expression:
    return Expression(source, parse(source))


def compile_expr(source: str | bool | float | None) -> Expression:
    """Parse ``source`` once (cached); raises :class:`igbot.ExpressionSyntaxError` with the
    0-based position of the problem.

    YAML scalars that are not strings (``condition: true``, ``value: 3``, ``x: null``) are read
    as the JavaScript literal they spell.
    """
    if isinstance(source, str):
        return _compile(source)
    if source is None or isinstance(source, (bool, int, float)):
        return _compile(to_js_string(source))
    raise TypeError(f"an expression must be a string, not {type(source).__name__}")
