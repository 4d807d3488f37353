"""Loading the conformance bots (the broken ones refused), ``$include``, and errors that name file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from igbot import BotLoadError
from igbot.kataml import ActionRef, Transition, load_bot, load_bot_text
from tests._conformance import BOTS, BROKEN_BOTS, loading_bot_names

from .conftest import BOT_NAMES


@pytest.mark.parametrize("name", loading_bot_names() or BOT_NAMES)
def test_every_conformance_bot_loads(bots_dir: Path, name: str) -> None:
    bot = load_bot(bots_dir / name)
    assert bot.schema_ in ("kata.ai/schema/kata-ml/1.0", None)  # some community bots omit it
    assert bot.flows
    assert bot.source_file == (bots_dir / name / "bot.yml").resolve()
    for flow in bot.flows.values():
        assert flow.source_file is not None and flow.source_file.is_file()
        assert flow.initial_state() in flow.states


@pytest.mark.parametrize("name", sorted(BROKEN_BOTS))
def test_broken_conformance_bots_are_refused_naming_file_and_line(bots_dir: Path, name: str) -> None:
    with pytest.raises(BotLoadError) as info:
        load_bot(bots_dir / name)
    err = info.value
    assert err.file == str((BOTS / name / BROKEN_BOTS[name]).resolve())
    assert isinstance(err.line, int) and err.line >= 1
    assert f"{err.file}:{err.line}" in str(err)


def test_a_missing_include_names_the_line_that_asks_for_it(tmp_path: Path) -> None:
    (tmp_path / "bot.yml").write_text("name: b\nflows:\n  main: $include(./nope.yml)\n")
    with pytest.raises(BotLoadError, match=r"bot.yml:3, flows.main: included file not found"):
        load_bot(tmp_path)


def test_pizzabot(bots_dir: Path) -> None:
    bot = load_bot(bots_dir / "pizzabot" / "bot.yml")
    assert (bot.name, bot.desc, bot.id, bot.version, bot.tag) == (
        "pizzabot", "Pizza Bot", "pizzabot-1", "0.0.1", "latest")
    assert list(bot.flows) == ["welcome", "fallback", "order", "saveData"]
    assert bot.fallback_flow() == "fallback"
    assert bot.flows["order"].source_file.name == "order.yml"
    assert list(bot.nlus) == ["ner", "qisg", "yesno", "order", "quantity"]
    assert bot.nlus["qisg"].type == "verstandClassifier"
    assert bot.nlus["quantity"].options == {"regex": "[1-9]"}

    order = bot.flows["order"]
    assert list(order.intents) == ["orderCommand", "pizzaChosen", "reenter", "pizzaQuantity",
                                   "yesno"]
    assert order.intents["pizzaChosen"].condition == ["payload.type == 'pizza'"]
    assert order.intents["orderCommand"].classifier[0].nlu == "order"
    assert order.intents["orderCommand"].classifier[0].match == "pizzaOrder"
    assert order.intents["pizzaQuantity"].attributes["quantity"].nlu == "quantity"
    show = order.states["showPizza"]
    assert show.action == [ActionRef(name="pizzaOptions"), ActionRef(name="askOptions")]
    assert list(show.transitions) == ["pizzaQuantity", "showPizza"]
    assert show.transitions["pizzaQuantity"].mapping == {"context.pizza": "payload.pizza"}
    assert show.transitions["showPizza"] == Transition(fallback=True)
    confirm = order.states["confirmPizza"]
    assert confirm.transit == {"context.answer": "intent"}
    assert confirm.transitions["done"].mapping == {"context.answer": "payload.confirm"}
    assert order.states["pizzaQuantity"].transitions["confirmPizza"].mapping == {
        "context.quantity": "attributes.quantity", "context.answer": "null"}
    done = order.states["done"]
    assert done.end is True
    assert [(a.name, a.condition) for a in done.action] == [
        ("sayThanks", "context.answer == 'yes'"),
        ("sayThanksSticker", "context.answer == 'yes'"),
        ("cancelOrder", "context.answer == 'no'"),
        ("saveData", "context.answer == 'yes'"),
    ]
    sticker = order.actions["sayThanksSticker"]
    assert sticker.type == "template"
    assert sticker.options["items"] == {"stickerId": "13", "packageId": "1"}
    # unquoted Yes/No are text, as Kata's js-yaml (YAML 1.2) read them, not YAML 1.1 booleans
    labels = [a["label"] for a in order.actions["yesNoButton"].options["items"]["actions"]]
    assert labels == ["Yes", "No"]

    welcome = bot.flows["welcome"]
    assert welcome.intents["greeting"].priority == 10
    init = welcome.states["init"]
    assert init.float == Transition(fallback=True)
    assert init.transit == {
        "context.greetCount": "intent == 'greeting' ? (context.greetCount || 0) + 1 : 0"}
    assert bot.flows["fallback"].states["init"].action == [ActionRef(name="fallbackAction")]
    assert bot.flows["saveData"].intents["saveData"].type == "command"


def test_newsbot(bots_dir: Path) -> None:
    bot = load_bot(bots_dir / "newsbot")
    assert bot.tag is None
    assert bot.version == "0.0.249"
    assert bot.config == {"maxRecursion": 10}
    assert bot.flows["smalltalk"].source_file.name == "smalltalk.yml"  # include without ./
    main = bot.flows["main"]
    hit = main.states["state_hit_newsapi"]
    assert hit.action[1] == ActionRef(name="command", options={
        "command": "call_api_fallback", "payload": {"res_newsapi": "$(result.articles)"}})
    assert hit.transitions["state_get_news"].mapping == {"context.data": "payload.res_newsapi"}
    opening = bot.flows["opening"].states["state_initial"].transitions["state_opening_bot"]
    assert opening.mapping == {
        "data.userId": "metadata.lineSenderId || metadata.fbmessengerSenderId || "
                       "metadata.telegramSenderId || metadata.qiscusSenderId",
        "context.lineToken": "metadata.lineAccessToken",
    }
    assert bot.flows["fallback"].states["state_fallback_init"].transit == {
        "context.incomming_text": "content"}
    qrcode = bot.flows["qrcode"]
    assert qrcode.states["state_text"].transitions["state_generate_qrcode"].mapping == "textToUrl"
    method = bot.find_method("textToUrl", "qrcode")
    assert method is not None and method is qrcode.methods["textToUrl(ctx)"]
    assert (method.name, method.params, method.entry) == ("textToUrl", ["ctx"], None)
    assert "ctx.context.data_text = text.replace(/ /g,'%20');" in method.code
    assert bot.find_method("textToUrl") is None  # not a bot-level method
    # unknown keys are kept and listed
    initial = bot.flows["getdata"].states["state_initial"]
    assert initial.unknown_keys() == ["fallback"] and initial.model_extra == {"fallback": True}
    classifier = bot.flows["smalltalk"].intents["intent_maaf"].classifier[0]
    assert classifier.nlu == "nl_shinewsbot"
    assert classifier.unknown_keys() == ["expression"]
    assert classifier.model_extra["expression"] == 'snb_smalltalk == "maaf"'
    unknown = set(bot.iter_unknown_keys())
    assert ("flows.getdata.states.state_initial", "fallback") in unknown
    assert ("flows.smalltalk.intents.intent_maaf.classifier[0]", "expression") in unknown
    assert len(unknown) == 9
    assert bot.nlus["nl_shinewsbot"].type == "nl"
    text = bot.flows["smalltalk"].actions["act_maaf"].options["text"]
    assert text == ["Iya aku maafin", "Iya santai ja", "Don't mind :)"]


def test_schedulerbot(bots_dir: Path) -> None:
    bot = load_bot(bots_dir / "schedulerbot")
    assert bot.id == "dev-divy" and bot.version == "0.0.19"
    assert bot.config["messages"] == {"fallback": {"fallbackMessage": "Maaf saya tidak mengerti"}}
    assert bot.config["maxRecursion"] == 10
    key = "confidenceLevel(message,context,data,options,config)"
    method = bot.methods[key]
    assert method.key == key and method.name == "confidenceLevel"
    assert method.params == ["message", "context", "data", "options", "config"]
    assert method.entry == "confidenceLevel"
    assert method.code.startswith("function confidenceLevel(message, context")
    assert bot.find_method("confidenceLevel", "createReminder") is method
    assert bot.nlus["confidenceLevel"].method == "confidenceLevel"
    create = bot.flows["createReminder"]
    assert create.states["init"].transitions["create"].mapping == "mapper"
    mapper = bot.find_method("mapper", "createReminder")
    assert mapper is not None and mapper.key == "mapper(ctx)" and mapper.params == ["ctx"]
    assert "return ctx;" in mapper.code
    schedule = create.actions["scheduleRun"]
    assert schedule.type == "schedule" and schedule.options["id"] == "remind-me"
    assert schedule.options["message"] == {"type": "command", "content": "startScheduleRun"}
    assert bot.flows["fallback"].actions["fallbackAction"].options["data"] == "$(config.messages)"


def test_positions_name_files_and_lines(bots_dir: Path) -> None:
    bot = load_bot(bots_dir / "pizzabot")
    order = (bots_dir / "pizzabot" / "flows" / "order.yml").resolve()
    assert bot.locate("flows.order.states.done.action[2]") == (order, 82)
    assert bot.locate("flows.order.states.done.action[2].condition") == (order, 83)
    assert bot.locate("flows.order") == (order, 1)
    assert bot.locate("name") == ((bots_dir / "pizzabot" / "bot.yml").resolve(), 2)
    assert bot.locate("flows.order.states.nothere") == (order, 31)  # nearest ancestor: states


# --- includes ------------------------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def test_include_any_depth_nested_json_and_raw_text(tmp_path: Path) -> None:
    _write(tmp_path, {
        "bot.yaml": "name: b\nflows:\n  f: $include(./flows/f.yml)\n"
                    "config:\n  list: [a, $include(data/x.json)]\n",
        "flows/f.yml": "states:\n  s:\n    initial: true\n    action: a\n"
                       "actions:\n  a:\n    type: text\n    options:\n"
                       "      text: $include(../texts/hello.txt)\n"
                       "      more: $include( './parts/more.yml' )\n",
        "flows/parts/more.yml": "deep: $include(../../texts/hello.txt)\n",
        "texts/hello.txt": "Hello\nthere\n",
        "data/x.json": '{"k": [1, 2]}',
    })
    bot = load_bot(tmp_path)
    assert bot.config["list"] == ["a", {"k": [1, 2]}]
    options = bot.flows["f"].actions["a"].options
    assert options["text"] == "Hello\nthere\n"
    assert options["more"] == {"deep": "Hello\nthere\n"}
    assert bot.flows["f"].source_file == (tmp_path / "flows" / "f.yml").resolve()
    assert bot.locate("flows.f.actions.a.options.more") == (
        (tmp_path / "flows" / "parts" / "more.yml").resolve(), 1)
    assert bot.locate("flows.f.actions.a.options.more.deep") == (
        (tmp_path / "texts" / "hello.txt").resolve(), 1)


def test_load_bot_text_includes_relative_to_base_dir(tmp_path: Path) -> None:
    _write(tmp_path, {"f.yml": "states: {s: {initial: true}}\n"})
    bot = load_bot_text("flows:\n  f: $include(f.yml)\n", tmp_path)
    assert bot.source_file is None
    assert bot.flows["f"].initial_state() == "s"
    assert bot.flows["f"].source_file == (tmp_path / "f.yml").resolve()


def test_missing_include_names_the_asking_file_and_path(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "flows:\n  f: $include(./flows/f.yml)\n",
                      "flows/f.yml": "actions:\n  a:\n    type: text\n"
                                     "    options: $include(./nope.yml)\n"})
    with pytest.raises(BotLoadError) as info:
        load_bot(tmp_path / "bot.yml")
    err = info.value
    assert err.file == str((tmp_path / "flows" / "f.yml").resolve())
    assert err.path == "flows.f.actions.a.options"
    assert "nope.yml" in str(err) and "not found" in str(err)


def test_include_cycle(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "flows:\n  f: $include(a.yml)\n",
                      "a.yml": "states:\n  s: $include(b.yml)\n",
                      "b.yml": "transitions:\n  x: $include(a.yml)\n"})
    with pytest.raises(BotLoadError, match="include cycle") as info:
        load_bot(tmp_path)
    assert info.value.file == str((tmp_path / "b.yml").resolve())
    assert info.value.path == "flows.f.states.s.transitions.x"
    assert "a.yml -> " in str(info.value) and "b.yml -> " in str(info.value)


def test_self_include_is_a_cycle(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "config:\n  me: $include(bot.yml)\n"})
    with pytest.raises(BotLoadError, match="include cycle"):
        load_bot(tmp_path)


def test_bad_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "name: x\nflows:\n  f: $include(./f.yml)\n",
                      "f.yml": "states:\n  s:\n    initial: true\n   action: [a\n"})
    with pytest.raises(BotLoadError) as info:
        load_bot(tmp_path)
    err = info.value
    assert err.file == str((tmp_path / "f.yml").resolve())
    assert err.path == "flows.f"
    assert "invalid YAML at line 4, column 4" in str(err)


def test_bad_yaml_in_main_file(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "name: [x\n"})
    with pytest.raises(BotLoadError, match=r"invalid YAML at line 2") as info:
        load_bot(tmp_path)
    assert info.value.file == str((tmp_path / "bot.yml").resolve())
    assert info.value.path is None


def test_bad_json_include(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "config:\n  x: $include(x.json)\n", "x.json": '{"a": }'})
    with pytest.raises(BotLoadError, match="invalid JSON at line 1, column 7") as info:
        load_bot(tmp_path)
    assert info.value.path == "config.x"


def test_wrong_type_names_flow_file_and_path(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "flows:\n  order: $include(./flows/order.yml)\n",
                      "flows/order.yml": "states:\n  done:\n    action:\n      - a\n      - b\n"
                                         "      - name: [not, a, name]\n"})
    with pytest.raises(BotLoadError) as info:
        load_bot(tmp_path)
    err = info.value
    assert err.file == str((tmp_path / "flows" / "order.yml").resolve())
    assert err.path == "flows.order.states.done.action[2].name"
    assert "valid string" in str(err) and "line 6" in str(err)


def test_wrong_type_of_a_whole_section(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "flows:\n  f:\n    states: [a, b]\n    priority: high\n"})
    with pytest.raises(BotLoadError) as info:
        load_bot(tmp_path)
    err = info.value
    assert err.path == "flows.f.states"
    assert "1 more problem" in str(err)
    assert [p[1] for p in err.problems] == ["flows.f.states", "flows.f.priority"]


def test_missing_required_key(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "flows:\n  f:\n    actions:\n      a:\n        options: {}\n"})
    with pytest.raises(BotLoadError, match="Field required") as info:
        load_bot(tmp_path)
    assert info.value.path == "flows.f.actions.a.type"


def test_bad_intent_type(tmp_path: Path) -> None:
    with pytest.raises(BotLoadError) as info:
        load_bot_text("flows:\n  f:\n    intents:\n      i: {type: postback}\n")
    assert info.value.path == "flows.f.intents.i.type"
    assert info.value.file == "<string>"


def test_not_a_bot(tmp_path: Path) -> None:
    _write(tmp_path, {"bot.yml": "- a\n- b\n"})
    with pytest.raises(BotLoadError, match="must be a YAML mapping"):
        load_bot(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BotLoadError, match=r"no bot\.yml or bot\.yaml"):
        load_bot(tmp_path / "empty")
    with pytest.raises(BotLoadError, match="no such bot file"):
        load_bot(tmp_path / "missing.yml")


def test_duplicate_keys_are_noted(tmp_path: Path) -> None:
    bot = load_bot_text("flows:\n  f:\n    states: {}\n  f:\n    states: {s: {}}\n")
    assert bot._duplicate_keys == ["flows.f"]
    assert list(bot.flows["f"].states) == ["s"]  # the last one wins, as in PyYAML


# --- hostile bot files (issue 12, rows 7-9): every refusal a BotLoadError naming file and line --
ALL_BOTS = ("azizmf-chat-bot", "bot-geku", "bot-issue-reporting", "buttonbot", "cardbot",
            "chatbot-kata-ai", "hotel-chat", "kataai-bot-example", "kataai-chatbot-simple",
            "mainan-bot-kata-ai", "newsbot", "pizzabot", "rayachatbot", "samsung-bot",
            "schedulerbot", "setokaiba", "simple-kataai-bot", "skripsee", "stickerbot",
            "weatherbot")
BROKEN_ON_PURPOSE = {
    "samsung-bot": "Input should be a valid dictionary or instance of Flow",
    "simple-kataai-bot": "included file not found",
    "skripsee": "Input should be a valid dictionary or instance of State",
}


@pytest.mark.parametrize("name", ALL_BOTS)
def test_all_twenty_conformance_bots_load_as_before(bots_dir: Path, name: str) -> None:
    if name in BROKEN_ON_PURPOSE:
        with pytest.raises(BotLoadError, match=BROKEN_ON_PURPOSE[name]):
            load_bot(bots_dir / name)
    else:
        assert load_bot(bots_dir / name).flows


def bot_with(tmp_path: Path, value: str, extra: dict[str, str | bytes] | None = None) -> Path:
    folder = tmp_path / "bot"
    folder.mkdir(exist_ok=True)
    (folder / "bot.yml").write_text(f"name: hostile\nflows: {{}}\nconfig:\n  x: {value}\n")
    for name, content in (extra or {}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return folder


@pytest.mark.parametrize("target", [
    "../../../../../../../../etc/passwd", "./../secret.txt", "flows/../../secret.txt",
])
def test_an_include_may_not_leave_the_bots_folder(tmp_path: Path, target: str) -> None:
    (tmp_path / "secret.txt").write_text("IGBOT_ACCESS_TOKEN=t0ps3cret")
    folder = bot_with(tmp_path, f"$include({target})")
    with pytest.raises(BotLoadError, match=r"\(line 4\) resolves to .*outside") as caught:
        load_bot(folder)
    assert caught.value.file == str(folder.resolve() / "bot.yml")
    assert "t0ps3cret" not in str(caught.value)


@pytest.mark.parametrize("target", ["/proc/self/environ", "/etc/passwd", "/dev/zero"])
def test_an_absolute_include_is_refused(tmp_path: Path, target: str) -> None:
    with pytest.raises(BotLoadError, match=r"\(line 4\): an absolute path"):
        load_bot(bot_with(tmp_path, f"$include({target})"))


def test_a_symlink_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    folder = bot_with(tmp_path, "$include(./link.txt)")
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(BotLoadError, match="outside"):
        load_bot(folder)


def test_a_symlink_inside_the_folder_is_fine(tmp_path: Path) -> None:
    folder = bot_with(tmp_path, "$include(./link.txt)", {"real.txt": "hello"})
    (folder / "link.txt").symlink_to(folder / "real.txt")
    assert load_bot(folder).config == {"x": "hello"}


def test_devices_and_fifos_are_refused_without_blocking(tmp_path: Path) -> None:
    folder = bot_with(tmp_path, "$include(./pipe.txt)")
    os.mkfifo(folder / "pipe.txt")
    with pytest.raises(BotLoadError, match=r"\(line 4\) is not a regular file"):
        load_bot(folder)
    (folder / "zero").symlink_to("/dev/zero")
    with pytest.raises(BotLoadError):  # outside the folder and not a regular file either way
        load_bot(bot_with(tmp_path, "$include(./zero)"))
    with pytest.raises(BotLoadError, match="not a regular file"):
        load_bot(bot_with(tmp_path, "$include(/dev/zero)"), include_dirs=["/dev"])


def test_include_dirs_allow_other_folders_explicitly(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "common.yml").write_text("greeting: hi\n")
    folder = bot_with(tmp_path, f"$include({shared / 'common.yml'})")
    assert load_bot(folder, include_dirs=[shared]).config == {"x": {"greeting": "hi"}}
    with pytest.raises(BotLoadError, match="absolute path"):
        load_bot(folder)
    relative = bot_with(tmp_path, "$include(../shared/common.yml)")
    assert load_bot(relative, include_dirs=[shared]).config == {"x": {"greeting": "hi"}}


def test_load_bot_text_includes_stay_inside_base_dir(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    inner = tmp_path / "inner"
    inner.mkdir()
    with pytest.raises(BotLoadError, match="outside"):
        load_bot_text("name: t\nflows: {}\nconfig: $include(../secret.txt)\n", base_dir=inner)


def test_size_limit_per_file_and_per_bot(tmp_path: Path) -> None:
    folder = bot_with(tmp_path, "$include(./big.txt)", {"big.txt": b"x" * 3_000_000})
    with pytest.raises(BotLoadError, match=r"big.txt \(line 4\) is over the limit of 2097152 bytes"):
        load_bot(folder)
    many = "\n".join(f"  k{i}: $include(./part.txt)" for i in range(20))
    folder = bot_with(tmp_path, "1", {"part.txt": b"y" * 1_000_000})
    (folder / "bot.yml").write_text(f"name: hostile\nflows: {{}}\nconfig:\n{many}\n")
    with pytest.raises(BotLoadError, match=r"add up to over 16777216 bytes"):
        load_bot(folder)


BILLION_LAUGHS = """name: laughs
flows: {}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_from_its_shape(tmp_path: Path) -> None:
    (tmp_path / "bot.yml").write_text(BILLION_LAUGHS)
    with pytest.raises(BotLoadError, match=r"line 8 expands to over 500000 values") as caught:
        load_bot(tmp_path)
    assert caught.value.file == str((tmp_path / "bot.yml").resolve())


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bot.yml").write_text("name: r\nflows: {}\nconfig: &c {self: *c}\n")
    with pytest.raises(BotLoadError, match="recursive alias"):
        load_bot(tmp_path)


