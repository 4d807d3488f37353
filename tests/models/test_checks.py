"""Meta's limits: check_limits reports, apply_limits strict raises, lenient fixes and says so."""

from __future__ import annotations

import logging

import pytest

from igbot import LimitError
from igbot.models import (
    GenericElement,
    IceBreaker,
    IceBreakerQuestion,
    IceBreakersRequest,
    OutboundMessage,
    PostbackButton,
    QuickReply,
    ReplyTo,
    SendMessageRequest,
    WebUrlButton,
    apply_limits,
    apply_message_limits,
    check_limits,
    meta_limits,
)

TO = "6251234567890123"
FAMILY = "👨\u200d👩\u200d👧\u200d👦"


def qrs(n: int, title: str = "ok") -> list[QuickReply]:
    return [QuickReply(title=f"{title}{i}" if title == "ok" else title, payload=f"P{i}")
            for i in range(n)]


def test_the_table_names_every_limit_with_its_source() -> None:
    limits = meta_limits()
    assert (limits["text"].value, limits["text"].unit) == (1000, "bytes")
    assert limits["quick_replies"].value == 13 and limits["quick_reply_title"].value == 20
    assert limits["elements"].value == 10 and limits["button_template_text"].value == 640
    assert limits["ice_breakers"].value == 4 and limits["attachments"].value == 10
    assert all(lim.source.startswith("Meta") for lim in limits.values())


def test_250_four_byte_emoji_fit_251_do_not() -> None:
    assert check_limits(SendMessageRequest.text(TO, "😀" * 250)) == []
    (violation,) = check_limits(SendMessageRequest.text(TO, "😀" * 251))
    assert (violation.field, violation.size, violation.limit, violation.unit) == (
        "message.text", 1004, 1000, "bytes")
    with pytest.raises(LimitError) as info:
        apply_limits(SendMessageRequest.text(TO, "😀" * 251), mode="strict")
    assert (info.value.field, info.value.size, info.value.unit) == ("message.text", 1004, "bytes")


def test_strict_names_the_quick_reply_title() -> None:
    request = SendMessageRequest.text(TO, "Pick", quick_replies=[
        QuickReply(title="Pizza", payload="P"), QuickReply(title="Pasta", payload="Q"),
        QuickReply(title="x" * 23, payload="R")])
    with pytest.raises(LimitError) as info:
        apply_limits(request, mode="strict")
    err = info.value
    assert (err.field, err.limit, err.size, err.unit) == (
        "message.quick_replies[2].title", 20, 23, "characters")
    assert "Quick Replies" in err.source
    assert str(err).startswith("message.quick_replies[2].title: 23 characters, over Instagram's")


def test_strict_passes_a_good_request_through_unchanged() -> None:
    request = SendMessageRequest.text(TO, "fine", quick_replies=qrs(13))
    result = apply_limits(request, mode="strict")
    assert result.requests == [request] and result.warnings == []


def test_check_limits_messages_are_human() -> None:
    request = SendMessageRequest.text(TO, "Pick", quick_replies=[
        *qrs(2), QuickReply(title="Pizza Keju Mozarella!!", payload="R")])
    (violation,) = check_limits(request)
    assert violation.message == ("quick reply 3 title: 22 characters, over Instagram's limit of "
                                 "20; Instagram will cut it to 20 characters")


def test_lenient_truncates_titles_at_a_grapheme(caplog: pytest.LogCaptureFixture) -> None:
    title = "Family pack " + FAMILY + FAMILY
    request = SendMessageRequest.text(TO, "Pick", quick_replies=[
        QuickReply(title=title, payload="F")])
    with caplog.at_level(logging.INFO):
        result = apply_limits(request, mode="lenient")
    (fixed,) = result.requests
    # 12 + 7 code points fit; the second family would make 26, and half of it is no emoji
    assert fixed.message.quick_replies[0].title == "Family pack " + FAMILY
    (warning,) = result.warnings
    assert (warning.field, warning.limit, warning.size) == ("message.quick_replies[0].title",
                                                            20, len(title))
    assert "cut to 19 characters" in str(warning)
    assert "quick reply 1 title" in caplog.text
    assert request.message.quick_replies[0].title == title  # the original is untouched


def test_lenient_keeps_first_13_quick_replies_and_cuts_each_title() -> None:
    request = SendMessageRequest.text(TO, "Pick", quick_replies=[
        QuickReply(title=f"{i:02d}" + "y" * 30, payload=str(i)) for i in range(15)])
    result = apply_limits(request, mode="lenient")
    quick = result.requests[0].message.quick_replies
    assert len(quick) == 13 and quick[12].payload == "12"
    assert all(len(q.title) == 20 for q in quick)
    fields = [w.field for w in result.warnings]
    assert fields[0] == "message.quick_replies" and len(fields) == 14
    assert "message.quick_replies[13].title" not in fields


def test_lenient_splits_long_text_with_quick_replies_on_the_last_part() -> None:
    words = " ".join(["kata"] * 450)  # 2,249 bytes
    request = SendMessageRequest.text(TO, words, quick_replies=qrs(2), reply_to=ReplyTo(mid="m"))
    result = apply_limits(request, mode="lenient")
    parts = result.requests
    assert len(parts) == 3
    assert " ".join(p.message.text for p in parts) == words
    assert all(len(p.message.text.encode()) <= 1000 for p in parts)
    assert [p.message.quick_replies is not None for p in parts] == [False, False, True]
    assert [p.reply_to is not None for p in parts] == [True, False, False]
    (warning,) = result.warnings
    assert warning.field == "message.text" and warning.size == 2249
    assert "split into 3 messages at word boundaries" in str(warning)


