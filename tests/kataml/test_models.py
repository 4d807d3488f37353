"""Every Kata-ML shorthand normalised into the one form the models hold."""

from __future__ import annotations

from igbot.kataml import (
    Action,
    ActionRef,
    Bot,
    Classifier,
    Flow,
    Intent,
    Method,
    Nlu,
    State,
    Transition,
    load_bot_text,
)


def test_intent_condition_string_scalar_and_list() -> None:
    assert Intent.model_validate({"condition": "a == 1"}).condition == ["a == 1"]
    assert Intent.model_validate({"condition": True}).condition == ["true"]
    assert Intent.model_validate({"condition": 0}).condition == ["0"]
    assert Intent.model_validate({"condition": ["a", "b"]}).condition == ["a", "b"]
    assert Intent.model_validate({"condition": None}).condition == []
    assert Intent().condition == []


def test_intent_classifier_single_or_list_and_extras() -> None:
    one = Intent.model_validate({"classifier": {"nlu": "n", "match": "m", "expression": "x"}})
    assert one.classifier == [Classifier(nlu="n", match="m", expression="x")]
    assert one.classifier[0].unknown_keys() == ["expression"]
    two = Intent.model_validate({"classifier": [{"nlu": "a"}, {"nlu": "b", "hint": 1}]})
    assert [c.nlu for c in two.classifier] == ["a", "b"]
    assert two.classifier[1].hint == 1


def test_state_action_forms() -> None:
    assert State.model_validate({"action": "say"}).action == [ActionRef(name="say")]
    assert State.model_validate({"action": {"name": "say", "condition": "x"}}).action == [
        ActionRef(name="say", condition="x")]
    mixed = State.model_validate(
        {"action": ["a", {"name": "text", "options": {"text": "hi"}}]}).action
    assert mixed == [ActionRef(name="a"), ActionRef(name="text", options={"text": "hi"})]
    assert State.model_validate({"action": None}).action == []


def test_state_transitions_forms_keep_order() -> None:
    state = State.model_validate({"transitions": {
        "z": "intent == 'a'", "a": None, "m": {"condition": "x", "priority": 2,
                                                "mapping": {"context": {"k": "v"}}},
        "b": {}, "yes": True}})
    assert list(state.transitions) == ["z", "a", "m", "b", "yes"]
    assert state.transitions["z"] == Transition(condition="intent == 'a'")
    assert state.transitions["a"] == Transition()
    assert state.transitions["b"] == Transition()
    assert state.transitions["m"] == Transition(condition="x", priority=2,
                                                mapping={"context.k": "v"})
    assert state.transitions["yes"].condition == "true"


def test_yaml_boolean_keys_become_strings() -> None:
    bot = load_bot_text("flows:\n  f:\n    states:\n      true: {}\n      False: {}\n")
    assert list(bot.flows["f"].states) == ["true", "false"]


def test_float_enter_transit_exit() -> None:
    state = State.model_validate({
        "float": {"fallback": True},
        "enter": {"context": {"a": "1", "b": {"c": "2"}}, "data.x": "y"},
        "transit": "myMethod",
        "exit": {"context.n": None, "context.o": {}},
    })
    assert state.float == Transition(fallback=True)
    assert state.enter == {"context.a": "1", "context.b.c": "2", "data.x": "y"}
    assert state.transit == "myMethod"
    assert state.exit == {"context.n": None, "context.o": {}}
    assert State.model_validate({"float": "intent == 'x'"}).float == Transition(
        condition="intent == 'x'")


def test_methods_both_forms() -> None:
    flow = Flow.model_validate({"methods": {
        "mapper(ctx)": "return ctx;",
        "conf(message, context)": {"code": "function conf(message, context) {}",
                                   "entry": "conf"},
        "bare": {"code": "function other(a, b) { return a; }", "entry": "other"},
        "noentry": {"code": "function noentry() {}"},
    }})
    assert flow.methods["mapper(ctx)"] == Method(key="mapper(ctx)", name="mapper",
                                                 params=["ctx"], code="return ctx;")
    conf = flow.methods["conf(message, context)"]
    assert (conf.name, conf.params, conf.entry) == ("conf", ["message", "context"], "conf")
    bare = flow.methods["bare"]
    assert (bare.name, bare.params, bare.entry) == ("bare", ["a", "b"], "other")
    assert flow.methods["noentry"].entry == "noentry"
    assert flow.find_method("mapper") is flow.methods["mapper(ctx)"]
    assert flow.find_method("mapper(ctx)") is flow.methods["mapper(ctx)"]
    assert flow.find_method("nope") is None


