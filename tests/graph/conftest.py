"""Shared fixtures: the conformance bots and a hand-built bot with every edge kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from igbot.kataml import Bot, load_bot, load_bot_text

BOTS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "kata-bots"
BOT_NAMES = ("buttonbot", "cardbot", "newsbot", "pizzabot", "schedulerbot", "stickerbot",
             "weatherbot")

# Every node and edge kind: text/data/command/any intents, initial and fallback, transitions
# with condition, priority, fallback and mapping, a float, a command action opening another
# flow, a scheduled command, a handover, reenter, and an action named by its type.
ALL_KINDS = """
schema: kata.ai/schema/kata-ml/1.0
name: allkinds
flows:
  main:
    intents:
      hello: {initial: true, type: text, condition: "content == 'hi'"}
      pick: {initial: true, type: data, condition: "payload.type == 'pick'"}
      reenter: {type: command, condition: "content == 'reenter'"}
      other: {type: text}
    states:
      start:
        initial: true
        transitions:
          menu: {condition: "intent == 'hello'", priority: 2, mapping: {context.n: "1"}}
          start: {fallback: true}
      menu:
        action: [{name: askHelp}, {name: toAgent}]
        transitions:
          done: 'intent == "pick" && payload.x < 3'
      done:
        end: true
        action: sayBye
      cancel:
        float: {condition: "content == 'cancel'"}
    actions:
      askHelp: {type: command, options: {command: help}}
      toAgent: {type: handover, options: {text: "An agent will answer"}}
      sayBye: {type: text, options: {text: bye}}
  help:
    intents:
      help: {initial: true, type: command, condition: "content == 'help'"}
    states:
      show:
        initial: true
        end: true
        action: [{name: text, options: {text: "Help!"}}, {name: later}]
    actions:
      later: {type: schedule, options: {command: add, message: {type: command, content: help}}}
  fallback:
    fallback: true
    intents: {anything: {fallback: true}}
    states: {only: {initial: true, end: true}}
"""

# Condition text that breaks naive Mermaid/DOT writers.
NASTY = 'content == "a \'q\' <b> & c | d # e; `f` [g] {h} (i) \\ 😀"\n  || x < 3 && y > 2'
NASTY_BOT = f"""
name: 'nasty "bot" <&>'
flows:
  "fl|ow #1":
    intents:
      "go <now>": {{initial: true, type: text, condition: {json.dumps(NASTY, ensure_ascii=False)}}}
    states:
      "a \\"b\\"":
        initial: true
        transitions:
          "end":
            condition: {json.dumps(NASTY, ensure_ascii=False)}
      "end": {{end: true}}
"""


def conformance_bot(name: str) -> Bot:
    if not BOTS_DIR.is_dir():
        pytest.skip(f"conformance bots not found at {BOTS_DIR}")
    return load_bot(BOTS_DIR / name)


@pytest.fixture
def pizzabot() -> Bot:
    return conformance_bot("pizzabot")


@pytest.fixture
def allkinds() -> Bot:
    return load_bot_text(ALL_KINDS)


@pytest.fixture
def nasty() -> Bot:
    return load_bot_text(NASTY_BOT)
