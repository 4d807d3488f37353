"""What the sync and async Graph API clients share: settings, bodies, auth, answers.

Auth is added by a small transport wrapped around httpx's own, so the request httpx logs and
keeps (``response.request``) never holds the token: Page tokens travel as the
``access_token`` query parameter (``graph.facebook.com``), Instagram-Login tokens as
``Authorization: Bearer`` (``graph.instagram.com``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from igbot.channel._errors import (
    GraphConnectionError,
    GraphError,
    IceBreakerError,
    PolicyError,
    error_from_response,
    redact,
)
from igbot.channel._policy import Role, SendPolicy
from igbot.channel._ratelimit import TokenBucket
from igbot.channel._retry import RetryPolicy, parse_retry_after
from igbot.models import OutboundRequest, encode_payload
from igbot.vocab import INSTAGRAM_INBOX_APP_ID, PAGE_INBOX_APP_ID

__all__ = [
    "COMMENT_ENDPOINTS",
    "DEFAULT_API_VERSION",
    "ENDPOINTS",
    "INSTAGRAM_INBOX_APP_ID",
    "PAGE_INBOX_APP_ID",
    "SendResult",
    "dump_body",
    "validate_ice_breakers",
]

logger = logging.getLogger("igbot.channel")

DEFAULT_API_VERSION = "v21.0"
ENDPOINTS = frozenset({
    "messages", "pass_thread_control", "take_thread_control", "release_thread_control",
    "request_thread_control", "message_attachments", "messenger_profile", "comment_reply",
    "hide_comment", "extend_thread_control",
})
COMMENT_ENDPOINTS = frozenset({"comment_reply", "hide_comment"})
"""Requests on a comment, not on the account: ``POST /<comment-id>/replies`` (a public reply)
and ``POST /<comment-id>`` with ``hide`` (Instagram Graph API: IG Comment)."""
THREAD_ENDPOINTS = frozenset({
    "pass_thread_control", "take_thread_control", "release_thread_control",
    "request_thread_control", "extend_thread_control",
})
MAX_ICE_BREAKERS = 4
Auth = Literal["page", "bearer"]


@dataclass(frozen=True)
class SendResult:
    """Meta's answer to a ``messages`` call: who got it and the new message id."""

    recipient_id: str | None
    message_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def dump_body(body: Any) -> dict[str, Any]:
    """A request body as a JSON-ready dict, from an :class:`~igbot.models.OutboundRequest`
    (the engine's typed request: its JSON is made here, at the edge), a pydantic model or a
    mapping."""
    if isinstance(body, OutboundRequest):  # serialized, not changed: no copy needed
        return body.body_view()
    if hasattr(body, "model_dump"):
        return body.model_dump(mode="json", exclude_none=True, by_alias=True)
    if isinstance(body, Mapping):
        return dict(body)
    raise TypeError(f"a request body must be a pydantic model or a dict, not {type(body).__name__}")


def recipient_key(body: Mapping[str, Any]) -> str | None:
    """The conversation a body belongs to: the recipient id, or ``comment:<id>``."""
    recipient = body.get("recipient")
    if not isinstance(recipient, Mapping):
        return None
    if recipient.get("id") is not None:
        return str(recipient["id"])
    if recipient.get("comment_id") is not None:
        return f"comment:{recipient['comment_id']}"
    return None


