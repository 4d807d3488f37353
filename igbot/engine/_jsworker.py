"""The child side of the method worker pool: runs one JavaScript method call at a time in QuickJS.

Started by :mod:`igbot.engine._jspool` as ``python -I <this file>``; it imports nothing of igbot,
so it starts in a few tens of milliseconds. It reads requests from stdin and writes answers to
stdout, each a frame of a 4-byte big-endian length and UTF-8 JSON. Every call gets a fresh QuickJS
context with the time and memory limits of the request; a SIGALRM timer (default action: end the
process) is the last resort should QuickJS not come back at all (a regular expression that
backtracks, a ``toString`` that loops while an error is printed) and the parent is gone.

Answers: ``{"ok": json_text}`` (the result, ``JSON.stringify``-ed inside the sandbox through a
replacer that bounds its depth and size and refuses lone surrogates), ``{"threw": text}``,
``{"bad": text}`` (a result that cannot cross), ``{"time": true}``, ``{"memory": true}``; with
``"recycle": true`` (and the worker exits) when the process has grown by over a quarter of the
memory limit. The next call's context is made while the worker waits, off the call's path.

QuickJS throws ``null`` when it cannot even allocate its "out of memory" error, so a ``null``
caught is told apart from ``throw null`` by the process's peak memory during the call (``VmHWM``,
reset before each call through ``/proc/self/clear_refs``): if it grew by half the memory limit,
the method ran out of memory. Where the peak cannot be reset, ``ru_maxrss`` stands in, and a
worker that has grown by a quarter of the limit is replaced so that the comparison stays true.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import sys
from typing import Any, BinaryIO

__all__ = ["PRELUDE", "answer", "main"]

_HEADER = struct.Struct(">I")
_MAX_REQUEST = 256 * 1024 * 1024

# Runs before the method's code, so the wrapper keeps the engine's own JSON, Map and RegExp even
# if the method replaces the globals or their prototypes.
PRELUDE = r"""
var module = {exports: {}}; var exports = module.exports;
var __igbot_call = (function () {
  var parse = JSON.parse, stringify = JSON.stringify, apply = Reflect.apply;
  var Map_ = Map, mapGet = Map.prototype.get, mapSet = Map.prototype.set;
  var test = RegExp.prototype.test, lone = /[\uD800-\uDFFF]/u, toStr = String;
  var isError = function (e) { return e instanceof Error; };
  var isOom = function (e) {
    return isError(e) && e.name === 'InternalError' && e.message === 'out of memory';
  };
  var replace = String.prototype.replace, slice = String.prototype.slice;
  var lones = /[\uD800-\uDFFF]/gu;
  var fail = function (tag, text) {
    var short = apply(slice, apply(toStr, undefined, [text]), [0, 500]);
    return tag + apply(replace, short, [lones, '\uFFFD']);
  };
  function describe(e) {
    if (e === null) return 'null';
    if (e === undefined) return 'undefined';
    if (isError(e)) return toStr(e.name) + ': ' + toStr(e.message);
    return toStr(e);
  }
  return function (fn, args, maxDepth, maxValues, maxChars) {
    var r;
    try {
      r = apply(fn, null, apply(parse, undefined, [args]));
    } catch (e) {
      if (isOom(e)) return '%';
      if (e === null) return '?';
      return fail('!', describe(e));
    }
    if (r === undefined) return '=null';
    var depth = new Map_(), values = 0, text;
    try {
      text = apply(stringify, undefined, [r, function (k, x) {
        if (++values > maxValues) throw 'it holds more than ' + maxValues + ' values';
        if (apply(test, lone, [k])) throw 'a key is not valid Unicode (a lone surrogate)';
        if (typeof x === 'string' && apply(test, lone, [x]))
          throw 'a text is not valid Unicode (a lone surrogate)';
        if (x !== null && typeof x === 'object') {
          var d = (apply(mapGet, depth, [this]) || 0) + 1;
          if (d > maxDepth) throw 'it is nested deeper than ' + maxDepth + ' levels';
          apply(mapSet, depth, [x, d]);
        }
        return x;
      }]);
    } catch (e) {
      if (isOom(e) || e === null) return '%';
      return fail('#', describe(e));
    }
    if (text === undefined) return '=null';
    if (text.length > maxChars) return '#it is ' + text.length + ' characters of JSON, over ' + maxChars;
    return '=' + text;
  };
})();
"""


class _Memory:
    """This process's resident memory, read from ``/proc`` through files kept open (Linux)."""

    def __init__(self) -> None:
        self.statm = self._open("/proc/self/statm", os.O_RDONLY)
        self.refs = self._open("/proc/self/clear_refs", os.O_WRONLY)
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    @staticmethod
    def _open(path: str, flags: int) -> int | None:
        try:
            return os.open(path, flags)
        except OSError:
            return None

    def reset_peak(self) -> bool:
        """Start measuring the peak afresh (``VmHWM``); False where the system cannot."""
        if self.refs is None:
            return False
        try:
            os.write(self.refs, b"5")
        except OSError:
            return False
        return True

    def resident(self) -> int | None:
        if self.statm is None:
            return None
        try:
            return int(os.pread(self.statm, 200, 0).split()[1]) * self.page
        except (OSError, ValueError, IndexError):
            return None

    def size(self) -> int:
        """The resident memory now, or the peak where that cannot be read."""
        now = self.resident()
        return self.peak() if now is None else now

    def peak(self) -> int:
        """The peak resident memory in bytes since the last reset (or ever)."""
        try:
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_memory = _Memory()


