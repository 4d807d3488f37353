"""The webhook server: Meta's webhooks in (signed, stored, deduplicated), the bot's replies out.

``igbot serve BOT`` runs :class:`WebhookApp` (a plain ASGI app) under uvicorn; see
``notes/readme-server.md`` for the setup on Meta's side.
"""

from igbot.server._app import WebhookApp
from igbot.server._config import ServerConfig, ServerConfigError
from igbot.server._inbox import Inbox
from igbot.server._lock import DataDirLock, DataDirLockedError
from igbot.server._log import LOG_FIELDS, ConversationLog, log_line
from igbot.server._reorder import ReorderBuffer
from igbot.server._runner import ServerRunner, serve
from igbot.server._server import WebhookServer
from igbot.server._signature import SIGNATURE_HEADER, sign_body, verify_signature

__all__ = [
    "LOG_FIELDS",
    "SIGNATURE_HEADER",
    "ConversationLog",
    "DataDirLock",
    "DataDirLockedError",
    "Inbox",
    "ReorderBuffer",
    "ServerConfig",
    "ServerConfigError",
    "ServerRunner",
    "WebhookApp",
    "WebhookServer",
    "log_line",
    "serve",
    "sign_body",
    "verify_signature",
]
