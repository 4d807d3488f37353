"""One deadline per call of a built-in that can run long (regular expressions, big values).

A regular expression's own timeout applies to one search; ``split`` searches at every position
and ``replace`` once per match, so each of those calls takes one :class:`Deadline` and spends it
across all its searches and loops. Loops that build values (``join``, ``JSON.stringify``) check
it every few hundred items.
"""

from __future__ import annotations

import time
from typing import Final

from igbot._errors import ExpressionError

__all__ = ["CALL_SECONDS", "Deadline"]

CALL_SECONDS: Final = 0.25
"""Seconds one call of a built-in may take (a regular expression call with all its searches)."""


class Deadline:
    """The moment a built-in call (``what``, for the error message) must be done by."""

    __slots__ = ("end", "seconds", "what")

    def __init__(self, what: str, seconds: float = CALL_SECONDS) -> None:
        self.what, self.seconds = what, seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises :class:`igbot.ExpressionError` once there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.error()
        return left

    def check(self) -> None:
        """Raise :class:`igbot.ExpressionError` if the deadline has passed."""
        if time.monotonic() >= self.end:
            raise self.error()

    def error(self) -> ExpressionError:
        return ExpressionError(f"{self.what} took longer than {self.seconds:g} s")
