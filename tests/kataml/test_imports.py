"""igbot.kataml stays light: no notebook or analytics packages on import."""

from __future__ import annotations

import subprocess
import sys

import igbot.kataml


def test_kataml_does_not_import_heavy_packages() -> None:
    code = (
        "import sys, igbot.kataml\n"
        "igbot.kataml.lint(igbot.kataml.load_bot_text('flows: {f: {states: {s: {initial: true}}}}'))\n"
        "heavy = ('pandas', 'matplotlib', 'networkx', 'ipywidgets')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_are_sorted_and_exported() -> None:
    names = igbot.kataml.__all__

    def isort_style(name: str) -> tuple[int, str]:  # constants, classes, then functions
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert names == sorted(names, key=isort_style)
    assert {"Bot", "Flow", "Finding", "lint", "load_bot", "write_bot"} <= set(names)
    for name in names:
        assert getattr(igbot.kataml, name) is not None
