"""The Send API client (sync): messages, sender actions and reactions, attachments, ice
breakers and the persistent menu, comment replies and hiding, thread control.

Every call is paced by the account's token bucket, retried with backoff when Meta says it is
worth it, and answered with a typed error otherwise. Calls for one recipient go out one at a
time in call order, even from many threads.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any

import httpx

from igbot.channel._base import (
    COMMENT_ENDPOINTS,
    ENDPOINTS,
    INSTAGRAM_INBOX_APP_ID,
    THREAD_ENDPOINTS,
    AuthTransport,
    GraphCore,
    SendResult,
    dump_body,
    recipient_key,
    validate_ice_breakers,
)
from igbot.channel._errors import GraphError
from igbot.channel._policy import Role
from igbot.channel._ratelimit import ConversationLocks
from igbot.channel._transport import KeepAliveTransport
from igbot.models import (
    CommentReplyRequest,
    HideCommentRequest,
    PersistentMenuRequest,
    ReactionPayload,
    ReactionRequest,
    Recipient,
    SenderActionRequest,
    normalise_menu,
)

__all__ = ["GraphClient"]

logger = logging.getLogger(__name__)


class GraphClient(GraphCore):
    """A synchronous client for Instagram's Send API (Graph API).

    Args:
        access_token: a Page token (``graph.facebook.com``) or an Instagram-Login token
            (``graph.instagram.com``); kept as a ``SecretStr``.
        account_id: the Page / Instagram account id, or ``"me"``.
        base_url: the Graph API host, or a :class:`GraphStandIn`'s ``url``.
        api_version: for example ``"v21.0"``.
        auth: ``"page"`` (``access_token`` query parameter) or ``"bearer"`` (header); inferred
            from the host when omitted.
        timeout: seconds per HTTP request.
        max_retries: retries of a retryable failure (ignored when ``retry`` is given).
        retry: a :class:`RetryPolicy` (backoff delays, Retry-After cap).
        rate_limit: calls per second for this account (None: no pacing); ``burst`` the bucket.
        policy: a :class:`SendPolicy` checked before each ``messages`` call.
        on_refused: called with ``(body, error)`` when the policy refuses a send.
        transport: an httpx transport (e.g. ``httpx.MockTransport``); default a
            :class:`~igbot.channel._transport.KeepAliveTransport` (one kept-alive HTTP/1.1
            connection per thread, lighter than httpx's own).
    """

    def __init__(self, access_token: Any, *, transport: httpx.BaseTransport | None = None,
                 **options: Any) -> None:
        super().__init__(access_token, **options)
        inner = transport if transport is not None else KeepAliveTransport()
        self._transport = AuthTransport(inner, self.access_token, self.auth)
        self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout,
                                  transport=self._transport)
        self._locks = ConversationLocks()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> GraphClient:
        """A client configured as the command line is: ``IGBOT_ACCESS_TOKEN`` (required),
        ``IGBOT_ACCOUNT_ID`` (default ``me``), ``IGBOT_GRAPH_URL`` (default Meta's).

        Raises:
            ValueError: ``IGBOT_ACCESS_TOKEN`` is not set.
        """
        token = environ.get("IGBOT_ACCESS_TOKEN")
        if not token:
            raise ValueError("set IGBOT_ACCESS_TOKEN in the environment")
        options: dict[str, Any] = {"account_id": environ.get("IGBOT_ACCOUNT_ID") or "me"}
        if environ.get("IGBOT_GRAPH_URL"):
            options["base_url"] = environ["IGBOT_GRAPH_URL"]
        return cls(token, **options)

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def pending(self, recipient_id: str) -> int:
        """How many sends to ``recipient_id`` are in flight or queued behind one another."""
        return self._locks.pending(str(recipient_id))

    def request(self, method: str, endpoint: str, *, json: Any = None,
                params: dict[str, Any] | None = None,
                object_id: str | None = None) -> dict[str, Any]:
        """One Graph API call with pacing and retries; Meta's JSON answer.

        ``object_id``: call an endpoint of that object (a comment) instead of the account's.

        Raises:
            GraphError: the typed error once retries are used up or not allowed.
        """
        path = self.path(endpoint, object_id)
        attempt = 0
        while True:
            if self.bucket is not None:
                self.bucket.acquire()
            try:
                response = self._exchange(method, self.url(endpoint, object_id), json, params)
            except httpx.TransportError as exc:
                outcome: dict[str, Any] | GraphError = self.connection_error(exc)
            else:
                outcome = self.answer(response)
            if not isinstance(outcome, GraphError):
                return outcome
            delay = self.retry.next_delay(attempt, outcome)
            if delay is None:
                raise outcome
            self.retry.log_retry(method, path, attempt, delay, outcome)
            time.sleep(delay)
            attempt += 1

    def _exchange(self, method: str, url: httpx.URL, json: Any,
                  params: dict[str, Any] | None) -> httpx.Response:
        """One HTTP exchange: the request httpx's client builds (headers, JSON, timeouts),
        handed straight to the transport.

        ``httpx.Client.send`` would add what a Graph call never uses and pay for it on every
        call: a cookie jar (each answer turned into urllib's request and response objects to
        look for ``Set-Cookie``: more CPU than the HTTP exchange itself), redirect and auth
        flows (a Graph POST is never redirected; the token is added by the transport). httpx's
        own INFO line is written here at DEBUG, without the token.
        """
        request = self._http.build_request(method, url, json=json, params=params)
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug('HTTP Request: %s %s "HTTP/1.1 %d %s"', method, request.url,
                         response.status_code, response.reason_phrase)
        return response

    def send(self, body: Any, *, role: Role = "bot") -> SendResult:
        """Send one ``messages`` body (a pydantic model or a dict).

        Args:
            body: the Send API body.
            role: ``"bot"`` or ``"agent"`` (a person typing; may be tagged HUMAN_AGENT).

        Raises:
            PolicyError: the policy refused it (nothing was sent).
            GraphError: Meta refused it.
        """
        data = self.prepare_message(body, role)
        with self._locks.hold(recipient_key(data)):
            self.refuse_if_needed(data, role)
            answer = self.request("POST", "messages", json=data)
            if self.policy is not None:
                self.policy.record_sent(data)
        return self.result(answer)

    def send_message(self, recipient_id: str, message: Any, *,
                     messaging_type: str = "RESPONSE", tag: str | None = None,
                     role: Role = "bot") -> SendResult:
        """Send ``message`` (text, or a message dict/model) to one person."""
        return self.send(self.message_body(recipient_id, message, messaging_type, tag), role=role)

    def send_request(self, endpoint: str, body: Any, *, role: Role = "bot") -> Any:
        """Send one outbound request of the flow engine (``.endpoint`` and ``.body``).

        Returns:
            a :class:`SendResult` for ``messages``, else Meta's JSON answer.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown Send API endpoint {endpoint!r}; "
                             f"expected one of {sorted(ENDPOINTS)}")
        if endpoint == "messages":
            return self.send(body, role=role)
        data = dump_body(body)
        if endpoint in COMMENT_ENDPOINTS:
            comment_id, under, payload = self.comment_call(endpoint, data)
            return self.request("POST", under, json=payload, object_id=comment_id)
        if endpoint == "messenger_profile":
            if "ice_breakers" in data:
                data["ice_breakers"] = validate_ice_breakers(data["ice_breakers"])
            data.setdefault("platform", "instagram")
            return self.request("POST", endpoint, json=data, params={"platform": "instagram"})
        key = recipient_key(data) if endpoint in THREAD_ENDPOINTS else None
        with self._locks.hold(key):
            return self.request("POST", endpoint, json=data)

    def upload_attachment(self, type: str, url: str, is_reusable: bool = True) -> str:
        """Upload media from ``url`` for reuse; the ``attachment_id``."""
        data = self.request("POST", "message_attachments",
                            json=self.attachment_body(type, url, is_reusable))
        return str(data["attachment_id"])

    def get_ice_breakers(self) -> list[dict[str, Any]]:
        """The account's ice breakers (``[{"locale", "call_to_actions"}]``)."""
        data = self.request("GET", "messenger_profile",
                            params={"fields": "ice_breakers", "platform": "instagram"})
        return self.ice_breakers_from(data)

    def set_ice_breakers(self, ice_breakers: Any) -> dict[str, Any]:
        """Replace the ice breakers (checked first: ≤ 4 questions, a ``default`` locale).

        Raises:
            IceBreakerError: before sending anything, if Meta would refuse them.
        """
        items = validate_ice_breakers(ice_breakers)
        return self.request("POST", "messenger_profile",
                            json={"platform": "instagram", "ice_breakers": items},
                            params={"platform": "instagram"})

    def delete_ice_breakers(self) -> dict[str, Any]:
        """Remove the ice breakers."""
        return self.request("DELETE", "messenger_profile", json={"fields": ["ice_breakers"]},
                            params={"platform": "instagram"})

    def get_persistent_menu(self) -> list[dict[str, Any]]:
        """The account's persistent menu (``[{"locale", "call_to_actions"}]``)."""
        data = self.request("GET", "messenger_profile",
                            params={"fields": "persistent_menu", "platform": "instagram"})
        return self.persistent_menu_from(data)

    def set_persistent_menu(self, menu: Any) -> dict[str, Any]:
        """Replace the persistent menu (checked first: ≤ 20 items of ≤ 30 characters, a
        ``default`` locale, postback or web_url items).

        Raises:
            pydantic.ValidationError: before sending anything, if Meta would refuse it.
        """
        request = PersistentMenuRequest.model_validate({"persistent_menu": normalise_menu(menu)})
        return self.request("POST", "messenger_profile",
                            json=request.model_dump(exclude_none=True),
                            params={"platform": "instagram"})

    def delete_persistent_menu(self) -> dict[str, Any]:
        """Remove the persistent menu."""
        return self.request("DELETE", "messenger_profile", json={"fields": ["persistent_menu"]},
                            params={"platform": "instagram"})

    def reply_to_comment(self, comment_id: str, text: str) -> str:
        """Reply publicly under a comment; the new comment's id."""
        request = CommentReplyRequest(comment_id=str(comment_id), message=text)
        return str(self.send_request("comment_reply", request.model_dump())["id"])

    def hide_comment(self, comment_id: str, hide: bool = True) -> bool:
        """Hide a comment from everyone but its author (``hide=False`` shows it again)."""
        request = HideCommentRequest(comment_id=str(comment_id), hide=hide)
        return bool(self.send_request("hide_comment", request.model_dump()).get("success"))

    def sender_action(self, recipient_id: str, action: str) -> SendResult:
        """``typing_on``, ``typing_off`` or ``mark_seen`` in the conversation."""
        body = SenderActionRequest(recipient=Recipient(id=str(recipient_id)),
                                   sender_action=action)  # type: ignore[arg-type]
        return self.send(body.model_dump(exclude_none=True))

    def react(self, recipient_id: str, message_id: str, reaction: str | None = "love") -> SendResult:
        """React to the person's message (``reaction=None`` takes the reaction off)."""
        body = ReactionRequest(recipient=Recipient(id=str(recipient_id)),
                               sender_action="react" if reaction else "unreact",
                               payload=ReactionPayload(message_id=message_id, reaction=reaction))
        return self.send(body.model_dump(exclude_none=True))

    def _thread(self, endpoint: str, body: dict[str, Any]) -> bool:
        with self._locks.hold(recipient_key(body)):
            return bool(self.request("POST", endpoint, json=body).get("success", False))

    def pass_thread_control(self, recipient_id: str,
                            target_app_id: int | str = INSTAGRAM_INBOX_APP_ID,
                            metadata: str | None = None) -> bool:
        """Hand the conversation to another app (default: the Instagram Inbox)."""
        return self._thread("pass_thread_control",
                            self.thread_body(recipient_id, metadata, target_app_id))

    def take_thread_control(self, recipient_id: str, metadata: str | None = None) -> bool:
        """Take the conversation back from the app that owns it."""
        return self._thread("take_thread_control", self.thread_body(recipient_id, metadata))

    def release_thread_control(self, recipient_id: str, metadata: str | None = None) -> bool:
        """Give up the conversation (to the primary app)."""
        return self._thread("release_thread_control", self.thread_body(recipient_id, metadata))

    def request_thread_control(self, recipient_id: str, metadata: str | None = None) -> bool:
        """Ask the owning app to pass the conversation to this app."""
        return self._thread("request_thread_control", self.thread_body(recipient_id, metadata))

    def thread_owner(self, recipient_id: str) -> str | None:
        """The app id that owns the conversation with ``recipient_id``."""
        return self.owner_from(self.request("GET", "thread_owner",
                                            params={"recipient": str(recipient_id)}))
