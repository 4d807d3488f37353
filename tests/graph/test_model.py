"""flow_graph: nodes, edges and attributes for the conformance bots and hand-built flows."""

from __future__ import annotations

import networkx as nx
import pytest

from igbot.graph import flow_graph
from igbot.kataml import Bot

from .conftest import BOT_NAMES, conformance_bot


def kinds(g: nx.MultiDiGraph) -> set[str]:
    return {d["kind"] for *_, d in g.edges(data=True)}


def test_pizzabot_transition_with_condition_and_mapping(pizzabot: Bot) -> None:
    g = flow_graph(pizzabot)
    edge = g.edges["state:order/showPizza", "state:order/pizzaQuantity", "transition"]
    assert edge["condition"] == "intent == 'pizzaChosen'"
    assert edge["mapping"] == {"context.pizza": "payload.pizza"}
    assert edge["intents"] == ["pizzaChosen"]
    assert edge["fallback"] is False and edge["order"] == 0
    assert "intent == 'pizzaChosen'" in edge["label"] and "context.pizza" in edge["label"]
    assert "mapping: context.pizza = payload.pizza" in edge["title"]
    loop = g.edges["state:order/showPizza", "state:order/showPizza", "transition"]
    assert loop["fallback"] is True and loop["condition"] is None and loop["order"] == 1


def test_pizzabot_welcome_float(pizzabot: Bot) -> None:
    g = flow_graph(pizzabot)
    edge = g.edges["state:welcome/init", "state:welcome/init", "float"]
    assert edge["fallback"] is True
    collapsed = flow_graph(pizzabot, collapse_floats=True)
    assert collapsed.nodes["any:welcome"]["kind"] == "any"
    assert collapsed.has_edge("any:welcome", "state:welcome/init", "float")
    assert not collapsed.has_edge("state:welcome/init", "state:welcome/init", "float")


def test_pizzabot_done_command_opens_save_data(pizzabot: Bot) -> None:
    g = flow_graph(pizzabot)
    edge = g.edges["state:order/done", "flow:saveData", "command"]
    assert edge["command"] == "saveData" and edge["intent"] == "saveData"
    assert edge["action"] == "saveData"
    done = g.nodes["state:order/done"]
    assert done["end"] is True and done["role"] == "end"
    assert [a["name"] for a in done["actions"]] == [
        "sayThanks", "sayThanksSticker", "cancelOrder", "saveData"]
    assert done["actions"][3] == {"name": "saveData", "type": "command",
                                  "condition": "context.answer == 'yes'", "command": "saveData"}


def test_pizzabot_intents_kinds_and_entries(pizzabot: Bot) -> None:
    g = flow_graph(pizzabot)
    assert g.nodes["intent:order/orderCommand"]["type"] == "text"
    assert g.nodes["intent:order/pizzaChosen"]["type"] == "data"
    assert g.nodes["intent:order/reenter"]["type"] == "command"
    assert g.nodes["intent:order/reenter"]["reenter"] is True
    assert g.nodes["intent:fallback/fallbackIntent"]["type"] is None
    assert g.nodes["intent:fallback/fallbackIntent"]["fallback"] is True
    assert g.nodes["intent:order/orderCommand"]["classifiers"] == ["order:pizzaOrder"]
    assert g.has_edge("intent:order/pizzaChosen", "flow:order", "entry")
    assert g.has_edge("intent:order/yesno", "flow:order", "intent")
    assert g.nodes["flow:fallback"]["fallback"] is True
    assert g.nodes["state:fallback/init"]["role"] == "fallback"
    assert g.nodes["state:order/init"]["role"] == "initial"
    assert g.has_edge("flow:order", "state:order/init", "start")


def test_pizzabot_reenter_edges_go_to_flows_with_a_reenter_intent(pizzabot: Bot) -> None:
    g = flow_graph(pizzabot)
    targets = {v for u, v, d in g.edges(data=True) if d["kind"] == "reenter"}
    assert targets == {"flow:welcome", "flow:order"}
    assert g.edges["flow:saveData", "flow:welcome", "reenter"]["intent"] == "reenter"


