"""The public surface and the promise that the core stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import igbot

HEAVY = ("pandas", "matplotlib", "networkx", "ipywidgets")


def test_all_is_sorted_and_complete() -> None:
    assert igbot.__all__ == sorted(igbot.__all__)
    for name in igbot.__all__:
        assert hasattr(igbot, name), name


@pytest.mark.parametrize("module", ["igbot", "igbot.vocab", "igbot.models", "igbot.expr", "igbot.kataml",
                                    "igbot.engine"])
def test_core_imports_no_notebook_libraries(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    from igbot.cli import main

    assert main([]) == 2
    out = capsys.readouterr().out
    for command in ("run", "test"):
        assert command in out
