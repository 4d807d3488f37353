"""Every sample body of data/webhooks parses to the documented kinds, and each kind maps right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter

from igbot import Message
from igbot.models import AnyEvent, Event, parse_webhook

from ._data import ACCOUNT, PERSON, SAMPLE_KINDS, samples

SAMPLES = samples()
TRIGGERING = {
    "text", "image", "video", "audio", "file", "share", "story_mention", "ig_reel", "reel",
    "ephemeral", "story_reply", "inline_reply", "quick_reply", "postback", "comment",
    "live_comment", "referral",
}
# a comment allows one private reply, not the 24 h window (Meta, Instagram Messaging: Private Replies)
WINDOW = TRIGGERING - {"referral", "comment", "live_comment"} | {"reaction", "unsupported"}


def one(name: str) -> Event:
    (event,) = parse_webhook(SAMPLES[name])
    return event


@pytest.mark.parametrize(("name", "kinds"), SAMPLE_KINDS, ids=[n for n, _ in SAMPLE_KINDS])
def test_each_sample_parses_to_its_kinds(name: str, kinds: list[str]) -> None:
    events = parse_webhook(SAMPLES[name])
    assert [e.kind for e in events] == kinds
    for event in events:
        assert event.account_id == ACCOUNT
        assert event.timestamp.utcoffset() == timedelta(0)
        assert event.timestamp_ms > 1_732_500_000_000
        message = event.to_message()
        assert isinstance(message, Message)
        assert message.metadata["channelType"] == "instagram"
        assert message.metadata["accountId"] == ACCOUNT
        assert message.metadata["timestamp"] == event.timestamp_ms
        assert message.metadata["mid"] == event.mid
        assert message.metadata["standby"] is event.standby
        expected_trigger = event.kind in TRIGGERING and not event.standby
        assert event.triggers_bot is expected_trigger, event.kind
        assert event.opens_window is (event.kind in WINDOW), event.kind
        assert event.raw  # the original item is kept


def test_every_kind_of_the_contract_is_sampled() -> None:
    contract = {
        "text", "image", "video", "audio", "file", "share", "story_mention", "ig_reel", "reel",
        "ephemeral", "story_reply", "inline_reply", "quick_reply", "postback", "echo", "deleted",
        "unsupported", "read", "reaction", "message_edit", "referral", "comment", "live_comment",
        "pass_thread_control", "take_thread_control", "request_thread_control", "unknown",
    }
    assert {k for _, kinds in SAMPLE_KINDS for k in kinds} == contract


def test_text() -> None:
    m = one("text").to_message()
    assert (m.type, m.content, m.payload) == ("text", "Hi! Do you deliver to Bandung?", None)
    assert m.metadata["senderId"] == PERSON and m.user_id == PERSON


@pytest.mark.parametrize("kind", ["image", "video", "audio", "file", "share", "story_mention"])
def test_attachment_kinds(kind: str) -> None:
    event = one(kind)
    m = event.to_message()
    assert m.type == "data" and m.content is None
    assert m.payload["type"] == kind
    assert m.payload["url"].startswith("https://lookaside.fbsbx.com/")
    assert m.payload["urls"] == [m.payload["url"]]
    assert event.dedupe_key == event.mid


def test_ig_reel_keeps_title_and_video_id() -> None:
    p = one("ig_reel").to_message().payload
    assert p["type"] == "ig_reel"
    assert (p["title"], p["reel_video_id"]) == ("Our new margherita 🍕", "18012345678901234")


def test_ephemeral_has_no_url() -> None:
    p = one("ephemeral").to_message().payload
    assert p["type"] == "ephemeral" and p["url"] is None and p["urls"] == []


def test_several_attachments_are_one_event_with_every_url() -> None:
    event = one("two_images")
    assert len(event.attachments) == 2
    assert event.to_message().payload["urls"] == [
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=2001",
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=2002",
    ]


def test_story_reply() -> None:
    m = one("story_reply").to_message()
    assert (m.type, m.content) == ("data", "love this!")
    assert m.payload == {
        "type": "story_reply",
        "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=3456",
        "story_id": "17890000000003456",
    }


def test_inline_reply() -> None:
    event = one("inline_reply")
    m = event.to_message()
    assert (m.type, m.content) == ("text", "yes, that one")
    assert m.payload == {"type": "inline_reply", "reply_to_mid": event.reply_to_mid}
    assert event.reply_to_mid.endswith("0001")


def test_quick_reply_plain_payload() -> None:
    m = one("quick_reply_string").to_message()
    assert (m.type, m.content) == ("text", "Menu")
    assert m.payload == {"type": "quick_reply", "payload": "MENU", "title": "Menu"}


def test_quick_reply_object_payload_keeps_its_type() -> None:
    m = one("quick_reply_object").to_message()
    assert m.payload == {"type": "size", "size": "L", "title": "Large"}


def test_postback_with_object_payload() -> None:
    m = one("postback").to_message()
    assert m.type == "data"
    assert m.payload == {"type": "pizza", "id": "margherita", "title": "Order pizza"}


def test_postback_without_mid_still_has_a_stable_dedupe_key() -> None:
    event = one("postback_ice_breaker_no_mid")
    assert event.mid is None
    assert event.dedupe_key and event.dedupe_key == one("postback_ice_breaker_no_mid").dedupe_key
    m = event.to_message()
    assert m.content == "What are your opening hours?"
    assert m.payload == {"type": "postback", "payload": "OPENING_HOURS",
                         "title": "What are your opening hours?"}


def test_echo_is_not_from_the_person() -> None:
    event = one("echo")
    assert event.sender_id == ACCOUNT and event.person_id == PERSON
    assert not event.triggers_bot and event.app_id == "1234567890123456"
    assert event.to_message().payload == {"type": "echo", "is_self": False}
    assert one("echo_is_self").is_self is True


def test_deleted_read_edit_keys_differ_from_the_message_they_are_about() -> None:
    text = one("text")
    deleted, edit = one("deleted"), one("message_edit")
    assert deleted.mid == edit.mid == text.mid
    assert len({text.dedupe_key, deleted.dedupe_key, edit.dedupe_key}) == 3
    assert edit.text == "Hi! Do you deliver to Jakarta?" and edit.num_edit == 1
    read = one("read_mid")
    assert read.dedupe_key == f"read|{read.mid}"
    assert read.to_message().payload["type"] == "read"


def test_read_watermark() -> None:
    event = one("read_watermark")
    assert event.mid is None and event.watermark is not None
    assert event.to_message().payload["watermark"] == 1_732_500_016_000


def test_reactions() -> None:
    react, unreact = one("reaction_react"), one("reaction_unreact")
    assert (react.action, react.reaction, react.emoji) == ("react", "love", "\u2764\ufe0f")
    assert (unreact.action, unreact.reaction, unreact.emoji) == ("unreact", None, None)
    assert react.dedupe_key != unreact.dedupe_key
    assert react.opens_window and not react.triggers_bot


def test_referrals() -> None:
    igme = one("referral_igme").to_message()
    assert igme.payload["type"] == "referral"
    assert (igme.payload["ref"], igme.payload["source"]) == ("promo-december", "IGME")
    assert igme.payload["referral_type"] == "OPEN_THREAD"
    ads = one("referral_ads")
    assert ads.ad_id == "23850000000000001"
    assert ads.to_message().payload["ads_context_data"]["ad_title"] == "Pizza week"


def test_text_with_ad_referral_stays_text() -> None:
    m = one("text_with_ad_referral").to_message()
    assert (m.type, m.content) == ("text", "I saw your ad")
    assert m.payload["referral"]["ad_id"] == "23850000000000001"


def test_comment() -> None:
    event = one("comment")
    assert event.dedupe_key == "17865799348089039"
    assert event.sender_id == "6251234567890456" and event.triggers_bot
    m = event.to_message()
    assert (m.type, m.content) == ("data", "How much is the large one?")
    assert m.payload == {"type": "comment", "comment_id": "17865799348089039",
                         "media_id": "17887498072083520", "media_product_type": "FEED"}
    assert m.metadata["username"] == "rina.eats"


def test_live_comment_and_comment_on_entry() -> None:
    assert one("live_comment").to_message().payload["type"] == "live_comment"
    event = one("comment_on_entry")
    assert event.parent_id == "17865799348089039" and event.username == "budi.s"


def test_own_comment_does_not_trigger() -> None:
    body = SAMPLES["comment"]
    body = {**body, "entry": [{**body["entry"][0], "changes": [
        {"field": "comments", "value": {"id": "1", "from": {"id": ACCOUNT}, "text": "thanks!"}}
    ]}]}
    (event,) = parse_webhook(body)
    assert not event.triggers_bot


def test_thread_control() -> None:
    passed = one("pass_thread_control")
    assert passed.new_owner_app_id == "1217981644879628"
    assert passed.metadata == "customer asked for a human"
    assert not passed.triggers_bot
    assert passed.to_message().payload == {
        "type": "pass_thread_control", "metadata": "customer asked for a human",
        "new_owner_app_id": "1217981644879628",
    }
    assert one("take_thread_control").previous_owner_app_id == "1217981644879628"
    assert one("request_thread_control").requested_owner_app_id == "1217981644879628"


def test_standby_is_silent() -> None:
    event = one("standby_text")
    assert event.standby and not event.triggers_bot and event.opens_window
    assert event.to_message().metadata["standby"] is True


def test_unknown_keeps_the_raw_item() -> None:
    event = one("unknown_optin")
    assert event.raw["optin"] == {"type": "notification_messages", "payload": "x"}
    assert "optin" in event.reason and event.dedupe_key is None


def test_batch_is_in_time_order_across_entries() -> None:
    events = parse_webhook(SAMPLES["batch"])
    assert [getattr(e, "text", None) or e.kind for e in events] == [
        "first", "read", "second", "postback"]
    assert [e.timestamp_ms for e in events] == sorted(e.timestamp_ms for e in events)


def test_dumped_events_read_back_as_the_same_kind() -> None:
    adapter = TypeAdapter(list[AnyEvent])
    events = [e for body in SAMPLES.values() for e in parse_webhook(body)]
    again = adapter.validate_json(adapter.dump_json(events))
    assert [type(e) for e in again] == [type(e) for e in events]
    assert [e.dedupe_key for e in again] == [e.dedupe_key for e in events]
    assert [e.to_message() for e in again] == [e.to_message() for e in events]
