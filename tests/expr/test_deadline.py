"""Deadline: one per built-in call, an ExpressionError naming the call once it has passed."""

from __future__ import annotations

import time

import pytest

from igbot import ExpressionError
from igbot.expr._deadline import CALL_SECONDS, Deadline


def test_a_fresh_deadline_has_time_left() -> None:
    deadline = Deadline("split()")
    assert 0 < deadline.remaining() <= CALL_SECONDS == 0.25
    deadline.check()


def test_a_passed_deadline_names_the_call_and_its_limit() -> None:
    deadline = Deadline("join()", seconds=0.01)
    time.sleep(0.02)
    with pytest.raises(ExpressionError, match=r"^join\(\) took longer than 0\.01 s$"):
        deadline.check()
    with pytest.raises(ExpressionError, match=r"join\(\)"):
        deadline.remaining()
