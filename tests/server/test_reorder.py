"""ReorderBuffer: held per conversation for a window, released in timestamp order, bounded."""

from __future__ import annotations

import pytest

from igbot.server import ReorderBuffer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_late_earlier_message_goes_first(clock: Clock) -> None:
    buf: ReorderBuffer[str] = ReorderBuffer(1.0, clock=clock)
    assert buf.add("ann", 2000, "second") == []
    clock.now += 0.4
    assert buf.add("ann", 1000, "first") == []
    assert buf.next_due() == 101.0
    assert buf.due() == []  # nothing is due yet
    clock.now = 101.0
    assert buf.due() == ["first", "second"]
    assert len(buf) == 0 and buf.next_due() is None


def test_each_item_waits_its_own_window_and_takes_older_ones_along(clock: Clock) -> None:
    buf: ReorderBuffer[str] = ReorderBuffer(1.0, clock=clock)
    buf.add("ann", 1000, "a1")
    clock.now += 0.5
    buf.add("ann", 3000, "a3")
    buf.add("bob", 500, "b1")
    clock.now += 0.1
    buf.add("ann", 2000, "a2")  # older than a3, newer than a1
    clock.now = 101.0  # a1's time is up: only what is older than a1 goes with it
    assert buf.due() == ["a1"]
    clock.now = 101.5  # a3's and b1's: a2 is older than a3, so it goes first
    out = buf.due()
    assert [x for x in out if x[0] == "a"] == ["a2", "a3"] and sorted(out) == ["a2", "a3", "b1"]
    clock.now = 101.6  # a2's deadline comes, but it is gone already
    assert buf.due() == [] and buf.next_due() is None


def test_equal_timestamps_keep_arrival_order(clock: Clock) -> None:
    buf: ReorderBuffer[int] = ReorderBuffer(1.0, clock=clock)
    for n in range(5):
        buf.add("ann", 1000, n)
    assert buf.due(clock.now + 1) == [0, 1, 2, 3, 4]


def test_a_conversation_holds_at_most_max_items(clock: Clock) -> None:
    buf: ReorderBuffer[int] = ReorderBuffer(1.0, max_per_conversation=3, clock=clock)
    assert [buf.add("ann", 1000 + n, n) for n in range(3)] == [[], [], []]
    assert buf.add("ann", 999, -1) == [-1]  # the oldest goes at once
    assert buf.add("ann", 5000, 9) == [0]
    assert buf.overflowed == 2 and len(buf) == 3
    assert buf.add("bob", 1, 100) == []  # other conversations are not affected
    assert buf.drain() == [1, 2, 9, 100]


def test_window_zero_holds_nothing(clock: Clock) -> None:
    buf: ReorderBuffer[str] = ReorderBuffer(0, clock=clock)
    assert buf.add("ann", 2000, "second") == ["second"]
    assert buf.add("ann", 1000, "first") == ["first"]
    assert len(buf) == 0 and buf.next_due() is None


def test_drain_gives_everything_in_order_per_conversation(clock: Clock) -> None:
    buf: ReorderBuffer[str] = ReorderBuffer(5.0, clock=clock)
    for ts, item in [(3, "a3"), (1, "a1"), (2, "b2"), (2, "a2"), (1, "b1")]:
        buf.add(item[0], ts, item)
    assert buf.drain() == ["a1", "a2", "a3", "b1", "b2"]
    assert len(buf) == 0 and buf.next_due() is None
    assert "held=0" in repr(buf)


@pytest.mark.parametrize(("window", "most"), [(-1, 10), (1, 0)])
def test_bad_settings(window: float, most: int) -> None:
    with pytest.raises(ValueError):
        ReorderBuffer(window, most)
