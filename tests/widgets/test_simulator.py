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
