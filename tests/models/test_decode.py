"""decode_messages: the fast path gives what parse_webhook + to_message give, or steps aside."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from igbot._errors import WebhookFormatError
from igbot.models import Incoming, decode_messages, encode_payload, parse_webhook, read_webhook
from tests._conformance import WEBHOOKS

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "17841400000000001"


def _body(*items: dict[str, Any], account: Any = ACCOUNT, **top: Any) -> str:
    return json.dumps({"object": "instagram", **top, "entry": [
        {"id": account, "time": 1732500000000, "messaging": list(items)}]})


def _item(ts: int = 1732500000123, sender: Any = "6251", **kind: Any) -> dict[str, Any]:
    return {"sender": {"id": sender}, "recipient": {"id": ACCOUNT}, "timestamp": ts, **kind}


def _samples() -> list[str]:
    lines = [line for path in sorted((ROOT / "data" / "webhooks").glob("*.jsonl"))
             for line in path.read_text().splitlines() if line.strip()]
    lines += [line for line in (ROOT / "data" / "logs" / "webhooks.jsonl").read_text().splitlines()
              if line.strip()]
    if WEBHOOKS.is_dir():
        lines += [p.read_text() for p in sorted(WEBHOOKS.rglob("*.json"))]
    return lines


def _same(body: str | bytes) -> bool:
    """Whether the fast path read ``body``; asserts it agrees with the full parser."""
    fast = decode_messages(body)
    if fast is None:
        return False
    events = parse_webhook(body)
    assert [e.kind for e in events] == [f.kind for f in fast]
    assert [e.person_id for e in events] == [f.person_id for f in fast]
    assert all(e.triggers_bot for e in events)
    assert [e.to_message() for e in events] == [f.to_message() for f in fast]
    assert [f.event for f in fast] == events
    for e, f in zip(events, fast, strict=True):  # what the dispatcher and the server read
        assert (f.mid, f.timestamp, f.timestamp_ms, f.standby, f.opens_window, f.dedupe_key,
                list(f.repaired)) == (e.mid, e.timestamp, e.timestamp_ms, e.standby,
                                      e.opens_window, e.dedupe_key, e.repaired)
    return True


def test_every_sample_body_the_fast_path_reads_gives_the_same_messages() -> None:
    read = sum(_same(body) + _same(body.encode()) for body in _samples())
    assert read > 20  # the sample traffic is mostly on the fast path


@pytest.mark.parametrize("item", [
    {"message": {"mid": "m1", "text": "hi there"}},
    {"message": {"mid": "", "text": "empty mid"}},
    {"message": {"mid": "m2", "text": "Promos", "quick_reply": {"payload": encode_payload({"type": "menu"})}}},
    {"message": {"mid": "m3", "text": "x", "quick_reply": {"payload": "ana@example.com"}}},
    {"message": {"mid": "m4", "text": "x", "quick_reply": {"payload": "+62 812 3456 7890"}}},
    {"message": {"mid": "m5", "text": "x", "quick_reply": {"payload": "PLAIN"}}},
    {"message": {"mid": "m6", "text": "so nice", "reply_to": {"story": {"url": "https://x/y", "id": "9"}}}},
    {"message": {"mid": "m7", "reply_to": {"story": {"url": "https://x/y"}}}},
    {"postback": {"mid": "m8", "title": "Promos", "payload": encode_payload({"topic": "promo"})}},
    {"postback": {"title": "No mid", "payload": "MENU"}},
    {"postback": {"mid": "m9"}},
])
def test_the_kinds_of_the_fast_path(item: dict[str, Any]) -> None:
    assert _same(_body(_item(**item)))


def test_several_items_come_in_time_order() -> None:
    body = _body(_item(ts=1732500000300, message={"mid": "b", "text": "second"}),
                 _item(ts=1732500000100, message={"mid": "a", "text": "first"}),
                 _item(ts=1732500000300, postback={"mid": "c", "title": "third"}))
    assert _same(body)
    fast = decode_messages(body)
    assert fast is not None and [f.message.content for f in fast] == ["first", "second", "third"]


@pytest.mark.parametrize("body", [
    _body(_item(message={"mid": "m", "text": "x", "attachments": [{"type": "image"}]})),
    _body(_item(message={"mid": "m", "text": "x", "is_echo": True})),
    _body(_item(message={"mid": "m", "text": "x", "reply_to": {"mid": "m0"}})),
    _body(_item(message={"mid": "m"})),  # neither text nor attachments: an unknown event
    _body(_item(read={"mid": "m"})),
    _body(_item(sender=6251, message={"mid": "m", "text": "id as a number"})),
    _body(_item(ts=1732500000, message={"mid": "m", "text": "seconds"})),
    _body(_item(message={"mid": "m", "text": "lone \ud800"})),
    _body(_item(sender="", message={"mid": "m", "text": "no sender"})),
    _body(_item(message={"mid": "m", "text": "x"}), account=""),
    _body(),
    '{"object": "user", "entry": []}',
    "not json",
    '{"object": "instagram", "entry": [{"id": "1", "time": 1, "standby": []}]}',
])
def test_anything_else_goes_to_parse_webhook(body: str) -> None:
    assert decode_messages(body) is None


def test_text_holding_a_raw_lone_surrogate_goes_to_parse_webhook() -> None:
    body = json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1732500000000,
                       "messaging": [_item(message={"mid": "m", "text": "a\ud800b"})]}]},
                      ensure_ascii=False)
    assert "\ud800" in body
    assert decode_messages(body) is None
    assert parse_webhook(body)[0].to_message().content == "a\ufffdb"  # repaired there


def test_bytes_and_text_of_a_body_give_the_same_messages() -> None:
    body = _body(_item(message={"mid": "m1", "text": "héllo ☕"}))
    text, raw = decode_messages(body), decode_messages(body.encode())
    assert text is not None and raw is not None
    assert [i.message for i in text] == [i.message for i in raw]


def test_read_webhook_takes_the_fast_path_else_parses() -> None:
    fast = read_webhook(_body(_item(message={"mid": "m1", "text": "hi"})))
    assert [type(e) for e in fast] == [Incoming]
    echo = read_webhook(_body(_item(message={"mid": "m2", "text": "hi", "is_echo": True})))
    assert [e.kind for e in echo] == ["echo"] and not isinstance(echo[0], Incoming)
    with pytest.raises(WebhookFormatError, match="entry"):
        read_webhook(json.dumps({"object": "instagram"}))
