"""JavaScript through the engine: method NLUs, method actions, mapping methods that fail."""

from __future__ import annotations

from tests.engine.conftest import make_engine, say, texts

METHODS = """
name: methods
nlus:
  shout: {type: method, method: isShouting, options: {min: 3}}
  scoring: {type: method, method: scoring}
methods:
  "isShouting(msg, opt, cfg)": "return msg.content === msg.content.toUpperCase() && msg.content.length >= opt.min ? 'loud' : null;"
  scoring:
    code: "function score(message, context, data, options, config) { return message.content.length > config.long ? 1 : 0; }"
    entry: score
flows:
  main:
    intents:
      loud: {initial: true, classifier: {nlu: shout, match: loud}, priority: 2}
      long: {initial: true, classifier: {nlu: scoring}, priority: 1}
      any: {initial: true}
    states:
      s:
        initial: true
        end: true
        transitions:
          louder: "intent == 'loud'"
          counted: "intent == 'long'"
          broken: "content == 'break'"
          looping: "content == 'loop'"
          s: {fallback: true}
        action: {name: text, options: {text: "calm"}}
      louder:
        end: true
        action: [{name: count}, {name: text, options: {text: "LOUD $(data.loud)"}}]
      counted: {end: true, action: {name: text, options: {text: "long"}}}
      broken:
        end: true
        enter: explode
        action: {name: text, options: {text: "still here"}}
      looping:
        end: true
        enter: spin
        action: {name: text, options: {text: "after the loop"}}
    actions:
      count: {type: method, method: countLoud}
    methods:
      "countLoud(ctx)": "ctx.data.loud = (ctx.data.loud || 0) + 1; return ctx;"
      "explode(ctx)": "throw new Error('kaboom');"
      "spin(ctx)": "while (true) {}"
config:
  long: 12
"""


def engine():
    return make_engine(METHODS, js_time_limit=0.3)


def test_method_nlu_classifies_with_its_options() -> None:
    bot = engine()
    assert texts(say(bot, "HELLO")) == ["LOUD 1"]
    assert texts(say(bot, "HEY YOU")) == ["LOUD 2"]  # the method action updated data
    assert texts(say(bot, "hi")) == ["calm"]


def test_code_and_entry_method_nlu_gets_message_and_config() -> None:
    assert texts(say(engine(), "this is a long message")) == ["long"]


def test_a_throwing_method_is_an_error_in_the_record_and_the_turn_goes_on() -> None:
    turn = say(engine(), "break")
    assert texts(turn) == ["still here"]
    assert any("explode" in e and "kaboom" in e for e in turn.errors)


def test_a_looping_method_hits_its_time_limit_and_the_turn_goes_on() -> None:
    turn = say(engine(), "loop")
    assert texts(turn) == ["after the loop"]
    assert any("time limit" in e for e in turn.errors)


def test_attribute_and_classifier_process_methods() -> None:
    bot = make_engine("""
    name: process
    nlus:
      city: {type: regex, options: {regex: "in ([a-z]+)", index: 1}}
    methods:
      "capitalize(v)": "return v.charAt(0).toUpperCase() + v.slice(1);"
      "exclaim(v)": "return v + '!';"
      "known(v)": "return ['bandung', 'jakarta'].indexOf(v) >= 0 ? v : null;"
    flows:
      main:
        intents:
          where:
            initial: true
            classifier: {nlu: city, process: known}
            attributes:
              city: {nlu: city, process: [capitalize, exclaim]}
        states:
          s: {initial: true, end: true, transitions: {s: {fallback: true}},
              action: {name: text, options: {text: "$(attributes.city)"}}}
    """)
    assert texts(say(bot, "I live in bandung")) == ["Bandung!"]
    assert say(bot, "I live in paris").record.errors == ["no flow matched and the bot has no fallback flow"]


HOSTILE_BOT = """
name: hostile
flows:
  main:
    intents:
      any: {initial: true}
    states:
      s:
        initial: true
        end: true
        transitions:
          frozen: "content == 'regex'"
          deep: "content == 'deep'"
          lone: "content == 'lone'"
          s: {fallback: true}
        action: {name: text, options: {text: "calm"}}
      frozen:
        end: true
        enter: backtrack
        action: {name: text, options: {text: "after the regex"}}
      deep:
        end: true
        enter: deepen
        action: {name: text, options: {text: "after the deep value"}}
      lone:
        end: true
        enter: surrogate
        action: {name: text, options: {text: "after the surrogate $(context.t)"}}
    methods:
      "backtrack(ctx)": "ctx.context.hit = /^(a+)+$/.test('a'.repeat(40) + 'b'); return ctx;"
      "deepen(ctx)": "var o = {}; for (var i = 0; i < 100000; i++) o = {a: o}; ctx.context.o = o; return ctx;"
      "surrogate(ctx)": "ctx.context.t = '\\\\ud800'; return ctx;"
"""


