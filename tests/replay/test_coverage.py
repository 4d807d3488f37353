"""Coverage of the conformance bots by their Kata specs, and of the shop bot by a log."""

from __future__ import annotations

import json
import textwrap
from collections import Counter

import pytest

from igbot.engine import ActionRecord, TurnRecord
from igbot.kataml import load_bot_text
from igbot.replay import Coverage, coverage, replay
from igbot.replay._coverage import Hits, bot_universe, count_hits

from .conftest import KATA_BOTS, SPECS, event, frame


def test_pizzabot_specs(pizzabot):
    cov = coverage(pizzabot, SPECS / "pizzabot")
    assert isinstance(cov, Coverage)
    assert (cov.states.covered, cov.states.total) == (6, 8)
    assert cov.states.uncovered == ["welcome/init", "fallback/init"]
    assert "order/pizzaQuantity->confirmPizza" not in cov.transitions.uncovered
    assert "order/showPizza->showPizza" in cov.transitions.uncovered  # no spec sends a wrong choice
    assert cov.intents.uncovered == ["welcome/greeting", "welcome/reenter", "fallback/fallbackIntent"]
    assert "order/sayThanks" not in cov.actions.uncovered and "order/cancelOrder" not in cov.actions.uncovered
    assert cov.states.share == pytest.approx(0.75)
    out = cov.to_dict()
    json.dumps(out)
    assert out["states"] == {"covered": 6, "total": 8, "share": 0.75,
                             "uncovered": ["welcome/init", "fallback/init"]}


def test_each_spec_kind_counts_what_it_exercises(pizzabot):
    intents = coverage(pizzabot, SPECS / "pizzabot" / "order_intents.spec.yml")
    assert intents.states.covered == 0 and intents.intents.covered == 3
    actions = coverage(pizzabot, SPECS / "pizzabot" / "order_actions.spec.yml")
    assert actions.states.covered == 0
    ran = {name for name, n in actions.actions.counts.items() if n}
    assert ran == {"order/sayThanks", "order/sayThanksSticker", "order/saveData", "order/cancelOrder"}
    states = coverage(pizzabot, SPECS / "pizzabot" / "order_states.spec.yml")
    assert states.intents.covered == 0 and states.actions.covered == 0  # forced intents, no actions
    assert "order/confirmPizza->done" not in states.transitions.uncovered


@pytest.mark.parametrize("name", ["buttonbot", "cardbot", "newsbot", "stickerbot", "weatherbot", "schedulerbot"])
def test_every_conformance_bot_has_some_spec_coverage(name):
    if not KATA_BOTS.is_dir():
        pytest.skip(f"conformance bots not found at {KATA_BOTS}")
    cov = coverage(KATA_BOTS / name, SPECS / name)
    assert cov.states.covered + cov.actions.covered + cov.intents.covered > 0
    assert all(0.0 <= item.share <= 1.0 for item in cov.items.values())


def test_shop_log_coverage_and_mixing_sources(shop, pizzabot):
    rows = [event("a", 0, "text", "hello"), event("a", 5, "text", "where is the shop"),
            event("b", 0, "story_mention")]
    cov = coverage(shop, frame(rows), progress=False)
    assert "greeting/welcome" not in cov.states.uncovered
    assert "location/where" not in cov.states.uncovered
    assert "greeting/thanksMention" not in cov.states.uncovered
    assert "promo/claimed" in cov.states.uncovered
    assert "greeting/storyReply" in cov.intents.uncovered
    again = coverage(shop, replay(shop, frame(rows), progress=False))
    assert again.to_dict() == cov.to_dict()
    both = coverage(shop, [frame(rows), frame([event("c", 0, "text", "promo")])], progress=False)
    assert both.states.covered > cov.states.covered


def test_floats_count_once():
    bot = load_bot_text(textwrap.dedent("""
        schema: kata.ai/schema/kata-ml/1.0
        name: floaty
        flows:
          main:
            intents:
              any: {initial: true, type: text}
              help: {type: text, condition: content == "help", priority: 10}
            states:
              init:
                initial: true
                transitions: {a: {fallback: true}}
              a:
                transitions: {a: {fallback: true}}
              helpme:
                end: true
                float: {condition: intent == "help"}
    """))
    assert bot_universe(bot)["transitions"] == ["main/init->a", "main/a->a", "main/*->helpme"]
    cov = coverage(bot, frame([event("x", 0, "text", "hi"), event("x", 5, "text", "hi"), event("x", 9, "text", "help")]), progress=False)
    assert cov.transitions.uncovered == []
    assert cov.transitions.counts["main/*->helpme"] == 1


def test_html_and_figure(pizzabot, tmp_path):
    cov = coverage(pizzabot, SPECS / "pizzabot")
    html = cov._repr_html_()
    assert "welcome/init" in html and "<table" in html
    assert "<svg" in cov.to_html(graph=True)
    saved = cov.graph().save(tmp_path / "cov.png")
    assert saved.read_bytes()[:4] == b"\x89PNG"
    assert cov.table()["kind"].tolist() == ["states", "transitions", "intents", "actions"]


def test_count_hits_counts_what_a_turn_exercised() -> None:
    hits: Hits = Counter()
    ran = [ActionRecord("hello", "text"), ActionRecord("maybe", "text", status="skipped"),
           ActionRecord("retry", "text", status="substituted"),
           ActionRecord("boom", "api", status="error")]
    count_hits(hits, [TurnRecord(user="u", message={}, flow="order", state="ask", intent="buy",
                                 transition="init->ask", actions=ran),
                      TurnRecord(user="u", message={}, flow=None, state="ignored")])
    assert hits == Counter({("state", "order", "ask"): 1, ("state", "order", "init"): 1,
                            ("transition", "order", "init->ask"): 1,
                            ("intent", "order", "buy"): 1, ("action", "order", "hello"): 1,
                            ("action", "order", "retry"): 1})
