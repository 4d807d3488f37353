"""``igbot persistent-menu``: from a bot's config to the stand-in and back; bad menus refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from igbot.channel import GraphStandIn
from igbot.cli import main
from igbot.engine import Engine, MemoryStore
from igbot.kataml import load_bot

BOT = """
name: menubot
config:
  instagram:
    persistent_menu:
      - {type: postback, label: Opening hours, payload: {type: menu, item: hours}}
      - {type: url, label: Our shop, url: "https://shop.example/"}
flows:
  main:
    intents:
      hours: {initial: true, type: data, condition: "payload.type == 'menu' && payload.item == 'hours'"}
    states:
      s:
        initial: true
        transitions:
          answer: "intent == 'hours'"
      answer:
        end: true
        action: {name: text, options: {text: "We open at 9"}}
"""


@pytest.fixture
def bot_dir(tmp_path: Path) -> Path:
    (tmp_path / "bot.yml").write_text(BOT, encoding="utf-8")
    return tmp_path


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch):
    with GraphStandIn() as s:
        monkeypatch.setenv("IGBOT_ACCESS_TOKEN", s.access_token)
        monkeypatch.setenv("IGBOT_GRAPH_URL", s.url)
        monkeypatch.setenv("IGBOT_ACCOUNT_ID", s.account_id if hasattr(s, "account_id") else "me")
        yield s


def test_set_get_delete_from_the_bot_and_a_tap_reaches_its_intent(
        bot_dir: Path, standin: GraphStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["persistent-menu", "set", str(bot_dir)]) == 0
    capsys.readouterr()
    assert main(["persistent-menu", "get"]) == 0
    (menu,) = json.loads(capsys.readouterr().out)
    assert menu["locale"] == "default"
    hours, shop = menu["call_to_actions"]
    assert shop == {"type": "web_url", "title": "Our shop", "url": "https://shop.example/"}
    assert hours["title"] == "Opening hours"
    # Instagram sends a tap on the menu as a postback with the item's payload
    engine = Engine(load_bot(bot_dir), MemoryStore())
    tap = {"object": "instagram", "entry": [{"id": "acct", "time": 1, "messaging": [{
        "sender": {"id": "p1"}, "recipient": {"id": "acct"}, "timestamp": 1,
        "postback": {"mid": "m1", "title": hours["title"], "payload": hours["payload"]}}]}]}
    turn = engine.handle_webhook(tap)
    assert [r.body["message"]["text"] for r in turn.requests] == ["We open at 9"]
    assert main(["persistent-menu", "delete"]) == 0
    capsys.readouterr()
    assert main(["persistent-menu", "get"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_menu_meta_would_refuse_is_one_line_and_nothing_is_sent(
        tmp_path: Path, standin: GraphStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    menu = tmp_path / "menu.json"
    menu.write_text(json.dumps([{"type": "postback", "title": "x" * 31, "payload": "P"}]))
    assert main(["persistent-menu", "set", str(menu)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "persistent_menu.0.call_to_actions.0.title" in err and "30 characters" in err
    assert standin.requests == []
    assert main(["persistent-menu", "set", str(tmp_path)]) == 2  # a folder with no bot.yml
    assert "Traceback" not in capsys.readouterr().err


def test_dry_run_checks_and_prints_without_a_token(bot_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("IGBOT_ACCESS_TOKEN", raising=False)
    assert main(["persistent-menu", "set", str(bot_dir), "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["call_to_actions"][0]["payload"] == (
        '{"type":"menu","item":"hours"}')
    assert main(["persistent-menu", "get"]) == 2
