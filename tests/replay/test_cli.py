"""``igbot replay`` and ``igbot coverage`` on real files."""

from __future__ import annotations

import json

import pytest

from igbot.cli import main

from .conftest import KATA_BOTS, SHOP, SPECS, event, frame, shop_rows


@pytest.fixture
def shop_log(tmp_path):
    from igbot.analytics import save

    path = tmp_path / "log.parquet"
    rows = [*shop_rows(6, seed=4), event("z", 0, "text", "price"), event("z", 9, "text", "menu please")]
    save(frame(rows), path)
    return path


@pytest.fixture
def changed_shop(tmp_path, shop):
    from igbot.kataml import write_bot

    nlus = dict(shop.nlus)
    topic = nlus["topic"].model_copy(deep=True)
    topic.options["keywords"]["greet"] = [*topic.options["keywords"]["greet"], "price", "menu please"]
    nlus["topic"] = topic
    out = tmp_path / "shop2"
    write_bot(shop.model_copy(update={"nlus": nlus}), out)
    return out


def test_replay_json(shop_log, capsys):
    assert main(["replay", str(SHOP), str(shop_log), "--format", "json", "--messages"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"bot", "summary", "sessions", "messages", "coverage"}
    assert out["summary"]["sessions"] == 7
    assert set(out["coverage"]) == {"bot", "states", "transitions", "intents", "actions"}


def test_replay_against_old_bot(shop_log, changed_shop, capsys, tmp_path):
    assert main(["replay", str(changed_shop), str(shop_log), "--against", str(SHOP), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["totals"]["diverged"] >= 1 and out["summary"]["old"]["sessions"] == 7
    z = next(s for s in out["sessions"] if s["session_id"] == "z#0")
    assert z["index"] == 0 and z["old_flow"] == "fallback" and z["new_flow"] == "greeting"
    assert main(["replay", str(changed_shop), str(shop_log), "--against", str(SHOP)]) == 0
    text = capsys.readouterr().out
    assert "z#0 @0 'price': fallback/sorry (unknown) -> greeting/welcome (hello)" in text
    page = tmp_path / "diff.html"
    assert main(["replay", str(changed_shop), str(shop_log), "--against", str(SHOP),
                 "--format", "html", "-o", str(page)]) == 0
    assert "<svg" in page.read_text(encoding="utf-8")


def test_coverage_of_specs(capsys):
    if not KATA_BOTS.is_dir():
        pytest.skip(f"conformance bots not found at {KATA_BOTS}")
    assert main(["coverage", str(KATA_BOTS / "pizzabot"), str(SPECS / "pizzabot"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["states"]["covered"] == 6 and out["states"]["total"] == 8
    assert main(["coverage", str(KATA_BOTS / "pizzabot"), str(SPECS / "pizzabot" / "order_flow.spec.yml")]) == 0
    assert "states: " in capsys.readouterr().out


def test_bad_input_exit_code(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope"), str(tmp_path / "nolog.jsonl")]) == 2
    assert "igbot replay:" in capsys.readouterr().err
