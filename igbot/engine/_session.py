"""A conversation's state between messages: where it is, its flow stack, context and data."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["FlowFrame", "Session"]


class FlowFrame(BaseModel):
    """A flow waiting on the stack: its state and its context, restored when it resumes."""

    flow: str
    state: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)


class Session(BaseModel):
    """One person's conversation with the bot (keyed by channel + user).

    ``context`` belongs to the current flow and dies with it; ``data`` lives for the whole
    session. ``agent`` is set while a human agent owns the thread (the bot stays silent).
    ``version`` is the optimistic-concurrency counter the store checks on every write.
    """

    channel: str = "instagram"
    user: str
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    flow: str | None = None
    state: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    stack: list[FlowFrame] = Field(default_factory=list)
    last_flow: str | None = None
    last_state: str | None = None
    agent: dict[str, Any] | None = None
    version: int = 0
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

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
