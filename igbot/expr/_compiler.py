"""Turn a syntax tree into nested Python closures (no Python source is generated), and the
JavaScript operators those closures apply."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, Final

from igbot._errors import ExpressionError
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
)
from igbot.expr._builtins import get_member
from igbot.expr._globals import GLOBALS
from igbot.expr._values import (
    UNDEFINED,
    JSFunction,
    _int_result,
    check_string,
    js_typeof,
    loose_equals,
    strict_equals,
    to_js_string,
    to_number,
    to_primitive,
    truthy,
)

__all__ = ["Evaluator", "build", "js_add", "js_arith", "js_compare"]

Evaluator = Callable[[Any], Any]


class _Short:
    """Marks an optional chain cut short by ``?.`` on null or undefined."""

    __slots__ = ()


_SHORT: Final = _Short()


# -- operators ---------------------------------------------------------------------------------
_int = _int_result


def _float(x: int | float) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _is_num(v: Any) -> bool:
    t = type(v)
    return t is int or t is float


def _divide(x: int | float, y: int | float) -> int | float:
    if type(x) is int and type(y) is int and y != 0 and x % y == 0:
        return _int(x // y)
    fx, fy = _float(x), _float(y)
    if fy == 0:
        if fx != fx or fx == 0:
            return math.nan
        return math.copysign(math.inf, fx) * math.copysign(1.0, fy)
    try:
        return fx / fy
    except OverflowError:
        return math.copysign(math.inf, fx) * math.copysign(1.0, fy)


def _remainder(x: int | float, y: int | float) -> int | float:
    if type(x) is int and type(y) is int:
        if y == 0:
            return math.nan
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    fx, fy = _float(x), _float(y)
    if fy == 0 or fx != fx or fy != fy or math.isinf(fx):
        return math.nan
    if math.isinf(fy):
        return x
    return math.fmod(fx, fy)


def _numeric(op: str, x: int | float, y: int | float) -> int | float:
    if op == "/":
        return _divide(x, y)
    if op == "%":
        return _remainder(x, y)
    if type(x) is int and type(y) is int:
        if op == "+":
            return _int(x + y)
        if op == "-":
            return _int(x - y)
        return _int(x * y)
    fx, fy = _float(x), _float(y)
    if op == "+":
        return fx + fy
    if op == "-":
        return fx - fy
    return fx * fy


def js_add(a: Any, b: Any) -> Any:
    """JavaScript's ``+``: string concatenation if either side is (or becomes) a string."""
    if type(a) is str and type(b) is str:
        return check_string(a + b)
    a, b = to_primitive(a), to_primitive(b)
    if isinstance(a, str) or isinstance(b, str):
        return check_string(to_js_string(a) + to_js_string(b))
    return _numeric("+", to_number(a), to_number(b))


def js_arith(op: str, a: Any, b: Any) -> Any:
    """JavaScript's ``- * / %`` (always numeric)."""
    return _numeric(op, to_number(a), to_number(b))


_COMPARE: Final = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def js_compare(op: str, a: Any, b: Any) -> bool:
    """JavaScript's ``< <= > >=``: strings by code point, otherwise numbers (NaN is false)."""
    if not (_is_num(a) and _is_num(b)):
        a, b = to_primitive(a), to_primitive(b)
        if not (isinstance(a, str) and isinstance(b, str)):
            a, b = to_number(a), to_number(b)
    return bool(_COMPARE[op](a, b))


# -- compiling ---------------------------------------------------------------------------------
def _lookup(name: str) -> Evaluator:
    fallback = GLOBALS.get(name, UNDEFINED)

    def identifier(scope: Any) -> Any:
        try:
            return scope[name]
        except KeyError:
            return fallback

    return identifier


def _equality(node: Binary, left: Evaluator, right: Evaluator) -> Evaluator:
    negate = node.op in ("!=", "!==")
    compare = strict_equals if node.op in ("===", "!==") else loose_equals
    if isinstance(node.right, Literal) and type(node.right.value) is str:
        lit = node.right.value
        if isinstance(node.left, Identifier):  # ``content == "x"``: the lookup inlined
            name = node.left.name
            fallback = GLOBALS.get(name, UNDEFINED)

            def eq_name_literal(scope: Any) -> bool:
                try:
                    v = scope[name]
                except KeyError:
                    v = fallback
                result = v == lit if type(v) is str else compare(v, lit)
                return result is not negate

            return eq_name_literal

        def eq_literal(scope: Any) -> bool:
            v = left(scope)
            result = v == lit if type(v) is str else compare(v, lit)
            return result is not negate

        return eq_literal
    if isinstance(node.right, Literal) and type(node.right.value) in (int, float):
        num = node.right.value

        def eq_number(scope: Any) -> bool:
            # a number equals a number by value; null and undefined equal no number (loosely
            # or strictly); anything else the long way
            v = left(scope)
            kind = type(v)
            if kind is int or kind is float:
                result = v == num
            elif v is None or v is UNDEFINED:
                result = False
            else:
                result = compare(v, num)
            return result is not negate

        return eq_number

    def eq(scope: Any) -> bool:
        return compare(left(scope), right(scope)) is not negate

    return eq


def _binary(node: Binary, left: Evaluator, right: Evaluator) -> Evaluator:
    op = node.op
    if op in ("==", "!=", "===", "!=="):
        return _equality(node, left, right)
    if op == "+":

        def add(scope: Any) -> Any:
            a, b = left(scope), right(scope)
            if type(a) is int and type(b) is int:
                return _int(a + b)
            return js_add(a, b)

        return add
    if op in _COMPARE:
        cmp = _COMPARE[op]

        def compare(scope: Any) -> bool:
            a, b = left(scope), right(scope)
            if _is_num(a) and _is_num(b):
                return bool(cmp(a, b))
            return js_compare(op, a, b)

        return compare

    def arith(scope: Any) -> Any:
        return js_arith(op, left(scope), right(scope))

    return arith


