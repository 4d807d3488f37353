"""The ASGI application: Meta's webhook endpoint, a health check and the admin API.

A plain ASGI callable (no framework: five routes do not need one, and the hot path stays a few
function calls). Routes:

- ``GET /webhook``: the subscription handshake (``hub.challenge`` as text/plain, else 403);
- ``POST /webhook``: reads the body within ``request_timeout`` seconds (408 and the connection
  closed when the client is slower; 413 past ``max_body``), checks ``X-Hub-Signature-256`` over
  the raw body (403, nothing stored, when missing or wrong), stores the body in the fsync'd
  inbox, answers 200 (``EVENT_RECEIVED``); the workers process it afterwards;
- ``GET /healthz``: ``{"status": "ok", ...counters}``;
- ``POST /api/resolve`` ``{"user"}`` and ``POST /api/agent/send`` ``{"user", "text"}``, with
  ``Authorization: Bearer <IGBOT_ADMIN_TOKEN>`` (403 without it; 404 when no token is set).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from igbot.server._handover import admin_answer
from igbot.server._processing import ProcessingChild
from igbot.server._server import WebhookServer
from igbot.server._signature import verify_signature

__all__ = ["WebhookApp"]

logger = logging.getLogger(__name__)

_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON = [(b"content-type", b"application/json")]
_CLOSE = [*_TEXT, (b"connection", b"close")]
API_TIMEOUT = 30.0


class WebhookApp:
    """The ASGI app around a :class:`WebhookServer` (started and stopped by ASGI lifespan)."""

    def __init__(self, server: WebhookServer) -> None:
        self.server = server
        self.config = server.config
        self._secret = server.config.app_secret.get_secret_value().encode()  # config is frozen

    def __repr__(self) -> str:
        return f"WebhookApp({self.server!r})"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if path == "/webhook":
            if method == "POST":
                await self._webhook(scope, receive, send)
            elif method in ("GET", "HEAD"):
                await self._handshake(scope, send)
            else:
                await _respond(send, 405, b"method not allowed", _TEXT)
        elif path == "/healthz" and method in ("GET", "HEAD"):
            body = {"status": "ok" if self.server.running else "starting", **self.server.stats()}
            await _respond(send, 200, json.dumps(body).encode(), _JSON)
        elif path in ("/api/resolve", "/api/agent/send") and method == "POST":
            await self._api(scope, receive, send, path)
        else:
            await _respond(send, 404, b"not found", _TEXT)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await asyncio.to_thread(self.server.start)
                except Exception as exc:
                    logger.exception("server start failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.server.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handshake(self, scope: dict[str, Any], send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        mode = (query.get("hub.mode") or [""])[0]
        token = (query.get("hub.verify_token") or [""])[0]
        challenge = (query.get("hub.challenge") or [""])[0]
        expected = self.config.verify_token.get_secret_value().encode()
        if mode == "subscribe" and challenge and hmac.compare_digest(token.encode(), expected):
            await _respond(send, 200, challenge.encode(), _TEXT)
        else:
            logger.warning("webhook handshake refused (mode %r)", mode)
            await _respond(send, 403, b"forbidden", _TEXT)

    async def _webhook(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = await self._body(receive, send, self.config.max_body)
        if body is None:
            return
        signature = _header(scope, b"x-hub-signature-256")
        if not verify_signature(self._secret, body, signature):
            logger.warning("webhook refused: %s X-Hub-Signature-256",
                           "wrong" if signature else "missing")
            await _respond(send, 403, b"bad signature", _TEXT)
            return
        if not self.server.running:
            await _respond(send, 503, b"starting", _TEXT)
            return
        try:
            await self.server.inbox.store(body)
        except Exception:
            logger.exception("inbox write failed: answering 500 so Meta retries")
            await _respond(send, 500, b"not stored", _TEXT)
            return
        await _respond(send, 200, b"EVENT_RECEIVED", _TEXT)

    async def _body(self, receive: Any, send: Any, limit: int) -> bytes | None:
        """The request body; None when it was refused (already answered) or never came."""
        try:
            async with asyncio.timeout(self.config.request_timeout):  # no extra task per request
                body = await _read_body(receive, limit)
        except TimeoutError:
            logger.warning("request body not received within %.1f s: 408, connection closed",
                           self.config.request_timeout)
            await _respond(send, 408, b"body too slow", _CLOSE)
            return None
        except _Disconnected:
            return None
        if body is None:
            await _respond(send, 413, b"body too large", _CLOSE)
        return body

    async def _api(self, scope: dict[str, Any], receive: Any, send: Any, path: str) -> None:
        admin = self.config.admin_token
        if admin is None or not admin.get_secret_value():
            await _respond(send, 404, b"admin API disabled: set IGBOT_ADMIN_TOKEN", _TEXT)
            return
        given = _header(scope, b"authorization") or b""
        expected = b"Bearer " + admin.get_secret_value().encode()
        if not hmac.compare_digest(given, expected):
            await _json(send, 403, {"error": {"type": "Forbidden",
                                              "message": "a bearer admin token is required"}})
            return
        raw = await self._body(receive, send, 1024 * 1024)
        if raw is None:
            return
        try:
            data = json.loads(raw)
            user = str(data["user"])
            text = str(data["text"]) if path == "/api/agent/send" else None
            if not user or (path == "/api/agent/send" and not text):
                raise ValueError("empty")
        except (ValueError, KeyError, TypeError):
            fields = "user and text" if path == "/api/agent/send" else "user"
            await _json(send, 400, {"error": {"type": "BadRequest",
                                              "message": f"expected JSON with {fields}"}})
            return
        pool = self.server.pool
        if isinstance(pool, ProcessingChild):  # runs on the worker in the processing process
            future = pool.admin(user, text)
        else:
            future = pool.call(user, lambda worker: admin_answer(worker, user, text))
        status, result = await asyncio.wait_for(asyncio.wrap_future(future), API_TIMEOUT)
        await _json(send, status, result)


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):  # names are lower case (ASGI)
        if key == name:
            return bytes(value)
    return None


class _Disconnected(Exception):
    """The client went away before sending the whole body."""


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The whole request body, or None past ``limit`` bytes.

    Raises:
        _Disconnected: the client closed the connection first.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _json(send: Any, status: int, data: Any) -> None:
    await _respond(send, status, json.dumps(data).encode(), _JSON)


async def _respond(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
