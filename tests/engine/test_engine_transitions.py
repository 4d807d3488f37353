"""Transitions, mappings, events, commands and the meta context."""

from __future__ import annotations

from tests.engine.conftest import make_engine, say, texts

STATES = """
name: states
config: {maxRecursion: 4}
flows:
  main:
    intents:
      go: {initial: true, type: text}
      loop: {type: command, condition: "content == 'loop'"}
      next: {type: command, condition: "content == 'next'"}
    states:
      s0:
        initial: true
        transit: {context.seen: "(context.seen || 0) + 1"}
        exit: {data.leftTo: "context.$to"}
        transitions:
          low: {condition: "content == 'x'", priority: 1}
          high: {condition: "content == 'x'", priority: 9}
          first: "content == 'y'"
          second: "content == 'y'"
          guarded: {condition: "content == 'z'", mapping: {context.picked: "'z-' + context.seen"}}
          s0: {fallback: true}
      low: {end: true, action: {name: text, options: {text: low}}}
      high: {end: true, action: {name: text, options: {text: high}}}
      first: {end: true, action: {name: text, options: {text: first}}}
      second: {end: true, action: {name: text, options: {text: second}}}
      guarded:
        enter: {context.from: "context.$from"}
        action: {name: text, options: {text: "$(context.picked) from $(context.from) in $(context.$flow)/$(context.$state)"}}
        transitions:
          looping: "content == 'loop'"
          chained: "content == 'chain'"
          s0: {fallback: true}
      looping:
        action: {name: command, options: {command: loop}}
        transitions:
          looping: "intent == 'loop'"
      chained:
        action:
          - {name: text, options: {text: "before"}}
          - {name: command, options: {command: next, payload: {n: "$(context.seen)"}}}
          - {name: text, options: {text: "after"}}
        transitions:
          finish: {condition: "intent == 'next'", mapping: {context.n: payload.n}}
      finish:
        action: {name: text, options: {text: "n=$(context.n)"}}
        float: {condition: "content == 'cancel'"}
        transitions:
          finish: {fallback: true}
"""


def test_highest_priority_transition_wins() -> None:
    assert texts(say(make_engine(STATES), "x")) == ["high"]


def test_equal_priority_takes_the_first_defined() -> None:
    assert texts(say(make_engine(STATES), "y")) == ["first"]


def test_fallback_transition_when_nothing_matches() -> None:
    engine = make_engine(STATES)
    turn = say(engine, "nothing")
    assert turn.record and turn.record.transition == "s0->s0"


def test_transit_mapping_exit_enter_and_meta_context() -> None:
    engine = make_engine(STATES)
    turn = say(engine, "z")
    assert texts(turn) == ["z-1 from s0 in main/guarded"]
    session = engine.session("u1")
    assert session and session.data == {"leftTo": "guarded"} and session.context["seen"] == 1


def test_command_reenters_in_the_same_turn_between_actions() -> None:
    engine = make_engine(STATES)
    say(engine, "z")
    turn = say(engine, "chain")
    assert texts(turn) == ["before", "n=1", "after"]
    assert [r.depth for r in turn.records] == [0, 1]
    assert turn.records[1].intent == "next"


def test_recursion_limit_stops_a_command_loop_with_a_typed_error() -> None:
    engine = make_engine(STATES)
    say(engine, "z")
    turn = say(engine, "loop")
    assert len(turn.records) == 5  # the message and config.maxRecursion = 4 commands
    assert any("maxRecursion=4" in e for e in turn.errors)


def test_float_transition_applies_from_every_state() -> None:
    engine = make_engine(STATES)
    say(engine, "z")
    say(engine, "chain")
    turn = say(engine, "cancel")
    assert turn.record and turn.record.transition == "finish->finish"
    engine2 = make_engine(STATES)
    say(engine2, "z")
    assert say(engine2, "cancel").record.transition == "guarded->finish"


def test_action_conditions_and_variants() -> None:
    engine = make_engine("""
    name: variants
    flows:
      main:
        intents:
          any: {initial: true}
        states:
          s:
            initial: true
            end: true
            transitions: {s: {fallback: true}}
            action:
              - {name: vip, condition: "content == 'vip'"}
              - name: hello
        actions:
          vip: {type: text, options: {text: "Welcome back!"}}
          hello: {type: text, condition: "content != 'mute'", options: {text: [one, two, three]}}
    """)
    assert texts(say(engine, "vip"))[0] == "Welcome back!"
    seen = {texts(say(engine, "hi"))[0] for _ in range(30)}
    assert seen == {"one", "two", "three"}
    turn = say(engine, "mute")
    assert texts(turn) == []
    assert [a.status for a in turn.record.actions] == ["skipped", "skipped"]


def test_undefined_action_is_an_error_in_the_record_not_a_crash() -> None:
    engine = make_engine("""
    name: missing
    flows:
      main:
        intents: {any: {initial: true}}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}}, action: [reenter, {name: text, options: {text: ok}}]}
    """)
    turn = say(engine, "hi")
    assert texts(turn) == ["ok"]
    assert "action 'reenter' is not defined" in turn.errors[0]


def test_meta_context_user_and_last_flow() -> None:
    engine = make_engine("""
    name: meta
    flows:
      a:
        intents: {ia: {initial: true, condition: "content == 'a'"}}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}},
              action: {name: text, options: {text: "$(context.$userId) $(context.$flow)"}}}
      b:
        intents: {ib: {initial: true, condition: "content == 'b'"}}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}},
              action: {name: text, options: {text: "last=$(context.$lastFlow) now>0:$(context.$now > 0)"}}}
    """)
    assert texts(say(engine, "a", user="p7")) == ["p7 a"]
    assert texts(say(engine, "b", user="p7")) == ["last=a now>0:true"]


def test_mapping_to_a_non_data_value_is_an_error_and_the_session_still_saves() -> None:
    engine = make_engine("""
    name: fn
    flows:
      main:
        intents: {any: {initial: true}}
        states:
          s: {initial: true, transitions: {s: {fallback: true, mapping: {context.f: content.trim, context.ok: "1"}}}}
    """)
    turn = say(engine, "hi")
    assert any("not data" in e for e in turn.errors)
    assert engine.session("u1") is not None


def test_kata_docs_enter_counter_mapping() -> None:
    # the `enter` example of kata-platform-docs' flow.md, as written there
    engine = make_engine("""
    name: counter
    flows:
      main:
        intents: {any: {initial: true}}
        states:
          stateA:
            initial: true
            enter:
              context.stateACount: (context.stateACount || 0)++
            transitions: {stateA: {fallback: true}}
            action: {name: text, options: {text: "visit $(context.stateACount)"}}
    """)
    assert [texts(say(engine, "x"))[0] for _ in range(3)] == ["visit 1", "visit 2", "visit 3"]
