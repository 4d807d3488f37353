"""The turn record's trace: why each intent matched or not, which transition, context and data."""

from __future__ import annotations

import json
from dataclasses import fields

from igbot._message import Message
from igbot.engine import Engine, MemoryStore
from igbot.engine._records import TurnRecord
from tests.engine.conftest import make_engine, say

BOT = """
    name: t
    nlus:
      topic: {type: keyword, options: {keywords: {promo: [promo, deal]}}}
    flows:
      main:
        intents:
          hi: {initial: true, type: text, condition: 'content == "hi"'}
          deal: {initial: true, type: text, classifier: {nlu: topic, match: promo}, priority: 5}
          pick: {type: data, condition: payload.item != null}
          other: {fallback: true}
        states:
          start:
            initial: true
            transitions:
              offer: {condition: intent == "deal", mapping: {context.seen: 'true', data.n: (data.n || 0) + 1}}
              hello: intent == "hi"
          hello: {end: true, action: greet}
          offer:
            action: offerText
            transitions:
              done: {condition: 'payload.item == "a"', priority: 2}
              offer: {fallback: true}
          done: {end: true, action: greet}
        actions:
          greet: {type: text, options: {text: Hi!}}
          offerText: {type: text, options: {text: Deal!}}
      fallback:
        fallback: true
        intents:
          anything: {fallback: true}
        states:
          s: {initial: true, end: true, action: sorry}
        actions:
          sorry: {type: text, options: {text: "Sorry?"}}
"""


def test_no_trace_unless_asked() -> None:
    engine = make_engine(BOT)
    turn = say(engine, "hi")
    assert turn.record is not None and turn.record.trace is None
    assert "trace" not in turn.record.to_dict()


def test_intents_tried_in_order_with_reasons_and_values() -> None:
    engine = make_engine(BOT, trace=True)
    record = say(engine, "any deal?").record
    assert record is not None and record.trace is not None
    trace = record.trace
    assert trace.via == "initial"
    by_name = {(t.flow, t.intent): t for t in trace.intents}
    assert [t.intent for t in trace.intents][:4] == ["hi", "deal", "pick", "other"]
    hi = by_name["main", "hi"]
    assert not hi.matched and hi.reason == "condition 'content == \"hi\"' is false"
    assert hi.conditions[0].values == {"content": "any deal?"} and hi.conditions[0].value is False
    deal = by_name["main", "deal"]
    assert deal.matched and deal.chosen and deal.priority == 5
    assert [(c.nlu, c.output, c.matched) for c in deal.classifiers] == [("topic", "promo", True)]
    assert "not initial" in by_name["main", "pick"].reason
    assert "fallback intent" in by_name["main", "other"].reason


def test_transitions_taken_and_not_with_their_values() -> None:
    engine = make_engine(BOT, trace=True)
    record = say(engine, "deal").record
    assert record is not None and record.trace is not None
    trials = {t.dest: t for t in record.trace.transitions}
    assert trials["offer"].taken and trials["offer"].reason.startswith("condition holds")
    assert trials["offer"].condition is not None
    assert trials["offer"].condition.values == {"intent": "deal"}
    assert not trials["hello"].taken and trials["hello"].reason == "condition is false"
    assert record.trace.context_before == {} and record.trace.context_after == {"seen": True}
    assert record.trace.data_before == {} and record.trace.data_after == {"n": 1}
    assert [r.action for r in record.trace.requests] == ["offerText"]
    assert record.trace.requests[0].body["message"]["text"] == "Deal!"
    again = engine.handle({"type": "data", "payload": {"item": "b"}}, user="u1").record
    assert again is not None and again.trace is not None
    trials = {t.dest: t for t in again.trace.transitions}
    assert not trials["done"].taken and trials["done"].condition is not None
    assert trials["done"].condition.values == {"payload.item": "b"}
    assert trials["offer"].taken and "no other transition matched" in trials["offer"].reason
    assert again.trace.data_before == {"n": 1}


def test_fallback_turn_says_nothing_matched() -> None:
    engine = make_engine(BOT, trace=True)
    record = say(engine, "qwerty").record
    assert record is not None and record.trace is not None and record.is_fallback
    chosen = [t for t in record.trace.intents if t.chosen]
    assert [(t.flow, t.intent, t.step) for t in chosen] == [("fallback", "anything",
                                                              "fallback-flow")]
    assert record.trace.via == "fallback-flow"
    assert not any(t.matched for t in record.trace.intents if not t.chosen)


def test_trace_is_json_ready_and_same_outcome_as_untraced() -> None:
    from pathlib import Path

    shop = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"
    plain, traced = (Engine(shop, MemoryStore(), seed=3, trace=t) for t in (False, True))
    for text in ["hi", "any promo?", "opening hours?", "qwerty", "talk to a person"]:
        a, b = say(plain, text), say(traced, text)
        assert [r.body for r in a.requests] == [r.body for r in b.requests]
        assert [(r.flow, r.state, r.intent) for r in a.records] == \
            [(r.flow, r.state, r.intent) for r in b.records]
        json.dumps([r.to_dict() for r in b.records], default=str)


def test_a_record_of_a_message_is_the_record_init_builds() -> None:
    message = Message(type="data", content="x", payload={"type": "menu"}, metadata={"mid": "m1"})
    lazy = TurnRecord.of("u", message, 1, "main", "start")
    eager = TurnRecord(user="u", message=message.to_record(), depth=1, flow_before="main",
                       state_before="start", flow="main", state="start")
    assert lazy == eager
    assert lazy.to_dict() == eager.to_dict()
    assert list(lazy.to_dict()) == [f.name for f in fields(TurnRecord) if f.name != "trace"]
    assert lazy.message == {"type": "data", "content": "x", "payload": {"type": "menu"},
                            "metadata": {"mid": "m1"}}
    lazy.errors.append("e")
    assert TurnRecord.of("u", message, 1, "main", "start").errors == []  # fresh lists each time
    assert repr(TurnRecord.of("u", message, 1, "main", "start")) == repr(eager)
    assert list(eager.to_dict()) == list(lazy.to_dict())


def test_a_record_reads_its_constant_defaults_until_the_turn_sets_them() -> None:
    record = TurnRecord.of("u", Message(type="text", content="hi"), 0, None, None)
    assert (record.intent, record.is_fallback, record.transition, record.flow_ended,
            record.handover, record.agent_owned, record.trace) == (
                None, False, None, False, False, False, None)
    record.handover = True
    assert record.handover and not TurnRecord.of("u", Message(), 0, None, None).handover
    record.extra = 1  # type: ignore[attr-defined]  # an attribute a caller adds is kept
    assert record.to_dict()["extra"] == 1 and record.to_dict()["handover"] is True