def _logical(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    if op == "&&":  # a boolean (what comparisons give) decided without truthy()

        def and_(scope: Any) -> Any:
            v = left(scope)
            if v is True or (v is not False and truthy(v)):
                return right(scope)
            return v

        return and_
    if op == "||":

        def or_(scope: Any) -> Any:
            v = left(scope)
            if v is True or (v is not False and truthy(v)):
                return v
            return right(scope)

        return or_

    def coalesce(scope: Any) -> Any:
        v = left(scope)
        return right(scope) if v is None or v is UNDEFINED else v

    return coalesce


def _unary(op: str, operand: Evaluator) -> Evaluator:
    if op == "!":
        return lambda scope: not truthy(operand(scope))
    if op == "typeof":
        return lambda scope: js_typeof(operand(scope))
    if op == "+":
        return lambda scope: to_number(operand(scope))

    def negate(scope: Any) -> Any:
        x = to_number(operand(scope))
        return -x if x != 0 else -float(x)  # -0 is a float: JavaScript's negative zero

    return negate


class _Builder:
    """Builds the closure for each node; ``source`` names things in error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def text(self, node: Node) -> str:
        return self.source[node.start : node.end]

    def build(self, node: Node, in_chain: bool = False) -> Evaluator:
        if isinstance(node, Literal):
            value = node.value
            return lambda scope: value
        if isinstance(node, Identifier):
            return _lookup(node.name)
        if isinstance(node, Member):
            return self.member(node, in_chain)
        if isinstance(node, Call):
            return self.call(node, in_chain)
        if isinstance(node, Chain):
            inner = self.build(node.expr, in_chain=True)
            return lambda scope: UNDEFINED if (v := inner(scope)) is _SHORT else v
        if isinstance(node, Logical):
            return _logical(node.op, self.build(node.left), self.build(node.right))
        if isinstance(node, Binary):
            return _binary(node, self.build(node.left), self.build(node.right))
        if isinstance(node, Unary):
            return _unary(node.op, self.build(node.operand))
        if isinstance(node, Conditional):
            test, then, otherwise = (
                self.build(node.test),
                self.build(node.then),
                self.build(node.otherwise),
            )
            return lambda scope: then(scope) if truthy(test(scope)) else otherwise(scope)
        if isinstance(node, RegexLit):
            rx = node.compiled
            return lambda scope: rx
        if isinstance(node, ArrayLit):
            elements = [self.build(e) for e in node.elements]
            return lambda scope: [e(scope) for e in elements]
        if isinstance(node, ObjectLit):
            entries = [(k, self.build(v)) for k, v in node.entries]
            return lambda scope: {k: v(scope) for k, v in entries}
        raise ExpressionError(f"cannot compile {type(node).__name__}")  # pragma: no cover

    def member(self, node: Member, in_chain: bool) -> Evaluator:
        obj = self.build(node.obj, in_chain)
        optional = node.optional
        if isinstance(node.prop, str):
            key = node.prop

            def static_member(scope: Any) -> Any:
                o = obj(scope)
                if type(o) is dict:
                    return o.get(key, UNDEFINED) if key != "hasOwnProperty" else get_member(o, key)
                if o is _SHORT or (optional and (o is None or o is UNDEFINED)):
                    return _SHORT
                return get_member(o, key)

            return static_member
        prop = self.build(node.prop)

        def computed_member(scope: Any) -> Any:
            o = obj(scope)
            if o is _SHORT or (optional and (o is None or o is UNDEFINED)):
                return _SHORT
            return get_member(o, prop(scope))

        return computed_member

    def call(self, node: Call, in_chain: bool) -> Evaluator:
        args = [self.build(a) for a in node.args]
        name = self.text(node.callee)
        optional = node.optional
        callee = node.callee
        if isinstance(callee, Member):
            obj = self.build(callee.obj, in_chain)
            obj_text = self.text(callee.obj)
            member_optional = callee.optional
            key_fn = None if isinstance(callee.prop, str) else self.build(callee.prop)
            static_key = callee.prop if isinstance(callee.prop, str) else ""

            def method_call(scope: Any) -> Any:
                o = obj(scope)
                if o is _SHORT or (member_optional and (o is None or o is UNDEFINED)):
                    return _SHORT
                f = get_member(o, static_key if key_fn is None else key_fn(scope))
                if type(f) is not JSFunction:
                    if optional and (f is None or f is UNDEFINED):
                        return _SHORT
                    if o is None or o is UNDEFINED:
                        raise ExpressionError(
                            f"{name} is not a function ({obj_text} is {to_js_string(o)})"
                        )
                    raise ExpressionError(f"{name} is not a function")
                return f.invoke([a(scope) for a in args])

            return method_call
        fn = self.build(callee, in_chain)

        def plain_call(scope: Any) -> Any:
            f = fn(scope)
            if f is _SHORT:
                return _SHORT
            if type(f) is not JSFunction:
                if optional and (f is None or f is UNDEFINED):
                    return _SHORT
                raise ExpressionError(f"{name} is not a function")
            return f.invoke([a(scope) for a in args])

        return plain_call


def build(node: Node, source: str) -> Evaluator:
    """The closure that evaluates ``node`` against a scope mapping."""
    return _Builder(source).build(node)
