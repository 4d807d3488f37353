"""Each lint check on small bots written for it: it fires where it should and only there."""

from __future__ import annotations

from pathlib import Path

from igbot.kataml import LINT_CODES, Finding, lint, lint_path, load_bot_text

BASE = """
schema: kata.ai/schema/kata-ml/1.0
name: t
flows:
  fb:
    fallback: true
    intents: {any: {fallback: true}}
    states: {s: {initial: true, end: true, action: say}}
    actions: {say: {type: text, options: {text: sorry}}}
"""


def _lint(flow_yaml: str, extra: str = "", **kwargs: object) -> list[Finding]:
    indented = "\n".join("    " + line for line in flow_yaml.strip("\n").splitlines())
    bot = load_bot_text(BASE + "  f:\n" + indented + "\n" + extra)
    kwargs.setdefault("js_available", True)
    return lint(bot, **kwargs)  # type: ignore[arg-type]


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_every_code_has_a_level_and_description() -> None:
    for code, (level, description) in LINT_CODES.items():
        assert level in ("error", "warning", "info"), code
        assert description and code == code.lower()


def test_a_clean_flow_has_no_findings() -> None:
    assert _lint("""
intents:
  hi: {initial: true, condition: content == 'hi'}
  bye: {condition: "content == 'bye'"}
states:
  a: {initial: true, transitions: {b: "intent == 'hi'", a: {fallback: true}}}
  b: {action: greet, transitions: {c: "intent == 'bye'", b: {fallback: true}}}
  c: {end: true}
actions:
  greet: {type: text, options: {text: "Hello $(content)"}}
""") == []


def test_expression_syntax_errors_with_position_and_path() -> None:
    findings = _lint("""
intents:
  hi: {initial: true, condition: "content == "}
states:
  a:
    initial: true
    end: true
    transit: {context.x: "(context.x || 0)++"}
    action:
      - name: text
        condition: "context.mood = 'good'"
        options: {text: "Hi $(content"}
""")
    syntax = [f for f in findings if f.code == "expression-syntax"]
    # the transit `(context.x || 0)++` is Kata docs' own counter idiom: accepted, not an error
    assert [(f.path, f.level) for f in syntax] == [
        ("flows.f.intents.hi.condition[0]", "error"),
        ("flows.f.states.a.action[0].condition", "error"),
        ("flows.f.states.a.action[0].options.text", "error"),
    ]
    assert "at position 11" in syntax[0].message and "'content == '" in syntax[0].message
    assert "'='" in syntax[1].message  # assignment is not a comparison
    assert "unterminated" in syntax[2].message
    assert syntax[0].intent == "hi" and syntax[1].state == "a" and syntax[2].action == "text"
    assert syntax[0].line is not None


def test_missing_state_undefined_action_and_unreachable() -> None:
    findings = _lint("""
states:
  a: {initial: true, action: [text, nope], transitions: {ghost: {fallback: true}}}
  island: {end: true, action: {name: text, options: {text: x}}}
""")
    keys = [(f.code, f.state, f.action) for f in findings]
    assert ("missing-state", "a", None) in keys
    assert ("undefined-action", "a", "nope") in keys
    assert ("unreachable-state", "island", None) in keys
    assert ("undefined-action", "a", "text") not in keys  # an action type is fine
    assert next(f for f in findings if f.code == "missing-state").path == (
        "flows.f.states.a.transitions.ghost")


def test_float_counts_as_an_edge_from_every_state_and_as_fallback() -> None:
    findings = _lint("""
intents: {go: {initial: true}}
states:
  a: {initial: true, transitions: {b: "intent == 'go'"}}
  b: {transitions: {a: "intent == 'go'"}}
  cancel: {end: true, float: {condition: "content == 'cancel'"}}
  help: {float: {fallback: true}, transitions: {a: "intent == 'go'"}}
""")
    assert "unreachable-state" not in _codes(findings)
    assert "no-fallback-transition" not in _codes(findings)  # help's float is a fallback


