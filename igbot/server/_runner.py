"""Running the webhook app under uvicorn: in the foreground (``igbot serve``) or in a thread."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from igbot.kataml import Bot
from igbot.server._app import WebhookApp
from igbot.server._config import ServerConfig
from igbot.server._server import WebhookServer

__all__ = ["ServerRunner", "serve"]

logger = logging.getLogger(__name__)


_LATE = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class _HeadDeadline(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a deadline on the request head.

    uvicorn times out idle keep-alive connections but not a client that sends its request line
    and headers a byte at a time (slowloris): each such connection would stay open for ever.
    Here a connection must deliver a whole head within ``head_timeout`` seconds of opening (or
    of its previous response), else it gets ``408`` and is closed. The body has its own
    deadline in :class:`WebhookApp`.
    """

    head_timeout = 10.0
    # One timer per connection, not two calls per request: the deadline moves, and the timer,
    # when it fires early (the deadline moved on) or finds no head awaited, re-arms or lapses
    _head_timer: asyncio.TimerHandle | None = None
    _head_deadline: float | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._head_deadline = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_deadline = None
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._head_deadline = deadline = self.loop.time() + self.head_timeout
        if self._head_timer is None:
            self._head_timer = self.loop.call_at(deadline, self._expired)

    def _expired(self) -> None:
        self._head_timer = None
        deadline = self._head_deadline
        if deadline is None or self.transport.is_closing():  # no head awaited: lapse
            return
        if self.loop.time() < deadline:  # armed again since: wait for the new deadline
            self._head_timer = self.loop.call_at(deadline, self._expired)
            return
        self._head_deadline = None
        if self.cycle is None or self.cycle.response_complete:  # nothing in flight to answer
            logger.warning("request head not received within %.1f s: 408, connection closed",
                           self.head_timeout)
            self.transport.write(_LATE)
        self.transport.close()


def _uvicorn_config(app: WebhookApp, host: str, port: int, **options: Any) -> uvicorn.Config:
    options.setdefault("log_level", "warning")
    protocol = type("HeadDeadline", (_HeadDeadline,),
                    {"head_timeout": app.config.request_timeout})
    # proxy_headers off: nothing here reads the client's address (no access log), and the
    # middleware that rewrites it from X-Forwarded-For would be one more call on every post
    options.setdefault("proxy_headers", False)
    return uvicorn.Config(app, host=host, port=port, lifespan="on", access_log=False,
                          timeout_graceful_shutdown=10, http=protocol, **options)


def serve(bot: Bot | str | Path | WebhookServer, config: ServerConfig | None = None,
          **uvicorn_options: Any) -> None:
    """Serve ``bot`` (or an already built server) until SIGINT/SIGTERM stop it gracefully.

    Raises:
        DataDirLockedError: another server holds the data directory.
    """
    if isinstance(bot, WebhookServer):
        server = bot
    elif config is None:
        raise TypeError("serve(bot, config): the config is required with a bot")
    else:
        server = WebhookServer(bot, config)
    app = WebhookApp(server)
    settings = server.config
    try:
        uvicorn.Server(_uvicorn_config(app, settings.host, settings.port,
                                       **uvicorn_options)).run()
    finally:
        server.stop()  # a no-op after a clean shutdown; frees the data directory otherwise


class ServerRunner:
    """The webhook server on a real socket, in a background thread (tests, notebooks, bench).

    ``port=0`` (the default here) picks a free port; :attr:`url` tells which.
    """

    def __init__(self, bot: Bot | str | Path, config: ServerConfig) -> None:
        self.server = WebhookServer(bot, config)
        self.app = WebhookApp(self.server)
        self._uvicorn = uvicorn.Server(_uvicorn_config(self.app, config.host, config.port))
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._uvicorn.started else "stopped"
        return f"ServerRunner({where})"

    def start(self, timeout: float = 20.0) -> ServerRunner:
        """Start and wait until it accepts connections."""
        self._thread = threading.Thread(target=self._uvicorn.run, name="igbot-serve",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the webhook server did not start (see the log)")
            time.sleep(0.02)
        return self

    @property
    def port(self) -> int:
        """The port it listens on."""
        servers = getattr(self._uvicorn, "servers", [])
        return int(servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.server.config.host}:{self.port}"

    def stop(self, timeout: float = 20.0) -> None:
        """Stop gracefully (finishing queued work)."""
        if self._thread is not None:
            self._uvicorn.should_exit = True
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> ServerRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
