"""A conversation's state between messages: where it is, its flow stack, context and data.

Sessions are plain :mod:`msgspec` structs: reading or setting a field costs what it costs on a
Python object, and a session encodes to (and decodes from) JSON or MessagePack bytes without a
validation pass. The JSON is the one pydantic wrote before, so stored rows stay readable.
"""

from __future__ import annotations

import os
import time
from typing import Any

import msgspec

__all__ = ["FlowFrame", "Session", "copy_data"]


def copy_data(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts and lists copied, anything else shared)."""
    kind = type(value)
    if kind is dict:
        return {k: copy_data(v) for k, v in value.items()}
    if kind is list:
        return [copy_data(v) for v in value]
    return value


def _new_id() -> str:
    """A random (version 4) UUID as 32 hex digits, like ``uuid.uuid4().hex`` at a third of
    its cost."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


class FlowFrame(msgspec.Struct, kw_only=True):
    """A flow waiting on the stack: its state and its context, restored when it resumes."""

    flow: str
    state: str | None = None
    context: dict[str, Any] = msgspec.field(default_factory=dict)


class Session(msgspec.Struct, kw_only=True):
    """One person's conversation with the bot (keyed by channel + user).

    ``context`` belongs to the current flow and dies with it; ``data`` lives for the whole
    session. ``agent`` is set while a human agent owns the thread (the bot stays silent).
    ``version`` is the optimistic-concurrency counter the store checks on every write.
    """

    channel: str = "instagram"
    user: str
    id: str = msgspec.field(default_factory=_new_id)
    flow: str | None = None
    state: str | None = None
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    stack: list[FlowFrame] = msgspec.field(default_factory=list)
    last_flow: str | None = None
    last_state: str | None = None
    agent: dict[str, Any] | None = None
    version: int = 0
    created_at: float = msgspec.field(default_factory=time.time)
    updated_at: float = msgspec.field(default_factory=time.time)

    # -- bytes ---------------------------------------------------------------------------------

    def to_json(self) -> bytes:
        """The session as JSON bytes (the shape stores keep)."""
        return _JSON_ENCODER.encode(self)

    @classmethod
    def from_json(cls, body: bytes | str) -> Session:
        """A session from :meth:`to_json`'s bytes (or a row an older igbot wrote)."""
        try:
            return _JSON_DECODER.decode(body)
        except msgspec.ValidationError as exc:
            raise ValueError(f"stored session is not valid: {exc}") from None

    def copy(self) -> Session:
        """A deep copy (the stack's frames, context, data and agent are copied too)."""
        return Session(
            channel=self.channel, user=self.user, id=self.id, flow=self.flow, state=self.state,
            context=copy_data(self.context), data=copy_data(self.data),
            stack=[FlowFrame(flow=f.flow, state=f.state, context=copy_data(f.context))
                   for f in self.stack],
            last_flow=self.last_flow, last_state=self.last_state,
            agent=None if self.agent is None else copy_data(self.agent),
            version=self.version, created_at=self.created_at, updated_at=self.updated_at,
        )

    # the names callers knew when sessions were pydantic models
    def model_dump_json(self) -> str:
        """:meth:`to_json` as text."""
        return self.to_json().decode()

    @classmethod
    def model_validate_json(cls, body: bytes | str) -> Session:
        """:meth:`from_json`."""
        return cls.from_json(body)

    def model_copy(self, *, deep: bool = False) -> Session:
        """:meth:`copy` (always deep: a shallow copy would share the flow's context)."""
        return self.copy()

    def model_dump(self) -> dict[str, Any]:
        """The session as plain data (what :meth:`to_json` encodes)."""
        return msgspec.to_builtins(self)

    # -- the flow stack ------------------------------------------------------------------------

    def close_flow(self) -> FlowFrame | None:
        """Close the current flow (its context dies) and resume the one below, if any."""
        self.last_flow, self.last_state = self.flow, self.state
        self.flow, self.state, self.context = None, None, {}
        if not self.stack:
            return None
        frame = self.stack.pop()
        self.flow, self.state, self.context = frame.flow, frame.state, frame.context
        return frame

    def push_current(self) -> None:
        """Put the current flow on the stack (before another flow takes over)."""
        if self.flow is not None:
            self.stack = [f for f in self.stack if f.flow != self.flow]
            self.stack.append(FlowFrame(flow=self.flow, state=self.state, context=self.context))

    def take_from_stack(self, flow: str) -> FlowFrame | None:
        """Remove ``flow`` from the stack and return its frame (a flow is never stacked twice)."""
        for i, frame in enumerate(self.stack):
            if frame.flow == flow:
                return self.stack.pop(i)
        return None


_JSON_ENCODER = msgspec.json.Encoder()
_JSON_DECODER = msgspec.json.Decoder(Session)
