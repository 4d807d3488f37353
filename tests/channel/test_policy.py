"""The sending policy: 24 h window, HUMAN_AGENT for 7 days, one private reply per comment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from igbot.channel import (
    LIVE_BROADCAST_WINDOW,
    GraphStandIn,
    HumanAgentWindowClosedError,
    MemoryPolicyStore,
    PolicyError,
    PolicyStore,
    PrivateReplyAlreadySentError,
    PrivateReplyExpiredError,
    PrivateReplyNotAllowedError,
    SendPolicy,
    SQLitePolicyStore,
    TagNotAllowedError,
    WindowClosedError,
)
from igbot.models import OutboundRequest

from ._support import PERSON

T0 = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
COMMENT = "17900000000000042"


def text(person: str = PERSON, **extra: Any) -> dict[str, Any]:
    return {"recipient": {"id": person}, "message": {"text": "hi"}, **extra}


def agent_tagged() -> dict[str, Any]:
    return text(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")


def private_reply(comment: str = COMMENT) -> dict[str, Any]:
    return {"recipient": {"comment_id": comment}, "message": {"text": "check your DMs"}}


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PolicyStore:
    if request.param == "memory":
        return MemoryPolicyStore()
    return SQLitePolicyStore(tmp_path / "policy.sqlite")


@pytest.fixture
def policy(store: PolicyStore) -> SendPolicy:
    p = SendPolicy(store, clock=lambda: T0)
    p.record_inbound(PERSON, "message", T0)
    return p


@pytest.mark.parametrize(("after", "allowed"), [
    (timedelta(0), True),
    (timedelta(hours=23, minutes=59), True),
    (timedelta(hours=24, minutes=1), False),
    (timedelta(days=3), False),
])
def test_standard_window(policy: SendPolicy, after: timedelta, allowed: bool) -> None:
    for mtype in ("RESPONSE", "UPDATE"):
        decision = policy.check(text(messaging_type=mtype), now=T0 + after)
        assert decision.allowed is allowed
        if not allowed:
            assert isinstance(decision.error, WindowClosedError)
            assert decision.rule == "window_24h"
            with pytest.raises(WindowClosedError, match=PERSON):
                decision.raise_if_refused()


def test_unknown_person_has_no_window(policy: SendPolicy) -> None:
    decision = policy.check(text("123"), now=T0)
    assert not decision.allowed and "no message on record" in str(decision.error)


@pytest.mark.parametrize("kind", ["message", "text", "image", "postback", "reaction",
                                  "quick_reply", "story_reply"])
def test_window_opening_kinds(store: PolicyStore, kind: str) -> None:
    policy = SendPolicy(store)
    assert policy.record_inbound("42", kind, T0) is True
    assert policy.check(text("42"), now=T0 + timedelta(hours=1)).allowed


@pytest.mark.parametrize("kind", ["echo", "read", "deleted", "message_edit",
                                  "pass_thread_control"])
def test_non_opening_kinds(store: PolicyStore, kind: str) -> None:
    policy = SendPolicy(store)
    assert policy.record_inbound("42", kind, T0) is False
    assert not policy.check(text("42"), now=T0).allowed


def test_latest_inbound_wins_even_out_of_order(store: PolicyStore) -> None:
    policy = SendPolicy(store, clock=lambda: T0 + timedelta(hours=21))
    policy.record_inbound(PERSON, "message", T0 + timedelta(hours=20))
    policy.record_inbound(PERSON, "message", T0 + timedelta(hours=1))  # late redelivery
    assert policy.check(text(), now=T0 + timedelta(hours=43)).allowed
    assert policy.store.last_inbound(PERSON) == T0 + timedelta(hours=20)


def test_a_time_in_the_future_counts_as_now(store: PolicyStore) -> None:
    policy = SendPolicy(store, clock=lambda: T0)
    assert policy.record_inbound("42", "message", T0 + timedelta(days=1000))
    assert store.last_inbound("42") == T0
    assert policy.check(text("42"), now=T0 + timedelta(hours=23)).allowed
    late = policy.check(text("42"), now=T0 + timedelta(hours=25))
    assert isinstance(late.error, WindowClosedError)
    # a comment dated in the future gets its 7 days from now, not from then
    policy.record_inbound("43", "comment", T0 + timedelta(days=1000), comment_id=COMMENT)
    expired = policy.check(private_reply(), now=T0 + timedelta(days=8))
    assert isinstance(expired.error, PrivateReplyExpiredError)


def test_timestamps_in_ms_and_seconds(store: PolicyStore) -> None:
    policy = SendPolicy(store)
    ms = int(T0.timestamp() * 1000)
    policy.record_inbound("a", "message", ms)
    policy.record_inbound("b", "message", T0.timestamp())
    assert store.last_inbound("a") == store.last_inbound("b") == T0


def test_human_agent_rules(policy: SendPolicy) -> None:
    six_days = T0 + timedelta(days=6, hours=23)
    assert policy.check(agent_tagged(), role="agent", now=six_days).allowed
    late = policy.check(agent_tagged(), role="agent", now=T0 + timedelta(days=7, minutes=1))
    assert isinstance(late.error, HumanAgentWindowClosedError)
    bot = policy.check(agent_tagged(), role="bot", now=T0 + timedelta(hours=1))
    assert isinstance(bot.error, TagNotAllowedError)
    other = policy.check(text(messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE"), role="agent",
                         now=T0)
    assert isinstance(other.error, TagNotAllowedError)
    untagged = policy.check(text(), role="agent", now=T0 + timedelta(days=2))
    assert isinstance(untagged.error, WindowClosedError) and "HUMAN_AGENT" in str(untagged.error)
    for late_untagged in (policy.check(text(), role="agent", now=T0 + timedelta(days=8)),
                          policy.check(text("nobody"), role="agent", now=T0)):
        assert type(late_untagged.error) is HumanAgentWindowClosedError
        assert late_untagged.rule == "human_agent_7d"


def test_auto_tag(policy: SendPolicy) -> None:
    inside = policy.auto_tag(text(messaging_type="RESPONSE"), now=T0 + timedelta(hours=2))
    assert "tag" not in inside and inside["messaging_type"] == "RESPONSE"
    past = policy.auto_tag(text(messaging_type="RESPONSE"), now=T0 + timedelta(days=2))
    assert (past["messaging_type"], past["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert policy.check(past, role="agent", now=T0 + timedelta(days=2)).allowed
    assert "tag" not in policy.auto_tag(text(), role="bot", now=T0 + timedelta(days=2))
    assert "tag" not in policy.auto_tag(text(), now=T0 + timedelta(days=8))
    assert "tag" not in policy.auto_tag(private_reply(), now=T0 + timedelta(days=2))


def test_tag_is_auto_tag_for_a_typed_request(policy: SendPolicy) -> None:
    request = OutboundRequest.from_body("messages", text(messaging_type="RESPONSE"))
    inside = policy.tag(request, now=T0 + timedelta(hours=2))
    assert inside is request  # nothing to add
    past = policy.tag(request, now=T0 + timedelta(days=2))
    assert past.body == policy.auto_tag(request.body, now=T0 + timedelta(days=2))
    assert past.tag == "HUMAN_AGENT" and request.tag is None
    assert policy.tag(request, role="bot", now=T0 + timedelta(days=2)) is request
    assert policy.tag(request, now=T0 + timedelta(days=8)) is request
    private = OutboundRequest.from_body("messages", private_reply())
    assert policy.tag(private, now=T0 + timedelta(days=2)) is private


def test_private_reply_once_within_seven_days(policy: SendPolicy) -> None:
    policy.record_inbound("555", "comment", T0, comment_id=COMMENT)
    first = policy.check(private_reply(), now=T0 + timedelta(days=6))
    assert first.allowed and first.rule == "private_reply_once"
    again = policy.check(private_reply(), now=T0 + timedelta(days=6))
    assert isinstance(again.error, PrivateReplyAlreadySentError)
    assert str(again.error).startswith(f"comment:{COMMENT}")
    # a redelivered comment webhook does not reset the mark
    policy.record_inbound("555", "comment", T0, comment_id=COMMENT)
    assert not policy.check(private_reply(), now=T0).allowed


def test_private_reply_expires_and_needs_a_known_comment(policy: SendPolicy) -> None:
    policy.record_inbound("555", "comment", T0, comment_id=COMMENT)
    late = policy.check(private_reply(), now=T0 + timedelta(days=7, minutes=1))
    assert isinstance(late.error, PrivateReplyExpiredError)
    unknown = policy.check(private_reply("1"), now=T0)
    assert isinstance(unknown.error, PrivateReplyExpiredError)
    assert policy.check(private_reply(), now=T0 + timedelta(days=1), mark=False).allowed
    assert policy.check(private_reply(), now=T0 + timedelta(days=1)).allowed  # not marked before


def test_a_private_reply_is_one_message_until_the_person_writes_back(policy: SendPolicy) -> None:
    # defect 5: a comment opened the 24 h window, so DMs followed the private reply for a day
    assert policy.record_inbound("555", "comment", T0, comment_id=COMMENT) is False
    assert policy.check(private_reply(), now=T0 + timedelta(minutes=1)).allowed
    refused = policy.check(text("555"), now=T0 + timedelta(minutes=2))
    assert not refused.allowed and refused.rule == "window_24h"
    policy.record_inbound("555", "text", T0 + timedelta(hours=1))  # the person writes back
    assert policy.check(text("555"), now=T0 + timedelta(hours=2)).allowed


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
def test_a_live_comment_gets_a_private_reply_only_during_the_broadcast(
        store_kind: str, tmp_path: Path) -> None:
    # defect 5: Live comments got the 7-day window; Meta allows replies only during the broadcast
    store = MemoryPolicyStore() if store_kind == "memory" else SQLitePolicyStore(tmp_path / "p.db")
    policy = SendPolicy(store)
    policy.record_inbound("555", "live_comment", T0, comment_id="live1")
    policy.record_inbound("555", "comment", T0, comment_id="post1")
    assert policy.check(private_reply("live1"), now=T0 + timedelta(hours=1), mark=False).allowed
    late = policy.check(private_reply("live1"), now=T0 + LIVE_BROADCAST_WINDOW + timedelta(minutes=1))
    assert not late.allowed and "only during the broadcast" in late.reason
    assert policy.check(private_reply("post1"), now=T0 + timedelta(days=6)).allowed
    store.close()


def test_record_event_duck_typed(store: PolicyStore) -> None:
    policy = SendPolicy(store)
    comment = SimpleNamespace(kind="comment", opens_window=True, standby=False, person_id="77",
                              timestamp=T0, raw={"id": "c1", "text": "nice"}, dedupe_key="c1")
    echo = SimpleNamespace(kind="echo", opens_window=False, standby=False, person_id="88",
                           timestamp=T0, raw={}, dedupe_key="m1")
    # a comment is recorded (for its private reply) but opens no window
    assert not policy.record_event(comment) and not policy.record_event(echo)
    assert store.comment("c1") == (T0, None)
    assert store.last_inbound("88") is None


def test_sqlite_store_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "data" / "policy.sqlite"  # the data dir is created on first use
    first = SendPolicy(SQLitePolicyStore(path))
    first.record_inbound(PERSON, "message", T0)
    first.record_inbound("555", "comment", T0, comment_id=COMMENT)
    assert first.check(private_reply(), now=T0).allowed
    first.store.close()
    second = SendPolicy(SQLitePolicyStore(path))
    assert second.store.last_inbound(PERSON) == T0
    assert second.check(text(), now=T0 + timedelta(hours=23)).allowed
    assert isinstance(second.check(private_reply(), now=T0).error, PrivateReplyAlreadySentError)
    assert "policy.sqlite" in repr(second.store)
    second.store.close()


def test_client_refuses_before_sending(standin: GraphStandIn) -> None:
    now = [T0]
    policy = SendPolicy(clock=lambda: now[0])
    policy.record_inbound(PERSON, "message", T0)
    policy.record_inbound("555", "comment", T0, comment_id=COMMENT)
    refused: list[tuple[dict[str, Any], PolicyError]] = []
    with standin.client(policy=policy, rate_limit=None,
                        on_refused=lambda b, e: refused.append((b, e))) as client:
        client.send_message(PERSON, "within the window")
        client.send(private_reply())
        with pytest.raises(PrivateReplyAlreadySentError):
            client.send(private_reply())
        now[0] = T0 + timedelta(hours=24, minutes=1)
        with pytest.raises(WindowClosedError):
            client.send_message(PERSON, "too late for a bot")
        result = client.send_message(PERSON, "an agent, typed by a person", role="agent")
        assert result.message_id
        with pytest.raises(TagNotAllowedError):
            client.send_message(PERSON, "bot pretending", tag="HUMAN_AGENT")
        now[0] = T0 + timedelta(days=8)
        with pytest.raises(HumanAgentWindowClosedError):
            client.send_message(PERSON, "too late even for agents", role="agent")
    sent = standin.sent()
    assert len(sent) == 3
    assert sent[2]["tag"] == "HUMAN_AGENT" and sent[2]["messaging_type"] == "MESSAGE_TAG"
    assert [type(e) for _, e in refused] == [PrivateReplyAlreadySentError, WindowClosedError,
                                             TagNotAllowedError, HumanAgentWindowClosedError]
    assert refused[1][0]["message"] == {"text": "too late for a bot"}


def test_private_reply_not_marked_when_meta_refuses(standin: GraphStandIn) -> None:
    policy = SendPolicy(clock=lambda: T0)
    policy.record_inbound("555", "comment", T0, comment_id=COMMENT)
    with standin.client(policy=policy, max_retries=0) as client:
        standin.fail_next(1, code=100, subcode=2534025)
        with pytest.raises(PrivateReplyNotAllowedError):
            client.send(private_reply())
        client.send(private_reply())  # still allowed: the first never went out
    assert len(standin.sent()) == 1
