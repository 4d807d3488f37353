"""Kata's flow and intent selection, each rule on a small bot."""

from __future__ import annotations

from igbot import Engine, MemoryStore
from igbot.kataml import load_bot
from tests._conformance import BOTS, WEBHOOKS, loading_bot_names
from tests.engine.conftest import make_engine, say, tap, texts
from tests.engine.test_conformance_bots import GREETINGS, PERSON_BODIES, _keywords, _sent_payloads

TWO_FLOWS = """
schema: kata.ai/schema/kata-ml/1.0
name: two
flows:
  order:
    intents:
      start: {initial: true, type: text, condition: "content == 'order'"}
      size: {type: text, condition: "content == 'big' || content == 'small'"}
      reenter: {type: command, condition: "content == 'reenter'"}
      other: {fallback: true}
    states:
      init:
        initial: true
        transitions:
          ask: "intent == 'start'"
          init: {fallback: true}
      ask:
        action: askSize
        transitions:
          done: {condition: "intent == 'size'", mapping: {context.size: content}}
          ask: {fallback: true}
      done:
        end: true
        action: {name: text, options: {text: "A $(context.size) one, noted."}}
    actions:
      askSize: {type: text, options: {text: "Big or small?"}}
  faq:
    intents:
      hours: {initial: true, type: text, condition: "content == 'hours'"}
    states:
      init:
        initial: true
        transitions:
          answer: {fallback: true}
      answer:
        end: true
        action: {name: text, options: {text: "We open at 9."}}
  fallback:
    fallback: true
    intents:
      any: {fallback: true}
    states:
      init:
        initial: true
        end: true
        transitions:
          init: {fallback: true}
        action: {name: text, options: {text: "Sorry?"}}
"""


def test_initial_intent_opens_its_flow() -> None:
    engine = make_engine(TWO_FLOWS)
    turn = say(engine, "order")
    assert texts(turn) == ["Big or small?"]
    rec = turn.record
    assert rec and (rec.flow, rec.state, rec.intent, rec.is_fallback) == ("order", "ask", "start", False)


def test_unknown_message_goes_to_the_fallback_flow() -> None:
    engine = make_engine(TWO_FLOWS)
    turn = say(engine, "blah")
    assert texts(turn) == ["Sorry?"]
    assert turn.record and turn.record.is_fallback and turn.record.flow == "fallback"


def test_fallback_intent_keeps_the_conversation_in_its_flow() -> None:
    engine = make_engine(TWO_FLOWS)
    say(engine, "order")
    turn = say(engine, "purple")
    assert texts(turn) == ["Big or small?"]
    rec = turn.record
    assert rec and (rec.flow, rec.intent, rec.is_fallback) == ("order", "other", True)


def test_other_flow_initial_intent_stacks_the_current_flow_and_reenter_resumes_it() -> None:
    engine = make_engine(TWO_FLOWS)
    say(engine, "order")
    turn = say(engine, "hours")
    assert texts(turn) == ["We open at 9.", "Big or small?"]
    first, second = turn.records
    assert (first.flow, first.state, first.flow_ended) == ("faq", "answer", True)
    assert (second.message["content"], second.intent, second.depth) == ("reenter", "reenter", 1)
    session = engine.session("u1")
    assert session and (session.flow, session.state, session.stack) == ("order", "ask", [])
    assert texts(say(engine, "big")) == ["A big one, noted."]


def test_end_state_clears_context_but_keeps_data() -> None:
    bot = TWO_FLOWS.replace("mapping: {context.size: content}", "mapping: {context.size: content, data.last: content}")
    engine = make_engine(bot)
    say(engine, "order")
    say(engine, "small")
    session = engine.session("u1")
    assert session and session.flow is None and session.context == {} and session.data == {"last": "small"}


def test_intent_priority_then_order() -> None:
    engine = make_engine("""
    name: prio
    flows:
      main:
        intents:
          first: {initial: true, condition: "content.includes('a')"}
          second: {initial: true, condition: "content.includes('a')", priority: 5}
          third: {initial: true, condition: "content.includes('a')", priority: 5}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}},
              action: {name: text, options: {text: "$(intent)"}}}
    """)
    assert texts(say(engine, "abc")) == ["second"]


def test_type_filter_conditions_and_classifier_all_required() -> None:
    engine = make_engine("""
    name: filters
    nlus:
      kw: {type: keyword, options: {keywords: {greet: [hello]}}}
    flows:
      main:
        intents:
          greetText:
            initial: true
            type: text
            condition: ["content.length < 20", "!data.blocked"]
            classifier: {nlu: kw, match: greet}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}},
              action: {name: text, options: {text: "hi!"}}}
    """)
    assert texts(say(engine, "hello you")) == ["hi!"]
    assert texts(say(engine, "hello this message is far too long")) == []
    assert texts(tap(engine, {"type": "hello"})) == []
    assert say(engine, "nope").record.errors == ["no flow matched and the bot has no fallback flow"]


def test_volatile_flow_is_closed_not_stacked() -> None:
    bot = TWO_FLOWS.replace("  order:\n    intents:", "  order:\n    volatile: true\n    intents:")
    engine = make_engine(bot)
    say(engine, "order")
    turn = say(engine, "hours")
    assert texts(turn) == ["We open at 9."]
    session = engine.session("u1")
    assert session and session.flow is None and session.stack == []


