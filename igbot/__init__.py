"""igbot: automate Instagram Direct Messages with Kata-ML bots, and study how they go."""

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

__version__ = "0.1.0"

__all__ = [
    "BotLoadError",
    "ConflictError",
    "EngineError",
    "ExpressionError",
    "ExpressionSyntaxError",
    "GraphAPIError",
    "IgbotError",
    "LimitError",
    "Message",
    "MethodError",
    "RecursionLimitError",
    "WebhookFormatError",
    "__version__",
]
