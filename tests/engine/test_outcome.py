"""The Outcome's parts: log entries made when first read, equal by content."""

from __future__ import annotations

from typing import Any

import pytest

from igbot.engine import LogEntry, Outcome, PolicyNote, ThreadChange
from igbot.vocab import dump_row, log_row


def test_a_log_entry_is_built_once_and_only_when_read() -> None:
    calls: list[int] = []

    def build() -> tuple[dict[str, Any], str | None]:
        calls.append(1)
        return log_row("u1", 0, "in", "user", "text", text="hi", mid="m1"), "m1"

    entry = LogEntry(build=build)
    assert calls == []
    assert entry.indexed_mid == "m1" and entry.row["text"] == "hi"
    assert entry.line == dump_row(entry.row)
    assert calls == [1]
    assert entry == LogEntry(log_row("u1", 0, "in", "user", "text", text="hi", mid="m1"), "m1")
    assert entry != LogEntry(log_row("u1", 0, "in", "user", "text", text="hi", mid="m1"))
    assert "m1" in repr(entry)


def test_a_log_entry_needs_a_row() -> None:
    with pytest.raises(ValueError, match="row"):
        LogEntry()


def test_extend_appends_every_part() -> None:
    a, b = Outcome(), Outcome()
    b.log.append(LogEntry(log_row("u1", 0, "in", "user", "read")))
    b.policy.append(PolicyNote("u1", "text", 0))
    b.redactions.append("m1")
    b.thread.append(ThreadChange("take", "u1", "900"))
    a.extend(b)
    a.extend(b)
    assert len(a.log) == 2 and a.redactions == ["m1", "m1"]
    assert [c.kind for c in a.thread] == ["take", "take"] and len(a.policy) == 2
    assert a.rows[0]["kind"] == "read" and a.requests == [] and a.record is None