def test_bot_find_method_flow_first_then_bot() -> None:
    bot = Bot.model_validate({
        "methods": {"f(x)": "return 1;", "g()": "return 2;"},
        "flows": {"a": {"methods": {"f(y)": "return 3;"}}, "b": {}},
    })
    assert bot.find_method("f", "a").code == "return 3;"
    assert bot.find_method("f", bot.flows["a"]).code == "return 3;"
    assert bot.find_method("f", "b").code == "return 1;"
    assert bot.find_method("f").code == "return 1;"
    assert bot.find_method("g", "a").code == "return 2;"
    assert bot.find_method("h", "missing") is None


def test_bot_text_fields_schema_alias_and_numbers() -> None:
    bot = Bot.model_validate({"schema": "kataml", "version": 1.0, "id": 42, "tag": None,
                              "name": True})
    assert bot.schema_ == "kataml"
    assert (bot.version, bot.id, bot.tag, bot.name) == ("1.0", "42", None, "true")
    assert Bot(schema_="kata.ai/schema/kata-ml/1.0").schema_ == "kata.ai/schema/kata-ml/1.0"


def test_bot_helpers() -> None:
    bot = Bot.model_validate({"flows": {
        "a": {"states": {"x": {}, "y": {"initial": True}, "z": {"initial": True}}},
        "fb": {"fallback": True}, "fb2": {"fallback": True}}})
    assert bot.fallback_flow() == "fb"
    assert bot.flows["a"].initial_state() == "y"
    assert bot.flows["fb"].initial_state() is None


def test_action_and_nlu() -> None:
    assert Action.model_validate({"type": "text", "options": None}).options == {}
    assert Action(type="text").options == {}
    nlu = Nlu.model_validate({"type": "method", "method": "m", "extra": 1})
    assert nlu.method == "m" and nlu.unknown_keys() == ["extra"]


def test_equality_ignores_source_file_but_not_extras() -> None:
    from pathlib import Path

    assert Flow(source_file=Path("a.yml")) == Flow()
    assert Flow.model_validate({"x": 1}) != Flow()
    assert Flow.model_validate({"x": 1}) == Flow.model_validate({"x": 1})
    assert State(end=True) != Transition()
    assert "source_file" not in Flow(source_file=Path("a")).model_dump()


def test_short_repr_and_html() -> None:
    bot = Bot.model_validate({"name": "b<1>", "flows": {
        "main": {"states": {"s": {"initial": True}}, "intents": {"i": {}}},
        "fb": {"fallback": True}}})
    assert repr(bot) == "Bot(name='b<1>', flows=['main', 'fb'], nlus=[], methods=0)"
    assert repr(bot.flows["fb"]) == "Flow(states=[], intents=[], actions=0, fallback=True)"
    page = bot._repr_html_()
    assert "b&lt;1&gt;: 2 flows" in page
    assert "<td>main</td><td>s</td><td>1</td><td>1</td><td>0</td><td>-</td>" in page
    assert "<td>fb (fallback)</td><td>-</td>" in page


def test_bot_and_flow_show_themselves_as_the_drawing_in_a_notebook() -> None:
    from pathlib import Path

    from igbot.kataml import load_bot

    bot = load_bot(Path(__file__).resolve().parents[2] / "data" / "bots" / "shop")
    bundle = bot._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Bot(name='shop'")
    assert "<table>" in bundle["text/html"] and "<svg" in bundle["text/html"]
    assert "<svg" in bot.flows["promo"]._repr_mimebundle_()["text/html"]
