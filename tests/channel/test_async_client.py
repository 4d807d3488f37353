"""AsyncGraphClient: the same calls as GraphClient, awaited, against the stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from igbot.channel import (
    AsyncGraphClient,
    GraphStandIn,
    IceBreakerError,
    NoMatchingUserError,
    OutsideWindowError,
    SendResult,
    ThreadOwnedByOtherAppError,
)

from ._support import PERSON, fast_retry


def run(standin: GraphStandIn, body: Callable[[AsyncGraphClient], Awaitable[Any]],
        **options: Any) -> Any:
    async def main() -> Any:
        async with standin.async_client(retry=fast_retry(), **options) as client:
            return await body(client)

    return asyncio.run(main())


def test_async_endpoints(standin: GraphStandIn) -> None:
    async def body(c: AsyncGraphClient) -> None:
        result = await c.send_message(PERSON, "hi")
        assert isinstance(result, SendResult) and result.recipient_id == PERSON
        assert (await c.upload_attachment("video", "https://x.test/v.mp4")).isdigit()
        ice = [{"locale": "default", "call_to_actions": [{"question": "Q?", "payload": "Q"}]}]
        assert await c.set_ice_breakers(ice) == {"result": "success"}
        assert await c.get_ice_breakers() == ice
        await c.delete_ice_breakers()
        assert await c.get_ice_breakers() == []
        with pytest.raises(IceBreakerError):
            await c.set_ice_breakers([{"locale": "fr_FR", "call_to_actions": []}])
        assert await c.pass_thread_control(PERSON, metadata="agent")
        assert await c.thread_owner(PERSON) == "1217981644879628"
        with pytest.raises(ThreadOwnedByOtherAppError):
            await c.send_message(PERSON, "silent")
        assert await c.request_thread_control(PERSON)
        assert await c.take_thread_control(PERSON)
        assert await c.release_thread_control(PERSON)
        assert await c.thread_owner(PERSON) == standin.app_id
        answer = await c.send_request("messages", {"recipient": {"id": PERSON},
                                                   "sender_action": "mark_seen"})
        assert isinstance(answer, SendResult)
        assert await c.send_request("pass_thread_control", {
            "recipient": {"id": PERSON}, "target_app_id": 263902037430900}) == {"success": True}
        with pytest.raises(ValueError):
            await c.send_request("nope", {})

    run(standin, body, rate_limit=None)
    assert [r.endpoint for r in standin.requests if r.method == "POST"] == [
        "messages", "message_attachments", "messenger_profile", "pass_thread_control",
        "messages", "request_thread_control", "take_thread_control", "release_thread_control",
        "messages", "pass_thread_control"]


def test_async_errors_and_retries(standin: GraphStandIn) -> None:
    async def body(c: AsyncGraphClient) -> None:
        standin.fail_next(1, code=613)
        standin.fail_next_http(1, status=500)
        standin.drop_next(1)
        await c.send_message(PERSON, "eventually")
        standin.fail_next(1, code=10, subcode=2534022)
        with pytest.raises(OutsideWindowError) as info:
            await c.send_message(PERSON, "late")
        assert info.value.fbtrace_id
        standin.unknown_recipients.add("404")
        with pytest.raises(NoMatchingUserError):
            await c.send_message("404", "who?")

    run(standin, body)
    assert [r.status for r in standin.requests] == [400, 500, None, 200, 400, 400]


def test_async_comment_requests_of_the_engine(standin: GraphStandIn) -> None:
    async def body(c: AsyncGraphClient) -> None:
        answer = await c.send_request("comment_reply", {"comment_id": "179001", "message": "Thanks!"})
        assert answer["id"].isdigit()
        assert await c.send_request("hide_comment", {"comment_id": "179001", "hide": True}) == {
            "success": True}
        assert await c.send_request("extend_thread_control",
                                    {"recipient": {"id": PERSON}, "duration": 600}) == {"success": True}

    run(standin, body)
    assert [r.path for r in standin.requests] == [
        "/v21.0/179001/replies", "/v21.0/179001", "/v21.0/me/extend_thread_control"]
    assert standin.hidden_comments == {"179001"}
