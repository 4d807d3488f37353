"""The webhook server's settings: command-line options over environment variables.

Secrets (app secret, verify token, access token, admin token) are kept as ``SecretStr``: they
never appear in a repr, a log line or an error message. A missing secret stops the server
before it starts, with a message naming the variable (never a value).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from igbot._errors import IgbotError
from igbot.vocab import INSTAGRAM_INBOX_APP_ID

__all__ = ["ENV_VARS", "ServerConfig", "ServerConfigError"]

# setting name -> environment variable
ENV_VARS: dict[str, str] = {
    "app_secret": "IGBOT_APP_SECRET",
    "verify_token": "IGBOT_VERIFY_TOKEN",
    "access_token": "IGBOT_ACCESS_TOKEN",
    "admin_token": "IGBOT_ADMIN_TOKEN",
    "graph_url": "IGBOT_GRAPH_URL",
    "account_id": "IGBOT_ACCOUNT_ID",
    "app_id": "IGBOT_APP_ID",
    "agent_app_id": "IGBOT_AGENT_APP_ID",
    "database": "IGBOT_DATABASE_URL",
}
REQUIRED = ("app_secret", "verify_token", "access_token")
_SECRETS = ("app_secret", "verify_token", "access_token", "admin_token", "database")


class ServerConfigError(IgbotError, ValueError):
    """The server cannot start: a required setting is missing or wrong (names it, never a value).

    Attributes:
        missing: the environment variables that are missing.
    """

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        self.missing = missing
        super().__init__(message)


class ServerConfig(BaseModel):
    """Everything ``igbot serve`` needs.

    Attributes:
        data_dir: where the inbox, sessions, send policy and ``log.jsonl`` live.
        app_secret: checks ``X-Hub-Signature-256`` (``IGBOT_APP_SECRET``).
        verify_token: answers the subscription handshake (``IGBOT_VERIFY_TOKEN``).
        access_token: the Page or Instagram token for the Send API (``IGBOT_ACCESS_TOKEN``).
        admin_token: bearer token of ``/api/*`` (``IGBOT_ADMIN_TOKEN``; None: API disabled).
        graph_url: the Graph API base url (``IGBOT_GRAPH_URL``), or a stand-in's.
        account_id: the Page / Instagram account id (``IGBOT_ACCOUNT_ID``), default ``me``.
        app_id: this app's id (``IGBOT_APP_ID``): tells echoes of our own sends from an agent's.
        agent_app_id: where handovers go (``IGBOT_AGENT_APP_ID``; default the Instagram Inbox).
        workers: worker threads (conversations are hashed onto them, order kept per person).
        send_rate: Send API calls per second (0 or None: unpaced); Meta allows about 100.
        echo_grace: after a crash, seconds to wait for Meta's echo of a send whose outcome is
            unknown before sending it again.
        max_body: largest webhook body accepted (bytes).
        request_timeout: seconds a client may take to send a request's head (request line and
            headers), and again its body; slower: 408 and the connection closed.
        reorder_window: seconds each event of a conversation waits for an earlier-timestamped
            one arriving in a later body; released in timestamp order (0: arrival order).
        reorder_max: events held per conversation; past it the oldest is released at once.
        max_sends: messages one incoming event may send; the rest are dropped and logged.
        processing_processes: 1: the workers, the Graph client and the log writer run in a
            process of their own, off the interpreter that acknowledges posts (SQLite only;
            ``igbot serve`` does so by default with two cores or more); 0: in this process.
        database: ``postgresql://...`` (``IGBOT_DATABASE_URL``): keep everything in PostgreSQL,
            shared by several servers; None: SQLite files in ``data_dir`` (one server). A
            secret (the URL may hold a password).
    """

    model_config = ConfigDict(frozen=True)

    app_secret: SecretStr
    verify_token: SecretStr
    access_token: SecretStr
    admin_token: SecretStr | None = None
    data_dir: Path = Path("igbot-data")
    host: str = "127.0.0.1"
    port: int = 8000
    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    account_id: str = "me"
    app_id: str | None = None
    agent_app_id: str = INSTAGRAM_INBOX_APP_ID
    workers: int = Field(default=4, ge=1, le=64)
    send_rate: float | None = 100.0
    max_retries: int = 3
    echo_grace: float = 10.0
    max_body: int = 8 * 1024 * 1024
    request_timeout: float = Field(default=10.0, gt=0)
    reorder_window: float = Field(default=1.0, ge=0, le=60)
    reorder_max: int = Field(default=100, ge=1)
    max_sends: int = Field(default=10, ge=1)
    processing_processes: int = Field(default=0, ge=0, le=1)
    database: SecretStr | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> ServerConfig:
        """Settings from ``environ`` (default ``os.environ``); ``options`` that are not None win.

        Raises:
            ServerConfigError: naming every missing required variable.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in ENV_VARS.items():
            value = env.get(var)
            if value:
                values[name] = value
        values.update({k: v for k, v in options.items() if v is not None})
        missing = tuple(ENV_VARS[name] for name in REQUIRED if not values.get(name))
        if missing:
            raise ServerConfigError(
                f"cannot start: set {', '.join(missing)} in the environment "
                f"({'it is' if len(missing) == 1 else 'they are'} required)", missing)
        database = values.get("database")
        if database and not str(database).startswith(("postgresql://", "postgres://")):
            raise ServerConfigError("database (--database / IGBOT_DATABASE_URL): expected a "
                                    "postgresql:// URL; leave it unset for SQLite in the data "
                                    "directory")
        return cls(**values)

    def secrets(self) -> tuple[str, ...]:
        """Every secret value (to mask them in text that leaves the server)."""
        out = []
        for name in _SECRETS:
            value = getattr(self, name)
            if value is not None and value.get_secret_value():
                out.append(value.get_secret_value())
        return tuple(out)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k not in _SECRETS)
        return f"ServerConfig({shown})"

    __str__ = __repr__
