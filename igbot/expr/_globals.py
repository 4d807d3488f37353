"""Global functions and objects: ``parseInt``, ``Number``, ``JSON``, ``Math``, ``Object``..."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final
from urllib.parse import quote, unquote

from igbot._errors import ExpressionError
from igbot.expr._builtins import Namespace, arg
from igbot.expr._deadline import Deadline
from igbot.expr._values import (
    JS_WHITESPACE,
    MAX_SAFE_INT,
    MAX_STRING,
    UNDEFINED,
    JSFunction,
    check_array,
    check_string,
    norm_number,
    to_int_arg,
    to_js_string,
    to_number,
    truthy,
)

__all__ = ["GLOBALS", "js_stringify"]

_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
_FLOAT_PREFIX: Final = re.compile(
    r"[+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
)


def _as_number(n: int | float) -> int | float:
    """A whole-number result as ``int`` while it is exact, otherwise ``float``."""
    if isinstance(n, int):
        if abs(n) <= MAX_SAFE_INT:
            return n
        try:
            return float(n)
        except OverflowError:
            return math.inf if n > 0 else -math.inf
    return norm_number(n)


def _parse_int(args: list[Any]) -> int | float:
    s = to_js_string(arg(args, 0)).lstrip(JS_WHITESPACE)
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    radix = to_int_arg(arg(args, 1))
    if radix == 0:
        radix = 10
        if s[:2].lower() == "0x":
            radix, s = 16, s[2:]
    elif radix == 16 and s[:2].lower() == "0x":
        s = s[2:]
    if not 2 <= radix <= 36:
        return math.nan
    valid = _DIGITS[: int(radix)]
    end = 0
    while end < len(s) and s[end].lower() in valid:
        end += 1
    if end == 0:
        return math.nan
    digits = s[:end]
    if end > 300:  # beyond exact integers anyway: an approximation that cannot hang
        try:
            value: int | float = int(digits[:300], int(radix)) * float(radix) ** (end - 300)
        except OverflowError:
            value = math.inf
        return sign * value
    return _as_number(sign * int(digits, int(radix)))


def _parse_float(args: list[Any]) -> int | float:
    s = to_js_string(arg(args, 0)).lstrip(JS_WHITESPACE)
    m = _FLOAT_PREFIX.match(s)
    if m is None:
        return math.nan
    return norm_number(float(m.group(0).replace("Infinity", "inf")))


def _quote_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def js_stringify(value: Any, indent: str = "", _prefix: str = "", _depth: int = 0,
                 _budget: _Budget | None = None) -> str | None:
    """``JSON.stringify``: JavaScript's formatting; None where JavaScript gives undefined.

    The output is counted as it is built: past :data:`MAX_STRING` characters, or past its
    deadline, it stops with an :class:`igbot.ExpressionError` instead of building on.
    """
    if _depth > 100:
        raise ExpressionError("JSON.stringify: value nested too deeply")
    budget = _budget or _Budget()
    if value is None:
        return budget.spend("null")
    if value is True or value is False:
        return budget.spend("true" if value else "false")
    if isinstance(value, (int, float)):
        return budget.spend(to_js_string(value) if math.isfinite(value) else "null")
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise budget.error()
        return budget.spend(_quote_str(value))
    if value is UNDEFINED or isinstance(value, JSFunction):
        return None
    inner = _prefix + indent
    sep, colon = (",\n" + inner, ": ") if indent else (",", ":")
    budget.spend(_prefix + "[]\n\n")
    parts: list[str] = []
    if isinstance(value, (list, tuple)):
        for x in value:
            budget.spend(sep)
            parts.append(js_stringify(x, indent, inner, _depth + 1, budget) or budget.spend("null"))
        open_, close = "[", "]"
    elif isinstance(value, dict):
        for k, v in value.items():
            text = js_stringify(v, indent, inner, _depth + 1, budget)
            if text is not None:
                budget.spend(sep + colon)
                parts.append(budget.spend(_quote_str(to_js_string(k))) + colon + text)
        open_, close = "{", "}"
    else:  # regular expressions and anything opaque serialise as an empty object
        return "{}"
    if not parts:
        return open_ + close
    if indent:
        return check_string(f"{open_}\n{inner}{sep.join(parts)}\n{_prefix}{close}")
    return check_string(open_ + sep.join(parts) + close)


class _Budget:
    """What one ``JSON.stringify`` call may still build, and by when."""

    __slots__ = ("deadline", "items", "size")

    def __init__(self) -> None:
        self.size, self.items = 0, 0
        self.deadline = Deadline("JSON.stringify()")

    def spend(self, text: str) -> str:
        self.size += len(text)
        self.items += 1
        if self.size > MAX_STRING:
            raise self.error()
        if self.items & 255 == 0:
            self.deadline.check()
        return text

    def error(self) -> ExpressionError:
        return ExpressionError(f"JSON.stringify: the text would be over the limit of "
                               f"{MAX_STRING} characters")


def _stringify(args: list[Any]) -> Any:
    space = arg(args, 2)
    indent = ""
    if isinstance(space, (int, float)) and not isinstance(space, bool):
        indent = " " * int(min(max(to_int_arg(space), 0), 10))
    elif isinstance(space, str):
        indent = space[:10]
    out = js_stringify(arg(args, 0), indent)
    return UNDEFINED if out is None else out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"unexpected token {name}")


def _json_parse(args: list[Any]) -> Any:
    text = check_string(to_js_string(arg(args, 0)))
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=lambda s: _as_number(int(s)) if len(s) < 300 else float(s),
            parse_float=lambda s: norm_number(float(s)),
        )
    except (ValueError, RecursionError) as exc:
        raise ExpressionError(f"JSON.parse: {exc}") from None


def _round(args: list[Any]) -> int | float:
    x = to_number(arg(args, 0))
    if isinstance(x, int) or not math.isfinite(x):
        return x
    f = math.floor(x)
    return _as_number(f + 1 if x - f >= 0.5 else f)


def _int_op(fn: Any) -> Any:
    def op(args: list[Any]) -> int | float:
        x = to_number(arg(args, 0))
        if isinstance(x, int) or not math.isfinite(x):
            return x
        return _as_number(fn(x))

    return op


def _min_max(pick: Any, empty: float) -> Any:
    def op(args: list[Any]) -> int | float:
        nums = [to_number(a) for a in args]
        if any(n != n for n in nums):
            return math.nan
        return pick(nums) if nums else empty

    return op


def _pow(args: list[Any]) -> int | float:
    x, y = to_number(arg(args, 0)), to_number(arg(args, 1))
    if y != y:
        return math.nan
    try:
        result = math.pow(x, y)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan
    if isinstance(x, int) and isinstance(y, int) and y >= 0 and abs(result) <= MAX_SAFE_INT:
        return x**y
    return result


def _sqrt(args: list[Any]) -> float | int:
    x = to_number(arg(args, 0))
    return math.nan if x != x or x < 0 else norm_number(math.sqrt(x))


def _sign(args: list[Any]) -> int | float:
    x = to_number(arg(args, 0))
    return x if x != x or x == 0 else (1 if x > 0 else -1)


def _object_arg(args: list[Any]) -> Any:
    value = arg(args, 0)
    if value is None or value is UNDEFINED:
        raise ExpressionError("cannot convert undefined or null to object")
    return value


def _keys(args: list[Any]) -> list[str]:
    value = _object_arg(args)
    if isinstance(value, (dict, list, tuple, str)):
        check_array(len(value), "Object.keys()")
    if isinstance(value, dict):
        return [to_js_string(k) for k in value]
    if isinstance(value, (list, tuple, str)):
        return [str(i) for i in range(len(value))]
    return []


def _values(args: list[Any]) -> list[Any]:
    value = _object_arg(args)
    if isinstance(value, (dict, list, tuple, str)):
        check_array(len(value), "Object.values()")
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple, str)):
        return list(value)
    return []


def _entries(args: list[Any]) -> list[list[Any]]:
    return [[k, v] for k, v in zip(_keys(args), _values(args), strict=True)]


def _uri(encode: bool, safe: str) -> Any:
    def op(args: list[Any]) -> str:
        s = to_js_string(arg(args, 0))
        try:
            return check_string(quote(s, safe=safe) if encode else unquote(s, errors="strict"))
        except UnicodeError as exc:
            raise ExpressionError(f"URI malformed: {exc}") from None

    return op


def _fn(name: str, call: Any) -> JSFunction:
    return JSFunction(name, call)


_MATH: Final = Namespace(
    "Math",
    {
        "floor": _fn("floor", _int_op(math.floor)),
        "ceil": _fn("ceil", _int_op(math.ceil)),
        "trunc": _fn("trunc", _int_op(math.trunc)),
        "round": _fn("round", _round),
        "abs": _fn("abs", lambda a: abs(to_number(arg(a, 0)))),
        "min": _fn("min", _min_max(min, math.inf)),
        "max": _fn("max", _min_max(max, -math.inf)),
        "pow": _fn("pow", _pow),
        "sqrt": _fn("sqrt", _sqrt),
        "sign": _fn("sign", _sign),
        "PI": math.pi,
        "E": math.e,
    },
)

GLOBALS: Final[dict[str, Any]] = {
    "parseInt": _fn("parseInt", _parse_int),
    "parseFloat": _fn("parseFloat", _parse_float),
    "Number": _fn("Number", lambda a: to_number(a[0]) if a else 0),
    "String": _fn("String", lambda a: to_js_string(a[0]) if a else ""),
    "Boolean": _fn("Boolean", lambda a: truthy(arg(a, 0))),
    "isNaN": _fn("isNaN", lambda a: to_number(arg(a, 0)) != to_number(arg(a, 0))),
    "isFinite": _fn("isFinite", lambda a: math.isfinite(to_number(arg(a, 0)))),
    "encodeURIComponent": _fn("encodeURIComponent", _uri(True, "-_.!~*'()")),
    "encodeURI": _fn("encodeURI", _uri(True, "-_.!~*'();/?:@&=+$,#")),
    "decodeURIComponent": _fn("decodeURIComponent", _uri(False, "")),
    "JSON": Namespace(
        "JSON", {"stringify": _fn("stringify", _stringify), "parse": _fn("parse", _json_parse)}
    ),
    "Math": _MATH,
    "Array": Namespace(
        "Array",
        {"isArray": _fn("isArray", lambda a: isinstance(arg(a, 0), (list, tuple)))},
    ),
    "Object": Namespace(
        "Object",
        {
            "keys": _fn("keys", _keys),
            "values": _fn("values", _values),
            "entries": _fn("entries", _entries),
        },
    ),
    "NaN": math.nan,
    "Infinity": math.inf,
}
"""Names every expression can read (a scope variable of the same name takes precedence)."""
