"""Fixtures: a running Graph API stand-in and a client with tiny backoff delays."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from igbot.channel import GraphClient, GraphStandIn

from ._support import TOKEN, fast_retry


@pytest.fixture
def standin() -> Iterator[GraphStandIn]:
    with GraphStandIn(access_token=TOKEN) as g:
        yield g


@pytest.fixture
def client(standin: GraphStandIn) -> Iterator[GraphClient]:
    with standin.client(retry=fast_retry(), rate_limit=None) as c:
        yield c