def test_flow_already_on_the_stack_is_taken_out_and_resumed() -> None:
    engine = make_engine(TWO_FLOWS.replace(
        "hours: {initial: true, type: text, condition: \"content == 'hours'\"}",
        "hours: {initial: true, type: text, condition: \"content == 'hours'\"}\n"
        "      more: {type: text, condition: \"content == 'more'\"}").replace(
        "      answer:\n        end: true", "      answer:\n        transitions: {answer: {fallback: true}}"))
    say(engine, "order")          # order: ask
    say(engine, "hours")          # faq: answer (not end), order stacked
    session = engine.session("u1")
    assert session and session.flow == "faq" and [f.flow for f in session.stack] == ["order"]
    say(engine, "order")          # order's initial intent: order comes off the stack
    session = engine.session("u1")
    assert session and session.flow == "order" and [f.flow for f in session.stack] == ["faq"]


def test_inactive_flow_is_never_selected() -> None:
    engine = make_engine(TWO_FLOWS.replace("  faq:\n", "  faq:\n    active: false\n"))
    assert texts(say(engine, "hours")) == ["Sorry?"]


def test_attributes_fill_from_nlus() -> None:
    engine = make_engine(r"""
    name: slots
    nlus:
      qty: {type: regex, options: {regex: "[1-9]"}}
      name: {type: regex, options: {regex: "i am (\\w+) and (\\d+)", index: {who: 1, age: 2}}}
    flows:
      main:
        intents:
          tell:
            initial: true
            attributes:
              quantity: {nlu: qty}
              who: {nlu: name, path: who}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}},
              action: {name: text, options: {text: "$(attributes.who) wants $(attributes.quantity)"}}}
    """)
    turn = say(engine, "i am Budi and 42")
    assert turn.record and turn.record.attributes == {"quantity": "4", "who": "Budi"}
    assert texts(turn) == ["Budi wants 4"]


def test_expired_flow_is_closed_before_the_next_message() -> None:
    now = [1_000_000.0]
    bot = TWO_FLOWS.replace("  order:\n    intents:", "  order:\n    expire: 60000\n    intents:")
    engine = make_engine(bot, clock=lambda: now[0])
    say(engine, "order")
    now[0] += 30  # 30 s later: still waiting for the size
    assert texts(say(engine, "big")) == ["A big one, noted."]
    say(engine, "order")
    now[0] += 61  # past the flow's expire: the answer no longer belongs to it
    turn = say(engine, "big")
    assert texts(turn) == ["Sorry?"]
    assert turn.record.warnings[0] == "flow 'order' expired before this message"


def test_expired_flow_on_the_stack_is_dropped() -> None:
    now = [1_000_000.0]
    bot = TWO_FLOWS.replace("  order:\n    intents:", "  order:\n    expire: 60000\n    intents:").replace(
        "      answer:\n        end: true", "      answer:\n        transitions: {answer: {fallback: true}}")
    engine = make_engine(bot, clock=lambda: now[0])
    say(engine, "order")
    say(engine, "hours")  # faq on top, order stacked
    now[0] += 120
    say(engine, "hours")
    session = engine.session("u1")
    assert session is not None and session.stack == [] and session.flow == "faq"


def _outcome(turn) -> list[tuple]:
    return [(r.flow, r.state, r.intent, r.transition, r.is_fallback, r.flow_ended, r.errors,
             r.warnings) for r in turn.records] + [r.to_dict() for r in turn.requests]


def test_the_compiled_selection_agrees_with_the_traced_one_on_every_corpus_bot() -> None:
    """The traced path tries every intent of every flow (what the debugger shows); the fast
    path indexes them. Same people, same messages: same flows, states, errors and replies."""
    checked = 0
    for name in loading_bot_names():
        bot = load_bot(BOTS / name)
        fast, traced = (Engine(bot, MemoryStore(), seed=1, api=lambda call: None, trace=t,
                               clock=lambda: 1732500000.0) for t in (False, True))
        payloads: list[dict] = []
        for i, text in enumerate(GREETINGS + _keywords(bot)[:40]):
            message = {"type": "text", "content": text}
            a, b = fast.handle(message, f"u{i % 3}"), traced.handle(message, f"u{i % 3}")
            assert _outcome(a) == _outcome(b), (name, text)
            payloads += _sent_payloads(a)
        for payload in payloads[:30]:
            message = {"type": "data", "payload": payload}
            assert _outcome(fast.handle(message, "u0")) == _outcome(traced.handle(message, "u0"))
        for file in PERSON_BODIES:
            body = (WEBHOOKS / file).read_bytes()
            assert _outcome(fast.handle_webhook(body)) == _outcome(traced.handle_webhook(body))
        checked += 1
    assert checked >= 3


def test_the_equality_index_does_not_grow_with_the_texts_people_write() -> None:
    engine = make_engine("""
    name: menu
    flows:
      main:
        intents:
          menu: {initial: true, condition: "content == 'menu'"}
          one: {initial: true, condition: "content == '1'"}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}},
              action: {name: text, options: {text: "$(intent)"}}}
    """)
    index = engine.selector._initial["text"]
    # one path: every key a message can read is filled at load ("menu", "1", any other text,
    # null or undefined, not a string)
    assert len(index._cache) == 5
    for i in range(50):
        assert say(engine, f"something else {i}", user=f"p{i}").record.errors  # nothing matched
    assert texts(say(engine, "menu")) == ["menu"]
    assert texts(say(engine, "1", user="u2")) == ["one"]
    assert len(index._cache) == 5
