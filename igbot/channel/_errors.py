"""Meta's Graph API errors and igbot's send-policy refusals, as typed exceptions.

Every error the Send API answers becomes one class, picked from Meta's ``code`` and
``error_subcode`` (see ``/work/shared/spec/instagram.md``, "Errors")::

    igbot.GraphAPIError
    └── GraphError                      Meta answered with an error (generic fallback)
        ├── OutsideWindowError              10/2534022: outside the 24 h window
        ├── PersonUnavailableError          551: the person cannot get messages now
        ├── InvalidParameterError           100: a bad parameter
        │   ├── NoMatchingUserError             100/2534014: no such recipient
        │   ├── PrivateReplyNotAllowedError     100/2534025: comment not valid for a private reply
        │   ├── AttachmentFetchError            100/2018008: Meta could not fetch the url
        │   └── AttachmentTooLargeError         100/2018109: attachment too large
        ├── TokenError                      190: expired or invalid access token
        ├── PermissionDeniedError           200 (and 10 with another subcode)
        ├── RateLimitedError                4, 17, 32, 613, 80002 (retried)
        ├── ThreadOwnedByOtherAppError      2018300 or 100/2534037: another app owns the thread
        └── TransientGraphError             1, 2, 341, HTTP 5xx, ``is_transient`` (retried)
            └── GraphConnectionError            no answer at all (network error)

    igbot.IgbotError
    ├── PolicyError                     igbot refused to send (Meta would reject it)
    │   ├── WindowClosedError               bot message past the 24 h window
    │   ├── HumanAgentWindowClosedError     HUMAN_AGENT past 7 days of the person's last message
    │   ├── TagNotAllowedError              a tag a bot may not use (or not HUMAN_AGENT)
    │   ├── PrivateReplyAlreadySentError    a second private reply to one comment
    │   └── PrivateReplyExpiredError        a private reply past 7 days (or unknown comment)
    └── IceBreakerError                 ice breakers Meta would refuse (checked before sending)

Each :class:`GraphError` carries ``code``, ``subcode``, ``fbtrace_id``, ``http_status``,
``meta_message``, ``error_type``, ``is_transient``, ``retry_after`` and ``retryable``. No error
text ever holds an access token.
"""

from __future__ import annotations

import re
from typing import Any

from igbot._errors import GraphAPIError, IgbotError

__all__ = [
    "AttachmentFetchError",
    "AttachmentTooLargeError",
    "GraphConnectionError",
    "GraphError",
    "HumanAgentWindowClosedError",
    "IceBreakerError",
    "InvalidParameterError",
    "NoMatchingUserError",
    "OutsideWindowError",
    "PermissionDeniedError",
    "PersonUnavailableError",
    "PolicyError",
    "PrivateReplyAlreadySentError",
    "PrivateReplyExpiredError",
    "PrivateReplyNotAllowedError",
    "RateLimitedError",
    "TagNotAllowedError",
    "ThreadOwnedByOtherAppError",
    "TokenError",
    "TransientGraphError",
    "WindowClosedError",
    "error_from_response",
    "redact",
]

_TOKEN_PARAM = re.compile(r"(access_token=)[^&\s\"']+", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._\-|~+/=]+", re.IGNORECASE)


def redact(text: str, *secrets: str) -> str:
    """Return ``text`` with every secret and any ``access_token=...``/``Bearer ...`` masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _TOKEN_PARAM.sub(r"\1***", text)
    return _BEARER.sub(r"\1***", text)


class GraphError(GraphAPIError):
    """Meta's Graph API answered with an error; the generic class for codes igbot does not map.

    Attributes:
        code: Meta's ``error.code`` (None when there was no Meta envelope).
        subcode: Meta's ``error.error_subcode``.
        fbtrace_id: Meta's trace id, to quote when asking Meta for help.
        http_status: the HTTP status (None for network errors).
        meta_message: Meta's ``error.message`` (tokens masked).
        error_type: Meta's ``error.type``, for example ``OAuthException``.
        is_transient: Meta's ``error.is_transient`` when given.
        retry_after: seconds from a ``Retry-After`` header, if any.
        retryable: whether igbot retries this error.
    """

    default_retryable = False

    def __init__(
        self,
        meta_message: str = "",
        *,
        code: int | None = None,
        subcode: int | None = None,
        fbtrace_id: str | None = None,
        http_status: int | None = None,
        error_type: str | None = None,
        is_transient: bool | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.meta_message = redact(meta_message)
        self.code, self.subcode, self.fbtrace_id = code, subcode, fbtrace_id
        self.http_status, self.error_type, self.is_transient = http_status, error_type, is_transient
        self.retry_after = retry_after
        self.retryable = self.default_retryable if retryable is None else retryable
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"code {self.code}" if self.code is not None else None,
                 f"subcode {self.subcode}" if self.subcode is not None else None,
                 f"HTTP {self.http_status}" if self.http_status is not None else None,
                 f"fbtrace_id {self.fbtrace_id}" if self.fbtrace_id else None]
        detail = ", ".join(p for p in parts if p)
        text = self.meta_message or type(self).__name__
        return f"{text} [{detail}]" if detail else text

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {k: getattr(self, k) for k in (
            "code", "subcode", "fbtrace_id", "http_status", "error_type", "is_transient",
            "retry_after", "retryable")}
        return (_rebuild, (type(self), self.meta_message, kwargs))


def _rebuild(cls: type[GraphError], message: str, kwargs: dict[str, Any]) -> GraphError:
    return cls(message, **kwargs)


class OutsideWindowError(GraphError):
    """10/2534022: the message was sent outside the allowed 24 h window."""


class PersonUnavailableError(GraphError):
    """551: this person is not available right now (blocked, deactivated, restricted)."""


class InvalidParameterError(GraphError):
    """100: a parameter Meta did not accept."""


class NoMatchingUserError(InvalidParameterError):
    """100/2534014: no user matches the recipient id."""


class PrivateReplyNotAllowedError(InvalidParameterError):
    """100/2534025: the comment is not valid for a private reply."""


class AttachmentFetchError(InvalidParameterError):
    """100/2018008: Meta could not fetch the attachment url."""


class AttachmentTooLargeError(InvalidParameterError):
    """100/2018109: the attachment is over Meta's size limit."""


