"""``igbot lint``: text and JSON output, exit codes; once through a real subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from igbot.cli import main
from tests._conformance import BOTS, BROKEN_BOTS, bot_names


def test_lint_text_output_and_exit_code(bots_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(bots_dir / "buttonbot")]) == 1  # undefined action 'reenter'
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines == [
        "warning no-fallback-flow bot.yml:flows no flow has fallback: true, so a message no "
        "intent matches gets no reply",
        "warning no-fallback-transition flows/button.yml:flows.card.states.init state 'init' is "
        "not an end state and has no fallback transition: a message no condition matches "
        "leaves the conversation stuck there",
        "error undefined-action flows/button.yml:flows.card.states.wrongAnswer.action[1] state "
        "'wrongAnswer' runs 'reenter', which is neither an action of flow 'card' nor an action "
        "type",
    ]
    assert err.strip() == "1 error, 2 warnings, 0 info"


def test_lint_json_output_warnings_only_exit_zero(
        bots_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(bots_dir / "stickerbot" / "bot.yml"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in data] == ["no-fallback-flow", "line-sticker", "line-sticker"]
    assert data[1] == {
        "level": "warning", "code": "line-sticker", "message": data[1]["message"],
        "file": "flows/sticker.yml", "path": "flows.sticker.actions.showStickerThumbs.options.items",
        "line": 32, "flow": "sticker", "state": None, "intent": None,
        "action": "showStickerThumbs",
    }


def test_lint_a_bot_that_does_not_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bot.yml").write_text("name: [oops\n", encoding="utf-8")
    assert main(["lint", str(tmp_path), "--format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert (finding["code"], finding["file"]) == ("load-error", "bot.yml")
    assert "invalid YAML at line 2" in finding["message"]


def test_lint_in_a_subprocess(bots_dir: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "igbot.cli", "lint", str(bots_dir / "weatherbot")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith("warning no-fallback-flow bot.yml:flows ")
    assert proc.stderr.strip() == "0 errors, 1 warning, 0 info"


@pytest.mark.parametrize("name", bot_names())
def test_lint_finishes_on_every_corpus_bot(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", str(BOTS / name)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert re.search(r"^\d+ errors?, \d+ warnings?, \d+ info$", out + err, re.M)
    if name in BROKEN_BOTS:
        assert code == 1 and "load-error" in out and BROKEN_BOTS[name] in out
