"""Field checks: expression syntax errors with their position, and Meta's limits."""

from __future__ import annotations

from igbot.widgets._validation import (
    check_buttons,
    check_card,
    check_condition,
    check_mapping,
    check_quick_replies,
    check_size,
    check_template,
)


def test_condition_syntax_error_names_the_position() -> None:
    [message] = check_condition('payload.type == "x" &&& b')
    assert message.startswith("syntax error at position 22: unexpected '&'")
    assert message.splitlines()[-1] == " " * 22 + "^"


def test_good_and_empty_conditions_pass() -> None:
    assert check_condition('intent == "hello" || content.includes("hi")') == []
    assert check_condition("") == [] and check_condition(None) == []


def test_template_and_mapping() -> None:
    assert check_template("We're open $(config.shop.hours)") == []
    assert "position 9" in check_template("hi $(a ==) there")[0]
    assert check_mapping({"context.x": "payload.x", "data.n": "(data.n || 0) +"})[0].startswith(
        "data.n: syntax error")


def test_quick_reply_over_twenty_characters() -> None:
    replies = [{"label": "Yes", "payload": "y"}, {"label": "No", "payload": "n"},
               {"label": "x" * 23, "payload": {"type": "menu"}}]
    [message] = check_quick_replies(replies)
    assert message.startswith("quick reply 3: 23 characters, Instagram will cut it to 20")


def test_quick_replies_count_and_payload() -> None:
    replies = [{"label": f"q{i}", "payload": "p"} for i in range(14)]
    assert check_quick_replies(replies)[0].startswith("14 quick replies: only the first 13")
    assert "Instagram rejects more than 1000" in check_quick_replies(
        [{"label": "a", "payload": {"k": "v" * 1000}}])[0]


def test_interpolations_do_not_count() -> None:
    assert check_size("quick_reply_title", "$(context.name) hi", "quick reply 1") == []
    assert check_size("text", "é" * 501, "text")[0].startswith("text: 1002 bytes")


def test_buttons_and_cards() -> None:
    buttons = [{"type": "url", "label": "Map", "url": "geo:1,2"}] + [
        {"type": "postback", "label": "b", "payload": "p"}] * 3
    messages = check_buttons(buttons, "card 1")
    assert messages[0].startswith("4 card 1, buttons: only the first 3")
    assert "not an http(s) link" in messages[1]
    assert check_card({"title": "t" * 81, "text": "ok"}, 2)[0].startswith("card 2 title: 81 characters")
