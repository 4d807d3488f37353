"""One session as Instagram bubbles: each kind drawn as Instagram shows it, the bot's record under
the person's messages, everything escaped."""

from __future__ import annotations

import re

from igbot.analytics._transcript import transcript_html

from ._data import ev, frame


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html)).strip()


def test_each_kind_reads_like_instagram() -> None:
    log = frame([
        ev("a", 0, "in", "user", "story_reply", text="mau dong 🙏", payload={"story_id": "1"},
           flow="greeting", state="thanksStory", intent="storyReply"),
        ev("a", 1, "out", "bot", "carousel", payload={"template_type": "generic", "elements": [
            {"title": "Buy 1 Get 1", "subtitle": "weekdays", "buttons": [{"title": "Claim"}]}]}),
        ev("a", 5, "in", "user", "postback", text="Claim", payload={"type": "promo_pick"}),
        ev("a", 6, "out", "bot", "refused", payload={"reason": "outside_window"}),
        ev("a", 7, "in", "user", "image"),
        ev("a", 8, "in", "user", "reaction", text="❤"),
        ev("a", 9, "in", "user", "comment", text="price?"),
        ev("a", 10, "out", "system", "resolve"),
        ev("a", 11, "out", "bot", "read"),
        ev("a", 90000, "in", "user", "text", text="next day"),
    ])
    shown = text(transcript_html(log, title="a#0"))
    assert shown.startswith("a#0 Mon 06 May 2024 Replied to your story story mau dong 🙏")
    assert "greeting › thanksStory · intent storyReply" in shown
    assert "Buy 1 Get 1 weekdays Claim" in shown            # the card and its button
    assert "Not sent: outside_window" in shown
    assert "📷 Photo" in shown and "Reacted ❤" in shown
    assert "Commented on your post price?" in shown
    assert "Back to the bot" in shown
    assert "Tue 07 May 2024 next day" in shown              # a new day gets its date
    assert "read" not in shown.split("Back to the bot")[1].split("Tue")[0]


def test_fallback_marks_come_from_the_caller_or_the_log() -> None:
    log = frame([ev("a", 0, "in", "user", "text", text="??", is_fallback=True),
                 ev("a", 1, "out", "bot", "text", text="Sorry")])
    assert ">fallback</span>" in transcript_html(log)
    assert ">fallback</span>" not in transcript_html(log, fallback=[False, False])


def test_nothing_from_the_log_is_markup() -> None:
    log = frame([ev("a", 0, "in", "user", "text", text="<b>hi</b>", flow="<i>f</i>"),
                 ev("a", 1, "out", "bot", "quick_replies", text="pick",
                    payload={"quick_replies": [{"title": "<script>x</script>"}]})])
    html = transcript_html(log, title="<u>t</u>")
    assert "<b>" not in html and "<i>" not in html and "<script>" not in html and "<u>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