@pytest.mark.parametrize("name", BOT_NAMES)
def test_every_conformance_bot_builds(name: str) -> None:
    bot = conformance_bot(name)
    g = flow_graph(bot)
    for flow, spec in bot.flows.items():
        assert g.nodes[f"flow:{flow}"]["n_states"] == len(spec.states)
        for state in spec.states:
            assert g.nodes[f"state:{flow}/{state}"]["kind"] == "state"
        for intent in spec.intents:
            assert g.nodes[f"intent:{flow}/{intent}"]["kind"] == "intent"
    for node, data in g.nodes(data=True):
        assert {"kind", "label", "flow", "name", "external"} <= set(data), node
    for *_, data in g.edges(data=True):
        assert {"kind", "label", "title"} <= set(data)


def test_newsbot_command_back_into_its_own_flow() -> None:
    g = flow_graph(conformance_bot("newsbot"))
    edge = g.edges["state:main/state_hit_newsapi", "flow:main", "command"]
    assert edge["command"] == "call_api_fallback" and edge["intent"] == "intent_fallback_api"


def test_schedulerbot_scheduled_command_opens_remind() -> None:
    g = flow_graph(conformance_bot("schedulerbot"))
    edge = g.edges["state:createReminder/create", "flow:remind", "schedule"]
    assert edge["command"] == "startScheduleRun"


def test_every_edge_kind(allkinds: Bot) -> None:
    g = flow_graph(allkinds)
    assert kinds(g) == {"start", "transition", "float", "entry", "intent", "command",
                        "schedule", "reenter", "handover"}
    tr = g.edges["state:main/start", "state:main/menu", "transition"]
    assert (tr["priority"], tr["mapping"], tr["intents"]) == (2, {"context.n": "1"}, ["hello"])
    assert "p=2" in tr["label"]
    done = g.edges["state:main/menu", "state:main/done", "transition"]
    assert done["condition"] == 'intent == "pick" && payload.x < 3'
    assert done["intents"] == ["pick"]
    floats = [u for u, v, d in g.edges(data=True) if d["kind"] == "float"]
    assert sorted(floats) == sorted(f"state:main/{s}" for s in ("start", "menu", "done", "cancel"))
    assert g.edges["state:main/menu", "flow:help", "command"]["intent"] == "help"
    assert g.edges["state:main/menu", "agent", "handover"]["action"] == "toAgent"
    assert g.nodes["agent"]["kind"] == "agent"
    menu = g.nodes["state:main/menu"]
    assert menu["handover"] is True and menu["role"] == "handover"
    assert g.edges["state:help/show", "flow:help", "schedule"]["command"] == "help"
    assert [a["type"] for a in g.nodes["state:help/show"]["actions"]] == ["text", "schedule"]
    assert g.has_edge("flow:help", "flow:main", "reenter")
    assert g.has_edge("flow:fallback", "flow:main", "reenter")
    assert not g.has_edge("flow:main", "flow:help", "reenter")  # help has no reenter intent
    assert g.nodes["intent:main/hello"]["conditions"] == ["content == 'hi'"]
    assert g.nodes["state:fallback/only"]["role"] == "fallback"


def test_without_intents(allkinds: Bot) -> None:
    g = flow_graph(allkinds, intents=False)
    assert not [n for n, d in g.nodes(data=True) if d["kind"] == "intent"]
    assert "entry" not in kinds(g) and "command" in kinds(g)


def test_one_flow_keeps_reached_flows_as_external(allkinds: Bot) -> None:
    g = flow_graph(allkinds, flow="main", collapse_floats=True)
    assert {d["flow"] for n, d in g.nodes(data=True) if not d["external"]} == {"main", None}
    assert g.nodes["flow:help"]["external"] is True
    assert g.nodes["flow:main"]["external"] is False
    assert not g.has_node("state:help/show")
    assert g.has_edge("any:main", "state:main/cancel", "float")
    with pytest.raises(KeyError, match="no flow 'nope'"):
        flow_graph(allkinds, flow="nope")


def test_transition_to_missing_state_is_marked() -> None:
    from igbot.kataml import load_bot_text

    bot = load_bot_text("flows: {f: {states: {a: {initial: true, transitions: {ghost: 'x'}}}}}")
    g = flow_graph(bot)
    assert g.nodes["state:f/ghost"]["missing"] is True
    assert g.has_edge("state:f/a", "state:f/ghost", "transition")


def test_one_flow_graph_is_the_same_whatever_the_hash_seed() -> None:
    import subprocess
    import sys
    from pathlib import Path

    shop = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"
    code = ("from igbot.graph import show; from igbot.kataml import load_bot; "
            f"print(show(load_bot({str(shop)!r}), 'promo').to_dot())")
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
