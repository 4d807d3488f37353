"""igbot: automate Instagram Direct Messages with Kata-ML bots, and study how they go.

The core (models, expressions, Kata-ML, engine) imports no notebook libraries, so a webhook
server starts fast. Analytics, graphs, widgets and replay live in their subpackages
(``igbot.analytics``, ``igbot.graph``, ``igbot.widgets``, ``igbot.replay``); ``igbot.replay`` and
``igbot.diff``, ``igbot.coverage``, ``igbot.FlowEditor`` and ``igbot.ChatSimulator`` are also
reachable here, imported on first use, and so are the Send API client and its helpers from
``igbot.channel`` (``GraphClient``, ``AsyncGraphClient``, ``SendPolicy``, ``GraphStandIn``...).
"""

from typing import Any

from igbot._errors import (
    BotLoadError,
    ConflictError,
    EngineError,
    ExpressionError,
    ExpressionSyntaxError,
    GraphAPIError,
    IgbotError,
    LimitError,
    MethodError,
    RecursionLimitError,
    WebhookFormatError,
)
from igbot._message import Message
from igbot.engine import (
    Engine,
    MemoryStore,
    OutboundRequest,
    Session,
    SessionStore,
    SqliteStore,
    Turn,
    TurnRecord,
)
from igbot.expr import compile_expr, compile_template
from igbot.kataml import Bot, Flow, Intent, State, load_bot, load_bot_text
from igbot.models import (
    Event,
    LimitWarning,
    SendMessageRequest,
    UnknownEvent,
    apply_limits,
    check_limits,
    decode_payload,
    encode_payload,
    parse_webhook,
    render_bubbles,
)

__version__ = "0.1.0"

__all__ = [
    "Bot",
    "BotLoadError",
    "ConflictError",
    "Engine",
    "EngineError",
    "Event",
    "ExpressionError",
    "ExpressionSyntaxError",
    "Flow",
    "GraphAPIError",
    "IgbotError",
    "Intent",
    "LimitError",
    "LimitWarning",
    "MemoryStore",
    "Message",
    "MethodError",
    "OutboundRequest",
    "RecursionLimitError",
    "SendMessageRequest",
    "Session",
    "SessionStore",
    "SqliteStore",
    "State",
    "Turn",
    "TurnRecord",
    "UnknownEvent",
    "WebhookFormatError",
    "__version__",
    "apply_limits",
    "check_limits",
    "compile_expr",
    "compile_template",
    "decode_payload",
    "encode_payload",
    "load_bot",
    "load_bot_text",
    "parse_webhook",
    "render_bubbles",
]

_LAZY = {
    "AsyncGraphClient": "igbot.channel",
    "ChatSimulator": "igbot.widgets",
    "FlowEditor": "igbot.widgets",
    "GraphClient": "igbot.channel",
    "GraphStandIn": "igbot.channel",
    "MemoryPolicyStore": "igbot.channel",
    "RetryPolicy": "igbot.channel",
    "SQLitePolicyStore": "igbot.channel",
    "SendPolicy": "igbot.channel",
    "coverage": "igbot.replay",
    "diff": "igbot.replay",
    "replay": "igbot.replay",
}


def __getattr__(name: str) -> Any:
    """Names from the heavier subpackages (replay, widgets), imported on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'igbot' has no attribute {name!r}")
