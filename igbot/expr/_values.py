"""JavaScript values as plain Python, and the conversions JavaScript applies to them.

Scope values are plain Python: ``dict`` (object), ``list``/``tuple`` (array), ``str``, ``int`` and
``float`` (number), ``bool``, ``None`` (``null``) and :data:`UNDEFINED` (``undefined``). Two opaque
wrappers complete the set: :class:`JSFunction` (a built-in function or bound method) and
:class:`JSRegExp` (a regular expression). Nothing else is ever reachable from an expression.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar, Final

from igbot._errors import ExpressionError

__all__ = [
    "JS_WHITESPACE",
    "MAX_ARRAY",
    "MAX_SAFE_INT",
    "MAX_STRING",
    "UNDEFINED",
    "JSFunction",
    "JSRegExp",
    "check_array",
    "check_string",
    "join_bounded",
    "js_typeof",
    "loose_equals",
    "norm_number",
    "strict_equals",
    "to_int_arg",
    "to_js_string",
    "to_number",
    "to_primitive",
    "truthy",
]

MAX_SAFE_INT: Final = 2**53
MAX_STRING: Final = 1_000_000
"""The longest string an expression may build (characters)."""
MAX_ARRAY: Final = 100_000
"""The longest array an expression may build (elements)."""

JS_WHITESPACE: Final = (
    " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class _Undefined:
    """The type of :data:`UNDEFINED`: JavaScript's ``undefined`` (falsy, one instance)."""

    __slots__ = ()
    _instance: ClassVar[_Undefined | None] = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = _Undefined()
"""JavaScript's ``undefined``: what a missing variable or path reads as."""


class JSFunction:
    """A built-in function or a method bound to its receiver; callable only from expressions."""

    __slots__ = ("_call", "name")

    def __init__(self, name: str, call: Any) -> None:
        self.name = name
        self._call = call

    def invoke(self, args: list[Any]) -> Any:
        """Call the function with already evaluated arguments."""
        return self._call(args)

    def __repr__(self) -> str:
        return f"function {self.name}() {{ [native code] }}"


class JSRegExp:
    """A compiled regular expression with its JavaScript source and flags."""

    __slots__ = ("flags", "pattern", "source")

    def __init__(self, source: str, flags: str, pattern: Any) -> None:
        self.source, self.flags, self.pattern = source, flags, pattern

    @property
    def is_global(self) -> bool:
        return "g" in self.flags

    def __repr__(self) -> str:
        return f"/{self.source}/{self.flags}"


def check_string(s: str) -> str:
    """Return ``s`` unless it is longer than :data:`MAX_STRING`."""
    if len(s) > MAX_STRING:
        raise ExpressionError(f"string of {len(s)} characters is over the limit of {MAX_STRING}")
    return s


def join_bounded(parts: Iterable[str], sep: str) -> str:
    """``sep.join(parts)``, refused as soon as the result would pass :data:`MAX_STRING` (before
    it is built)."""
    out: list[str] = []
    size = -len(sep)
    for part in parts:
        size += len(sep) + len(part)
        if size > MAX_STRING:
            raise ExpressionError(f"joining builds a string over the limit of {MAX_STRING} "
                                  "characters")
        out.append(part)
    return sep.join(out)


def check_array(size: int, what: str) -> None:
    """Refuse to build an array of ``size`` elements when that is over :data:`MAX_ARRAY`."""
    if size > MAX_ARRAY:
        raise ExpressionError(f"{what} would build an array of {size} elements, over the limit "
                              f"of {MAX_ARRAY}")


def norm_number(x: float) -> int | float:
    """An integral finite float within the safe range as ``int``, anything else unchanged."""
    if isinstance(x, float) and x.is_integer() and abs(x) <= MAX_SAFE_INT:
        return int(x)
    return x


def _int_result(n: int) -> int | float:
    """An ``int`` result of integer arithmetic, as a float past 2**53 (like JavaScript)."""
    if -MAX_SAFE_INT <= n <= MAX_SAFE_INT:
        return n
    try:
        return float(n)
    except OverflowError:
        return math.inf if n > 0 else -math.inf


def truthy(v: Any) -> bool:
    """JavaScript's ToBoolean: false for undefined, null, false, 0, NaN and ''."""
    if v is None or v is UNDEFINED or v is False:
        return False
    if v is True:
        return True
    if isinstance(v, str):
        return bool(v)
    if isinstance(v, (int, float)):
        return bool(v) and v == v
    return True


