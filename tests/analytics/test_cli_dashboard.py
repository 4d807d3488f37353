"""``igbot dashboard``: one-line errors before any server starts (the served page is checked in
the browser by test_browser_dashboard)."""

from __future__ import annotations

from pathlib import Path

import pytest

from igbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
LOG = str(ROOT / "data" / "logs" / "igbot_log.jsonl")


@pytest.mark.parametrize(("args", "message"), [
    (["/nonexistent/log.jsonl"], "igbot dashboard: no such file or folder: /nonexistent/log.jsonl"),
    ([LOG, "--bot", "/nonexistent/bot"], "igbot dashboard: /nonexistent/bot: no such bot file"),
    ([LOG, "--tz", "Mars/Olympus"],
     "igbot dashboard: unknown time zone 'Mars/Olympus' (--tz wants e.g. Asia/Jakarta)"),
    ([LOG, "--gap", "soon"],
     "igbot dashboard: --gap wants a positive duration such as 30min or 2h, got 'soon'"),
])
def test_errors_are_one_line(args: list[str], message: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", *args]) == 1
    captured = capsys.readouterr()
    assert captured.err == message + "\n" and captured.out == ""


def test_nothing_loaded_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    assert main(["dashboard", str(tmp_path / "empty.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("igbot dashboard: nothing was loaded from") and err.count("\n") == 1


def test_the_served_notebook_ships_in_the_package() -> None:
    import nbformat

    import igbot.analytics

    path = Path(igbot.analytics.__file__).with_name("dashboard.ipynb")
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "ia.Dashboard(" in code and "board.explorer()" in code
    assert "**/*.ipynb" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
