"""The error analytics raise on purpose for a parameter that names nothing: also a
``ValueError``, its message is one line naming the parameter, the value and why."""

from __future__ import annotations

from igbot._errors import IgbotError

__all__ = ["ParameterError"]


class ParameterError(IgbotError, ValueError):
    """A metric parameter that is not valid: an unknown time zone, flow or state, a bad gap."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field} {value!r}: {reason}")
