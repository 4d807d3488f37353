"""The errors analytics raise on purpose: a parameter that names nothing, and inputs that gave
nothing to analyse. Both are ``ValueError`` too, and their message is one line that names the
parameter (or each input) and why."""

from __future__ import annotations

from collections.abc import Sequence

from igbot._errors import IgbotError

__all__ = ["NothingLoadedError", "ParameterError"]


class ParameterError(IgbotError, ValueError):
    """A metric parameter that is not valid: an unknown time zone, flow or state, a bad gap."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field} {value!r}: {reason}")


class NothingLoadedError(IgbotError, ValueError):
    """No event could be read from any input; ``reasons`` says why for each input."""

    def __init__(self, reasons: Sequence[tuple[str, str]]) -> None:
        self.reasons = list(reasons)
        lines = [f"{where}: {why}" for where, why in self.reasons] or ["no input given"]
        super().__init__("no events loaded: " + "; ".join(lines))
