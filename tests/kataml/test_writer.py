"""Writing bots back as Kata-ML: round trips, quoting, key order and the folder layout."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from igbot.kataml import Bot, load_bot, load_bot_text, write_bot

from .conftest import BOT_NAMES


def _order(bot: Bot) -> list[object]:
    """Every ordered name list that matters at run time."""
    out: list[object] = [list(bot.flows)]
    for flow in bot.flows.values():
        out.append(list(flow.intents))
        out.append(list(flow.states))
        for state in flow.states.values():
            out.append(list(state.transitions))
            out.append([a.name for a in state.action])
    return out


@pytest.mark.parametrize("name", BOT_NAMES)
def test_round_trip_conformance_bots(bots_dir: Path, name: str) -> None:
    bot = load_bot(bots_dir / name)
    text = bot.to_yaml()
    again = load_bot_text(text)
    assert again == bot
    assert _order(again) == _order(bot)
    assert again.to_yaml() == text  # stable
    assert "$include" not in text


@pytest.mark.parametrize("name", BOT_NAMES)
def test_write_bot_split_layout_round_trip(bots_dir: Path, tmp_path: Path, name: str) -> None:
    bot = load_bot(bots_dir / name)
    main = write_bot(bot, tmp_path / "out", split_flows=True)
    assert main == tmp_path / "out" / "bot.yml"
    raw = yaml.safe_load(main.read_text(encoding="utf-8"))
    assert raw["flows"] == {f: f"$include(./flows/{f}.yml)" for f in bot.flows}
    again = load_bot(tmp_path / "out")
    assert again == bot
    for flow_name, flow in again.flows.items():
        assert flow.source_file == (tmp_path / "out" / "flows" / f"{flow_name}.yml").resolve()


def test_write_bot_single_file(tmp_path: Path) -> None:
    bot = load_bot_text("name: x\nflows:\n  f:\n    states:\n      s: {initial: true}\n")
    target = write_bot(bot, tmp_path / "x.yaml")
    assert target == tmp_path / "x.yaml"
    assert load_bot(target) == bot


def test_key_order_follows_the_source() -> None:
    bot = load_bot_text("flows:\n  f:\n    states: {}\n    intents: {}\nname: n\nschema: kataml\n")
    text = bot.to_yaml()
    assert text.index("flows:") < text.index("name:") < text.index("schema:")
    assert [line for line in text.splitlines() if line.startswith("schema")] == [
        "schema: kataml"]


def test_strings_yaml_would_misread_are_quoted() -> None:
    risky = ["yes", "No", "on", "OFF", "null", "~", "true", "1.0", "0x1F", "12", "2020-01-01",
             "", " lead", "a: b", "#x", "- item", "@at", "*star", "%p", "1e3", ".inf", "="]
    bot = Bot.model_validate({"config": {"values": risky}, "flows": {"f": {"actions": {
        "a": {"type": "text", "options": {"text": "off"}}}}}})
    again = load_bot_text(bot.to_yaml())
    assert again.config["values"] == risky
    assert again.flows["f"].actions["a"].options["text"] == "off"
    assert again == bot


def test_yes_no_labels_stay_text_and_are_quoted_when_written(bots_dir: Path) -> None:
    bot = load_bot(bots_dir / "pizzabot")
    text = bot.to_yaml()
    assert "label: 'Yes'" in text and "confirm: 'yes'" in text
    again = load_bot_text(text)
    items = again.flows["order"].actions["yesNoButton"].options["items"]
    assert [a["label"] for a in items["actions"]] == ["Yes", "No"]
    assert [a["payload"]["confirm"] for a in items["actions"]] == ["yes", "no"]


def test_multi_line_code_written_as_block_and_methods_keep_their_form() -> None:
    code = "let a = 1;\nreturn ctx;\n"
    bot = Bot.model_validate({"methods": {
        "mapper(ctx)": code,
        "f(x)": {"code": "function f(x) {\n  return x;\n}", "entry": "f"}}})
    text = bot.to_yaml()
    assert "mapper(ctx): |" in text
    data = yaml.safe_load(text)
    assert data["methods"]["mapper(ctx)"] == code
    assert data["methods"]["f(x)"] == {"code": "function f(x) {\n  return x;\n}", "entry": "f"}
    assert load_bot_text(text) == bot


def test_normalised_forms_are_written() -> None:
    bot = load_bot_text(
        "flows:\n  f:\n    intents:\n      i: {condition: a == 1, classifier: {nlu: n}}\n"
        "    states:\n      s:\n        action: say\n        transitions: {t: x == 1, u: null}\n"
        "        enter: {context: {a: b}}\n"
    )
    data = yaml.safe_load(bot.to_yaml())
    flow = data["flows"]["f"]
    assert flow["intents"]["i"] == {"condition": ["a == 1"], "classifier": [{"nlu": "n"}]}
    assert flow["states"]["s"] == {"action": [{"name": "say"}],
                                   "transitions": {"t": {"condition": "x == 1"}, "u": {}},
                                   "enter": {"context.a": "b"}}


def test_unknown_keys_are_written_back(bots_dir: Path) -> None:
    bot = load_bot(bots_dir / "newsbot")
    data = yaml.safe_load(bot.to_yaml())
    assert data["flows"]["getdata"]["states"]["state_initial"]["fallback"] is True
    assert data["flows"]["smalltalk"]["intents"]["intent_maaf"]["classifier"] == [
        {"nlu": "nl_shinewsbot", "expression": 'snb_smalltalk == "maaf"'}]
    assert "tag" not in data  # tag: null is the same as no tag
