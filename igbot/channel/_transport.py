"""A lean HTTP/1.1 keep-alive transport for the sync Graph client (httpx's API, stdlib's wire).

The Send API is one small JSON POST after another to one host. httpx's default transport runs
each through httpcore's pool (locks, a readability probe of the socket) and h11's state
machine: in the webhook server's workers that was more interpreter time than the engine's
turn. :class:`KeepAliveTransport` keeps one ``http.client`` connection per thread and host
(kept alive; an idle one the server closed is seen before it is reused and reopened) and hands
httpx a finished response; httpx's client above it is unchanged (URLs, JSON, timeouts,
redirects, the token added below its logging, gzip decoding of the answer).

Errors are httpx's (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``, ...), so the
client's retries and typed errors behave as with httpx's own transport. A request is never
resent here: a POST that may have reached Meta is the caller's decision.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from typing import Any

import httpx

__all__ = ["KeepAliveTransport"]

_Key = tuple[str, str, int]


class KeepAliveTransport(httpx.BaseTransport):
    """One kept-alive ``http.client`` connection per thread and ``(scheme, host, port)``.

    Args:
        verify: an ``ssl.SSLContext`` for https (default: httpx's, certifi's roots).
    """

    def __init__(self, verify: ssl.SSLContext | None = None) -> None:
        self._ssl = verify
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeepAliveTransport(connections={len(self._all)})"

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        return self._ssl

    def _connection(self, key: _Key, timeout: float | None) -> http.client.HTTPConnection:
        pool: dict[_Key, http.client.HTTPConnection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        conn = pool.get(key)
        if conn is None:
            scheme, host, port = key
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                   context=self._context())
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            pool[key] = conn
            with self._lock:
                self._all.append(conn)
        conn.timeout = timeout
        if conn.sock is not None:
            if _closed_by_peer(conn.sock):  # idle and closed by the server: open another
                conn.close()
            else:
                conn.sock.settimeout(timeout)
        return conn

    def _drop(self, key: _Key) -> None:
        pool = getattr(self._local, "pool", {})
        conn = pool.pop(key, None)
        if conn is not None:
            conn.close()
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        port = url.port or (443 if scheme == "https" else 80)
        key = (scheme, url.host, port)
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        timeout = timeouts.get("read") or timeouts.get("connect")
        body = request.read()
        target = url.raw_path.decode("ascii")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        conn = self._connection(key, timeout)
        fresh = conn.sock is None
        try:
            conn.request(request.method, target, body=body or None, headers=headers)
            answer = conn.getresponse()
            content = answer.read()
        except BaseException as exc:
            self._drop(key)
            raise _httpx_error(exc, request, fresh) from exc
        if answer.will_close:
            self._drop(key)
        return httpx.Response(answer.status, headers=answer.getheaders(), content=content,
                              request=request, extensions={"http_version": b"HTTP/1.1"})

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether an idle kept-alive socket has something to read (the server closed it, or
    sent what no request asked for): then it is not reused, as httpcore does."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _httpx_error(exc: BaseException, request: httpx.Request, fresh: bool) -> BaseException:
    """The httpx exception for a failure of ``http.client`` (others pass through)."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return httpx.ReadTimeout(str(exc) or "timed out", request=request)
    if isinstance(exc, ConnectionRefusedError | socket.gaierror) or (
            fresh and isinstance(exc, ssl.SSLError)):
        return httpx.ConnectError(str(exc), request=request)
    if isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
        return httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}", request=request)
    if isinstance(exc, OSError):
        return httpx.ConnectError(str(exc), request=request) if fresh else \
            httpx.ReadError(str(exc), request=request)
    return exc
