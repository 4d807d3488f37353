"""JavaScript methods in an embedded, sandboxed engine (QuickJS) with time and memory limits.

Each call gets a fresh QuickJS context in a worker process: no state leaks from one call (or one
conversation) to the next, there is no file system, network or ``require``, and arguments and the
result cross the boundary only as bounded JSON. A method that throws, loops past the time limit,
allocates past the memory limit, hangs QuickJS itself or crashes it, or returns something too
deep, too large or not valid Unicode becomes an :class:`igbot.MethodError`; the engine records it
and goes on.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import re
from typing import Any

from igbot._errors import MethodError
from igbot.engine._jspool import MethodWorkerPool, WorkerFailure, shared_pool
from igbot.kataml import Method

__all__ = ["JSRuntime", "js_available"]

logger = logging.getLogger(__name__)

_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


@functools.cache
def js_available() -> bool:
    """Whether the embedded JS engine (the ``quickjs`` package) can be imported."""
    return importlib.util.find_spec("quickjs") is not None


class JSRuntime:
    """Runs Kata ``methods`` with a time limit (seconds) and a memory limit (bytes) per call.

    Calls run in worker processes (:class:`~igbot.engine._jspool.MethodWorkerPool`), so whatever a
    method does ends within ``time_limit`` plus the pool's grace (0.25 s) as a
    :class:`igbot.MethodError`, and the caller's process and other conversations go on. The
    result must be JSON of at most ``max_result_chars`` characters, ``max_result_depth`` levels
    and ``max_result_values`` values, with no lone surrogates.
    """

    def __init__(self, time_limit: float = 1.0, memory_limit: int = 32 * 1024 * 1024,
                 max_result_depth: int = 100, max_result_values: int = 200_000,
                 max_result_chars: int = 2_000_000, pool: MethodWorkerPool | None = None) -> None:
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.max_result_depth = max_result_depth
        self.max_result_values = max_result_values
        self.max_result_chars = max_result_chars
        self._pool = pool

    @property
    def pool(self) -> MethodWorkerPool:
        """The worker processes the calls run in (the process's shared pool by default)."""
        return self._pool or shared_pool()

    def call(self, method: Method, args: list[Any]) -> Any:
        """Call ``method`` with JSON-serialisable ``args``; returns its JSON-decoded result.

        Raises:
            MethodError: the method threw, ran past a limit, or returned something that cannot
                cross (too deep, too large, not valid Unicode); the message says which.
        """
        if not js_available():
            raise MethodError(
                f"method {method.name!r}: no JavaScript engine installed (pip install quickjs)")
        source, entry = self._source(method)
        try:
            encoded = json.dumps(args, default=str)
        except (TypeError, ValueError, RecursionError) as exc:
            raise MethodError(f"method {method.name!r}: bad arguments: {exc}") from None
        request = {
            "source": source, "entry": entry, "args": encoded,
            "time_limit": self.time_limit, "memory_limit": self.memory_limit,
            "max_depth": self.max_result_depth, "max_values": self.max_result_values,
            "max_chars": self.max_result_chars,
        }
        try:
            answer = self.pool.call(request, self.time_limit, 6 * self.max_result_chars + 4096)
        except WorkerFailure as exc:
            raise MethodError(f"method {method.name!r}: {exc}") from None
        if "ok" in answer:
            return self._decode(method, answer["ok"])
        raise MethodError(f"method {method.name!r}: {self._reason(answer)}")

    def _decode(self, method: Method, text: Any) -> Any:
        """The result's JSON, checked again on this side of the pipe."""
        problem = None
        try:
            value = json.loads(text)
        except (TypeError, ValueError, RecursionError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            problem = _check_value(value, self.max_result_depth, self.max_result_values)
        if problem:
            raise MethodError(f"method {method.name!r}: returned a value that cannot be used: "
                              f"{problem}")
        return value

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

    def _reason(self, answer: dict[str, Any]) -> str:
        if answer.get("time"):
            return f"ran past its time limit of {self.time_limit:g} s"
        if answer.get("memory"):
            return f"ran past its memory limit of {self.memory_limit // (1024 * 1024)} MiB"
        if "threw" in answer:
            return "threw " + _printable(answer["threw"])
        return "returned a value that cannot be used: " + _printable(answer.get("bad", answer))


def _printable(text: Any) -> str:
    """One line of at most 300 characters, valid Unicode."""
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line[:300].encode("utf-8", "replace").decode("utf-8")


def _check_value(value: Any, max_depth: int, max_values: int) -> str | None:
    """Why a decoded result cannot be used (too deep, too many values, a lone surrogate), or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > max_values:
            return f"it holds more than {max_values} values"
        if isinstance(item, str):
            if not _valid_unicode(item):
                return "a text is not valid Unicode (a lone surrogate)"
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                return f"it is nested deeper than {max_depth} levels"
            if isinstance(item, dict):
                for key, child in item.items():
                    if not _valid_unicode(key):
                        return "a key is not valid Unicode (a lone surrogate)"
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