def test_aliases_within_the_limit_still_work() -> None:
    bot = load_bot_text("name: a\nflows: {}\nconfig: {one: &x [1, 2], two: *x}\n")
    assert bot.config == {"one": [1, 2], "two": [1, 2]}


def test_a_diamond_of_includes_is_refused_by_the_include_count(tmp_path: Path) -> None:
    for level in range(12):  # 24 levels deep would meet the include depth limit first
        (tmp_path / f"d{level}.yml").write_text(
            f"[$include(./d{level + 1}.yml), $include(./d{level + 1}.yml)]\n")
    (tmp_path / "d12.yml").write_text("leaf\n")
    (tmp_path / "bot.yml").write_text("name: d\nflows: {}\nconfig: $include(./d0.yml)\n")
    with pytest.raises(BotLoadError, match="limit of 1000 includes per bot"):
        load_bot(tmp_path)


def test_include_depth_is_bounded(tmp_path: Path) -> None:
    for level in range(30):
        (tmp_path / f"c{level}.yml").write_text(f"next: $include(./c{level + 1}.yml)\n")
    (tmp_path / "c30.yml").write_text("end\n")
    (tmp_path / "bot.yml").write_text("name: d\nflows: {}\nconfig: $include(./c0.yml)\n")
    with pytest.raises(BotLoadError, match=r"\(line 1\) nests includes deeper than 16 files"):
        load_bot(tmp_path)


