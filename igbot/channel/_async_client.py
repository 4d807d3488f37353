"""The Send API client for asyncio: the same calls as :class:`GraphClient`, awaited.

Calls for one recipient go out one at a time in call order, even from many tasks; the token
bucket is shared by every task using the client.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from igbot.channel._base import (
    ENDPOINTS,
    INSTAGRAM_INBOX_APP_ID,
    THREAD_ENDPOINTS,
    AsyncAuthTransport,
    GraphCore,
    SendResult,
    dump_body,
    recipient_key,
    validate_ice_breakers,
)
from igbot.channel._errors import GraphError
from igbot.channel._policy import Role
from igbot.channel._ratelimit import AsyncConversationLocks

__all__ = ["AsyncGraphClient"]


class AsyncGraphClient(GraphCore):
    """An asyncio client for Instagram's Send API; the arguments of :class:`GraphClient`."""

    def __init__(self, access_token: Any, *, transport: httpx.AsyncBaseTransport | None = None,
                 **options: Any) -> None:
        super().__init__(access_token, **options)
        inner = transport if transport is not None else httpx.AsyncHTTPTransport()
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=self.timeout,
            transport=AsyncAuthTransport(inner, self.access_token, self.auth))
        self._locks = AsyncConversationLocks()

    async def __aenter__(self) -> AsyncGraphClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    def pending(self, recipient_id: str) -> int:
        """How many sends to ``recipient_id`` are in flight or queued behind one another."""
        return self._locks.pending(str(recipient_id))

    async def request(self, method: str, endpoint: str, *, json: Any = None,
                      params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One Graph API call with pacing and retries; Meta's JSON answer."""
        path = self.path(endpoint)
        attempt = 0
        while True:
            if self.bucket is not None:
                await self.bucket.acquire_async()
            try:
                response = await self._http.request(method, self.url(endpoint), json=json,
                                                    params=params)
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
            await asyncio.sleep(delay)
            attempt += 1

    async def send(self, body: Any, *, role: Role = "bot") -> SendResult:
        """Send one ``messages`` body (a pydantic model or a dict); see :meth:`GraphClient.send`."""
        data = self.prepare_message(body, role)
        async with self._locks.hold(recipient_key(data)):
            self.refuse_if_needed(data, role)
            answer = await self.request("POST", "messages", json=data)
            if self.policy is not None:
                self.policy.record_sent(data)
        return self.result(answer)

    async def send_message(self, recipient_id: str, message: Any, *,
                           messaging_type: str = "RESPONSE", tag: str | None = None,
                           role: Role = "bot") -> SendResult:
        """Send ``message`` (text, or a message dict/model) to one person."""
        body = self.message_body(recipient_id, message, messaging_type, tag)
        return await self.send(body, role=role)

    async def send_request(self, endpoint: str, body: Any, *, role: Role = "bot") -> Any:
        """Send one outbound request of the flow engine; see :meth:`GraphClient.send_request`."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown Send API endpoint {endpoint!r}; "
                             f"expected one of {sorted(ENDPOINTS)}")
        if endpoint == "messages":
            return await self.send(body, role=role)
        data = dump_body(body)
        if endpoint == "messenger_profile":
            if "ice_breakers" in data:
                data["ice_breakers"] = validate_ice_breakers(data["ice_breakers"])
            data.setdefault("platform", "instagram")
            return await self.request("POST", endpoint, json=data,
                                      params={"platform": "instagram"})
        key = recipient_key(data) if endpoint in THREAD_ENDPOINTS else None
        async with self._locks.hold(key):
            return await self.request("POST", endpoint, json=data)

    async def upload_attachment(self, type: str, url: str, is_reusable: bool = True) -> str:
        """Upload media from ``url`` for reuse; the ``attachment_id``."""
        data = await self.request("POST", "message_attachments",
                                  json=self.attachment_body(type, url, is_reusable))
        return str(data["attachment_id"])

    async def get_ice_breakers(self) -> list[dict[str, Any]]:
        """The account's ice breakers."""
        data = await self.request("GET", "messenger_profile",
                                  params={"fields": "ice_breakers", "platform": "instagram"})
        return self.ice_breakers_from(data)

    async def set_ice_breakers(self, ice_breakers: Any) -> dict[str, Any]:
        """Replace the ice breakers (checked first; raises IceBreakerError before sending)."""
        items = validate_ice_breakers(ice_breakers)
        return await self.request("POST", "messenger_profile",
                                  json={"platform": "instagram", "ice_breakers": items},
                                  params={"platform": "instagram"})

    async def delete_ice_breakers(self) -> dict[str, Any]:
        """Remove the ice breakers."""
        return await self.request("DELETE", "messenger_profile",
                                  json={"fields": ["ice_breakers"]},
                                  params={"platform": "instagram"})

    async def _thread(self, endpoint: str, body: dict[str, Any]) -> bool:
        async with self._locks.hold(recipient_key(body)):
            answer = await self.request("POST", endpoint, json=body)
        return bool(answer.get("success", False))

    async def pass_thread_control(self, recipient_id: str,
                                  target_app_id: int | str = INSTAGRAM_INBOX_APP_ID,
                                  metadata: str | None = None) -> bool:
        """Hand the conversation to another app (default: the Instagram Inbox)."""
        return await self._thread("pass_thread_control",
                                  self.thread_body(recipient_id, metadata, target_app_id))

    async def take_thread_control(self, recipient_id: str, metadata: str | None = None) -> bool:
        """Take the conversation back from the app that owns it."""
        return await self._thread("take_thread_control", self.thread_body(recipient_id, metadata))

    async def release_thread_control(self, recipient_id: str,
                                     metadata: str | None = None) -> bool:
        """Give up the conversation (to the primary app)."""
        return await self._thread("release_thread_control",
                                  self.thread_body(recipient_id, metadata))

    async def request_thread_control(self, recipient_id: str,
                                     metadata: str | None = None) -> bool:
        """Ask the owning app to pass the conversation to this app."""
        return await self._thread("request_thread_control",
                                  self.thread_body(recipient_id, metadata))

    async def thread_owner(self, recipient_id: str) -> str | None:
        """The app id that owns the conversation with ``recipient_id``."""
        data = await self.request("GET", "thread_owner", params={"recipient": str(recipient_id)})
        return self.owner_from(data)
