"""The public surface, and a light import."""

from __future__ import annotations

import subprocess
import sys

import igbot.analytics as analytics


def test_public_names_resolve_and_are_sorted() -> None:
    names = analytics.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in names:
        assert getattr(analytics, name) is not None, name


def test_import_is_light() -> None:
    code = ("import sys, igbot.analytics, igbot.analytics._cli; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'dask', 'pyarrow') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
