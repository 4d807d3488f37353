"""``igbot misses``: topics, proposals replayed on the bot, files written; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from igbot.cli import main

from .conftest import LOGS, SHOP

LOG = str(LOGS / "igbot_log.jsonl")


def test_text_with_the_bot_replays_the_proposals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["misses", LOG, "--bot", str(SHOP)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("18 missed messages in")
    assert "proposed intents (replayed on the same logs):" in out
    assert "askWarna" in out and "removes 3 of 18 fallbacks" in out
    assert "all together: 18 -> " in out


def test_json_and_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["misses", LOG, "--bot", str(SHOP), "--format", "json", "--propose", "2",
                 "--nlu", "regex", "--out-dir", str(tmp_path / "prop")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["missed_messages"] == 18 and len(data["topics"]) >= 2
    assert [p["nlu"] for p in data["proposals"]] == ["regex", "regex"]
    assert {r["proposal"] for r in data["replay"]} == {p["name"] for p in data["proposals"]} | {"(all)"}
    name = data["proposals"][0]["name"]
    spec = yaml.safe_load((tmp_path / "prop" / f"{name}.spec.yml").read_text(encoding="utf-8"))
    assert spec["flow"] == name and spec["test"]
    assert yaml.safe_load((tmp_path / "prop" / f"{name}.yml").read_text(encoding="utf-8"))["nlus"]


def test_without_the_bot_it_proposes_but_does_not_replay(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["misses", LOG, "--propose", "0", "-o", str(tmp_path / "m.txt")]) == 0
    text = (tmp_path / "m.txt").read_text(encoding="utf-8")
    assert "missed messages" in text and "proposed intents" not in text
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("args", "message"), [
    (["/nonexistent/log.jsonl"], "igbot misses: no such file or folder: /nonexistent/log.jsonl"),
    ([LOG, "--bot", "/nonexistent/bot"], "igbot misses: /nonexistent/bot: no such bot file"),
    ([LOG, "--propose", "-1"], "igbot misses: --propose wants a count of 0 or more, got -1"),
    ([LOG, "--threshold", "5"], "igbot misses: threshold must be in (0, 2], got 5.0"),
])
def test_errors_are_one_line(args: list[str], message: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["misses", *args]) == 1
    captured = capsys.readouterr()
    assert captured.err == message + "\n" and captured.out == ""


def test_nothing_loaded_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "odd.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    assert main(["misses", str(tmp_path / "odd.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("igbot misses: nothing was loaded from") and err.count("\n") == 1
