"""A lean HTTP/1.1 keep-alive transport for the sync Graph client (httpx's API, a plain socket
and httptools' parser on the wire).

The Send API is one small JSON POST after another to one host. httpx's default transport runs
each through httpcore's pool (locks, a readability probe of the socket) and h11's state
machine, and ``http.client`` writes a request's head and body in two ``send`` calls and parses
the answer's headers with the ``email`` package: in the webhook server's workers that was more
interpreter time than the engine's turn. :class:`KeepAliveTransport` keeps one socket per
thread and host (kept alive, ``TCP_NODELAY``; an idle one the server closed is seen before it
is reused and reopened), writes each request in one ``sendall``, reads the answer with
``httptools`` (llhttp, the parser uvicorn uses for the webhook side) and hands httpx a finished
response; httpx's client above it is unchanged (URLs, JSON, timeouts, redirects, the token
added below its logging, gzip decoding of the answer).

Errors are httpx's (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``, ...), so the
client's retries and typed errors behave as with httpx's own transport. A request is never
resent here: a POST that may have reached Meta is the caller's decision.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from typing import Any

import httptools
import httpx

__all__ = ["KeepAliveTransport"]

_Key = tuple[str, str, int]
_CHUNK = 65_536


class _Closed(Exception):
    """The server closed the connection before its answer was complete."""


class _Answer:
    """httptools' callbacks for one answer: status, raw headers, body, completion."""

    __slots__ = ("body", "done", "extra", "head_done", "headers", "keep_alive", "parser", "status")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.done = self.head_done = self.extra = self.keep_alive = False

    def on_message_begin(self) -> None:
        if self.done:  # bytes after the answer no request asked for: do not reuse
            self.extra = True

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.head_done = True
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()  # llhttp forgets it once complete

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class _Connection:
    """One kept-alive socket to ``(scheme, host, port)``."""

    __slots__ = ("host", "key", "sock")

    def __init__(self, key: _Key) -> None:
        self.key = key
        self.sock: socket.socket | None = None
        scheme, host, port = key
        default = 443 if scheme == "https" else 80
        self.host = (host if port == default else f"{host}:{port}").encode("idna")

    def open(self, timeout: float | None, context: ssl.SSLContext | None) -> socket.socket:
        _scheme, host, port = self.key
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context is not None:
                sock = context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        return sock

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


class KeepAliveTransport(httpx.BaseTransport):
    """One kept-alive socket per thread and ``(scheme, host, port)``.

    Args:
        verify: an ``ssl.SSLContext`` for https (default: httpx's, certifi's roots).
    """

    def __init__(self, verify: ssl.SSLContext | None = None) -> None:
        self._ssl = verify
        self._local = threading.local()
        self._all: list[_Connection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeepAliveTransport(connections={len(self._all)})"

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        return self._ssl

    def _connection(self, key: _Key) -> _Connection:
        pool: dict[_Key, _Connection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        conn = pool.get(key)
        if conn is None:
            conn = pool[key] = _Connection(key)
            with self._lock:
                self._all.append(conn)
        elif conn.sock is not None and _closed_by_peer(conn.sock):
            conn.close()  # idle and closed by the server (or it sent what nobody asked): reopen
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
        conn = self._connection(key)
        head = [request.method.encode("ascii"), b" ", url.raw_path, b" HTTP/1.1\r\nHost: ",
                conn.host, b"\r\n"]
        for name, value in request.headers.raw:
            if name.lower() != b"host":
                head += (name, b": ", value, b"\r\n")
        if body and "content-length" not in request.headers:
            head += (b"Content-Length: ", str(len(body)).encode("ascii"), b"\r\n")
        head += (b"\r\n", body)
        fresh = conn.sock is None
        try:
            sock = conn.open(timeout, self._context() if scheme == "https" else None) \
                if fresh else conn.sock
            assert sock is not None
            if not fresh:
                sock.settimeout(timeout)
            sock.sendall(b"".join(head))
            answer = _read(sock, request.method == "HEAD")
        except BaseException as exc:
            self._drop(key)
            raise _httpx_error(exc, request, fresh) from exc
        if answer.extra or not answer.keep_alive:
            self._drop(key)
        return httpx.Response(answer.status, headers=answer.headers,
                              content=b"".join(answer.body), request=request,
                              extensions={"http_version": b"HTTP/1.1"})

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()


def _read(sock: socket.socket, head_only: bool) -> _Answer:
    """Read one final answer (1xx ones are skipped) from ``sock``."""
    while True:
        answer = _Answer()
        while not answer.done and not (head_only and answer.head_done):
            data = sock.recv(_CHUNK)
            if not data:
                if answer.head_done and _ends_at_close(answer.headers):
                    answer.keep_alive = False
                    return answer
                raise _Closed("the server closed the connection without a complete answer")
            try:
                answer.parser.feed_data(data)
            except httptools.HttpParserError:
                if not answer.done:
                    raise
                answer.extra = True  # garbage after a complete answer: do not reuse
        if not 100 <= answer.status < 200:
            if head_only:
                answer.keep_alive = False
            return answer


def _ends_at_close(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether an answer's body is whatever comes until the server closes (no length)."""
    names = {name.lower() for name, _value in headers}
    return b"content-length" not in names and b"transfer-encoding" not in names


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether an idle kept-alive socket has something to read (the server closed it, or
    sent what no request asked for): then it is not reused, as httpcore does."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _httpx_error(exc: BaseException, request: httpx.Request, fresh: bool) -> BaseException:
    """The httpx exception for a failure on the socket or in the answer (others pass)."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return httpx.ReadTimeout(str(exc) or "timed out", request=request)
    if isinstance(exc, ConnectionRefusedError | socket.gaierror) or (
            fresh and isinstance(exc, ssl.SSLError)):
        return httpx.ConnectError(str(exc), request=request)
    if isinstance(exc, _Closed | ConnectionResetError | BrokenPipeError):
        return httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)
    if isinstance(exc, httptools.HttpParserError):
        return httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}", request=request)
    if isinstance(exc, OSError):
        return httpx.ConnectError(str(exc), request=request) if fresh else \
            httpx.ReadError(str(exc), request=request)
    return exc
