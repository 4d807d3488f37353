"""The build: the engine's hot path runs compiled by mypyc wherever ``setup.py`` could compile
it, as a whole, and never older than its sources; with ``IGBOT_PURE=1`` it runs as Python."""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import shutil
import sysconfig

import pytest

from igbot import _build

EXTENSIONS = tuple(importlib.machinery.EXTENSION_SUFFIXES)
REBUILD = "run `make build` (or `IGBOT_PURE=1 make build` for pure Python)"


def _compiler_at_hand() -> bool:
    """setup.py's test: the C compiler Python was built with (or $CC) is on the PATH."""
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(compiler) is not None


def test_every_listed_module_has_its_source() -> None:
    for name in _build.COMPILED:
        assert _build._source(name).is_file(), name


def test_the_build_is_whole() -> None:
    """Every listed module compiled, or none: a partial build is one gone wrong."""
    assert _build.build() in ("compiled", "pure"), f"compiled: {_build.compiled()}; {REBUILD}"


@pytest.mark.skipif(os.environ.get("IGBOT_PURE") == "1", reason="IGBOT_PURE=1: the pure build")
def test_the_compiled_modules_are_the_ones_imported() -> None:
    if not _compiler_at_hand():
        pytest.skip("no C compiler: setup.py installs pure Python")
    assert _build.build() == "compiled", f"pure Python ran although a compiler is at hand; {REBUILD}"
    for name in _build.COMPILED:
        module = importlib.import_module(name)
        assert module.__file__ is not None and module.__file__.endswith(EXTENSIONS), name
        assert _build._built(_build._source(name)), name  # beside its source
    assert importlib.import_module("igbot.engine._select").__file__.endswith(".so")


@pytest.mark.skipif(os.environ.get("IGBOT_PURE") != "1", reason="the compiled build")
def test_the_pure_build_imports_the_sources() -> None:
    assert _build.build() == "pure", REBUILD
    for name in _build.COMPILED:
        module = importlib.import_module(name)
        assert module.__file__ is not None and module.__file__.endswith(".py"), name
        assert not _build._built(_build._source(name)), name


def test_no_compiled_module_is_older_than_its_source() -> None:
    """An edit not compiled yet would be shadowed by the compiled module."""
    assert _build.stale() == [], REBUILD
