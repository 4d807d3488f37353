"""The package type-checks clean with mypy, using the ``[tool.mypy]`` settings in pyproject.toml."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install -e '.[test]')")
@pytest.mark.timeout(120)
def test_mypy_reports_no_errors(tmp_path: Path) -> None:
    # A fresh cache keeps the check honest and leaves nothing behind in the checkout.
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "mypy_cache"), "--no-error-summary", "igbot"],
        cwd=ROOT, capture_output=True, text=True, timeout=280,
    )
    assert out.returncode == 0, f"mypy found problems:\n{out.stdout}{out.stderr}"
    assert out.stdout.strip() == ""
