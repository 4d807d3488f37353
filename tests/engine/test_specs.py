"""Kata test specs (`igbot test`) on the conformance bots, and `igbot run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from igbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
BOTS = ROOT.parent / "shared" / "conformance" / "kata-bots"
SPECS = ROOT / "tests" / "specs"
needs_bots = pytest.mark.skipif(not BOTS.is_dir(), reason=f"conformance bots not found at {BOTS}")


@needs_bots
@pytest.mark.parametrize("bot", sorted(p.name for p in SPECS.iterdir()))
def test_conformance_specs_pass(bot: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(BOTS / bot), str(SPECS / bot)]) == 0
    out = capsys.readouterr().out
    assert " 0 failed" in out and "FAIL" not in out


@needs_bots
def test_a_wrong_expectation_fails_with_the_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "wrong.yml"
    spec.write_text(
        "schema: kata.ai/schema/kata-ml/1.0/test/flow\nflow: order\ndesc: wrong\ntest:\n"
        "  order:\n    message: {type: text, content: order}\n"
        "    expect: {state: done, context: {pizza: hawaiian}}\n", encoding="utf-8")
    assert main(["test", str(BOTS / "pizzabot"), str(spec)]) == 1
    out = capsys.readouterr().out
    assert "FAIL wrong: order" in out
    assert "state: expected 'done', got 'showPizza'" in out
    assert "context.pizza: expected 'hawaiian', got None" in out


def test_a_file_that_is_not_a_spec_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "x.yml"
    spec.write_text("name: not a spec\n", encoding="utf-8")
    assert main(["test", str(ROOT / "data" / "bots" / "shop"), str(spec)]) == 2
    assert "not a Kata test spec" in capsys.readouterr().err


def test_run_writes_one_request_per_line(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    webhook = {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1, "messaging": [{
        "sender": {"id": "p1"}, "recipient": {"id": "17841400000000001"}, "timestamp": 1732500000000,
        "message": {"mid": "m1", "text": "nice!", "reply_to": {"story": {"url": "https://x", "id": "1"}}}}]}]}
    lines = [json.dumps(webhook), json.dumps({"user": "p2", "type": "text", "content": "where are you"}), "not json"]
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    records = tmp_path / "records.jsonl"
    code = main(["run", str(ROOT / "data" / "bots" / "shop"), str(events), "--out", str(out),
                 "--records", str(records)])
    assert code == 1  # the bad line is reported, the rest still runs
    sent = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [s["body"]["recipient"]["id"] for s in sent] == ["p1", "p1", "p2"]
    assert sent[0] == {"endpoint": "messages", "body": {"recipient": {"id": "p1"},
                                                         "message": {"attachment": {"type": "like_heart"}}}}
    flows = [json.loads(line)["flow"] for line in records.read_text(encoding="utf-8").splitlines()]
    assert flows == ["greeting", "location"]