def test_initial_states() -> None:
    assert _codes(_lint("states: {a: {end: true}}")) == ["no-initial-state"]
    findings = _lint("states: {a: {initial: true, end: true}, b: {initial: true, end: true}}")
    assert [(f.code, f.state) for f in findings] == [
        ("several-initial-states", "b"), ("unreachable-state", "b")]  # only 'a' is used


def test_no_fallback_transition_and_what_counts_as_covered() -> None:
    stuck = _lint("""
intents: {x: {initial: true}, y: {initial: true}}
states:
  a: {initial: true, transitions: {b: "intent == 'x'"}}
  b: {end: true}
""")
    assert [(f.code, f.state) for f in stuck] == [("no-fallback-transition", "a")]
    covered = _lint("""
intents: {x: {initial: true}, y: {initial: true}, r: {type: command, condition: "1"}}
states:
  a: {initial: true, transitions: {b: "intent == 'x' || intent == \\"y\\"", c: "intent == 'r'"}}
  b: {transitions: {c: "payload.ok", d: "!payload.ok"}}
  c: {end: true}
  d: {transitions: {c: null}}
""")
    assert covered == []


def test_intents_unused_unknown_and_the_reenter_idiom() -> None:
    findings = _lint("""
intents:
  start: {initial: true}
  used: {type: data}
  idle: {type: data}
  reenter: {type: command, condition: content == "reenter"}
states:
  a: {initial: true, transitions: {b: "intent == 'start'", a: {fallback: true}}}
  b: {transitions: {c: "intent == 'used' || intent === 'typo'", b: {fallback: true}}}
  c: {end: true}
""")
    assert [(f.code, f.intent) for f in findings] == [
        ("unused-intent", "idle"), ("unknown-intent", "typo")]  # in line order
    assert findings[1].path == "flows.f.states.b.transitions.c.condition"


def test_unused_action_and_no_fallback_flow() -> None:
    bot = load_bot_text("""
flows:
  f:
    states: {a: {initial: true, end: true, action: used}}
    actions:
      used: {type: text, options: {text: hi}}
      spare: {type: text, options: {text: hi}}
""")
    assert [(f.code, f.action) for f in lint(bot, js_available=True)] == [
        ("unknown-schema", None), ("no-fallback-flow", None), ("unused-action", "spare")]


def test_nlu_checks() -> None:
    findings = _lint("""
intents:
  a: {initial: true, classifier: {nlu: cloud}, attributes: {x: {nlu: cloud}}}
  b: {initial: true, classifier: [{nlu: missing}, {nlu: keyword}]}
states:
  s: {initial: true, end: true}
""", extra="""nlus:
  cloud: {type: witIntent}
  odd: {type: spacy}
""")
    keys = [(f.code, f.intent, f.path) for f in findings]
    assert keys == [
        ("unknown-nlu-type", None, "nlus.odd.type"),
        ("unused-nlu", None, "nlus.odd"),
        ("cloud-nlu", "a", "flows.f.intents.a.classifier[0].nlu"),  # once per intent
        ("unknown-nlu", "b", "flows.f.intents.b.classifier[0].nlu"),
    ]
    assert "unused-intent" not in _codes(findings)
    assert [f.code for f in findings if f.level == "error"] == ["unknown-nlu"]


def test_method_checks() -> None:
    flow = """
methods: {"mine(ctx)": "return ctx;"}
intents: {go: {initial: true}}
states:
  a:
    initial: true
    enter: mine
    transitions: {b: {condition: "intent == 'go'", mapping: ghost}, a: {fallback: true}}
  b: {end: true, exit: shared}
"""
    extra = 'methods: {"shared(ctx)": "return ctx;"}\n'
    assert _codes(_lint(flow, extra)) == ["undefined-method"]
    no_js = _lint(flow, extra, js_available=False)
    assert [(f.code, f.path) for f in no_js] == [
        ("js-unavailable", "flows.f.states.a.enter"),
        ("undefined-method", "flows.f.states.a.transitions.b.mapping"),
        ("js-unavailable", "flows.f.states.b.exit"),
    ]


