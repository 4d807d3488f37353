"""The public surface of igbot.models, and what importing it pulls in."""

from __future__ import annotations

import subprocess
import sys

import igbot.models


def test_all_is_sorted_and_complete() -> None:
    names = igbot.models.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(igbot.models, name), name
    public = {n for n in vars(igbot.models) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if type(getattr(igbot.models, n)).__name__ == "module"}
    assert public - modules == set(names)


def test_import_does_not_load_notebook_packages() -> None:
    code = (
        "import sys, igbot.models\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'networkx', 'ipywidgets') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
