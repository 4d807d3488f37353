"""JavaScript methods in an embedded, sandboxed engine (QuickJS) with time and memory limits.

Each call gets a fresh QuickJS context: no state leaks from one call (or one conversation) to
the next, there is no file system, network or ``require``, and arguments and the result cross
the boundary only as JSON. A method that throws, loops past the time limit or allocates past the
memory limit becomes an :class:`igbot.MethodError`; the engine records it and goes on.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from igbot._errors import MethodError
from igbot.kataml import Method

__all__ = ["JSRuntime", "js_available"]

logger = logging.getLogger(__name__)

_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def js_available() -> bool:
    """Whether the embedded JS engine (the ``quickjs`` package) can be imported."""
    try:
        import quickjs  # noqa: F401
    except ImportError:
        return False
    return True


class JSRuntime:
    """Runs Kata ``methods`` with a time limit (seconds) and a memory limit (bytes) per call."""

    def __init__(self, time_limit: float = 1.0, memory_limit: int = 32 * 1024 * 1024) -> None:
        self.time_limit = time_limit
        self.memory_limit = memory_limit

    def call(self, method: Method, args: list[Any]) -> Any:
        """Call ``method`` with JSON-serialisable ``args``; returns its JSON-decoded result."""
        try:
            import quickjs
        except ImportError as exc:  # pragma: no cover - quickjs is a dependency
            raise MethodError(
                f"method {method.name!r}: no JavaScript engine installed (pip install quickjs)"
            ) from exc
        source, entry = self._source(method)
        context = quickjs.Context()
        context.set_time_limit(self.time_limit)
        context.set_memory_limit(self.memory_limit)
        wrapper = (
            "function __igbot_call(__args) {"
            f" var __r = ({entry}).apply(null, JSON.parse(__args));"
            " return __r === undefined ? 'null' : JSON.stringify(__r); }"
        )
        try:
            context.eval("var module = {exports: {}}; var exports = module.exports;")
            context.eval(source)
            context.eval(wrapper)
            raw = context.get("__igbot_call")(json.dumps(args, default=str))
        except quickjs.JSException as exc:
            raise MethodError(f"method {method.name!r}: {self._reason(exc)}") from None
        except (TypeError, ValueError) as exc:
            raise MethodError(f"method {method.name!r}: bad arguments or result: {exc}") from None
        try:
            return json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return raw

    def _source(self, method: Method) -> tuple[str, str]:
        """The JS source to evaluate and the expression naming the function to call."""
        if method.entry:
            entry = method.entry.strip()
            if not (_IDENT.match(entry) or entry == "module.exports"):
                raise MethodError(f"method {method.name!r}: entry {entry!r} is not a name")
            return method.code, entry
        if not _IDENT.match(method.name) or not all(_IDENT.match(p) for p in method.params):
            raise MethodError(f"method key {method.key!r} is not a valid function signature")
        params = ", ".join(method.params)
        return f"function {method.name}({params}) {{\n{method.code}\n}}", method.name

    def _reason(self, exc: Exception) -> str:
        text = str(exc).strip()
        if "interrupted" in text:
            return f"ran past its time limit of {self.time_limit:g} s"
        if text in ("", "null") or "out of memory" in text:
            return f"ran past its memory limit of {self.memory_limit // (1024 * 1024)} MiB"
        return "threw " + text.splitlines()[0]