def test_instagram_limits_on_static_content() -> None:
    long_text = "é" * 501  # 1,002 bytes
    cards = "\n".join(f"      - {{title: c{i}, text: t}}" for i in range(11))
    replies = "\n".join(f"        - {{type: text, label: q{i}, payload: p}}" for i in range(14))
    findings = _lint(f"""
states: {{a: {{initial: true, end: true, action: [t, b, c, q]}}}}
actions:
  t: {{type: text, options: {{text: ["ok", "{long_text}"]}}}}
  b:
    type: template
    options:
      type: button
      items:
        text: pick
        actions:
          - {{type: postback, label: "a label that is far too long", payload: {{k: "{'x' * 1000}"}}}}
          - {{type: postback, label: b}}
          - {{type: url, label: c, url: "https://x.example"}}
          - {{type: call, label: d}}
  c:
    type: template
    options:
      type: carousel
      items:
{cards}
  q:
    type: template
    options:
      type: text
      items:
        text: "$(context.name) {"x" * 1000}"
        quickreply:
{replies}
        - {{type: location, label: where}}
""")
    keys = [(f.code, f.level, f.path.split(".options.", 1)[1]) for f in findings]
    assert keys == [
        ("limit-adjusted", "warning", "text[1]"),
        ("limit-exceeded", "error", "items.actions"),
        ("limit-adjusted", "warning", "items.actions[0].label"),
        ("limit-exceeded", "error", "items.actions[0].payload"),
        ("unsupported-button", "warning", "items.actions[3].type"),
        ("limit-exceeded", "error", "items"),
        ("limit-adjusted", "warning", "items.text"),
        ("limit-exceeded", "error", "items.quickreply"),
        ("unsupported-quick-reply", "warning", "items.quickreply[14].type"),
    ]
    by_path = {f.path.split(".options.", 1)[1]: f for f in findings}
    assert "1002 bytes" in by_path["text[1]"].message
    assert "at least 1001 bytes" in by_path["items.text"].message  # $(...) not counted
    assert "15 quick replies" in by_path["items.quickreply"].message
    assert "11 carousel cards" in by_path["items"].message


def test_line_features_and_scheduling() -> None:
    findings = _lint("""
states: {a: {initial: true, end: true, action: [st, loc, map, like, sch, asy]}}
actions:
  st: {type: template, options: {type: sticker, items: {stickerId: '5', packageId: '1'}}}
  loc: {type: template, options: {type: location, items: {title: here}}}
  map: {type: template, options: {type: imagemap, items: {baseUrl: x}}}
  like: {type: template, options: {type: sticker, items: {sticker: like_heart}}}
  sch: {type: schedule, options: {command: add}}
  asy: {type: asyncApi, options: {uri: x}}
""")
    assert [(f.code, f.level, f.action) for f in findings] == [
        ("line-sticker", "warning", "st"),
        ("line-location", "warning", "loc"),
        ("line-imagemap", "error", "map"),
        ("schedule-action", "warning", "sch"),
        ("async-api-action", "warning", "asy"),
    ]
    assert "like_heart" in findings[0].message and "1/5" in findings[0].message
    assert findings[3].path == "flows.f.actions.sch"


def test_cards_with_only_a_title_and_images_without_url() -> None:
    # defect 1: a card with only a title crashed the engine and lint said nothing;
    # defect 7: Kata's `image` action type
    findings = _lint("""
states: {a: {initial: true, end: true, action: [bare, fine, dyn, btn, pic, nopic]}}
actions:
  bare: {type: template, options: {type: carousel, items: [{title: A}, {title: B, text: b}]}}
  fine: {type: template, options: {type: carousel, items: [{title: C, thumbnailImageUrl: "https://x/c.jpg"}]}}
  dyn: {type: template, options: {type: carousel, data: $(context.rows), template: {title: "$[name]"}}}
  btn: {type: template, options: {type: button, items: {title: Only}}}
  pic: {type: image, options: {originalContentUrl: "https://x/a.jpg"}}
  nopic: {type: image, options: {}}
""")
    assert [(f.code, f.level, f.action, f.path) for f in findings] == [
        ("incomplete-card", "error", "bare", "flows.f.actions.bare.options.items[0]"),
        ("incomplete-card", "error", "dyn", "flows.f.actions.dyn.options.template"),
        ("incomplete-card", "error", "btn", "flows.f.actions.btn.options.items"),
        ("image-without-url", "error", "nopic", "flows.f.actions.nopic.options"),
    ]
    assert "Generic Template" in findings[0].message


