"""The exceptions igbot raises.

Every error igbot raises on purpose derives from :class:`IgbotError`, so a caller can catch one
type. Each names what was wrong and where (file, flow, state, field, limit)::

    IgbotError
    ├── WebhookFormatError      a body that is not an Instagram webhook (not JSON, wrong object)
    ├── LimitError              a Send API value over one of Meta's limits (strict mode)
    ├── BotLoadError            a bot file that cannot be read (bad YAML, missing include, bad key)
    ├── SchemaVersionError      a data file written by a newer igbot (its schema version)
    ├── ExpressionError         an expression that cannot be evaluated
    │   └── ExpressionSyntaxError   ... or parsed (with the position)
    ├── EngineError             a turn that could not complete
    │   ├── RecursionLimitError     command actions looping past config.maxRecursion
    │   ├── MethodError             a JavaScript method that threw, looped or ran out of memory
    │   └── ConflictError           another worker advanced the same conversation first
    └── GraphAPIError           Meta's Graph API answered with an error (see igbot.channel)
"""

from __future__ import annotations

__all__ = [
    "BotLoadError",
    "ConflictError",
    "EngineError",
    "ExpressionError",
    "ExpressionSyntaxError",
    "GraphAPIError",
    "IgbotError",
    "LimitError",
    "MethodError",
    "RecursionLimitError",
    "SchemaVersionError",
    "WebhookFormatError",
]


class IgbotError(Exception):
    """Base class of every error igbot raises on purpose."""


class WebhookFormatError(IgbotError, ValueError):
    """A webhook body that is not JSON, not an object igbot knows, or lacks a required field."""


class LimitError(IgbotError, ValueError):
    """A value over one of Meta's Send API limits.

    Attributes:
        field: where the value sits, for example ``message.quick_replies[2].title``.
        limit: the limit (a number of characters, bytes or items).
        size: the value's size in the limit's unit.
        unit: ``"characters"``, ``"bytes"`` or ``"items"``.
    """

    def __init__(self, field: str, limit: int, size: int, unit: str, source: str = "") -> None:
        self.field, self.limit, self.size, self.unit, self.source = field, limit, size, unit, source
        where = f" ({source})" if source else ""
        super().__init__(f"{field}: {size} {unit}, over Instagram's limit of {limit} {unit}{where}")


class BotLoadError(IgbotError, ValueError):
    """A bot file that cannot be loaded. Names the file, the line (when known) and the YAML path."""

    def __init__(self, message: str, file: str | None = None, path: str | None = None,
                 line: int | None = None) -> None:
        self.file, self.path, self.reason, self.line = file, path, message, line
        where = ", ".join(p for p in (f"{file}:{line}" if file and line else file, path) if p)
        super().__init__(f"{where}: {message}" if where else message)


class SchemaVersionError(IgbotError):
    """A data file (SQLite) whose schema version is newer than this igbot knows."""


class ExpressionError(IgbotError):
    """An expression that could not be evaluated (the only error evaluation raises)."""


class ExpressionSyntaxError(ExpressionError, ValueError):
    """An expression that could not be parsed.

    Attributes:
        expression: the source text.
        position: the 0-based offset where parsing failed.
    """

    def __init__(self, message: str, expression: str, position: int) -> None:
        self.expression, self.position, self.reason = expression, position, message
        super().__init__(f"{message} at position {position} in {expression!r}")


class EngineError(IgbotError):
    """A turn of the flow engine that could not complete."""


class RecursionLimitError(EngineError):
    """Command actions re-entered the bot more than ``config.maxRecursion`` times in one turn."""


class MethodError(EngineError):
    """A JavaScript method threw, ran past its time limit or past its memory limit."""


class ConflictError(EngineError):
    """The session changed under us: another worker advanced the same conversation first."""


class GraphAPIError(IgbotError):
    """Meta's Graph API answered with an error. Subclasses live in :mod:`igbot.channel`."""
