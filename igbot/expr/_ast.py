"""The expression syntax tree: small frozen dataclasses, each with its span in the source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "ArrayLit",
    "Binary",
    "Call",
    "Chain",
    "Conditional",
    "Identifier",
    "Literal",
    "Logical",
    "Member",
    "Node",
    "ObjectLit",
    "RegexLit",
    "Unary",
    "children",
    "depth",
]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node: ``start``/``end`` are 0-based offsets into the source."""

    start: int = field(kw_only=True)
    end: int = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number, string, boolean, ``null`` or ``undefined``."""

    value: Any


@dataclass(frozen=True, slots=True)
class RegexLit(Node):
    """A regular expression literal ``/pattern/flags`` (``compiled`` is its Python pattern)."""

    pattern: str
    flags: str
    compiled: Any = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Identifier(Node):
    """A variable such as ``payload`` or a global such as ``Math``."""

    name: str


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``obj.name`` (``prop`` a str) or ``obj[expr]`` (``prop`` a Node); ``?.`` if optional."""

    obj: Node
    prop: str | Node
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``callee(args...)``; ``callee?.(args)`` if optional."""

    callee: Node
    args: tuple[Node, ...]
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """An optional chain: where a ``?.`` meets null or undefined, the whole chain is undefined."""

    expr: Node


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``!x``, ``-x``, ``+x``, ``typeof x``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic, comparison and equality operators."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    """``&&``, ``||`` and ``??``: short-circuit, returning an operand."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """``test ? then : otherwise``."""

    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class ArrayLit(Node):
    """``[a, b, ...]``."""

    elements: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ObjectLit(Node):
    """``{key: value, ...}`` with identifier, string or number keys."""

    entries: tuple[tuple[str, Node], ...]


def children(node: Node) -> Iterator[Node]:
    """The direct child nodes of ``node``."""
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield item
                elif isinstance(item, tuple):
                    yield from (x for x in item if isinstance(x, Node))


def depth(node: Node) -> tuple[int, Node]:
    """The depth of the tree under ``node`` and its deepest node (computed without recursion)."""
    best, deepest = 0, node
    stack = [(node, 1)]
    while stack:
        current, d = stack.pop()
        if d > best:
            best, deepest = d, current
        stack.extend((child, d + 1) for child in children(current))
    return best, deepest
