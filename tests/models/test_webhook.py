"""parse_webhook: bad bodies, malformed items, batches, the Chatwoot conformance cases, fuzzing."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from igbot import WebhookFormatError
from igbot.models import UnknownEvent, parse_webhook

from ._data import ACCOUNT, CHATWOOT, PERSON, chatwoot_cases


def text_item(ts: object, text: str = "hi", sender: object = PERSON) -> dict[str, Any]:
    return {"sender": {"id": sender}, "recipient": {"id": ACCOUNT}, "timestamp": ts,
            "message": {"mid": f"m-{text}", "text": text}}


def body(*items: dict[str, Any]) -> dict[str, Any]:
    return {"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1, "messaging": list(items)}]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "body is not JSON: Expecting value at line 1 column 1"),
        ("{not json", "body is not JSON: Expecting property name enclosed in double quotes at "
                      "line 1 column 2"),
        (b"\xff\xfe\xfa", "body is not JSON"),
        ("[1, 2]", "body is a JSON array, expected an object"),
        ('{"object": "whatsapp_business_account", "entry": []}',
         "object is 'whatsapp_business_account', expected 'instagram' or 'page'"),
        ('{"entry": []}', "has no 'object', expected 'instagram' or 'page'"),
        ('{"object": "instagram"}', "body has no 'entry', expected a list of entries"),
        ('{"object": "instagram", "entry": {}}', "body 'entry' is dict, expected a list"),
        ('{"object": "instagram", "entry": [5]}', "entry[0] is a JSON number, expected an object"),
        ('{"object": "instagram", "entry": [{"time": 1}]}', "entry[0]: missing id"),
        ('{"object": "page", "entry": []}', "body has no entries"),
        ('{"entry": [{"time": NaN}]}', "body is not JSON: NaN is not a JSON number"),
        ('{"object": "instagram", "entry": [{"id": "1", "time": -Infinity}]}',
         "body is not JSON: -Infinity is not a JSON number"),
    ],
)
def test_whole_body_problems_raise_naming_what_is_wrong(raw: object, message: str) -> None:
    with pytest.raises(WebhookFormatError) as info:
        parse_webhook(raw)
    assert str(info.value).startswith(message)


def test_not_a_body_type() -> None:
    with pytest.raises(WebhookFormatError, match="body is int, expected bytes, str or dict"):
        parse_webhook(5)  # type: ignore[arg-type]


def test_missing_sender_strict_raises_with_the_place() -> None:
    bad = body(text_item(2000, "ok"), {"recipient": {"id": ACCOUNT}, "timestamp": 3000,
                                       "message": {"mid": "x", "text": "who?"}})
    with pytest.raises(WebhookFormatError) as info:
        parse_webhook(bad, strict=True)
    assert str(info.value) == "entry[0].messaging[1]: missing sender.id"


def test_missing_sender_lenient_keeps_the_rest_of_the_batch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = body(text_item(2000, "ok"), {"recipient": {"id": ACCOUNT}, "timestamp": 3000,
                                       "message": {"mid": "x", "text": "who?"}})
    good, unknown = parse_webhook(json.dumps(bad).encode())
    assert good.kind == "text" and good.text == "ok"
    assert isinstance(unknown, UnknownEvent)
    assert unknown.reason == "entry[0].messaging[1]: missing sender.id"
    assert unknown.where == "entry[0].messaging[1]"
    assert unknown.raw["message"]["text"] == "who?"
    assert unknown.timestamp_ms == 3_000_000  # 3000 is seconds by magnitude
    assert not unknown.triggers_bot
    assert "missing sender.id" in caplog.text


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("nope", "item is not an object"),
        ({"sender": {"id": PERSON}, "timestamp": "soon", "message": {"text": "x"}},
         "timestamp: not a time: 'soon'"),
        ({"sender": {"id": PERSON}, "timestamp": 5, "message": "x"}, "message is not an object"),
        ({"sender": {"id": PERSON}, "timestamp": 5, "message": {"text": ["x"]}},
         "message.text is not a string"),
        ({"sender": {"id": PERSON}, "timestamp": 5, "reaction": {"mid": "m"}},
         "missing reaction.action"),
        ({"sender": {"id": PERSON}, "timestamp": 5, "message": {"attachments": [{"payload": {}}]}},
         "missing message.attachments[0].type"),
    ],
)
def test_malformed_items_say_why(item: object, reason: str) -> None:
    (event,) = parse_webhook(body(item))  # type: ignore[arg-type]
    assert event.kind == "unknown"
    assert event.reason == f"entry[0].messaging[0]: {reason}"


@pytest.mark.parametrize("entry", [
    {"id": ACCOUNT, "time": 1},
    {"id": ACCOUNT, "time": 1, "messaging": [], "standby": []},
    {"id": ACCOUNT, "something_new": {"x": 1}},
])
def test_an_entry_without_items_is_unknown_with_the_reason(entry: dict[str, Any]) -> None:
    (event,) = parse_webhook({"object": "instagram", "entry": [entry]})
    assert isinstance(event, UnknownEvent)
    assert event.reason == "entry[0]: no items (no messaging, standby or changes)"
    assert event.raw == entry
    with pytest.raises(WebhookFormatError, match="no items"):
        parse_webhook({"object": "instagram", "entry": [entry]}, strict=True)


def test_lone_surrogates_are_replaced_and_named(caplog: pytest.LogCaptureFixture) -> None:
    good = text_item(2000, "fine \U0001f600")
    bad = text_item(3000, "half \ud83d of an emoji")
    bad["message"]["mid"] = "m-\udfff"
    bad["odd\udc00key"] = 1
    raw = json.dumps(body(good, bad)).encode()
    assert b"\\ud83d\\ude00" in raw and b"\\ud83d " in raw  # a pair, then a lone one
    ok, fixed = parse_webhook(raw)
    assert ok.text == "fine \U0001f600" and ok.repaired == []
    assert fixed.text == "half \ufffd of an emoji" and fixed.mid == "m-\ufffd"
    assert fixed.repaired == ["message.mid", "message.text", "odd\ufffdkey"]
    assert fixed.raw["message"]["text"] == "half \ufffd of an emoji"
    assert "lone surrogates replaced" in caplog.text
    # every string of the result is valid Unicode now
    json.dumps([e.model_dump(mode="json") for e in (ok, fixed)], ensure_ascii=False).encode()
    # the same body as text, or already decoded, gives the same events
    from_str = parse_webhook(raw.decode())
    decoded = json.loads(raw)
    from_dict = parse_webhook(decoded)
    assert [e.text for e in from_str] == [e.text for e in from_dict] == [ok.text, fixed.text]
    assert decoded["entry"][0]["messaging"][1]["message"]["text"] == "half \ud83d of an emoji"


def test_an_escaped_backslash_before_u_is_not_a_surrogate() -> None:
    (event,) = parse_webhook(json.dumps(body(text_item(2000, "C:\\ud800\\dir"))))
    assert event.text == "C:\\ud800\\dir" and event.repaired == []


def test_missing_timestamp_falls_back_to_entry_time() -> None:
    item = text_item(None)
    del item["timestamp"]
    b = {"object": "instagram",
         "entry": [{"id": ACCOUNT, "time": 1732500000123, "messaging": [item]}]}
    (event,) = parse_webhook(b)
    assert event.timestamp_ms == 1732500000123


def test_extra_fields_are_kept_not_rejected() -> None:
    item = text_item(1732500000000)
    item["message"]["new_meta_field"] = {"x": 1}
    item["brand_new"] = True
    b = body(item)
    b["entry"][0]["something"] = 1
    b["extra"] = "ok"
    (event,) = parse_webhook(b)
    assert event.kind == "text" and event.raw["brand_new"] is True
    assert event.raw["message"]["new_meta_field"] == {"x": 1}


def test_ids_may_be_numbers_or_any_string() -> None:
    b = body(text_item(1732500000000, sender=6251234567890123))
    b["entry"][0]["id"] = 17841400000000001
    (event,) = parse_webhook(b)
    assert (event.account_id, event.sender_id) == (ACCOUNT, PERSON)


def test_order_is_by_time_and_stable_for_ties() -> None:
    items = [text_item(5000, "c"), text_item(1000, "a"), text_item(5000, "d"), text_item(2000, "b")]
    b = {"object": "page", "entry": [
        {"id": ACCOUNT, "messaging": items[:2]},
        {"id": ACCOUNT, "messaging": items[2:], "standby": [text_item(1500, "s")]},
    ]}
    events = parse_webhook(b)
    assert [e.text for e in events] == ["a", "s", "b", "c", "d"]
    assert [e.standby for e in events] == [False, True, False, False, False]


def test_messaging_item_sent_as_a_change_by_the_dashboard_test() -> None:
    b = {"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1, "changes": [
        {"field": "messages", "value": text_item("1732500000", "from the dashboard")}]}]}
    (event,) = parse_webhook(b)
    assert event.kind == "text" and event.timestamp_ms == 1_732_500_000_000


def test_unknown_change_field() -> None:
    b = {"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1732500000, "changes": [
        {"field": "mentions", "value": {"media_id": "1"}}]}]}
    (event,) = parse_webhook(b)
    assert event.kind == "unknown" and event.reason == "field 'mentions' is not one igbot knows"


# --- Chatwoot's fixtures --------------------------------------------------------------------

needs_shared = pytest.mark.skipif(not CHATWOOT.exists(), reason=f"{CHATWOOT} is missing")
CASES = chatwoot_cases() if CHATWOOT.exists() else []
EXPECTED = {
    "message_create": ("text", True, False),
    "standby": ("text", False, True),
    "story_reply": ("story_reply", True, False),
    "text_numeric_times": ("text", True, False),
    "unsend": ("deleted", False, False),
    "share_attachment": ("share", True, False),
    "story_mention": ("story_mention", True, False),
    "story_mention_echo": ("echo", False, False),
    "seen": ("read", False, False),
}


@needs_shared
@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_chatwoot_case(case: dict[str, Any]) -> None:
    (event,) = parse_webhook(json.dumps(case["body"]))
    kind, triggers, standby = EXPECTED[case["case"]]
    assert (event.kind, event.triggers_bot, event.standby) == (kind, triggers, standby)
    if case["case"] == "text_numeric_times":
        assert event.timestamp.isoformat() == "2018-05-27T22:23:44+00:00"
    else:
        assert event.timestamp.isoformat() == "2021-09-08T06:34:04+00:00"
    message = event.to_message()
    assert message.metadata["timestamp"] == event.timestamp_ms
    if case["case"] == "story_mention_echo":
        assert event.person_id == "chatwoot-app-user-id-1"
        assert event.attachments[0].type == "story_mention"


@needs_shared
def test_every_chatwoot_case_is_checked() -> None:
    assert {c["case"] for c in CASES} == set(EXPECTED)


# --- fuzzing --------------------------------------------------------------------------------

# text with everything, lone surrogates included (st.text() leaves them out by default)
any_text = st.text(st.characters(codec=None, categories=None), max_size=12)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True), any_text, st.sampled_from(["\ud800", "a\udfffb", "\ud83d"]),
    st.sampled_from(["2021-09-08T06:34:04+0000", "1527459824", "1732500000000", "", "0001-01-01"]),
)
ids = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.lists(st.integers(), max_size=2))
anything = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, anything)


party = maybe(st.fixed_dictionaries({}, optional={"id": ids}))
message = maybe(st.fixed_dictionaries({}, optional={
    "mid": ids, "text": maybe(st.text(max_size=8)), "is_echo": st.booleans(),
    "is_deleted": st.booleans(), "is_unsupported": st.booleans(),
    "quick_reply": maybe(st.fixed_dictionaries({}, optional={"payload": maybe(st.text())})),
    "reply_to": maybe(st.fixed_dictionaries({}, optional={"mid": ids, "story": anything})),
    "attachments": maybe(st.lists(maybe(st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["image", "share", "ig_reel", "ephemeral", "weird", ""]),
        "payload": maybe(st.fixed_dictionaries({}, optional={"url": maybe(st.text())}))})),
        max_size=3)),
}))
item = maybe(st.fixed_dictionaries({}, optional={
    "sender": party, "recipient": party, "timestamp": scalars, "message": message,
    "postback": anything, "read": anything, "reaction": anything, "message_edit": anything,
    "referral": anything, "pass_thread_control": anything, "take_thread_control": anything,
    "request_thread_control": anything,
}))
change = maybe(st.fixed_dictionaries({}, optional={
    "field": st.sampled_from(["comments", "live_comments", "messages", "standby", "x"]),
    "value": maybe(st.fixed_dictionaries({}, optional={
        "id": ids, "from": party, "text": scalars, "media": anything, "sender": party,
        "timestamp": scalars, "message": message})),
}))
entry = maybe(st.fixed_dictionaries({}, optional={
    "id": ids, "time": scalars, "messaging": maybe(st.lists(item, max_size=3)),
    "standby": maybe(st.lists(item, max_size=2)), "changes": maybe(st.lists(change, max_size=2)),
    "field": st.just("comments"), "value": anything,
}))
bodies = st.fixed_dictionaries({}, optional={
    "object": st.sampled_from(["instagram", "page", "whatsapp_business_account"]) | scalars,
    "entry": maybe(st.lists(entry, max_size=3)),
})


# Bounded for CI: a fixed number of cases, each with a deadline (a slow case is a failure).
FUZZ = settings(max_examples=300, deadline=timedelta(milliseconds=500),
                suppress_health_check=[HealthCheck.too_slow])


def _check(events: list[Any]) -> None:
    """What the server needs from every event: a Kata message, UTC time, storable text."""
    assert events, "parse_webhook returns events or raises"
    for event in events:
        assert event.to_message().metadata["kind"] == event.kind
        assert event.timestamp.utcoffset() == timedelta(0)
        # a log line and a SQLite row need valid UTF-8: no lone surrogate survives parsing
        json.dumps(event.model_dump(mode="json"), ensure_ascii=False).encode()
        json.dumps(event.to_message().model_dump(mode="json"), ensure_ascii=False).encode()


@FUZZ
@given(bodies)
def test_webhook_shaped_json_never_raises_anything_else(b: dict[str, Any]) -> None:
    for raw in (b, json.dumps(b).encode()):  # decoded, and as Meta sends it (escapes, NaN)
        try:
            events = parse_webhook(raw)
        except WebhookFormatError:
            continue
        _check(events)
        with contextlib.suppress(WebhookFormatError):
            _check(parse_webhook(raw, strict=True))


@settings(FUZZ, max_examples=150)
@given(st.binary(max_size=40) | any_text)
def test_random_bytes_never_raise_anything_else(raw: bytes | str) -> None:
    with contextlib.suppress(WebhookFormatError):
        _check(parse_webhook(raw))


def test_deeply_nested_json_is_a_format_error() -> None:
    with pytest.raises(WebhookFormatError):
        parse_webhook("[" * 100_000 + "]" * 100_000)
