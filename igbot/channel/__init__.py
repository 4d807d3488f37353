"""Talking to Instagram: the Send API client, its errors and policy, a Graph API stand-in.

Extend ``__all__`` (sorted) when adding modules (webhook server, inbox, handover).
"""

from igbot.channel._async_client import AsyncGraphClient
from igbot.channel._base import (
    COMMENT_ENDPOINTS,
    INSTAGRAM_INBOX_APP_ID,
    PAGE_INBOX_APP_ID,
    SendResult,
    validate_ice_breakers,
)
from igbot.channel._cli import profile_command
from igbot.channel._client import GraphClient
from igbot.channel._errors import (
    AttachmentFetchError,
    AttachmentTooLargeError,
    GraphConnectionError,
    GraphError,
    HumanAgentWindowClosedError,
    IceBreakerError,
    InvalidParameterError,
    NoMatchingUserError,
    OutsideWindowError,
    PermissionDeniedError,
    PersonUnavailableError,
    PolicyError,
    PrivateReplyAlreadySentError,
    PrivateReplyExpiredError,
    PrivateReplyNotAllowedError,
    RateLimitedError,
    TagNotAllowedError,
    ThreadOwnedByOtherAppError,
    TokenError,
    TransientGraphError,
    WindowClosedError,
    error_from_response,
)
from igbot.channel._policy import (
    LIVE_BROADCAST_WINDOW,
    Decision,
    MemoryPolicyStore,
    PolicyStore,
    Role,
    SendPolicy,
    SQLitePolicyStore,
)
from igbot.channel._ratelimit import TokenBucket
from igbot.channel._retry import RetryPolicy
from igbot.channel.standin import GraphStandIn, RecordedRequest

__all__ = [
    "COMMENT_ENDPOINTS",
    "INSTAGRAM_INBOX_APP_ID",
    "LIVE_BROADCAST_WINDOW",
    "PAGE_INBOX_APP_ID",
    "AsyncGraphClient",
    "AttachmentFetchError",
    "AttachmentTooLargeError",
    "Decision",
    "GraphClient",
    "GraphConnectionError",
    "GraphError",
    "GraphStandIn",
    "HumanAgentWindowClosedError",
    "IceBreakerError",
    "InvalidParameterError",
    "MemoryPolicyStore",
    "NoMatchingUserError",
    "OutsideWindowError",
    "PermissionDeniedError",
    "PersonUnavailableError",
    "PolicyError",
    "PolicyStore",
    "PrivateReplyAlreadySentError",
    "PrivateReplyExpiredError",
    "PrivateReplyNotAllowedError",
    "RateLimitedError",
    "RecordedRequest",
    "RetryPolicy",
    "Role",
    "SQLitePolicyStore",
    "SendPolicy",
    "SendResult",
    "TagNotAllowedError",
    "ThreadOwnedByOtherAppError",
    "TokenBucket",
    "TokenError",
    "TransientGraphError",
    "WindowClosedError",
    "error_from_response",
    "profile_command",
    "validate_ice_breakers",
]