def js_typeof(v: Any) -> str:
    """JavaScript's ``typeof``."""
    if v is UNDEFINED:
        return "undefined"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, JSFunction):
        return "function"
    return "object"


def _number_to_string(x: int | float) -> str:
    if isinstance(x, int):
        return str(x)
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) <= MAX_SAFE_INT:
        return str(int(x))
    sign, digit_tuple, exp = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # The value is 0.digits * 10**n (JavaScript's Number::toString, ECMA-262 6.1.6.1.20).
    n = len(digit_tuple) + int(exp)
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        out = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return ("-" if sign else "") + out


def to_js_string(v: Any, _depth: int = 0) -> str:
    """JavaScript's ToString: ``true``, ``null``, ``undefined``, ``1``, ``1.5``, ``a,b``..."""
    if isinstance(v, str):
        return v
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return _number_to_string(v)
    if isinstance(v, (list, tuple)):
        if _depth > 100:
            raise ExpressionError("array nested too deeply to convert to a string")
        return join_bounded(
            ("" if x is None or x is UNDEFINED else to_js_string(x, _depth + 1) for x in v), ","
        )
    if isinstance(v, (JSFunction, JSRegExp)):
        return repr(v)
    return "[object Object]"


_DECIMAL_RE = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\Z")
_RADIX_RE = re.compile(r"0([xXoObB])([0-9a-fA-F]+)\Z")


def _string_to_number(s: str) -> int | float:
    s = s.strip(JS_WHITESPACE)
    if not s:
        return 0
    if _DECIMAL_RE.match(s):
        if len(s) > 400:
            return norm_number(float(s))
        if "." in s or "e" in s or "E" in s:
            return norm_number(float(s))
        return _int_result(int(s))
    m = _RADIX_RE.match(s)
    if m:
        base = {"x": 16, "o": 8, "b": 2}[m.group(1).lower()]
        try:
            return _int_result(int(m.group(2), base))
        except ValueError:
            return math.nan
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    return math.nan


def to_primitive(v: Any) -> Any:
    """JavaScript's ToPrimitive for our values: arrays and objects become strings."""
    if isinstance(v, (list, tuple, dict, JSFunction, JSRegExp)):
        return to_js_string(v)
    return v


def to_number(v: Any) -> int | float:
    """JavaScript's ToNumber (``int`` when the value is a whole number)."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if v is None:
        return 0
    if isinstance(v, str):
        return _string_to_number(v)
    if isinstance(v, (list, tuple)):
        return _string_to_number(to_js_string(v))
    return math.nan


def to_int_arg(v: Any, default: int = 0) -> int | float:
    """JavaScript's ToIntegerOrInfinity for method arguments (``undefined`` gives ``default``)."""
    if v is UNDEFINED:
        return default
    n = to_number(v)
    if isinstance(n, int):
        return n
    if n != n:
        return 0
    if math.isinf(n):
        return n
    return int(n)


def _kind(v: Any) -> str:
    """``typeof``, with ``null`` its own kind and functions compared as objects (by identity)."""
    if v is None:
        return "null"
    kind = js_typeof(v)
    return "object" if kind == "function" else kind


def strict_equals(a: Any, b: Any) -> bool:
    """JavaScript's ``===``: same type and value; objects and arrays by identity; NaN != NaN."""
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return False
    if ka == "object":
        return a is b
    if ka == "number":
        return bool(a == b)
    return bool(a == b) if ka in ("string", "boolean") else True


def loose_equals(a: Any, b: Any) -> bool:
    """JavaScript's ``==`` (IsLooselyEqual, ECMA-262 7.2.14)."""
    ka, kb = _kind(a), _kind(b)
    if ka == kb:
        return strict_equals(a, b)
    nullish = ("null", "undefined")
    if ka in nullish or kb in nullish:
        return ka in nullish and kb in nullish
    if ka == "boolean":
        return loose_equals(int(a), b)
    if kb == "boolean":
        return loose_equals(a, int(b))
    if ka == "number" and kb == "string":
        return bool(a == _string_to_number(b))
    if ka == "string" and kb == "number":
        return bool(_string_to_number(a) == b)
    if ka == "object":
        return loose_equals(to_primitive(a), b)
    if kb == "object":
        return loose_equals(a, to_primitive(b))
    return False
