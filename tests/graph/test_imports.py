"""igbot.graph's public names, and the import direction: the engine never imports graph."""

from __future__ import annotations

import subprocess
import sys

import igbot.graph


def test_public_names_are_sorted_and_exported() -> None:
    names = igbot.graph.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(igbot.graph, name) is not None


def test_graph_imports_matplotlib_only_when_drawing() -> None:
    code = ("import sys, igbot.graph, igbot.graph._cli\n"
            "print('matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_kataml_and_expr_do_not_pull_in_graph() -> None:
    code = ("import sys, igbot.kataml, igbot.expr\n"
            "print(any(m.startswith('igbot.graph') for m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