def test_the_split_warning_says_how_the_text_was_cut() -> None:
    # defect 9: text with no spaces was said to be split "at word boundaries"
    result = apply_limits(SendMessageRequest.text(TO, FAMILY * 50), mode="lenient")
    (warning,) = result.warnings
    assert "split into 2 messages between characters (no space to cut at" in str(warning)
    assert "word boundaries" not in str(warning)
    mixed = "word " * 150 + "x" * 1200  # spaces first, then a run with none
    (warning,) = apply_limits(SendMessageRequest.text(TO, mixed), mode="lenient").warnings
    assert "at word boundaries where it could, else between characters" in str(warning)


def test_lenient_split_never_breaks_a_family_emoji() -> None:
    request = SendMessageRequest.text(TO, FAMILY * 50)  # 1,250 bytes
    parts = [p.message.text for p in apply_limits(request, mode="lenient").requests]
    assert "".join(parts) == FAMILY * 50
    assert [len(p.encode()) for p in parts] == [1000, 250]


def test_carousel_limits() -> None:
    element = GenericElement(
        title="T" * 85, subtitle="S" * 81, image_url="https://x.test/i.jpg",
        buttons=[PostbackButton(title=f"B{i}" + "b" * 20, payload="P") for i in range(4)])
    request = SendMessageRequest.generic(TO, [element.model_copy() for _ in range(11)])
    violations = check_limits(request)
    fields = {v.field for v in violations}
    base = "message.attachment.payload.elements"
    assert {base, f"{base}[0].title", f"{base}[0].subtitle", f"{base}[0].buttons",
            f"{base}[10].buttons[3].title"} <= fields
    labels = {v.label for v in violations}
    assert {"carousel cards", "card 1 title", "card 11, button 4 title"} <= labels
    result = apply_limits(request, mode="lenient")
    payload = result.requests[0].message.attachment.payload
    assert len(payload.elements) == 10
    assert all(len(e.title) == 80 and len(e.subtitle) == 80 for e in payload.elements)
    assert all(len(e.buttons) == 3 and all(len(b.title) == 20 for b in e.buttons)
               for e in payload.elements)
    assert check_limits(result.requests[0]) == []


def test_button_template_text_640() -> None:
    request = SendMessageRequest.buttons(TO, "x" * 641, [WebUrlButton(url="https://x", title="a")])
    (violation,) = check_limits(request)
    assert violation.label == "button template text" and violation.limit == 640
    fixed = apply_limits(request, mode="lenient").requests[0]
    assert len(fixed.message.attachment.payload.text) == 640


def test_payload_over_1000_raises_even_in_lenient() -> None:
    request = SendMessageRequest.text(TO, "x", quick_replies=[QuickReply(title="a",
                                                                         payload="p" * 1001)])
    (violation,) = check_limits(request)
    assert violation.action == "reject" and "cannot be cut" in violation.message
    with pytest.raises(LimitError) as info:
        apply_limits(request, mode="lenient")
    assert info.value.field == "message.quick_replies[0].payload"


def test_ice_breakers_at_most_four() -> None:
    questions = [IceBreakerQuestion(question=f"Q{i}", payload=f"P{i}") for i in range(5)]
    request = IceBreakersRequest(ice_breakers=[IceBreaker(call_to_actions=questions)])
    (violation,) = check_limits(request)
    assert violation.field == "ice_breakers[0].call_to_actions"
    assert violation.label == "ice breaker questions"
    fixed = apply_limits(request, mode="lenient").requests[0]
    assert [q.question for q in fixed.ice_breakers[0].call_to_actions] == ["Q0", "Q1", "Q2", "Q3"]


def test_bad_mode() -> None:
    with pytest.raises(ValueError, match="mode must be"):
        apply_limits(SendMessageRequest.text(TO, "x"), mode="loose")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_a_message_gets_the_same_limits_as_its_request(mode: str) -> None:
    quick = [QuickReply(title=f"option number {i} " * 3, payload=str(i)) for i in range(15)]
    for message in (OutboundMessage.build_text("word " * 400, quick),
                    OutboundMessage.build_buttons("x" * 700, [PostbackButton(title="t" * 30, payload="p")]),
                    OutboundMessage.build_text("fits", quick[:2])):
        request = SendMessageRequest(recipient={"id": "u"}, message=message)
        try:
            expected = apply_limits(request, mode=mode)  # type: ignore[arg-type]
        except LimitError as exc:
            with pytest.raises(LimitError) as got:
                apply_message_limits(message, mode=mode)  # type: ignore[arg-type]
            assert str(got.value) == str(exc) and got.value.field.startswith("message.")
            continue
        result = apply_message_limits(message, mode=mode)  # type: ignore[arg-type]
        assert [str(w) for w in result.warnings] == [str(w) for w in expected.warnings]
        assert result.requests == [r.message for r in expected.requests]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="mode"):
        apply_message_limits(OutboundMessage.build_text("x"), mode="loose")  # type: ignore[arg-type]
