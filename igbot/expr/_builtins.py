"""Property access and the built-in methods of strings, arrays, numbers and regular expressions.

Only what is listed here is reachable: a property read goes through :func:`get_member`, which
looks names up in plain dicts of data or in the method tables below, never with ``getattr``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from igbot._errors import ExpressionError
from igbot.expr._deadline import Deadline
from igbot.expr._regex import (
    compile_js_regex,
    regex_match,
    regex_replace,
    regex_search,
    regex_split,
    regex_test,
)
from igbot.expr._values import (
    JS_WHITESPACE,
    MAX_STRING,
    UNDEFINED,
    JSFunction,
    JSRegExp,
    check_array,
    check_string,
    join_bounded,
    strict_equals,
    to_int_arg,
    to_js_string,
    to_number,
)

__all__ = ["Namespace", "arg", "get_member", "same_value_zero"]

Method = Callable[[Any, list[Any]], Any]


class Namespace:
    """A global object such as ``Math`` or ``JSON``: a fixed table of members."""

    __slots__ = ("members", "name")

    def __init__(self, name: str, members: dict[str, Any]) -> None:
        self.name, self.members = name, members

    def __repr__(self) -> str:
        return f"[object {self.name}]"


def arg(args: list[Any], i: int) -> Any:
    """The ``i``-th argument, or ``undefined`` when it was not given."""
    return args[i] if i < len(args) else UNDEFINED


def _rel(v: Any, length: int, default: int) -> int:
    """A relative index (negative counts from the end) clamped to ``[0, length]``."""
    n = to_int_arg(v, default)
    if n < 0:
        return int(max(length + n, 0))
    return int(min(n, length))


def _clamp(v: Any, length: int, default: int) -> int:
    n = to_int_arg(v, default)
    return int(min(max(n, 0), length))


def _search_string(v: Any, method: str) -> str:
    if isinstance(v, JSRegExp):
        raise ExpressionError(f"the first argument of {method} must not be a regular expression")
    return to_js_string(v)


def _to_regex(v: Any, flags: str = "") -> JSRegExp:
    if isinstance(v, JSRegExp):
        return v
    source = "(?:)" if v is UNDEFINED else to_js_string(v)
    try:
        return compile_js_regex(source, flags)
    except ValueError as exc:
        raise ExpressionError(str(exc)) from None


def _limit(v: Any) -> int:
    if v is UNDEFINED:
        return -1
    n = to_number(v)
    if n != n or math.isinf(n):
        return 0
    return int(n) % 2**32


# -- strings -----------------------------------------------------------------------------------
def _split(s: str, args: list[Any]) -> list[Any]:
    sep, limit = arg(args, 0), _limit(arg(args, 1))
    if isinstance(sep, JSRegExp):
        out = regex_split(s, sep, limit)
    elif sep is UNDEFINED:
        out = [s]
    else:
        text = to_js_string(sep)
        if text == "":
            check_array(len(s) if limit < 0 else min(len(s), limit), "split()")
            out = list(s) if limit < 0 else list(s[:limit])
        else:
            out = s.split(text) if limit < 0 else s.split(text, limit)
    out = out if limit < 0 else out[:limit]
    check_array(len(out), "split()")
    return out


def _pad(s: str, args: list[Any], at_start: bool) -> str:
    target = to_int_arg(arg(args, 0))
    fill = " " if arg(args, 1) is UNDEFINED else to_js_string(args[1])
    if target <= len(s) or not fill:
        return s
    if target > MAX_STRING:
        raise ExpressionError(f"padding to {target} characters is over the limit of {MAX_STRING}")
    need = int(target) - len(s)
    padding = (fill * (need // len(fill) + 1))[:need]
    return padding + s if at_start else s + padding


def _repeat(s: str, args: list[Any]) -> str:
    n = to_int_arg(arg(args, 0))
    if n < 0 or math.isinf(n):
        raise ExpressionError(f"invalid count for repeat: {to_js_string(arg(args, 0))}")
    if len(s) * n > MAX_STRING:
        raise ExpressionError(f"repeat would build over {MAX_STRING} characters")
    return s * int(n)


def _index_of(s: str, args: list[Any]) -> int:
    return s.find(_search_string(arg(args, 0), "indexOf"), _clamp(arg(args, 1), len(s), 0))


def _last_index_of(s: str, args: list[Any]) -> int:
    needle = to_js_string(arg(args, 0))
    pos = to_number(arg(args, 1)) if arg(args, 1) is not UNDEFINED else math.inf
    start = len(s) if pos != pos else int(min(max(pos, 0), len(s)))
    return s.rfind(needle, 0, start + len(needle))


def _substring(s: str, args: list[Any]) -> str:
    a = _clamp(arg(args, 0), len(s), 0)
    b = _clamp(arg(args, 1), len(s), len(s))
    return s[min(a, b) : max(a, b)]


def _substr(s: str, args: list[Any]) -> str:
    start = _rel(arg(args, 0), len(s), 0)
    count = to_int_arg(arg(args, 1), len(s) - start)
    return s[start : start + int(min(max(count, 0), len(s) - start))]


def _char_at(s: str, args: list[Any]) -> str:
    i = to_int_arg(arg(args, 0))
    return s[int(i)] if 0 <= i < len(s) else ""


def _char_code_at(s: str, args: list[Any]) -> int | float:
    i = to_int_arg(arg(args, 0))
    return ord(s[int(i)]) if 0 <= i < len(s) else math.nan


def _at(seq: Any, args: list[Any]) -> Any:
    i = to_int_arg(arg(args, 0))
    if i < 0:
        i += len(seq)
    return seq[int(i)] if 0 <= i < len(seq) else UNDEFINED


def _match(s: str, args: list[Any]) -> Any:
    return regex_match(_to_regex(arg(args, 0)), s)


def _replace(s: str, args: list[Any], replace_all: bool) -> str:
    pattern = arg(args, 0)
    if not isinstance(pattern, JSRegExp):
        pattern = to_js_string(pattern)
    return regex_replace(s, pattern, arg(args, 1), replace_all)


STRING_METHODS: Final[dict[str, Method]] = {
    "toLowerCase": lambda s, a: s.lower(),
    "toUpperCase": lambda s, a: s.upper(),
    "toLocaleLowerCase": lambda s, a: s.lower(),
    "toLocaleUpperCase": lambda s, a: s.upper(),
    "trim": lambda s, a: s.strip(JS_WHITESPACE),
    "trimStart": lambda s, a: s.lstrip(JS_WHITESPACE),
    "trimEnd": lambda s, a: s.rstrip(JS_WHITESPACE),
    "includes": lambda s, a: (
        s.find(_search_string(arg(a, 0), "includes"), _clamp(arg(a, 1), len(s), 0)) >= 0
    ),
    "startsWith": lambda s, a: s.startswith(
        _search_string(arg(a, 0), "startsWith"), _clamp(arg(a, 1), len(s), 0)
    ),
    "endsWith": lambda s, a: s[: _clamp(arg(a, 1), len(s), len(s))].endswith(
        _search_string(arg(a, 0), "endsWith")
    ),
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "slice": lambda s, a: s[_rel(arg(a, 0), len(s), 0) : _rel(arg(a, 1), len(s), len(s))],
    "substring": _substring,
    "substr": _substr,
    "charAt": _char_at,
    "charCodeAt": _char_code_at,
    "at": _at,
    "split": _split,
    "replace": lambda s, a: _replace(s, a, False),
    "replaceAll": lambda s, a: _replace(s, a, True),
    "match": _match,
    "search": lambda s, a: regex_search(_to_regex(arg(a, 0)), s),
    "padStart": lambda s, a: _pad(s, a, True),
    "padEnd": lambda s, a: _pad(s, a, False),
    "repeat": _repeat,
    "concat": lambda s, a: check_string(s + "".join(to_js_string(x) for x in a)),
    "toString": lambda s, a: s,
    "valueOf": lambda s, a: s,
}


# -- arrays ------------------------------------------------------------------------------------
def same_value_zero(a: Any, b: Any) -> bool:
    """Equality used by ``includes``: like ``===`` except that NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return strict_equals(a, b)