def test_instagram_actions_menu_and_quick_replies() -> None:
    findings = _lint("""
states: {a: {initial: true, end: true, action: [typing, badTyping, heart, reply, noReply, hide, share, noShare, pics, ask]}}
actions:
  typing: {type: senderAction, options: {action: typing_on}}
  badTyping: {type: senderAction, options: {action: recording}}
  heart: {type: react, options: {reaction: love}}
  reply: {type: commentReply, options: {text: "Thanks! Check your DMs"}}
  noReply: {type: commentReply}
  hide: {type: hideComment}
  share: {type: template, options: {type: share, items: {postId: "17900000000000001"}}}
  noShare: {type: template, options: {type: share, items: {}}}
  pics: {type: template, options: {type: image, items: [{originalContentUrl: "https://x/1.jpg"}, {originalContentUrl: "https://x/2.jpg"}]}}
  ask:
    type: template
    options: {type: text, items: {text: "Your contact?", quickreply: [{type: user_phone_number}, {type: user_email}, {type: location}]}}
""", extra="""config:
  instagram:
    persistent_menu:
      - {type: postback, label: "a label far longer than thirty chars", payload: P}
""")
    assert [(f.code, f.action) for f in findings] == [
        ("bad-persistent-menu", None),
        ("bad-sender-action", "badTyping"),
        ("bad-comment-action", "noReply"),
        ("share-without-post", "noShare"),
        ("unsupported-quick-reply", "ask"),
    ]
    assert "call_to_actions.0.title" in findings[0].message and "30" in findings[0].message


def test_thread_control_configuration_and_extension() -> None:
    findings = _lint("""
states: {a: {initial: true, end: true, action: [ok, tooLong]}}
actions:
  ok: {type: extendThreadControl, options: {duration: 3600}}
  tooLong: {type: extendThreadControl, options: {duration: 90000}}
""", extra="config: {instagram: {thread_control: carrier_pigeon}}\n")
    assert [(f.code, f.action) for f in findings] == [
        ("bad-thread-control", None), ("bad-thread-control", "tooLong")]


def test_state_action_options_are_checked_too() -> None:
    findings = _lint("""
states:
  a:
    initial: true
    end: true
    action:
      - {name: text, options: {text: "Yes, really"}}
      - {name: tpl, options: {type: imagemap}}
actions:
  tpl: {type: template, options: {type: text, items: {text: hi}}}
""")
    assert [(f.code, f.state, f.action, f.path) for f in findings] == [
        ("line-imagemap", "a", "tpl", "flows.f.states.a.action[1].options.items")]


def test_duplicate_and_unknown_keys() -> None:
    bot = load_bot_text(BASE + """  f:
    bogus: 1
    intents: {i: {initial: true, classifier: {nlu: keyword, expression: "x == 1", dict: {}}}}
    states:
      a: {initial: true, end: true, fallback: true}
      a: {initial: true, end: true}
""")
    findings = lint(bot, js_available=True)
    assert [(f.code, f.path) for f in findings] == [
        ("unknown-key", "flows.f.bogus"),
        ("duplicate-key", "flows.f.states.a"),
    ]
    assert findings[1].level == "warning"


def test_lint_path_reports_load_errors(tmp_path: Path) -> None:
    (tmp_path / "bot.yml").write_text("flows:\n  f: $include(./gone.yml)\n", encoding="utf-8")
    bot, findings = lint_path(tmp_path)
    assert bot is None
    assert [(f.level, f.code, f.file, f.path) for f in findings] == [
        ("error", "load-error", "bot.yml", "flows.f")]
    assert "gone.yml" in findings[0].message