def test_hostile_methods_are_method_errors_in_the_record_and_the_turn_goes_on() -> None:
    bot = make_engine(HOSTILE_BOT, js_time_limit=0.3)
    for text, reply, reason in [
        ("regex", "after the regex", "time limit of 0.3 s"),
        ("deep", "after the deep value", "nested deeper than 100 levels"),
        ("lone", "after the surrogate ", "lone surrogate"),
    ]:
        turn = say(bot, text, user=text)
        assert texts(turn) == [reply]
        assert any("method 'backtrack'" in e or "method 'deepen'" in e or "method 'surrogate'" in e
                   for e in turn.errors), turn.errors
        assert any(reason in e for e in turn.errors), turn.errors
        turn.record.to_dict()  # the record itself is plain, valid data


META = """
name: meta
id: meta-bot
version: 2.1.0
config: {faqs: {jam: "09-17"}}
flows:
  main:
    intents:
      any: {initial: true}
    states:
      s:
        initial: true
        transitions:
          t: {condition: "true"}
      t:
        enter: stamp
        transitions:
          t: {fallback: true}
        action:
          - name: text
            options: {text: "$(context.when) $(context.init) $(context.$init) $(context.hours)"}
          - name: text
            options: {text: "$(context.$channelId) $(context.$dataKey) $(context.$deploymentId) $(context.$timestamp)"}
    methods:
      "stamp(ctx)": "ctx.context.when = new Date(ctx.context.$now + 60000).toISOString(); ctx.context.init = ctx.context.$init; ctx.context.hours = ctx.config.faqs.jam; return ctx;"
"""


def test_meta_context_reaches_javascript_methods_and_expressions() -> None:
    # defect 6: ctx.context.$now was missing in methods (Date value is NaN); $init, $timestamp,
    # $dataKey, $channelId, $deploymentId were missing everywhere (Kata's data-structure.md)
    clock = iter([1_700_000_000.0] * 10)
    engine = make_engine(META, clock=lambda: next(clock))
    turn = say(engine, "hi")
    assert turn.errors == []
    session = engine.session("u1")
    assert session is not None
    created = int(session.created_at * 1000)
    assert texts(turn) == ["2023-11-14T22:14:20.000Z true true 09-17",
                           f"instagram instagram:u1 meta-bot@2.1.0 {created}"]
    assert not any(key.startswith("$") for key in session.context)  # read-only, never stored


def test_meta_init_is_false_once_the_flow_is_under_way() -> None:
    engine = make_engine(META)
    say(engine, "hi")
    turn = say(engine, "again")  # still in main (t has no end): not a new flow
    assert texts(turn)[0].endswith("false false 09-17")


ACTION_METHODS = """
name: kata-action-methods
methods:
  "summary(message, context, data, options)": "return {type: 'text', content: 'You: ' + message.content + ', ' + options.who + ', ' + context.$flow};"
  "menu(message, context, data, options, config)": >
    return [{type: 'text', content: config.hello},
            {type: 'data', payload: {type: 'template', template_type: 'button',
             items: {text: 'Pick', actions: [{type: 'postback', label: 'A', payload: {v: 'a'}}]}}}];
  "wrong(message, context)": "return {type: 'sticker'};"
config: {hello: "Hello!"}
flows:
  main:
    intents:
      any: {initial: true}
    states:
      s:
        initial: true
        transitions:
          d: {condition: "true"}
      d:
        end: true
        action:
          - {name: sum, options: {who: "$(content)"}}
          - name: menuAction
          - name: wrongAction
    actions:
      sum: {type: method, method: summary}
      menuAction: {type: method, method: menu}
      wrongAction: {type: method, method: wrong}
"""


def test_kata_action_methods_answer_with_the_messages_they_return() -> None:
    # Kata's action method form `name(message, context, data, options, config)` returns the
    # messages to send (bot-issue-reporting, kataai-bot-example, mainan-bot-kata-ai)
    turn = say(make_engine(ACTION_METHODS), "hey")
    assert texts(turn) == ["You: hey, hey, main", "Hello!"]
    button = turn.requests[2].body["message"]["attachment"]["payload"]
    assert button["template_type"] == "button" and button["buttons"][0]["title"] == "A"
    assert len(turn.requests) == 3
    assert turn.errors == ["flow 'main' action 'wrongAction': a method returned a message of type "
                           "'sticker': only text messages and data messages holding a template can be sent"]