class TokenError(GraphError):
    """190: the access token is invalid or expired; get a new one."""


class PermissionDeniedError(GraphError):
    """200 (or 10 with another subcode): the app lacks a permission."""


class RateLimitedError(GraphError):
    """4, 17, 32, 613, 80002: a rate or business-use-case limit; retried with backoff."""

    default_retryable = True


class ThreadOwnedByOtherAppError(GraphError):
    """2018300 or 100/2534037: another app (an agent inbox) owns the thread; stay silent."""


class TransientGraphError(GraphError):
    """1, 2, 341, HTTP 5xx or ``is_transient``: a temporary failure; retried with backoff."""

    default_retryable = True


class GraphConnectionError(TransientGraphError):
    """No answer from the Graph API (connection refused, reset, timed out)."""


_BY_SUBCODE_100: dict[int, type[GraphError]] = {
    2534014: NoMatchingUserError,
    2534025: PrivateReplyNotAllowedError,
    2018008: AttachmentFetchError,
    2018109: AttachmentTooLargeError,
}
_BY_CODE: dict[int, type[GraphError]] = {
    10: PermissionDeniedError,
    100: InvalidParameterError,
    190: TokenError,
    200: PermissionDeniedError,
    551: PersonUnavailableError,
    4: RateLimitedError,
    17: RateLimitedError,
    32: RateLimitedError,
    613: RateLimitedError,
    80002: RateLimitedError,
    1: TransientGraphError,
    2: TransientGraphError,
    341: TransientGraphError,
}
_THREAD_OWNED = (2018300, 2534037)


def _classify(code: int | None, subcode: int | None, transient: bool | None,
              status: int) -> type[GraphError]:
    if code == 10 and subcode == 2534022:
        return OutsideWindowError
    if subcode in _THREAD_OWNED or code == 2018300:
        return ThreadOwnedByOtherAppError
    if code == 100 and subcode in _BY_SUBCODE_100:
        return _BY_SUBCODE_100[subcode]
    if code in _BY_CODE:
        return _BY_CODE[code]
    return TransientGraphError if (transient or status >= 500) else GraphError


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def error_from_response(
    status: int, body: Any, retry_after: float | None = None, secrets: tuple[str, ...] = ()
) -> GraphError:
    """Build the typed error for an HTTP answer (``body`` is the parsed JSON or the raw text).

    Args:
        status: the HTTP status code.
        body: Meta's error envelope as a dict, or whatever text came instead.
        retry_after: seconds from the ``Retry-After`` header, if any.
        secrets: strings to mask in the message (the access token).
    """
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        text = redact(str(body)[:200], *secrets) if body else ""
        if status >= 500:
            cls: type[GraphError] = TransientGraphError
        elif status == 429:
            cls = RateLimitedError
        else:
            cls = GraphError
        return cls(text or f"HTTP {status} without a Graph API error body",
                   http_status=status, retry_after=retry_after)
    code, subcode = _int(err.get("code")), _int(err.get("error_subcode"))
    transient = err.get("is_transient")
    transient = bool(transient) if transient is not None else None
    cls = _classify(code, subcode, transient, status)
    return cls(
        redact(str(err.get("message", "")), *secrets),
        code=code,
        subcode=subcode,
        fbtrace_id=err.get("fbtrace_id"),
        http_status=status,
        error_type=err.get("type"),
        is_transient=transient,
        retry_after=retry_after,
    )


class PolicyError(IgbotError):
    """igbot refused to send because Meta would reject the request (nothing was sent).

    Attributes:
        recipient: the person id or ``comment:<id>`` the send was for.
        rule: the rule that refused it (``window_24h``, ``human_agent_7d``, ...).
    """

    rule = "policy"

    def __init__(self, message: str, recipient: str | None = None) -> None:
        self.recipient, self.reason = recipient, message
        who = f"{recipient}: " if recipient else ""
        super().__init__(f"{who}{message} [{self.rule}]")


class WindowClosedError(PolicyError):
    """A bot message (RESPONSE/UPDATE) past 24 h of the person's last message."""

    rule = "window_24h"


class HumanAgentWindowClosedError(PolicyError):
    """A HUMAN_AGENT message past 7 days of the person's last message."""

    rule = "human_agent_7d"


class TagNotAllowedError(PolicyError):
    """A message tag the sender may not use: HUMAN_AGENT from a bot, or any other tag."""

    rule = "message_tag"


class PrivateReplyAlreadySentError(PolicyError):
    """A second private reply to one comment (Meta allows one)."""

    rule = "private_reply_once"


class PrivateReplyExpiredError(PolicyError):
    """A private reply past 7 days of the comment, or to a comment igbot never saw."""

    rule = "private_reply_7d"


class IceBreakerError(IgbotError, ValueError):
    """Ice breakers Meta would refuse: over 4 questions, no ``default`` locale, empty text.

    Attributes:
        field: where the problem is, for example ``ice_breakers[0].call_to_actions[4]``.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field, self.reason = field, message
        super().__init__(f"{field}: {message}")