@pytest.mark.parametrize("nesting", [
    "[" * 100_000 + "]" * 100_000,
    "\n" + "".join(" " * i + "- \n" for i in range(0, 600, 2)),
])
def test_deep_nesting_is_a_bot_load_error_not_a_recursion_error(tmp_path: Path,
                                                                nesting: str) -> None:
    (tmp_path / "bot.yml").write_text(f"name: deep\nflows: {{}}\nconfig: {nesting}\n")
    with pytest.raises(BotLoadError, match=r"nested deeper than 100 levels at line \d+"):
        load_bot(tmp_path)


def test_nesting_is_counted_through_includes(tmp_path: Path) -> None:
    (tmp_path / "inner.yml").write_text("[" * 60 + "]" * 60 + "\n")
    (tmp_path / "inner.json").write_text("[" * 60 + "]" * 60)
    (tmp_path / "bot.yml").write_text(
        "name: d\nflows: {}\nconfig:\n" + "".join(f"{' ' * (2 * i + 2)}k{i}:\n" for i in range(50))
        + " " * 102 + "deep: $include(./inner.yml)\n")
    with pytest.raises(BotLoadError, match="nested deeper than 100 levels"):
        load_bot(tmp_path)
    (tmp_path / "bot.yml").write_text((tmp_path / "bot.yml").read_text().replace(".yml)", ".json)"))
    with pytest.raises(BotLoadError, match=r"nested deeper than 100 levels .*included at line 54"):
        load_bot(tmp_path)
