"""The Graph API stand-in's HTTP server: a real socket, requests recorded, scripting calls."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from igbot.channel._async_client import AsyncGraphClient
from igbot.channel._client import GraphClient
from igbot.channel.standin._meta import MetaBehaviour, RecordedRequest, _Dropped, _Failure

__all__ = ["GraphStandIn"]

logger = logging.getLogger(__name__)




class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body in one write; flushed after each request
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("stand-in %s %s", self.command, urlsplit(self.path).path)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        standin = self.server.standin
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        query = {k: v for k, v in pairs if k != "access_token"}
        token = dict(pairs).get("access_token")
        auth = "query" if token is not None else None
        header = self.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            token, auth = header[7:].strip(), "bearer"
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method=self.command, path=split.path, query=query,
            headers={k.lower(): v for k, v in self.headers.items()
                     if k.lower() != "authorization"},
            json=body, auth=auth, time=time.monotonic())
        standin._record(record)
        try:
            status, answer, headers = standin._answer(self.command, split.path, query, token,
                                                       auth, body)
        except _Dropped:
            record.finished = time.monotonic()
            self.close_connection = True
            return
        data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
        self.send_response(status)
        ctype = "text/html" if isinstance(answer, str) else "application/json"
        self.send_header("Content-Type", f"{ctype}; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        record.status, record.finished = status, time.monotonic()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: GraphStandIn


class GraphStandIn(MetaBehaviour):
    """A local HTTP server that answers igbot's Graph API calls like Meta does.

    Args:
        access_token: the token it accepts (query parameter or Bearer header).
        account_id: the account id it answers for (``me`` always works too).
        app_id: this app's id: the default thread owner.
        unknown_recipients: recipient ids that answer 100/2534014 (no matching user).
        rate_limit: calls per second per account before answering 613 (None: no limit).
        latency: seconds to wait before every answer.
        host, port: where to listen (port 0: a free port).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        super().__init__(**options)
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> GraphStandIn:
        """Start listening (in a daemon thread); returns self."""
        if self._server is None:
            server = _Server((self._host, self._port), _Handler)
            server.standin = self
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={
                "poll_interval": 0.05}, name="graph-standin", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    close = stop

    def __enter__(self) -> GraphStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base url (``http://127.0.0.1:<port>``) to give a client as ``base_url``."""
        if self._server is None:
            raise RuntimeError("the stand-in is not running: call start() or use `with`")
        host, port = self._server.server_address[:2]
        # an AF_INET server's host is a str; the stubs also allow bytes (other families)
        return f"http://{cast(str, host)}:{port}"

    @property
    def access_token(self) -> str:
        """The token the stand-in accepts (a test value, not a secret)."""
        return self._token

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return (f"GraphStandIn({where}, account_id={self.account_id!r}, "
                f"requests={len(self.requests)})")

    def client(self, **options: Any) -> GraphClient:
        """A :class:`GraphClient` for this stand-in (options as for GraphClient)."""
        options.setdefault("base_url", self.url)
        return GraphClient(options.pop("access_token", self._token), **options)

    def async_client(self, **options: Any) -> AsyncGraphClient:
        """An :class:`AsyncGraphClient` for this stand-in."""
        options.setdefault("base_url", self.url)
        return AsyncGraphClient(options.pop("access_token", self._token), **options)

    def fail_next(self, n: int = 1, code: int = 613, subcode: int | None = None,
                  status: int = 400, is_transient: bool | None = None,
                  message: str | None = None, retry_after: float | None = None,
                  error_type: str = "OAuthException") -> None:
        """Answer the next ``n`` requests with Meta's error envelope."""
        with self._lock:
            self._failures.extend(_Failure("graph", status, code, subcode, message, error_type,
                                           is_transient, retry_after) for _ in range(n))

    def fail_next_http(self, n: int = 1, status: int = 503,
                       body: str = "<html><body>Service Unavailable</body></html>",
                       retry_after: float | None = None) -> None:
        """Answer the next ``n`` requests with a bare HTTP error (no Graph envelope)."""
        with self._lock:
            self._failures.extend(_Failure("http", status, body=body, retry_after=retry_after)
                                  for _ in range(n))

    def drop_next(self, n: int = 1) -> None:
        """Close the connection without answering the next ``n`` requests (a network error)."""
        with self._lock:
            self._failures.extend(_Failure("drop") for _ in range(n))

    def delay_next(self, n: int, seconds: float) -> None:
        """Wait ``seconds`` before answering each of the next ``n`` requests."""
        with self._lock:
            self._delays.extend(seconds for _ in range(n))

    def set_rate_limit(self, per_second: float | None) -> None:
        """Answer 613 once an account makes more than ``per_second`` calls in a second."""
        with self._lock:
            self._rate_limit, self._calls = per_second, deque()

    def set_thread_owner(self, recipient_id: str, app_id: str | int) -> None:
        """Make ``app_id`` own the conversation with ``recipient_id`` (e.g. an agent inbox)."""
        with self._lock:
            self.thread_owners[str(recipient_id)] = str(app_id)

    def sent(self, recipient_id: str | None = None) -> list[dict[str, Any]]:
        """The accepted ``messages`` bodies (for one recipient id or comment id)."""
        with self._lock:
            bodies = list(self.messages)
        if recipient_id is None:
            return bodies
        return [b for b in bodies if str(b["recipient"].get("id", b["recipient"].get(
            "comment_id"))) == str(recipient_id)]

    def clear(self) -> None:
        """Forget recorded requests and messages, scripted failures and delays."""
        with self._lock:
            self.requests.clear()
            self.messages.clear()
            self._failures.clear()
            self._delays.clear()
            self._calls.clear()

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(record)

