"""JavaScript regular expressions on Python's ``regex`` module, with size and time limits.

JavaScript syntax is translated (named groups, ASCII ``\\d``/``\\w``, ``$`` at the very end
without ``m``, ``[^]``, identity escapes); flags ``g i m s u`` are accepted. Each call (``test``,
``split``, ``replace``...) has one :class:`~igbot.expr._deadline.Deadline` that all its searches
share, and both the pattern and the subject are capped, so a hostile pattern cannot hang a turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

import regex

from igbot._errors import ExpressionError
from igbot.expr._deadline import CALL_SECONDS, Deadline
from igbot.expr._values import (
    MAX_STRING,
    UNDEFINED,
    JSFunction,
    JSRegExp,
    check_array,
    check_string,
    to_js_string,
)

__all__ = [
    "MAX_PATTERN",
    "MAX_SUBJECT",
    "check_string_size",
    "compile_js_regex",
    "regex_match",
    "regex_replace",
    "regex_search",
    "regex_split",
    "regex_test",
]

MAX_PATTERN: Final = 1_000
"""Longest regular expression source (characters)."""
MAX_SUBJECT: Final = 100_000
"""Longest string a regular expression may run on (characters)."""
TIMEOUT: Final = CALL_SECONDS
"""Seconds one regular expression call may take, all its searches together."""

_FLAG_BITS: Final = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL}
_CLASS_ESCAPES: Final = {"d": "0-9", "w": "A-Za-z0-9_"}
_ESCAPES: Final = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]"}
_KEEP_ESCAPED: Final = frozenset("sSbBnrtfvxu123456789")


def _translate(source: str, flags: str) -> str:
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("\\ at end of pattern")
            e = source[i + 1]
            i += 2
            if e in _ESCAPES:
                if in_class and e in _CLASS_ESCAPES:
                    out.append(_CLASS_ESCAPES[e])
                else:
                    out.append("\\" + e if in_class else _ESCAPES[e])
            elif e == "k" and source[i : i + 1] == "<":
                close = source.find(">", i)
                if close < 0:
                    raise ValueError("invalid named reference")
                out.append(f"(?P={source[i + 1 : close]})")
                i = close + 1
            elif e == "c" and i < n and source[i].isascii() and source[i].isalpha():
                out.append(regex.escape(chr(ord(source[i]) % 32)))
                i += 1
            elif e == "u" and source[i : i + 1] == "{" and "u" in flags:
                close = source.find("}", i)
                if close < 0:
                    raise ValueError("invalid unicode escape")
                try:
                    out.append(regex.escape(chr(int(source[i + 1 : close], 16))))
                except (ValueError, OverflowError):
                    raise ValueError("invalid unicode escape") from None
                i = close + 1
            elif e == "0" and not source[i : i + 1].isdigit():
                out.append("\\x00")
            elif (e in "pP" and "u" in flags) or e in _KEEP_ESCAPED:
                out.append("\\" + e)
            else:
                out.append(regex.escape(e))
            continue
        if in_class:
            if c == "]":
                in_class = False
                out.append("]")
            elif c in "[&~|":
                out.append("\\" + c)
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            if source.startswith("[^]", i):
                out.append("[\\s\\S]")
                i += 3
            elif source.startswith("[]", i):
                out.append("(?!)")
                i += 2
            else:
                in_class = True
                out.append("[")
                i += 1
                if source[i : i + 1] == "^":
                    out.append("^")
                    i += 1
            continue
        if c == "(" and source[i + 1 : i + 2] == "?":
            rest = source[i + 2 : i + 4]
            if rest[:1] in (":", "=", "!") or rest in ("<=", "<!"):
                out.append("(?" + rest[:1] if rest[:1] in ":=!" else "(?" + rest)
                i += 3 if rest[:1] in ":=!" else 4
            elif rest[:1] == "<":
                close = source.find(">", i)
                name = source[i + 3 : close] if close > 0 else ""
                if not name.isidentifier():
                    raise ValueError("invalid capture group name")
                out.append(f"(?P<{name}>")
                i = close + 1
            else:
                raise ValueError("invalid group")
            continue
        if c == "$" and "m" not in flags:
            out.append("\\Z")
        else:
            out.append(c)
        i += 1
    if in_class:
        raise ValueError("unterminated character class")
    return "".join(out)


def compile_js_regex(source: str, flags: str) -> JSRegExp:
    """Compile a JavaScript regular expression; raises ``ValueError`` with a short reason."""
    if len(source) > MAX_PATTERN:
        raise ValueError(f"regular expression longer than {MAX_PATTERN} characters")
    for f in flags:
        if f not in "gimsu" or flags.count(f) > 1:
            raise ValueError(f"invalid regular expression flags {flags!r}")
    bits = regex.V0
    for f in flags:
        bits |= _FLAG_BITS.get(f, 0)
    try:
        pattern = regex.compile(_translate(source, flags), bits)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise ValueError(f"invalid regular expression /{source}/: {exc}") from None
    return JSRegExp(source, flags, pattern)


def _guard(s: str) -> str:
    if len(s) > MAX_SUBJECT:
        raise ExpressionError(
            f"string of {len(s)} characters is too long for a regular expression "
            f"(limit {MAX_SUBJECT})"
        )
    return s


def _run(deadline: Deadline, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args, timeout=deadline.remaining())
    except TimeoutError:
        raise deadline.error() from None


def _matches(rx: JSRegExp, s: str, deadline: Deadline) -> Iterator[Any]:
    """Every match of ``rx`` in ``s``, like ``finditer``, each search within ``deadline``."""
    pos, end = 0, len(s)
    while pos <= end:
        m = _run(deadline, rx.pattern.search, s, pos)
        if m is None:
            return
        yield m
        pos = m.end() if m.end() > m.start() else m.end() + 1


def _groups(m: Any) -> list[Any]:
    return [m.group(0), *(UNDEFINED if g is None else g for g in m.groups())]


def regex_test(rx: JSRegExp, s: str) -> bool:
    """``re.test(s)`` (stateless: ``lastIndex`` is not kept between calls)."""
    return _run(Deadline("test()"), rx.pattern.search, _guard(s)) is not None


def regex_search(rx: JSRegExp, s: str) -> int:
    """``s.search(re)``: the index of the first match or -1."""
    m = _run(Deadline("search()"), rx.pattern.search, _guard(s))
    return -1 if m is None else m.start()


def regex_match(rx: JSRegExp, s: str) -> list[Any] | None:
    """``s.match(re)``: groups of the first match, or every match with ``g``; null if none."""
    _guard(s)
    deadline = Deadline("match()")
    if rx.is_global:
        found = []
        for m in _matches(rx, s, deadline):
            found.append(m.group(0))
            check_array(len(found), "match()")
        return found or None
    m = _run(deadline, rx.pattern.search, s)
    return None if m is None else _groups(m)


def _expand(template: str, m: Any, s: str) -> str:
    """Apply JavaScript's ``$1 $& $$ $` $' $<name>`` replacement patterns."""
    if "$" not in template:
        return template
    out: list[str] = []
    i, n = 0, len(template)
    ngroups = len(m.groups())
    while i < n:
        c = template[i]
        nxt = template[i + 1 : i + 2]
        if c != "$" or not nxt:
            out.append(c)
            i += 1
        elif nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "&":
            out.append(m.group(0))
            i += 2
        elif nxt == "`":
            out.append(s[: m.start()])
            i += 2
        elif nxt == "'":
            out.append(s[m.end() :])
            i += 2
        elif nxt.isdigit():
            two = template[i + 1 : i + 3]
            if len(two) == 2 and two.isdigit() and 1 <= int(two) <= ngroups:
                out.append(m.group(int(two)) or "")
                i += 3
            elif 1 <= int(nxt) <= ngroups:
                out.append(m.group(int(nxt)) or "")
                i += 2
            else:
                out.append("$")
                i += 1
        elif nxt == "<" and m.re.groupindex and ">" in template[i:]:
            close = template.index(">", i)
            name = template[i + 2 : close]
            out.append((m.group(name) or "") if name in m.re.groupindex else "")
            i = close + 1
        else:
            out.append("$")
            i += 1
    return "".join(out)


class _Literal:
    """A plain-string search pattern dressed like a match object for :func:`_expand`."""

    re = regex.compile("")

    def __init__(self, start: int, text: str) -> None:
        self._start, self._end, self._text = start, start + len(text), text

    def group(self, _n: Any = 0) -> str:
        return self._text

    def groups(self) -> tuple[()]:
        return ()

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


def regex_replace(s: str, pattern: str | JSRegExp, replacement: Any, replace_all: bool) -> str:
    """``s.replace(pattern, replacement)`` and ``replaceAll`` (replacement a string or function)."""
    matches: Any
    deadline = Deadline("replaceAll()" if replace_all else "replace()")
    if isinstance(pattern, JSRegExp):
        if replace_all and not pattern.is_global:
            raise ExpressionError("replaceAll needs a regular expression with the g flag")
        found = _matches(pattern, _guard(s), deadline)
        matches = found if pattern.is_global else [m for m, _ in zip(found, range(1), strict=False)]
    else:
        matches = (_Literal(start, pattern) for start in _find_all(s, pattern, replace_all))
    out: list[str] = []
    size = last = 0
    for count, m in enumerate(matches):
        if count & 255 == 255:
            deadline.check()
        piece = _replacement(replacement, m, s)
        out.append(s[last : m.start()])
        out.append(piece)
        size += m.start() - last + len(piece)
        check_string_size(size)
        last = m.end()
    out.append(s[last:])
    return check_string("".join(out))


def check_string_size(size: int) -> None:
    """Stop building a string once it is over :data:`MAX_STRING`."""
    if size > MAX_STRING:
        raise ExpressionError(f"string result over the limit of {MAX_STRING} characters")


def _find_all(s: str, pattern: str, replace_all: bool) -> list[int]:
    if not replace_all:
        pos = s.find(pattern)
        return [pos] if pos >= 0 else []
    if not pattern:
        return list(range(len(s) + 1))
    out: list[int] = []
    pos = s.find(pattern)
    while pos >= 0:
        out.append(pos)
        pos = s.find(pattern, pos + len(pattern))
    return out


def _replacement(replacement: Any, m: Any, s: str) -> str:
    if isinstance(replacement, JSFunction):
        groups = [m.group(0), *(UNDEFINED if g is None else g for g in m.groups())]
        return to_js_string(replacement.invoke([*groups, m.start(), s]))
    return check_string(_expand(to_js_string(replacement), m, s))


def regex_split(s: str, rx: JSRegExp, limit: int) -> list[Any]:
    """``s.split(re, limit)`` with JavaScript's rules for empty matches and captured groups."""
    _guard(s)
    if limit == 0:
        return []
    deadline = Deadline("split()")
    match = rx.pattern.match
    if not s:
        return [] if _run(deadline, match, s) is not None else [s]
    out: list[Any] = []
    p = q = 0
    size = len(s)
    while q < size:
        m = _run(deadline, match, s, q)
        if m is None or m.end() == p:
            q += 1
            continue
        out.append(s[p:q])
        if len(out) == limit:
            return out
        for g in m.groups():
            out.append(UNDEFINED if g is None else g)
            if len(out) == limit:
                return out
        check_array(len(out), "split()")
        p = q = m.end()
    out.append(s[p:])
    return out
