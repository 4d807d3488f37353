"""Saving edits into a bot's own files: byte-identical when unchanged, minimal diffs, backups."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from igbot.kataml import Bot, BotSource, Flow, Intent, SaveError, State, Transition, load_bot

from .conftest import BOTS_DIR

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


def _loadable() -> list[str]:
    if not BOTS_DIR.is_dir():
        return []
    names = []
    for folder in sorted(BOTS_DIR.iterdir()):
        try:
            load_bot(folder)
        except Exception:  # the corpus has bots that must be refused; they are not saved
            continue
        names.append(folder.name)
    return names


LOADABLE = _loadable()


def _copy(src: Path, tmp_path: Path) -> Path:
    target = tmp_path / src.name
    shutil.copytree(src, target)
    return target


def _texts(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".igbot-backups" not in p.parts}


def _changed_lines(diff: str) -> tuple[list[str], list[str]]:
    added = [ln[1:] for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    removed = [ln[1:] for ln in diff.splitlines()
               if ln.startswith("-") and not ln.startswith("---")]
    return added, removed


def _edited(source: BotSource) -> Bot:
    return source.bot.model_copy(deep=True)


# -- the shop bot, line by line -----------------------------------------------------------------

@pytest.fixture
def shop_dir(tmp_path: Path) -> Path:
    return _copy(SHOP, tmp_path)


def test_unchanged_shop_writes_nothing_and_copies_byte_identical(shop_dir: Path,
                                                                  tmp_path: Path) -> None:
    source = BotSource(shop_dir)
    plan = source.plan(_edited(source))
    assert not plan and plan.diff() == "" and plan.files == []
    assert plan.write() is None
    main = plan.write_to(tmp_path / "copy")
    assert main == tmp_path / "copy" / "bot.yml"
    assert _texts(tmp_path / "copy") == _texts(SHOP)


def test_add_intent_only_adds_its_lines_in_its_flow_file(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    bot.flows["promo"].intents["promoWord"] = Intent(type="text", condition=['content == "deal"'])
    plan = source.plan(bot)
    assert plan.files == [shop_dir / "flows" / "promo.yml"]
    added, removed = _changed_lines(plan.diff())
    assert removed == []
    assert added == ["  promoWord:", "    type: text", '    condition: content == "deal"']
    text = (shop_dir / "flows" / "promo.yml").read_text()
    plan.write()
    after = (shop_dir / "flows" / "promo.yml").read_text()
    assert after.replace('  promoWord:\n    type: text\n    condition: content == "deal"\n', "") \
        == text
    assert load_bot(shop_dir) == bot


def test_add_state_and_transition(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    flow = bot.flows["promo"]
    flow.states["thanks"] = State(end=True, action=[{"name": "tapHint"}])
    flow.states["claimed"].transitions["thanks"] = Transition(condition='intent == "pick"')
    plan = source.plan(bot)
    added, removed = _changed_lines(plan.diff())
    assert removed == []
    assert "  thanks:" in added and "    end: true" in added and "    action: tapHint" in added
    assert any("thanks:" in line and "intent" in line for line in added) or \
        '        condition: intent == "pick"' in added


def test_change_condition_changes_one_line_and_keeps_its_comment(tmp_path: Path) -> None:
    folder = tmp_path / "bot"
    folder.mkdir()
    (folder / "bot.yml").write_text(
        "# my bot\nschema: kata.ai/schema/kata-ml/1.0\nname: b\nflows:\n"
        "  main:\n    intents:\n      hi:\n        initial: true\n"
        "        condition: 'content == \"hi\"'   # greet\n"
        "    states:\n      s: {initial: true, transitions: {s: {fallback: true}}}\n")
    source = BotSource(folder)
    bot = _edited(source)
    bot.flows["main"].intents["hi"].condition = ['content == "hello"']
    bot.flows["main"].states["s"].transitions["s"].priority = 2
    plan = source.plan(bot)
    added, removed = _changed_lines(plan.diff())
    assert removed == ["        condition: 'content == \"hi\"'   # greet",
                       "      s: {initial: true, transitions: {s: {fallback: true}}}"]
    assert added == ["        condition: 'content == \"hello\"'   # greet",
                     "      s: {initial: true, transitions: {s: {fallback: true, priority: 2}}}"]


def test_rename_state_changes_only_the_key_and_the_references(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    flow = bot.flows["promo"]
    flow.states = {("showing" if k == "show" else k): v for k, v in flow.states.items()}
    for state in flow.states.values():
        state.transitions = {("showing" if k == "show" else k): v
                             for k, v in state.transitions.items()}
    plan = source.plan(bot)
    added, removed = _changed_lines(plan.diff())
    assert removed == ["      show: {fallback: true}", "  show:", "      show: {fallback: true}"]
    assert added == ["      showing: {fallback: true}", "  showing:",
                     "      showing: {fallback: true}"]


def test_shorthands_stay_short(tmp_path: Path) -> None:
    folder = tmp_path / "bot"
    folder.mkdir()
    (folder / "bot.yml").write_text(
        "name: b\nflows:\n  main:\n    intents:\n      hi: {condition: content == \"hi\"}\n"
        "    states:\n      a:\n        initial: true\n        action: greet\n"
        "        transitions:\n          b: intent == \"hi\"\n      b:\n        end: true\n"
        "    actions:\n      greet: {type: text, options: {text: Hi}}\n")
    source = BotSource(folder)
    bot = _edited(source)
    flow = bot.flows["main"]
    flow.states["a"].action[0].name = "hello"
    flow.states["a"].transitions["b"].condition = 'intent == "hey"'
    flow.actions = {"hello": flow.actions["greet"]}
    plan = source.plan(bot)
    added, _ = _changed_lines(plan.diff())
    assert "        action: hello" in added
    assert '          b: intent == "hey"' in added
    assert "      hello: {type: text, options: {text: Hi}}" in added


def test_new_flow_gets_its_own_include_file(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    bot.flows["survey"] = Flow(states={"init": State(initial=True)})
    plan = source.plan(bot)
    assert sorted(p.name for p in plan.files) == ["bot.yml", "survey.yml"]
    added, removed = _changed_lines(plan.changes[0].diff())
    assert added == ["  survey: $include(./flows/survey.yml)"] and removed == []
    assert "flows/survey.yml new" in plan.summary()
    plan.write()
    assert load_bot(shop_dir) == bot


def test_delete_intent_removes_only_its_lines(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    del bot.flows["promo"].intents["promoText"]
    added, removed = _changed_lines(source.plan(bot).diff())
    assert added == []
    assert removed == ["  promoText:", "    initial: true", "    type: text",
                       "    classifier: {nlu: topic, match: promo}"]


def test_write_to_refuses_a_folder_with_a_bot(shop_dir: Path, tmp_path: Path) -> None:
    source = BotSource(shop_dir)
    with pytest.raises(SaveError, match="own folder"):
        source.plan(_edited(source)).write_to(shop_dir)
    other = _copy(SHOP, tmp_path / "other")
    with pytest.raises(SaveError, match="exists"):
        source.plan(_edited(source)).write_to(other)


def test_plan_checks_its_own_result(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    bot.flows["promo"].intents["pick"].condition = ["yes"]  # plain `yes` is still text here
    plan = source.plan(bot)
    assert load_bot(shop_dir) != bot
    plan.write()
    assert load_bot(shop_dir).flows["promo"].intents["pick"].condition == ["yes"]


# -- every conformance bot that loads -----------------------------------------------------------

@pytest.mark.parametrize("name", LOADABLE)
def test_conformance_unchanged_is_byte_identical(name: str, tmp_path: Path) -> None:
    folder = _copy(BOTS_DIR / name, tmp_path)
    source = BotSource(folder)
    plan = source.plan(_edited(source))
    assert not plan
    main = plan.write_to(tmp_path / "out")
    copied = _texts(main.parent)
    assert all(copied[k] == v for k, v in _texts(folder).items() if k in copied)
    assert set(copied) == {str(p.relative_to(folder)) for p in source.files}


@pytest.mark.parametrize("name", LOADABLE)
def test_conformance_edits_change_only_their_lines(name: str, tmp_path: Path) -> None:
    folder = _copy(BOTS_DIR / name, tmp_path)
    source = BotSource(folder)
    flow_name = next(n for n, f in source.bot.flows.items() if f.states)

    bot = _edited(source)  # add an intent: only added lines
    bot.flows[flow_name].intents["addedIntent"] = Intent(type="text",
                                                         condition=['content == "added"'])
    plan = source.plan(bot)
    added, removed = _changed_lines(plan.diff())
    assert removed == [] and len(added) == 3 and len(plan.files) == 1

    bot = _edited(source)  # add a state: only added lines
    bot.flows[flow_name].states["addedState"] = State(end=True)
    added, removed = _changed_lines(source.plan(bot).diff())
    assert removed == [] and len(added) == 2

    with_condition = [(f, i) for f, flow in source.bot.flows.items()
                      for i, intent in flow.intents.items() if len(intent.condition) == 1]
    if with_condition:  # change a condition: one line out, one in
        f, i = with_condition[0]
        bot = _edited(source)
        bot.flows[f].intents[i].condition = ['content == "changed"']
        added, removed = _changed_lines(source.plan(bot).diff())
        assert len(removed) == 1 and len(added) == 1 and "changed" in added[0]

    flow = source.bot.flows[flow_name]
    if len(flow.states) >= 2:  # rename a state: its key and the keys of transitions to it
        old = list(flow.states)[-1]
        refs = sum(old in s.transitions for s in flow.states.values())
        bot = _edited(source)
        f = bot.flows[flow_name]
        f.states = {("renamedState" if k == old else k): v for k, v in f.states.items()}
        for state in f.states.values():
            state.transitions = {("renamedState" if k == old else k): v
                                 for k, v in state.transitions.items()}
        plan = source.plan(bot)
        added, removed = _changed_lines(plan.diff())
        assert len(removed) == len(added) <= refs + 1
        assert all("renamedState" in line for line in added)
        plan.write()
        assert load_bot(folder) == bot


def test_keyword_added_to_a_flow_list_changes_one_line(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    options = dict(bot.nlus["topic"].options or {})
    keywords = dict(options["keywords"])
    keywords["faq"] = [*keywords["faq"], "price list"]
    options["keywords"] = keywords
    bot.nlus["topic"].options = options
    plan = source.plan(bot)
    assert plan.files == [shop_dir / "nlus.yml"]
    added, removed = _changed_lines(plan.diff())
    assert len(added) == len(removed) == 1
    assert added[0].startswith("      faq: [") and added[0].endswith(", price list]")


def test_text_that_needs_quotes_gets_them(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    tricky = ["Hours: 8-5 # all week", "yes", "1.0", "- dash", "null", "@home", "a 'quote'",
              "line one\nline two"]
    for i, text in enumerate(tricky):
        bot.flows["promo"].actions[f"t{i}"] = bot.flows["promo"].actions["tapHint"].model_copy(
            deep=True)
        bot.flows["promo"].actions[f"t{i}"].options = {"text": text}
    bot.flows["promo"].actions["tapHint"].options = {"text": "Tap: a card"}
    plan = source.plan(bot)  # checks its own result: every text reads back as written
    plan.write()
    again = load_bot(shop_dir)
    assert [again.flows["promo"].actions[f"t{i}"].options["text"] for i in range(len(tricky))] \
        == tricky
    assert again.flows["promo"].actions["tapHint"].options["text"] == "Tap: a card"


def test_a_rename_keeps_the_comment_on_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "bot"
    folder.mkdir()
    (folder / "bot.yml").write_text(
        "flows:\n  main:\n    states:\n      start:   # where it begins\n        initial: true\n"
        "        transitions:\n          end: {fallback: true}\n      end: {end: true}\n")
    source = BotSource(folder)
    bot = _edited(source)
    flow = bot.flows["main"]
    flow.states = {("begin" if k == "start" else k): v for k, v in flow.states.items()}
    added, removed = _changed_lines(source.plan(bot).diff())
    assert removed == ["      start:   # where it begins"]
    assert added == ["      begin:   # where it begins"]


def test_nothing_is_written_when_the_check_fails(shop_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from igbot.kataml import _roundtrip

    source = BotSource(shop_dir)
    bot = _edited(source)
    bot.flows["promo"].intents["pick"].priority = 20
    before = _texts(shop_dir)
    monkeypatch.setattr(_roundtrip, "_dump", lambda file, node: "broken: [\n")
    monkeypatch.setattr(_roundtrip.BotSource, "_check",
                        lambda self, changes, edited: "flows.promo would read differently")
    with pytest.raises(SaveError, match="nothing was written"):
        source.plan(bot)
    assert _texts(shop_dir) == before


def test_a_file_changed_on_disk_is_not_overwritten(shop_dir: Path) -> None:
    source = BotSource(shop_dir)
    bot = _edited(source)
    bot.flows["promo"].intents["pick"].priority = 20
    promo = shop_dir / "flows" / "promo.yml"
    promo.write_text(promo.read_text() + "# someone else's line\n")
    with pytest.raises(SaveError, match="changed on disk"):
        source.plan(bot)
    source.reload()
    source.plan(bot).write()
    assert "# someone else's line" in promo.read_text() and load_bot(shop_dir) == bot


def test_rename_intent_changes_its_key_and_the_conditions_naming_it(shop_dir: Path) -> None:
    from igbot.widgets import BotEditing

    source = BotSource(shop_dir)
    edit = BotEditing(_edited(source))
    edit.rename_intent("promo", "pick", "choose")
    added, removed = _changed_lines(source.plan(edit.bot).diff())
    assert removed == ["  pick:", '        condition: intent == "pick"']
    assert added == ["  choose:", '        condition: intent == "choose"']
