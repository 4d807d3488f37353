"""The import contracts in .importlinter hold for igbot, and each one breaks when it should."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / ".importlinter")],
                          capture_output=True, text=True, env=env, cwd=package_parent, timeout=240)


def test_igbot_keeps_every_import_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert " kept, 0 broken." in result.stdout


def test_each_contract_breaks_on_its_kind_of_import(tmp_path: Path) -> None:
    copy = tmp_path / "igbot"
    shutil.copytree(ROOT / "igbot", copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    # upward: the models floor reaching for a widget
    (copy / "models" / "_upward.py").write_text("from igbot.widgets import FlowCanvas\n")
    # sideways: analytics reading replay (replay is the view above it)
    (copy / "analytics" / "_sideways.py").write_text("from igbot.replay import ReplayResult\n")
    # a cycle inside kataml
    (copy / "kataml" / "_ping.py").write_text("from igbot.kataml import _pong\n")
    (copy / "kataml" / "_pong.py").write_text("from igbot.kataml import _ping\n")
    # a private module of another package
    (copy / "graph" / "_peek.py").write_text("from igbot.engine._scope import Scope\n")
    result = _lint_imports(tmp_path)
    out = result.stdout
    assert result.returncode != 0
    assert "Floors: imports only point down BROKEN" in out
    assert "igbot.models._upward -> igbot.widgets" in out
    assert "igbot.analytics is not allowed to import igbot.replay" in out
    assert "No import cycles among the modules of any package BROKEN" in out and "_ping" in out
    assert "Private modules (_x) are imported only inside their own package BROKEN" in out
    assert "igbot.graph._peek -> igbot.engine._scope" in out
