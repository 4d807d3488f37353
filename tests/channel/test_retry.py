"""Retries: which failures are retried, how many times, and how long the waits are."""

from __future__ import annotations

import logging
import random
import time

import pytest

from igbot.channel import (
    GraphClient,
    GraphConnectionError,
    GraphError,
    GraphStandIn,
    RateLimitedError,
    RetryPolicy,
    TransientGraphError,
)
from igbot.channel._retry import parse_retry_after

from ._support import PERSON, fast_retry


@pytest.mark.parametrize(("code", "subcode"), [(613, 2534040), (2, None), (1, None), (4, None),
                                               (17, None), (32, None), (341, None),
                                               (80002, None)])
def test_retryable_codes_are_retried(standin: GraphStandIn, client: GraphClient, code: int,
                                     subcode: int | None) -> None:
    standin.fail_next(2, code=code, subcode=subcode)
    result = client.send_message(PERSON, "hi")
    assert result.message_id
    assert len(standin.requests) == 3
    assert [r.status for r in standin.requests] == [400, 400, 200]
    assert len(standin.sent(PERSON)) == 1


def test_is_transient_is_retried(standin: GraphStandIn, client: GraphClient) -> None:
    standin.fail_next(1, code=9999, is_transient=True, status=400)
    client.send_message(PERSON, "hi")
    assert len(standin.requests) == 2


def test_http_5xx_is_retried(standin: GraphStandIn, client: GraphClient) -> None:
    standin.fail_next_http(2, status=503)
    standin.fail_next(1, code=2, status=500)
    client.send_message(PERSON, "hi")
    assert [r.status for r in standin.requests] == [503, 503, 500, 200]


def test_transport_error_is_retried(standin: GraphStandIn, client: GraphClient) -> None:
    standin.drop_next(2)
    client.send_message(PERSON, "hi")
    assert [r.status for r in standin.requests] == [None, None, 200]


def test_timeout_is_retried(standin: GraphStandIn) -> None:
    with standin.client(retry=fast_retry(), timeout=0.2, rate_limit=None) as client:
        standin.delay_next(1, 0.6)
        client.send_message(PERSON, "hi")
    assert len(standin.requests) == 2


@pytest.mark.parametrize(("code", "subcode"), [(10, 2534022), (100, None), (100, 2534014),
                                               (190, None), (200, None), (551, None),
                                               (100, 2534037)])
def test_non_retryable_codes_are_not_retried(standin: GraphStandIn, client: GraphClient,
                                             code: int, subcode: int | None) -> None:
    standin.fail_next(1, code=code, subcode=subcode)
    with pytest.raises(GraphError) as info:
        client.send_message(PERSON, "hi")
    assert info.value.code == code and not info.value.retryable
    assert len(standin.requests) == 1


def test_retries_run_out(standin: GraphStandIn) -> None:
    with standin.client(retry=fast_retry(max_retries=2)) as client:
        standin.fail_next(5, code=613)
        with pytest.raises(RateLimitedError):
            client.send_message(PERSON, "hi")
    assert len(standin.requests) == 3


def test_connection_refused_gives_connection_error() -> None:
    with GraphStandIn() as g:
        url = g.url
    with GraphClient("t", base_url=url, retry=fast_retry(max_retries=1)) as client, \
            pytest.raises(GraphConnectionError) as info:
        client.send_message(PERSON, "hi")
    assert info.value.retryable and info.value.http_status is None


def test_retry_after_is_respected(standin: GraphStandIn) -> None:
    policy = RetryPolicy(max_retries=2, base_delay=0.0, max_delay=0.0)
    with standin.client(retry=policy) as client:
        standin.fail_next(1, code=613, retry_after=0.3)
        client.send_message(PERSON, "hi")
    first, second = standin.requests
    assert second.time - first.finished >= 0.28  # type: ignore[operator]


def test_retry_after_over_cap_is_raised(standin: GraphStandIn) -> None:
    policy = RetryPolicy(max_retries=3, base_delay=0.001, max_retry_after=1.0)
    with standin.client(retry=policy) as client:
        standin.fail_next_http(1, status=503, retry_after=120)
        with pytest.raises(TransientGraphError) as info:
            client.send_message(PERSON, "hi")
    assert info.value.retry_after == 120
    assert len(standin.requests) == 1


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(1_000_010))
    assert parse_retry_after(http_date, now=1_000_000) == pytest.approx(10)


def test_backoff_is_full_jitter_and_bounded() -> None:
    policy = RetryPolicy(max_retries=10, base_delay=0.5, max_delay=4.0, rng=random.Random(1))
    for attempt in range(12):
        ceiling = min(4.0, 0.5 * 2 ** attempt)
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(0.0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8  # jitter spreads over the whole range
        assert min(waits) < ceiling * 0.2
    err = RateLimitedError("x", code=613)
    assert policy.next_delay(10, err) is None  # out of retries
    assert policy.next_delay(0, GraphError("x", code=100)) is None


def test_retries_are_logged_without_query(standin: GraphStandIn, client: GraphClient,
                                          caplog: pytest.LogCaptureFixture) -> None:
    standin.fail_next(1, code=613, subcode=2534040)
    with caplog.at_level(logging.WARNING, logger="igbot.channel"):
        client.send_message(PERSON, "hi")
    retries = [r for r in caplog.records if r.name == "igbot.channel._retry"]
    assert len(retries) == 1
    text = retries[0].getMessage()
    assert "613" in text and "2534040" in text and "/v21.0/me/messages" in text
    assert "access_token" not in text
