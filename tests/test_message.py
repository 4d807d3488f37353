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


def test_trusted_is_equal_to_the_validated_message() -> None:
    args = ("text", "hi", {"type": "menu"}, {"senderId": "u1"})
    trusted, validated = Message.trusted(*args), Message(type="text", content="hi",
                                                         payload={"type": "menu"},
                                                         metadata={"senderId": "u1"})
    assert trusted == validated and repr(trusted) == repr(validated)
    assert trusted.model_dump() == validated.model_dump()
    assert trusted.model_fields_set == validated.model_fields_set
    trusted.content = "changed"  # assignable like any model, without touching the other
    assert trusted.content == "changed" and validated.content == "hi"