def _scan(seq: Any, indexes: range, found: Callable[[Any], bool], what: str) -> int:
    """The first index in ``indexes`` whose item is ``found``, or -1; within one deadline."""
    deadline = Deadline(what)
    for count, i in enumerate(indexes):
        if count & 1023 == 1023:
            deadline.check()
        if found(seq[i]):
            return i
    return -1


def _array_index_of(seq: Any, args: list[Any]) -> int:
    target = arg(args, 0)
    return _scan(seq, range(_rel(arg(args, 1), len(seq), 0), len(seq)),
                 lambda x: strict_equals(x, target), "indexOf()")


def _array_last_index_of(seq: Any, args: list[Any]) -> int:
    target = arg(args, 0)
    start = len(seq) - 1 if arg(args, 1) is UNDEFINED else to_int_arg(args[1])
    if start < 0:
        start += len(seq)
    return _scan(seq, range(int(min(start, len(seq) - 1)), -1, -1),
                 lambda x: strict_equals(x, target), "lastIndexOf()")


def _array_includes(seq: Any, args: list[Any]) -> bool:
    target = arg(args, 0)
    return _scan(seq, range(_rel(arg(args, 1), len(seq), 0), len(seq)),
                 lambda x: same_value_zero(x, target), "includes()") >= 0


def _join(seq: Any, args: list[Any]) -> str:
    sep = "," if arg(args, 0) is UNDEFINED else to_js_string(args[0])
    deadline = Deadline("join()")

    def parts() -> Iterator[str]:
        for i, x in enumerate(seq):
            if i & 255 == 255:
                deadline.check()
            yield "" if x is None or x is UNDEFINED else to_js_string(x)

    return join_bounded(parts(), sep)


def _concat(seq: Any, args: list[Any]) -> list[Any]:
    size = len(seq) + sum(len(x) if isinstance(x, (list, tuple)) else 1 for x in args)
    check_array(size, "concat()")
    out = list(seq)
    for x in args:
        if isinstance(x, (list, tuple)):
            out.extend(x)
        else:
            out.append(x)
    return out


