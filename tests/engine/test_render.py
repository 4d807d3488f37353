"""Kata actions rendered as recipes, built with models' factories and held to Meta's limits once."""

from __future__ import annotations

import pytest

from igbot import LimitError
from igbot.engine._render import (
    InvalidReply,
    RenderError,
    finalize_message,
    render_kata_message,
    render_template,
    render_text,
)


def test_templates_render_to_factory_recipes() -> None:
    warnings: list[str] = []
    assert render_text("Hi") == [("text", {"text": "Hi"})]
    assert render_template({"type": "image", "items": {"originalContentUrl": "https://x/a.png"}},
                           warnings) == [("media", {"kind": "image", "url": "https://x/a.png"})]
    assert render_template({"type": "share", "items": {"postId": 178}}, warnings) == [
        ("media_share", {"media_id": "178"})]
    assert render_template({"type": "sticker", "items": {"sticker": "like_heart"}}, warnings) == [
        ("like_heart", {})]
    carousel = render_template({"type": "carousel", "items": [
        {"title": "Shoes", "text": "Red", "actions": [{"type": "postback", "label": "Buy",
                                                        "payload": {"sku": 1}}]}]}, warnings)
    assert carousel == [("generic", {"elements": [{"title": "Shoes", "subtitle": "Red", "buttons": [
        {"type": "postback", "title": "Buy", "payload": '{"sku":1}'}]}]})]
    quick = render_template({"type": "text", "items": {"text": "Pick", "quickreply": [
        {"type": "text", "label": "A"}, {"type": "user_email"}]}}, warnings)
    assert quick == [("text", {"text": "Pick", "quick_replies": [
        {"content_type": "text", "title": "A", "payload": "A"}, {"content_type": "user_email"}]})]
    assert warnings == []
    assert render_kata_message({"type": "text", "content": "ok"}, warnings) == render_text("ok")
    with pytest.raises(RenderError, match="imagemap"):
        render_template({"type": "imagemap"}, warnings)


def test_finalize_builds_checks_once_and_shares_the_parts() -> None:
    warnings: list[str] = []
    recipe = ("text", {"text": "word " * 300, "quick_replies": [
        {"content_type": "text", "title": "A", "payload": "a"}]})
    parts = finalize_message(recipe, "lenient", warnings)
    assert [kind for kind, _ in parts] == ["text", "text"]
    assert "quick_replies" not in parts[0][1] and parts[1][1]["quick_replies"][0]["title"] == "A"
    assert len(warnings) == 1 and "split into 2 messages" in warnings[0]
    again: list[str] = []
    assert finalize_message(recipe, "lenient", again) is parts  # cached by content
    assert again == warnings  # its warnings are told every time
    with pytest.raises(LimitError, match=r"message\.text: 1500 bytes"):
        finalize_message(recipe, "strict", [])


def test_a_reply_meta_would_refuse_names_its_path() -> None:
    with pytest.raises(InvalidReply) as exc:
        finalize_message(("buttons", {"text": "Pick", "buttons": []}), "lenient", [])
    assert exc.value.problems.startswith("message.attachment.")
    assert "at least 1 item" in exc.value.problems
