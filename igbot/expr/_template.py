"""Option strings with ``$(expr)`` interpolation and ``$[field]`` per-item placeholders."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from igbot._errors import ExpressionSyntaxError
from igbot.expr._builtins import get_member
from igbot.expr._expression import Expression, compile_expr
from igbot.expr._tokens import iter_tokens
from igbot.expr._values import UNDEFINED, check_string, to_js_string

__all__ = ["Template", "compile_template", "render_value"]

_OPEN = {"(", "[", "{"}
_CLOSE = {")", "]", "}"}


class _Field:
    """A ``$[a.b]`` placeholder: the dotted path read from the current item."""

    __slots__ = ("path", "raw")

    def __init__(self, path: str, raw: str) -> None:
        self.path, self.raw = path, raw


def _end_of_expression(text: str, start: int, dollar: int) -> int:
    """The offset of the ``)`` closing the ``$(`` whose expression starts at ``start``."""
    level = 0
    for tok in iter_tokens(text, start):
        if tok.kind == "eof":
            break
        if tok.kind == "punct":
            if tok.value in _OPEN:
                level += 1
            elif tok.value in _CLOSE:
                if level == 0:
                    if tok.value == ")":
                        return tok.start
                    raise ExpressionSyntaxError(f"unexpected {tok.value!r}", text, tok.start)
                level -= 1
    raise ExpressionSyntaxError("unterminated '$(': no matching ')'", text, dollar)


def _scan(text: str) -> list[str | Expression | _Field]:
    parts: list[str | Expression | _Field] = []
    i = 0
    while True:
        j = text.find("$", i)
        while j >= 0 and text[j + 1 : j + 2] not in ("(", "["):
            j = text.find("$", j + 1)
        if j < 0:
            if i < len(text):
                parts.append(text[i:])
            return parts
        if j > i:
            parts.append(text[i:j])
        if text[j + 1] == "(":
            end = _end_of_expression(text, j + 2, j)
            try:
                parts.append(compile_expr(text[j + 2 : end]))
            except ExpressionSyntaxError as exc:
                raise ExpressionSyntaxError(exc.reason, text, j + 2 + exc.position) from None
            i = end + 1
        else:
            close = text.find("]", j + 2)
            if close < 0:
                raise ExpressionSyntaxError("unterminated '$[': no matching ']'", text, j)
            path = text[j + 2 : close].strip()
            if not path:
                raise ExpressionSyntaxError("empty '$[]' placeholder", text, j)
            parts.append(_Field(path, text[j : close + 1]))
            i = close + 1


def _field_value(item: Any, path: str) -> Any:
    value = item
    for segment in path.split("."):
        value = get_member(value, segment.strip())
        if value is UNDEFINED:
            break
    return value


def _show(value: Any) -> str:
    return "" if value is None or value is UNDEFINED else to_js_string(value)


class Template:
    """An option string, compiled once. Use :func:`compile_template`."""

    __slots__ = ("_parts", "_raw", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts = _scan(text)
        single = [p for p in self._parts if not (isinstance(p, str) and not p.strip())]
        self._raw = single[0] if len(single) == 1 and isinstance(single[0], Expression) else None

    @property
    def is_static(self) -> bool:
        """True when the text has no ``$(...)`` and no ``$[...]``."""
        return all(isinstance(p, str) for p in self._parts)

    @property
    def expressions(self) -> tuple[Expression, ...]:
        """The compiled ``$(...)`` expressions, in order."""
        return tuple(p for p in self._parts if isinstance(p, Expression))

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``$[...]`` item fields, in order."""
        return tuple(p.path for p in self._parts if isinstance(p, _Field))

    def paths(self) -> frozenset[str]:
        """Every variable path the template's expressions read."""
        return frozenset().union(*(e.paths() for e in self.expressions))

    def render(self, scope: Mapping[str, Any], item: Any = None) -> Any:
        """The text with its placeholders filled.

        A text that is exactly one ``$(expr)`` (give or take whitespace) gives the raw value.
        Otherwise the pieces are concatenated: null and undefined show as "", other values as
        JavaScript's ``String(v)``. ``$[field]`` reads from ``item``; without an item it is
        kept as written, so a template can be filled per item later.
        """
        if self._raw is not None:
            return self._raw.evaluate(scope)
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Expression):
                out.append(_show(part.evaluate(scope)))
            elif item is None:
                out.append(part.raw)
            else:
                out.append(_show(_field_value(item, part.path)))
        return check_string("".join(out))

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


@functools.lru_cache(maxsize=4096)
def compile_template(text: str) -> Template:
    """Compile an option string (cached); raises :class:`igbot.ExpressionSyntaxError` with the
    position in ``text`` for ``$(`` without ``)`` or a bad expression inside."""
    return Template(text)


def render_value(value: Any, scope: Mapping[str, Any], item: Any = None) -> Any:
    """Render every string inside ``value`` (nested dicts and lists) as a template."""
    if isinstance(value, str):
        if "$" not in value:
            return value
        return compile_template(value).render(scope, item)
    if isinstance(value, dict):
        return {k: render_value(v, scope, item) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_value(v, scope, item) for v in value]
    return value
