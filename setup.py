"""The build of igbot: pyproject.toml says everything but the compiled modules, said here.

The engine's hot path (``igbot._build.COMPILED``) is compiled by mypyc into C extensions when a
C compiler is at hand; without one, or with ``IGBOT_PURE=1``, or when compiling fails (said in a
warning), igbot installs as pure Python and runs the same. An editable install (``make``) puts
the compiled modules beside their sources, where they shadow the ``.py`` files: ``make build``
compiles again after an edit (``make test`` does when a compiled source changed), and
``IGBOT_PURE=1 make build`` goes back to pure Python (it removes them).
"""

from __future__ import annotations

import os
import runpy
import shutil
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
COMPILED: tuple[str, ...] = runpy.run_path(str(ROOT / "igbot" / "_build.py"))["COMPILED"]
GROUP = "igbot._native"  # the shared library of the compiled modules: igbot/_native__mypyc.*.so


def _remove_compiled() -> None:
    """Remove compiled modules an earlier editable build left beside their sources."""
    for name in (*COMPILED, f"{GROUP}__mypyc"):
        path = ROOT.joinpath(*name.split("."))
        for built in path.parent.glob(f"{path.name}.*"):
            if built.suffix in (".so", ".pyd"):
                built.unlink()


def _has_compiler() -> bool:
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(compiler) is not None


class _BuildExt(build_ext):
    """``build_ext`` that falls back to pure Python when a module cannot be compiled."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers: the pure build runs the same
            self.warn(f"igbot: compiling the engine failed ({exc}); installing pure Python")
            _remove_compiled()

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception:
            _remove_compiled()
            raise


def _extensions() -> list[Extension]:
    _remove_compiled()  # a pure build must not keep them, a compiled one rebuilds them all
    if os.environ.get("IGBOT_PURE") == "1":
        return []
    if not _has_compiler():
        print("igbot: no C compiler found; installing pure Python (the engine runs slower)")
        return []
    try:
        from mypyc.build import mypycify

        paths = [str(Path(*name.split(".")).with_suffix(".py")) for name in COMPILED]
        return mypycify(paths, opt_level="3", group_name=GROUP)
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error it cannot compile past
        # e.g. an isolated build environment without the libraries the modules import
        print(f"igbot: mypyc could not compile the engine ({type(exc).__name__}: {exc}); "
              "installing pure Python (the engine runs slower; `make build` compiles in .venv)")
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": _BuildExt})
