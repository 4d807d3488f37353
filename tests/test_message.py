"""The Kata message: what a turn record keeps of it is what pydantic would dump."""

from __future__ import annotations

import pytest

from igbot import Message


@pytest.mark.parametrize("message", [
    Message(type="text", content=None, payload={"a": None, "b": [1, {"c": None}], "t": (1, 2)},
            metadata={"mid": None}),
    Message(type="data", content="x", extra=3, more=None),
    Message(),
    Message(type="command", content="reenter", metadata={"senderId": "u1"}),
])
def test_to_record_is_model_dump_without_nones(message: Message) -> None:
    record = message.to_record()
    assert record == message.model_dump(exclude_none=True)
    if message.payload:
        assert record["payload"] is not message.payload  # a copy: the record keeps its own