def validate_ice_breakers(ice_breakers: Any) -> list[dict[str, Any]]:
    """Check ice breakers as Meta would (≤ 4 questions per locale, ``default`` locale, no
    empty question or payload) and return them as plain dicts. A payload given as an object
    (a Kata payload) is encoded as compact JSON, so its tap comes back as the same object.

    Accepts the ``[{"locale", "call_to_actions": [...]}]`` list, or one such dict, or a plain
    list of ``{"question", "payload"}`` (taken as the ``default`` locale).

    Raises:
        IceBreakerError: naming the offending field.
    """
    if hasattr(ice_breakers, "model_dump") or isinstance(ice_breakers, Mapping):
        items: list[Any] = [dump_body(ice_breakers)]
    elif isinstance(ice_breakers, Sequence) and not isinstance(ice_breakers, str | bytes):
        items = [dump_body(i) for i in ice_breakers]
    else:
        raise IceBreakerError("ice_breakers", "expected a list of locales")
    if items and all("call_to_actions" not in i and "question" in i for i in items):
        items = [{"call_to_actions": items, "locale": "default"}]
    if not items:
        raise IceBreakerError("ice_breakers", "empty: use delete_ice_breakers() to remove them")
    seen: set[str] = set()
    for n, item in enumerate(items):
        where = f"ice_breakers[{n}]"
        locale = item.get("locale")
        if not isinstance(locale, str) or not locale:
            raise IceBreakerError(f"{where}.locale", "a locale is required")
        if locale in seen:
            raise IceBreakerError(f"{where}.locale", f"locale {locale!r} given twice")
        seen.add(locale)
        ctas = item.get("call_to_actions")
        if not isinstance(ctas, list) or not ctas:
            raise IceBreakerError(f"{where}.call_to_actions", "at least one question is needed")
        if len(ctas) > MAX_ICE_BREAKERS:
            raise IceBreakerError(f"{where}.call_to_actions",
                                  f"{len(ctas)} questions, over Instagram's limit of "
                                  f"{MAX_ICE_BREAKERS}")
        for m, cta in enumerate(ctas):
            cta = dump_body(cta)
            if isinstance(cta.get("payload"), Mapping):  # a Kata payload object: JSON, like buttons
                cta["payload"] = encode_payload(dict(cta["payload"]))
            ctas[m] = cta
            for key in ("question", "payload"):
                value = cta.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise IceBreakerError(f"{where}.call_to_actions[{m}].{key}",
                                          "must be a non-empty string")
    if "default" not in seen:
        raise IceBreakerError("ice_breakers", "a 'default' locale is required")
    return items


class _Token:
    """Puts the token on a request on its way out: a copy, so httpx's log line (written from
    the original request) never holds it. URLs without a query (``messages`` and thread
    control: nearly every call) are merged with the token once and reused."""

    def __init__(self, token: SecretStr, auth: Auth) -> None:
        self._token, self.auth = token, auth
        self._urls: dict[str, httpx.URL] = {}

    def add(self, request: httpx.Request) -> httpx.Request:
        secret = self._token.get_secret_value()
        if self.auth == "bearer":
            headers = httpx.Headers(request.headers)
            headers["Authorization"] = f"Bearer {secret}"
            return httpx.Request(request.method, request.url, headers=headers,
                                 stream=request.stream, extensions=request.extensions)
        if request.url.query:  # per-call parameters (thread_owner?recipient=...): not kept
            url = request.url.copy_merge_params({"access_token": secret})
        else:
            key = str(request.url)
            url = self._urls.get(key) or self._urls.setdefault(
                key, request.url.copy_merge_params({"access_token": secret}))
        return httpx.Request(request.method, url, headers=request.headers,
                             stream=request.stream, extensions=request.extensions)


class AuthTransport(httpx.BaseTransport):
    """Adds the token on the way out, below httpx's logging (sync)."""

    def __init__(self, inner: httpx.BaseTransport, token: SecretStr, auth: Auth) -> None:
        self.inner, self.auth = inner, auth
        self._token = _Token(token, auth)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(self._token.add(request))

    def close(self) -> None:
        self.inner.close()


