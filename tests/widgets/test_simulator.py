"""ChatSimulator driven by its methods and by its buttons, headless, and its exported test spec."""

from __future__ import annotations

import yaml

from igbot.engine._specs import run_spec
from igbot.kataml import Bot
from igbot.widgets import ChatSimulator


def labels(sim: ChatSimulator) -> list[str]:
    return [b.description for b in sim.replies.children]


def test_story_reply_shows_bubbles_status_and_quick_replies(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.story_reply("love this!")
    assert "replied to your story" in sim.transcript.value and "love this!" in sim.transcript.value
    assert "Thanks for replying to our story!" in sim.transcript.value
    assert "❤️" in sim.transcript.value
    assert sim.status_label.value == "flow greeting · state thanksStory · intent storyReply"
    assert labels(sim) == ["Promos", "Hours & FAQ", "Talk to us"]


def test_typing_and_clicking_send(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.text.value = "hello"
    sim.send_button.click()
    assert sim.text.value == ""
    assert "I&#x27;m the Kopi Senja assistant" in sim.transcript.value
    assert "state welcome" in sim.status_label.value


def test_tapping_a_carousel_button_claims_the_promo(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.ice_breaker_buttons[0].click()  # "What's on promo?"
    assert "Buy 1 Get 1 Kopi Susu" in sim.transcript.value
    assert labels(sim) == ["Claim B1G1", "Claim 20% off", "Claim croissant"]
    next(b for b in sim.replies.children if b.description == "Claim croissant").click()
    assert "Show the code SENJA-CROISSANT at the counter" in sim.transcript.value
    assert sim.engine.session(sim.user).data == {"claimed": 1}


def test_quick_reply_tap_by_method(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.send_text("opening hours?")
    sim.tap("Delivery")
    assert "We deliver around Bandung" in sim.transcript.value
    assert sim.status() == "flow faq · state answer · intent question"


def test_mention_and_comment_buttons(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.mention_button.click()
    assert "state thanksMention" in sim.status_label.value
    sim.text.value = "what's the price?"
    sim.comment_button.click()
    assert "commented on your post" in sim.transcript.value
    assert sim.turns[-1].requests[0].body["recipient"] == {"comment_id": "comment-1"}
    assert "Signature Kopi Susu is IDR 28k" in sim.transcript.value


def test_handover_banner_and_resolve(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    assert sim.handover_box.layout.display == "none"
    sim.send_text("I want to talk to a person")
    assert sim.handed_over and sim.handover_box.layout.display is None
    assert "handed over to the agent inbox" in sim.transcript.value
    sim.send_text("hello?")
    assert sim.turns[-1].requests == [] and "the agent owns the thread" in sim.status_label.value
    sim.resolve_button.click()
    assert not sim.handed_over and sim.handover_box.layout.display == "none"
    assert "Thanks for chatting with our team!" in sim.transcript.value
    assert sim.status_label.value == "flow handover · state back · intent agentDone"


def test_reset_clears_the_conversation(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.send_text("promo")
    sim.reset_button.click()
    assert sim.cases == [] and sim.replies.children == () and sim.engine.session(sim.user) is None
    assert sim.status_label.value == "new conversation"


def test_exported_spec_passes_on_the_engine(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.story_reply("nice")
    sim.tap("Hours & FAQ")
    sim.tap("Payment")
    sim.story_mention()
    sim.comment("so cute")
    sim.send_text("qwerty")
    sim.ice_breaker(3)
    sim.send_text("still there?")
    sim.resolve()
    sim.send_text("where are you")
    spec = yaml.safe_load(sim.to_test_spec())
    assert spec["schema"] == "kata.ai/schema/kata-ml/1.0/test/flow"
    cases = list(spec["test"].values())
    assert len(cases) == 8  # the message after resolve cannot be replayed by a spec
    assert cases[2]["expect"] == {"state": "answer", "intent": "question"}
    assert "left out" in sim.to_test_spec()
    results = run_spec(shop, spec)
    assert [r.passed for r in results] == [True] * 8, [str(r) for r in results]


def test_spec_export_button_shows_the_yaml(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.send_text("hi")
    sim.spec_button.click()
    assert sim.spec_view.layout.display is None
    assert "kata.ai/schema/kata-ml/1.0/test/flow" in sim.spec_view.value


def test_unknown_tap_lists_what_can_be_tapped(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.send_text("hi")
    try:
        sim.tap("Nope")
    except KeyError as exc:
        assert "Promos" in str(exc)
    else:
        raise AssertionError("tap of a missing label must fail")


def test_displays_as_its_widget_box(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    bundle = sim._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == sim.widget.model_id


# -- newest in view, Enter, Reset, the debugger, teaching from a fallback turn ---------------------

def test_enter_sends_and_the_newest_message_is_in_view(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.text.value = "hello"
    sim.text._handle_custom_msg({"event": "submit"}, [])  # what the front end sends on Enter
    assert sim.text.value == "" and len(sim.turns) == 1
    sim.text._handle_custom_msg({"event": "submit"}, [])  # an empty box sends nothing
    assert len(sim.turns) == 1
    for text in ["any promo?", "opening hours?", "where are you"]:
        sim.send_text(text)
    html = sim.transcript.value
    # a column-reverse scroller starts at its end: the newest bubble is what shows
    assert "flex-direction:column-reverse" in html and "overflow-y:auto" in html
    assert html.rindex("where are you") > html.rindex("opening hours?")
    assert sim.transcript.layout.overflow is None  # one scroller only, inside the HTML
    assert sim.turn_select.value == 3  # the debugger follows the newest turn


def test_reset_clears_transcript_state_and_spec(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.send_text("any promo?")
    sim.spec_button.click()
    assert "promoText" in sim.spec_view.value and sim.spec_view.layout.display is None
    sim.reset_button.click()
    assert sim.spec_view.value == "" and sim.spec_view.layout.display == "none"
    assert sim.turns == [] and sim.events == [] and "say something" in sim.transcript.value
    assert sim.engine.session(sim.user) is None and sim.status() == "new conversation"
    assert sim.turn_select.options == () and "no turn yet" in sim.debug_html.value


def test_debugger_explains_the_turn(shop: Bot) -> None:
    from html import unescape

    sim = ChatSimulator(shop)
    sim.send_text("any promo?")
    text = unescape(sim.debug_html.value)
    assert "Intents tried" in text and "selected via initial" in text
    assert "promo.promoText" in text and "▶ chosen" in text
    assert "no classifier matched (topic gave 'promo')" in text  # greeting.hello, and why
    assert 'payload.topic == "promo"' in text and "read" in text  # a condition and its values
    assert "init → show" in text and "▶ taken" in text
    assert "POST /messages" in text and '"template_type": "generic"' in text  # Send API JSON
    sim.tap("Claim B1G1")
    text = unescape(sim.debug_html.value)
    assert "context" in text and "SENJA-B1G1" in text and "claimed" in text
    assert "✘ not taken" in text  # show -> show (fallback) was not taken
    sim.turn_select.value = 0  # an older turn can be looked at again
    assert "any promo?" in unescape(sim.debug_html.value)


def test_fallback_turn_teaches_a_keyword_and_replays(shop: Bot) -> None:
    sim = ChatSimulator(shop)
    sim.send_text("how much is a latte")
    assert sim.teachable() == "how much is a latte"
    assert sim.teach_box.layout.display is None
    assert "faq.faqText" in sim.teach_intent.options
    assert not any(c.endswith(".unknown") for c in sim.teach_intent.options)  # no fallbacks
    sim.teach_intent.value = "faq.faqText"
    sim.teach_button.click()
    assert "how much is a latte" in sim.bot.nlus["topic"].options["keywords"]["faq"]
    assert sim.turns[-1].record is not None and sim.turns[-1].record.intent == "faqText"
    assert "fallback.unknown (fallback) → faq.faqText" in sim.replay_note.value
    assert sim.teach_box.layout.display == "none"  # the replayed turn is no fallback any more
    assert sim.editing.undo() is not None  # the teaching is an edit like any other
    assert "how much is a latte" not in sim.bot.nlus["topic"].options["keywords"]["faq"]


def test_fallback_turn_teaches_an_example_through_the_editor(shop: Bot) -> None:
    from igbot.widgets import FlowEditor

    editor = FlowEditor(shop, graph=False)
    sim = ChatSimulator(editor)  # edits go through the editor: its lists, undo and save
    sim.send_text("qwerty zzz")
    sim.teach_as.value = "example"
    sim.teach_intent.value = "promo.promoText"
    sim.teach_button.click()
    classifiers = editor.bot.flows["promo"].intents["promoText"].classifier
    assert classifiers[-1].nlu == "keyword" and classifiers[-1].match == "promoText"
    assert classifiers[-1].options == {"exact": True, "keywords": {"promoText": ["qwerty zzz"]}}
    assert sim.turns[-1].record is not None and sim.turns[-1].record.intent == "promoText"
    assert editor.can_undo and "set intent promo.promoText" in editor.message.value
    sim.send_text("another thing")
    sim.teach_intent.value = "faq.faqTap"  # matched by its condition only: refused, with why
    sim.teach_button.click()
    assert "condition(s) only" in sim.teach_note.value


def test_an_edit_in_the_editor_reaches_the_next_message(shop: Bot) -> None:
    from igbot.widgets import FlowEditor

    editor = FlowEditor(shop, graph=False)
    sim = ChatSimulator(editor)
    sim.send_text("zzz")
    assert sim.turns[-1].record is not None and sim.turns[-1].record.is_fallback
    editor.add_keyword("topic", "promo", "zzz")
    sim.send_text("zzz")
    assert sim.turns[-1].record is not None and sim.turns[-1].record.intent == "promoText"
