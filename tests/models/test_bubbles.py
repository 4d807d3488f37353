"""Notebook bubbles: every outbound kind shows itself, and message text is always escaped."""

from __future__ import annotations

from igbot.models import (
    GenericElement,
    PassThreadControlRequest,
    PostbackButton,
    QuickReply,
    ReactionPayload,
    ReactionRequest,
    Recipient,
    SenderActionRequest,
    SendMessageRequest,
    WebUrlButton,
    parse_webhook,
    person_bubble_html,
    render_bubbles,
)

from ._data import samples

TO = "6251234567890123"
EVIL = '<script>alert("x")</script>'


def test_text_bubble_is_escaped_grey_and_on_the_left() -> None:
    html = SendMessageRequest.text(TO, EVIL)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "#efefef" in html and "align-self:flex-start" in html


def test_person_bubble_is_gradient_on_the_right() -> None:
    html = person_bubble_html(EVIL)
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "linear-gradient" in html and "align-self:flex-end" in html


def test_quick_reply_chips() -> None:
    html = render_bubbles([SendMessageRequest.text(TO, "Pick", quick_replies=[
        QuickReply(title="Pizza", payload="P"), QuickReply(title="<b>", payload="Q")])])
    assert html.count("border-radius:16px") == 2 and ">Pizza<" in html and "&lt;b&gt;" in html


def test_image_and_unsafe_urls() -> None:
    html = render_bubbles([SendMessageRequest.media(TO, "image", url="https://x.test/a.jpg"),
                           SendMessageRequest.media(TO, "image", url="javascript:alert(1)")])
    assert '<img src="https://x.test/a.jpg"' in html
    assert "javascript:" not in html


def test_carousel_cards() -> None:
    cards = [GenericElement(title=f"Pizza {i}", subtitle="Tomato & basil",
                            image_url=f"https://x.test/{i}.jpg",
                            buttons=[PostbackButton(title="Order", payload="O"),
                                     WebUrlButton(title="See", url="https://x.test/p")])
             for i in range(3)]
    html = render_bubbles([SendMessageRequest.generic(TO, cards)])
    assert html.count("<img") == 3 and "Tomato &amp; basil" in html
    assert html.count(">Order<") == 3 and 'href="https://x.test/p"' in html
    assert "overflow-x:auto" in html


def test_button_template_sticker_and_actions() -> None:
    html = render_bubbles([
        SendMessageRequest.buttons(TO, "Next?", [PostbackButton(title="Menu", payload="M")]),
        SendMessageRequest.like_heart(TO),
        SenderActionRequest(recipient=Recipient(id=TO), sender_action="typing_on"),
        ReactionRequest(recipient=Recipient(id=TO), sender_action="react",
                        payload=ReactionPayload(message_id="m", reaction="love")),
        PassThreadControlRequest(recipient=Recipient(id=TO), target_app_id="1217981644879628"),
    ])
    assert ">Next?<" in html and ">Menu<" in html
    assert "❤️" in html and "•••" in html and "bot reacted love" in html
    assert "pass thread control to 1217981644879628" in html


def test_a_conversation_mixes_events_strings_and_requests() -> None:
    (event,) = parse_webhook(samples()["story_reply"])
    html = render_bubbles([event, "plain person text", SendMessageRequest.text(TO, "Thanks!")])
    assert html.startswith('<div class="igbot-chat"')
    assert "replied to your story" in html and ">love this!<" in html
    assert ">plain person text<" in html and ">Thanks!<" in html
    assert event._repr_html_() in html


def test_every_sample_event_renders() -> None:
    for body in samples().values():
        for event in parse_webhook(body):
            assert event._repr_html_().startswith("<")


def test_story_mentions_and_replies_look_like_instagram() -> None:
    (mention,) = parse_webhook(samples()["story_mention"])
    html = mention._repr_html_()
    assert "mentioned you in their story" in html and "[story_mention]" not in html
    assert 'class="igbot-story"' in html and f'src="{mention.attachments[0].url}"' in html
    (reply,) = parse_webhook(samples()["story_reply"])
    html = reply._repr_html_()
    assert html.index("replied to your story") < html.index('class="igbot-story"') < html.index(
        ">love this!<")
    assert reply.story_url and f'src="{reply.story_url}"' in html
