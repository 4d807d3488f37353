"""Which build of igbot is running: the engine's hot path compiled by mypyc, or pure Python.

``setup.py`` compiles the modules in :data:`COMPILED` with mypyc when a C compiler is at hand
(``IGBOT_PURE=1`` skips it), like black's wheels: the same sources, run as C extensions
beside their ``.py`` files; anything else, or a machine without a compiler, runs them as
Python. :func:`build` says which one this process imported, and :func:`stale` which compiled
modules are older than their sources (an edit that ``make build`` has not compiled yet: the
compiled module shadows the edited ``.py``).

Run as a script it prints the sources of :data:`COMPILED`, one a line (the Makefile's list of
what a rebuild depends on).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from pathlib import Path

__all__ = ["COMPILED", "build", "compiled", "stale"]

COMPILED = (
    "igbot.engine._actions",
    "igbot.engine._dispatch",
    "igbot.engine._engine",
    "igbot.engine._nlu",
    "igbot.engine._outcome",
    "igbot.engine._render",
    "igbot.engine._scope",
    "igbot.engine._select",
    "igbot.expr._compiler",
    "igbot.expr._expression",
    "igbot.expr._template",
    "igbot.expr._values",
    "igbot.models._decode",
)
"""The modules a turn spends its time in (cProfile of ``bench/engine.py``'s shop bot), which
mypyc compiles. Left out, and why: ``engine/_records.py`` (``TurnRecord.of`` builds a record
without ``__init__`` and ``message`` is a property set after the class: not a native class),
``engine/_session.py`` and ``models/_wire.py`` (msgspec structs: msgspec reads their
annotations, which mypyc does not keep as written), ``engine/_store.py`` (a
``runtime_checkable`` protocol), ``_message.py`` (pydantic models)."""

_ROOT = Path(__file__).resolve().parents[1]


def _source(name: str) -> Path:
    return _ROOT.joinpath(*name.split(".")).with_suffix(".py")


def compiled() -> list[str]:
    """The modules of :data:`COMPILED` that this process runs compiled (imports them)."""
    out = []
    for name in COMPILED:
        module = sys.modules.get(name) or importlib.import_module(name)
        origin = getattr(module, "__file__", None) or ""
        if origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            out.append(name)
    return out


def build() -> str:
    """``"compiled"`` (every module of :data:`COMPILED` is), ``"pure"`` (none is), or
    ``"partial"`` (some are: a build gone wrong, which ``make build`` repairs)."""
    done = compiled()
    if not done:
        return "pure"
    return "compiled" if len(done) == len(COMPILED) else "partial"


def stale() -> list[str]:
    """The modules of :data:`COMPILED` whose compiled file is older than their source."""
    out = []
    for name in COMPILED:
        source = _source(name)
        for built in _built(source):
            if built.stat().st_mtime < source.stat().st_mtime:
                out.append(name)
    return out


def _built(source: Path) -> list[Path]:
    """The compiled files beside ``source`` (found on disk: mypyc gives a module of a
    dotted group such as ``igbot._native`` a ``__file__`` in a directory that does not exist)."""
    return [path for suffix in importlib.machinery.EXTENSION_SUFFIXES
            if (path := source.with_name(source.stem + suffix)).exists()]


if __name__ == "__main__":
    for name in COMPILED:
        print(_source(name).relative_to(_ROOT))