ARRAY_METHODS: Final[dict[str, Method]] = {
    "includes": _array_includes,
    "indexOf": _array_index_of,
    "lastIndexOf": _array_last_index_of,
    "join": _join,
    "slice": lambda seq, a: list(
        seq[_rel(arg(a, 0), len(seq), 0) : _rel(arg(a, 1), len(seq), len(seq))]
    ),
    "concat": _concat,
    "at": _at,
    "toString": lambda seq, a: _join(seq, []),
}


# -- numbers, booleans, regular expressions ----------------------------------------------------
def _to_fixed(x: int | float, args: list[Any]) -> str:
    digits = to_int_arg(arg(args, 0))
    if not 0 <= digits <= 100:
        raise ExpressionError("toFixed() digits argument must be between 0 and 100")
    if x != x or math.isinf(x) or abs(x) >= 1e21:
        return to_js_string(x)
    quantum = Decimal(1).scaleb(-int(digits))
    text = str(abs(Decimal(x)).quantize(quantum, rounding=ROUND_HALF_UP))
    return ("-" if x < 0 else "") + text


_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


def _number_to_string(x: int | float, args: list[Any]) -> str:
    radix = 10 if arg(args, 0) is UNDEFINED else to_int_arg(args[0])
    if not 2 <= radix <= 36:
        raise ExpressionError("toString() radix must be between 2 and 36")
    if radix == 10 or x != x or math.isinf(x):
        return to_js_string(x)
    if isinstance(x, float) and not x.is_integer():
        raise ExpressionError("toString() with a radix supports whole numbers only")
    n, out = abs(int(x)), []
    while True:
        n, r = divmod(n, int(radix))
        out.append(_DIGITS[r])
        if not n:
            break
    return ("-" if x < 0 else "") + "".join(reversed(out))


NUMBER_METHODS: Final[dict[str, Method]] = {
    "toFixed": _to_fixed,
    "toString": _number_to_string,
    "valueOf": lambda x, a: x,
}
BOOLEAN_METHODS: Final[dict[str, Method]] = {
    "toString": lambda b, a: to_js_string(b),
    "valueOf": lambda b, a: b,
}
REGEXP_METHODS: Final[dict[str, Method]] = {
    "test": lambda rx, a: regex_test(rx, to_js_string(arg(a, 0))),
    "exec": lambda rx, a: regex_match(
        JSRegExp(rx.source, rx.flags.replace("g", ""), rx.pattern), to_js_string(arg(a, 0))
    ),
    "toString": lambda rx, a: repr(rx),
}
OBJECT_METHODS: Final[dict[str, Method]] = {
    "hasOwnProperty": lambda d, a: to_js_string(arg(a, 0)) in d,
}


def _bind(receiver: Any, name: str, table: dict[str, Method]) -> Any:
    method = table.get(name)
    if method is None:
        return UNDEFINED
    return JSFunction(name, lambda args: method(receiver, args))


def _index(key: Any) -> int | None:
    """``key`` as an array index, or None when it is not one."""
    if type(key) is int:
        return key if key >= 0 else None
    if isinstance(key, float):
        return int(key) if key.is_integer() and key >= 0 else None
    if isinstance(key, str) and key.isdigit() and key.isascii() and (key == "0" or key[0] != "0"):
        return int(key)
    return None


def get_member(obj: Any, key: Any) -> Any:
    """``obj[key]`` with JavaScript's rules; anything missing is ``undefined``."""
    if isinstance(obj, dict):
        name = key if isinstance(key, str) else to_js_string(key)
        value = obj.get(name, UNDEFINED)
        if value is UNDEFINED and name in OBJECT_METHODS:
            return _bind(obj, name, OBJECT_METHODS)
        return value
    if isinstance(obj, (list, tuple, str)):
        i = _index(key)
        if i is not None:
            return obj[i] if i < len(obj) else UNDEFINED
        if key == "length":
            return len(obj)
        if not isinstance(key, str):
            return UNDEFINED
        return _bind(obj, key, STRING_METHODS if isinstance(obj, str) else ARRAY_METHODS)
    if not isinstance(key, str):
        key = to_js_string(key)
    if isinstance(obj, bool):
        return _bind(obj, key, BOOLEAN_METHODS)
    if isinstance(obj, (int, float)):
        return _bind(obj, key, NUMBER_METHODS)
    if isinstance(obj, JSRegExp):
        props = {
            "source": obj.source,
            "flags": obj.flags,
            "global": "g" in obj.flags,
            "ignoreCase": "i" in obj.flags,
            "multiline": "m" in obj.flags,
            "lastIndex": 0,
        }
        return props[key] if key in props else _bind(obj, key, REGEXP_METHODS)
    if isinstance(obj, Namespace):
        return obj.members.get(key, UNDEFINED)
    if isinstance(obj, JSFunction) and key == "name":
        return obj.name
    return UNDEFINED
