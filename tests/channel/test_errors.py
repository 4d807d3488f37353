"""Meta's error envelope becomes the right typed exception, with Meta's details."""

from __future__ import annotations

import pickle

import pytest

import igbot
from igbot.channel import (
    AttachmentFetchError,
    AttachmentTooLargeError,
    GraphClient,
    GraphError,
    GraphStandIn,
    InvalidParameterError,
    NoMatchingUserError,
    OutsideWindowError,
    PermissionDeniedError,
    PersonUnavailableError,
    PrivateReplyNotAllowedError,
    RateLimitedError,
    ThreadOwnedByOtherAppError,
    TokenError,
    TransientGraphError,
    error_from_response,
)

from ._support import PERSON

CASES = [
    (10, 2534022, OutsideWindowError, False),
    (10, None, PermissionDeniedError, False),
    (551, None, PersonUnavailableError, False),
    (100, None, InvalidParameterError, False),
    (100, 2534014, NoMatchingUserError, False),
    (100, 2534025, PrivateReplyNotAllowedError, False),
    (100, 2018008, AttachmentFetchError, False),
    (100, 2018109, AttachmentTooLargeError, False),
    (100, 2534037, ThreadOwnedByOtherAppError, False),
    (10, 2018300, ThreadOwnedByOtherAppError, False),
    (2018300, None, ThreadOwnedByOtherAppError, False),
    (190, None, TokenError, False),
    (200, None, PermissionDeniedError, False),
    (4, None, RateLimitedError, True),
    (17, None, RateLimitedError, True),
    (32, None, RateLimitedError, True),
    (613, 2534040, RateLimitedError, True),
    (80002, None, RateLimitedError, True),
    (1, None, TransientGraphError, True),
    (2, None, TransientGraphError, True),
    (341, None, TransientGraphError, True),
    (12345, None, GraphError, False),
]


@pytest.mark.parametrize(("code", "subcode", "cls", "retryable"), CASES)
def test_error_code_maps_to_type(standin: GraphStandIn, code: int, subcode: int | None,
                                 cls: type[GraphError], retryable: bool) -> None:
    with standin.client(max_retries=0, rate_limit=None) as client:
        standin.fail_next(1, code=code, subcode=subcode, message=f"(#{code}) test")
        with pytest.raises(GraphError) as info:
            client.send_message(PERSON, "hi")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, igbot.GraphAPIError) and isinstance(err, igbot.IgbotError)
    assert (err.code, err.subcode, err.http_status) == (code, subcode, 400)
    assert err.fbtrace_id and err.fbtrace_id.startswith("A")
    assert err.meta_message == f"(#{code}) test"
    assert err.error_type == "OAuthException"
    assert err.retryable is retryable
    assert err.fbtrace_id in str(err) and f"code {code}" in str(err)


def test_unknown_code_with_is_transient_is_transient(standin: GraphStandIn) -> None:
    with standin.client(max_retries=0) as client:
        standin.fail_next(1, code=9999, is_transient=True)
        with pytest.raises(TransientGraphError) as info:
            client.send_message(PERSON, "hi")
    assert info.value.is_transient is True and info.value.retryable


def test_stand_in_unknown_recipient(standin: GraphStandIn, client: GraphClient) -> None:
    standin.unknown_recipients.add("999")
    with pytest.raises(NoMatchingUserError) as info:
        client.send_message("999", "hi")
    assert (info.value.code, info.value.subcode) == (100, 2534014)


def test_stand_in_validates_body_shape(client: GraphClient) -> None:
    with pytest.raises(InvalidParameterError, match="either message or sender action"):
        client.send({"recipient": {"id": PERSON}})
    with pytest.raises(InvalidParameterError, match="1000"):
        client.send_message(PERSON, "é" * 501)


def test_bare_http_errors() -> None:
    err = error_from_response(503, "<html>Service Unavailable</html>")
    assert type(err) is TransientGraphError and err.retryable and err.code is None
    assert type(error_from_response(429, "")) is RateLimitedError
    plain = error_from_response(404, "not found")
    assert type(plain) is GraphError and not plain.retryable
    five = error_from_response(500, {"error": {"message": "x", "code": 12345}})
    assert type(five) is TransientGraphError


def test_errors_pickle_with_their_details() -> None:
    err = error_from_response(400, {"error": {"message": "(#613) limit", "code": 613,
                                              "error_subcode": 2534040, "fbtrace_id": "Atrace"}},
                              retry_after=2.0)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is RateLimitedError
    assert (copy.code, copy.subcode, copy.fbtrace_id, copy.retry_after) == (
        613, 2534040, "Atrace", 2.0)
    assert str(copy) == str(err)