def fresh_context() -> Any:
    """A new QuickJS context with the prelude evaluated, waiting for its one call."""
    import quickjs

    context = quickjs.Context()
    context.eval(PRELUDE)
    return context


def answer(request: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Run one call described by ``request`` (in ``context``, from :func:`fresh_context`, or a
    new one) and return the answer to send back."""
    if context is None:
        context = fresh_context()
    before = _memory.resident() if _memory.reset_peak() else None
    if before is None:
        before = _memory.peak()
    result = _run(request, context)
    if result.pop("null", False):
        grown = _memory.peak() - before
        result = {"memory": True} if grown >= request["memory_limit"] // 2 else {"threw": "null"}
    return result


def _run(request: dict[str, Any], context: Any) -> dict[str, Any]:
    import quickjs

    context.set_time_limit(request["time_limit"])
    context.set_memory_limit(request["memory_limit"])
    try:
        context.eval(request["source"])
        fn = context.eval(f"({request['entry']})")
        call = context.get("__igbot_call")
        raw = call(fn, request["args"], request["max_depth"], request["max_values"],
                   request["max_chars"])
    except quickjs.JSException as exc:
        text = _clean(str(exc)).strip()
        if "interrupted" in text:
            return {"time": True}
        if text in ("", "null") or "out of memory" in text:
            return {"memory": True}
        return {"threw": text.splitlines()[0][:500]}
    except Exception as exc:  # the binding's own conversion errors
        return {"bad": f"{type(exc).__name__}: {_clean(str(exc))[:300]}"}
    if not isinstance(raw, str) or not raw:
        return {"bad": f"the call returned {type(raw).__name__}"}
    tag, body = raw[0], _clean(raw[1:])
    if tag == "=":
        return {"ok": body}
    if tag == "%":
        return {"memory": True}
    if tag == "?":
        return {"null": True}
    return {"threw": body} if tag == "!" else {"bad": body}


def _clean(text: str) -> str:
    """``text`` with anything that is not valid Unicode replaced (messages and results cross)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(stream: BinaryIO, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def main() -> None:
    """Serve requests from stdin until it closes."""
    import quickjs  # noqa: F401  (imported before "ready", so the first call is not slower)

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the answers
    _send(stdout, {"ready": True})
    start = _memory.size()
    while True:
        context = fresh_context()  # made while idle, so a call does not wait for it
        header = _read_exactly(stdin, _HEADER.size)
        if header is None:
            return
        (size,) = _HEADER.unpack(header)
        if size > _MAX_REQUEST:
            return
        body = _read_exactly(stdin, size)
        if body is None:
            return
        request = json.loads(body)
        signal.setitimer(signal.ITIMER_REAL, float(request["time_limit"]) + 5.0)
        try:
            result = answer(request, context)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if _memory.size() - start > int(request["memory_limit"]) // 4:
            result["recycle"] = True
        _send(stdout, result)
        if result.get("recycle"):
            return
        del context


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the parent's to handle
    main()
