"""The Kata message: what the flow engine sees of anything a person (or a command) sends."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["KataMessage", "Message", "MessageType", "MessageView"]

MessageType = Literal["text", "data", "command"]


class Message(BaseModel):
    """One incoming message in Kata's shape.

    ``type`` is ``text`` (typed by a person), ``data`` (a structured event: a postback, a story
    reply, an attachment) or ``command`` (fed back by the bot itself, or a scheduler).
    ``metadata`` carries where it came from: ``channelType`` (``instagram``), ``accountId``,
    ``senderId`` (the person's IGSID), ``mid`` and ``timestamp`` (ms since the epoch).
    """

    model_config = ConfigDict(extra="allow")

    type: MessageType = "text"
    content: str | None = None
    payload: dict[str, Any] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def trusted(cls, type: MessageType, content: str | None, payload: dict[str, Any] | None,
                metadata: dict[str, Any]) -> Message:
        """A message from values already of the right types (a decoder's), without
        validation: about half the cost of ``Message(...)``; equal to it in every way."""
        message = cls.__new__(cls)
        _set(message, "__dict__", {"type": type, "content": content, "payload": payload,
                                   "metadata": metadata})
        _set(message, "__pydantic_fields_set__", set(_FIELDS))
        _set(message, "__pydantic_extra__", {})
        _set(message, "__pydantic_private__", None)
        return message

    @property
    def user_id(self) -> str | None:
        """The sender's id from the metadata (``senderId``), if any."""
        value = self.metadata.get("senderId")
        return None if value is None else str(value)

    def to_record(self) -> dict[str, Any]:
        """``model_dump(exclude_none=True)``, without pydantic's serializer for the common case
        (no extra fields): what a turn record keeps of the message."""
        if self.__pydantic_extra__:
            return self.model_dump(exclude_none=True)
        out: dict[str, Any] = {"type": self.type}
        if self.content is not None:
            out["content"] = self.content
        if self.payload is not None:
            out["payload"] = _copy(self.payload)
        out["metadata"] = _copy(self.metadata)
        return out

    def to_context(self) -> dict[str, Any]:
        """The message as the plain dict that expressions read (``type``, ``content``, ...)."""
        return {
            "type": self.type,
            "content": self.content,
            "payload": self.payload,
            "metadata": self.metadata,
        }


class MessageView:
    """A Kata message a decoder read: :class:`Message`'s four fields as plain attributes (read
    at a plain object's cost, where a pydantic model's cost several times more), and the
    pydantic :class:`Message` built only when a caller asks for it (:meth:`model`).

    The engine reads either; what it records of one (:meth:`to_record`) is the same. Treat it
    as read-only: its ``payload`` and ``metadata`` are shared with its model.
    """

    __slots__ = ("_model", "content", "metadata", "payload", "type")

    def __init__(self, type: MessageType, content: str | None, payload: dict[str, Any] | None,
                 metadata: dict[str, Any]) -> None:
        self.type = type
        self.content = content
        self.payload = payload
        self.metadata = metadata
        self._model: Message | None = None

    def model(self) -> Message:
        """The pydantic :class:`Message` (``Message.trusted`` of the same values), made once."""
        if self._model is None:
            self._model = Message.trusted(self.type, self.content, self.payload, self.metadata)
        return self._model

    @property
    def user_id(self) -> str | None:
        """The sender's id from the metadata (``senderId``), if any."""
        value = self.metadata.get("senderId")
        return None if value is None else str(value)

    def to_record(self) -> dict[str, Any]:
        """What a turn record keeps of the message (:meth:`Message.to_record`)."""
        out: dict[str, Any] = {"type": self.type}
        if self.content is not None:
            out["content"] = self.content
        if self.payload is not None:
            out["payload"] = _copy(self.payload)
        out["metadata"] = _copy(self.metadata)
        return out

    def to_context(self) -> dict[str, Any]:
        """The message as the plain dict that expressions read (:meth:`Message.to_context`)."""
        return {"type": self.type, "content": self.content, "payload": self.payload,
                "metadata": self.metadata}

    def __repr__(self) -> str:
        return f"MessageView({self.model()!r})"


KataMessage = Message | MessageView
"""What the engine reads a message from: the pydantic model or a decoder's view of one."""


def as_model(message: KataMessage) -> Message:
    """The pydantic :class:`Message` of ``message`` (itself, or its view's model)."""
    return message.model() if isinstance(message, MessageView) else message


_set = object.__setattr__
_FIELDS = ("type", "content", "payload", "metadata")


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [_copy(v) if type(v) in _CONTAINERS else v for v in value]
    if kind is tuple:
        return tuple(_copy(v) if type(v) in _CONTAINERS else v for v in value)
    return value


_CONTAINERS = frozenset({dict, list, tuple})
