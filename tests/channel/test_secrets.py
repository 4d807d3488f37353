"""The access token never shows: not in reprs, errors, our logs, or httpx's DEBUG logs."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr

from igbot.channel import GraphClient, GraphError, GraphStandIn, PolicyError, SendPolicy

from ._support import PERSON, TOKEN, fast_retry


def _no_token(text: str) -> None:
    assert TOKEN not in text
    assert TOKEN[:20] not in text


@pytest.mark.parametrize("auth", ["page", "bearer"])
def test_token_never_leaks(standin: GraphStandIn, auth: str,
                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    client = GraphClient(SecretStr(TOKEN), base_url=standin.url, auth=auth,  # type: ignore[arg-type]
                         retry=fast_retry(max_retries=1), policy=SendPolicy())
    with client:
        _no_token(repr(client))
        _no_token(repr(client.access_token))
        client.policy.record_inbound(PERSON, "message", 0)  # type: ignore[union-attr]
        try:
            client.send_message(PERSON, "closed window")
        except PolicyError as exc:
            errors.append(exc)
        client.policy.record_inbound(PERSON, "message", 10**13)  # type: ignore[union-attr]
        client.send_message(PERSON, "hello")
        standin.fail_next(1, code=613)
        client.send_message(PERSON, "retried")
        for code in (10, 100, 190, 200, 551, 613, 2):
            tries = 2 if code in (613, 2) else 1  # max_retries=1: retryable codes go twice
            standin.fail_next(tries, code=code, message=f"bad token {TOKEN} access_token={TOKEN}")
            try:
                client.send_message(PERSON, "x")
            except GraphError as exc:
                errors.append(exc)
        standin.fail_next_http(2, status=502, body=f"<html>{TOKEN}</html>")
        standin.drop_next(2)
        for _ in range(2):
            try:
                client.send_message(PERSON, "x")
            except GraphError as exc:
                errors.append(exc)
    wrong = GraphClient("wrong-" + TOKEN, base_url=standin.url, auth=auth,  # type: ignore[arg-type]
                        max_retries=0)
    with wrong, pytest.raises(GraphError) as info:
        wrong.send_message(PERSON, "x")
    errors.append(info.value)
    assert len(errors) == 11
    for err in errors:
        _no_token(str(err))
        _no_token(repr(err))
        if isinstance(err, GraphError):
            _no_token(err.meta_message)
    records = caplog.records
    # the sync client hands httpx's requests to its transport itself and writes httpx's
    # request line at DEBUG; below it the wire is a socket (KeepAliveTransport), which logs
    # nothing
    assert any(r.name == "igbot.channel._client" and r.getMessage().startswith("HTTP Request")
               for r in records), "request logging was on"
    for record in records:
        _no_token(record.getMessage())
    for req in standin.requests:
        _no_token(repr(req))


def test_async_token_never_leaks(standin: GraphStandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def main() -> None:
        async with standin.async_client(retry=fast_retry()) as client:
            _no_token(repr(client))
            standin.fail_next(1, code=2)
            await client.send_message(PERSON, "hi")
            standin.fail_next(1, code=190)
            with pytest.raises(GraphError) as info:
                await client.send_message(PERSON, "hi")
            _no_token(str(info.value))

    asyncio.run(main())
    assert any(r.name == "httpx" for r in caplog.records)
    for record in caplog.records:
        _no_token(record.getMessage())
