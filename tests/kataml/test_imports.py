"""igbot.kataml stays light: no notebook or analytics packages on import."""

from __future__ import annotations

import subprocess
import sys

import igbot.kataml


def test_kataml_does_not_import_heavy_packages() -> None:
    code = (
        "import sys, igbot.kataml\n"
        "heavy = ('pandas', 'matplotlib', 'networkx', 'ipywidgets')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_are_sorted_and_exported() -> None:
    names = igbot.kataml.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(igbot.kataml, name) is not None