class AsyncAuthTransport(httpx.AsyncBaseTransport):
    """Adds the token on the way out, below httpx's logging (async)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, token: SecretStr, auth: Auth) -> None:
        self.inner, self.auth = inner, auth
        self._token = _Token(token, auth)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(self._token.add(request))

    async def aclose(self) -> None:
        await self.inner.aclose()


class GraphCore:
    """Settings and pure helpers behind :class:`GraphClient` and :class:`AsyncGraphClient`."""

    def __init__(
        self,
        access_token: str | SecretStr,
        *,
        account_id: str = "me",
        base_url: str = "https://graph.facebook.com",
        api_version: str = DEFAULT_API_VERSION,
        auth: Auth | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = 100.0,
        burst: float | None = None,
        policy: SendPolicy | None = None,
        on_refused: Callable[[dict[str, Any], PolicyError], None] | None = None,
    ) -> None:
        self._token = access_token if isinstance(access_token, SecretStr) else SecretStr(
            access_token)
        self.account_id = str(account_id)
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version.strip("/")
        host = httpx.URL(self.base_url).host
        self.auth: Auth = auth or ("bearer" if host.endswith("graph.instagram.com") else "page")
        if self.auth not in ("page", "bearer"):
            raise ValueError(f"auth must be 'page' or 'bearer', not {self.auth!r}")
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy(max_retries=max_retries)
        self.bucket = TokenBucket(rate_limit, burst) if rate_limit else None
        self.policy = policy
        self.on_refused = on_refused
        self.last_usage: dict[str, Any] | None = None
        self._urls: dict[str, httpx.URL] = {}

    @property
    def access_token(self) -> SecretStr:
        """The access token (a SecretStr: ``.get_secret_value()`` to read it)."""
        return self._token

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(base_url={self.base_url!r}, "
                f"account_id={self.account_id!r}, auth={self.auth!r}, "
                f"api_version={self.api_version!r})")

    def path(self, endpoint: str, object_id: str | None = None) -> str:
        """The URL path of an endpoint of this account (or of another object, a comment)."""
        prefix = f"/{self.api_version}" if self.api_version else ""
        return f"{prefix}/{object_id or self.account_id}" + (f"/{endpoint}" if endpoint else "")

    @staticmethod
    def comment_call(endpoint: str, body: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """``(comment id, endpoint under it, JSON)`` for a ``comment_reply`` or ``hide_comment``
        request body (``{"comment_id", "message"}`` / ``{"comment_id", "hide"}``)."""
        comment_id = str(body.get("comment_id") or "")
        if not comment_id:
            raise ValueError(f"a {endpoint} body needs a comment_id")
        if endpoint == "comment_reply":
            message = body.get("message")
            if not isinstance(message, str) or not message.strip():
                raise ValueError("a comment_reply body needs a non-empty message")
            return comment_id, "replies", {"message": message}
        return comment_id, "", {"hide": bool(body.get("hide", True))}

    def url(self, endpoint: str, object_id: str | None = None) -> httpx.URL:
        """The absolute URL of an endpoint of this account, or of another object (a comment).

        The account's URLs are parsed once (httpx reuses a URL as it is); an object's each time.
        """
        if object_id:
            return httpx.URL(self.base_url + self.path(endpoint, object_id))
        url = self._urls.get(endpoint)
        if url is None:
            url = self._urls[endpoint] = httpx.URL(self.base_url + self.path(endpoint))
        return url

    def redact(self, text: str) -> str:
        """``text`` with this client's token masked."""
        return redact(text, self._token.get_secret_value())

    def connection_error(self, exc: Exception) -> GraphConnectionError:
        """The typed error for a network failure (token-free)."""
        return GraphConnectionError(self.redact(f"{type(exc).__name__}: {exc}"))

    def answer(self, response: httpx.Response) -> dict[str, Any] | GraphError:
        """Meta's JSON answer, or the typed error it stands for."""
        usage = response.headers.get("x-app-usage")
        if usage:
            try:
                self.last_usage = json.loads(usage)
            except ValueError:
                self.last_usage = None
        try:
            data: Any = response.json()
        except ValueError:
            data = response.text
        if response.is_success and isinstance(data, dict) and "error" not in data:
            return data
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return error_from_response(response.status_code, data, retry_after,
                                   (self._token.get_secret_value(),))

    def prepare_message(self, body: Any, role: Role) -> dict[str, Any]:
        """The ``messages`` body as a dict, auto-tagged for agents when a policy is set."""
        data = dump_body(body)
        if not isinstance(data.get("recipient"), Mapping):
            raise ValueError("a messages body needs a 'recipient' ({'id'} or {'comment_id'})")
        if self.policy is not None and role == "agent":
            data = self.policy.auto_tag(data, role)
        return data

    def refuse_if_needed(self, body: dict[str, Any], role: Role) -> None:
        """Raise the policy's refusal (after telling ``on_refused``) if ``body`` may not go."""
        if self.policy is None:
            return
        decision = self.policy.check(body, role=role, mark=False)
        if decision.error is None:
            return
        logger.info("send refused by policy (%s): %s", decision.rule, decision.error)
        if self.on_refused is not None:
            self.on_refused(body, decision.error)
        raise decision.error

    @staticmethod
    def message_body(recipient_id: str, message: Any, messaging_type: str,
                     tag: str | None) -> dict[str, Any]:
        """A ``messages`` body for one recipient (``message`` may be plain text)."""
        if isinstance(message, str):
            msg: dict[str, Any] = {"text": message}
        else:
            msg = dump_body(message)
        body: dict[str, Any] = {"recipient": {"id": str(recipient_id)}, "message": msg}
        if tag is not None:
            body["messaging_type"], body["tag"] = "MESSAGE_TAG", tag
        else:
            body["messaging_type"] = messaging_type
        return body

    @staticmethod
    def result(data: dict[str, Any]) -> SendResult:
        """A :class:`SendResult` from Meta's ``messages`` answer."""
        rid, mid = data.get("recipient_id"), data.get("message_id")
        return SendResult(str(rid) if rid is not None else None,
                          str(mid) if mid is not None else None, data)

    @staticmethod
    def attachment_body(type: str, url: str, is_reusable: bool) -> dict[str, Any]:
        """The ``message_attachments`` body for uploading media from a url."""
        return {"message": {"attachment": {"type": type, "payload": {
            "url": url, "is_reusable": is_reusable}}}}

    @staticmethod
    def thread_body(recipient_id: str, metadata: str | None,
                    target_app_id: int | str | None = None) -> dict[str, Any]:
        """A thread-control body."""
        body: dict[str, Any] = {"recipient": {"id": str(recipient_id)}}
        if target_app_id is not None:
            body["target_app_id"] = int(target_app_id)
        if metadata is not None:
            body["metadata"] = metadata
        return body

    @staticmethod
    def owner_from(data: dict[str, Any]) -> str | None:
        """The app id in a ``thread_owner`` answer."""
        rows = data.get("data") or []
        if rows and isinstance(rows[0], dict):
            owner = rows[0].get("thread_owner") or {}
            app_id = owner.get("app_id")
            return str(app_id) if app_id is not None else None
        return None

    @staticmethod
    def ice_breakers_from(data: dict[str, Any]) -> list[dict[str, Any]]:
        """The ice breakers in a ``messenger_profile`` answer, as ``[{"call_to_actions",
        "locale"}]``.

        Meta documents ``{"data": [{"call_to_actions": [...], "locale": "default"}, ...]}``
        (Instagram Messaging: Ice Breakers, "Getting Ice Breakers"); ice breakers set in the
        format before locales come back as ``{"data": [{"ice_breakers": [{"question",
        "payload"}]}]}`` and are read as the ``default`` locale.
        """
        out: list[dict[str, Any]] = []
        for row in data.get("data") or []:
            if not isinstance(row, dict):
                continue
            if "call_to_actions" in row:
                out.append(row)
            elif isinstance(row.get("ice_breakers"), list):
                items = [i for i in row["ice_breakers"] if isinstance(i, dict)]
                if items and all("call_to_actions" in i for i in items):
                    out.extend(items)
                elif items:
                    out.append({"call_to_actions": items, "locale": "default"})
        return out

    @staticmethod
    def persistent_menu_from(data: dict[str, Any]) -> list[dict[str, Any]]:
        """The persistent menu in a ``messenger_profile`` answer: ``{"data": [{"persistent_menu":
        [{"locale", "call_to_actions"}]}]}`` (Messenger Profile API: persistent_menu)."""
        for row in data.get("data") or []:
            if isinstance(row, dict) and isinstance(row.get("persistent_menu"), list):
                return list(row["persistent_menu"])
        return []
