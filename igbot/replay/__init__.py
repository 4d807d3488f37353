"""What-if replay and flow coverage: run real conversations through a changed flow.

- :func:`replay` feeds the person's messages of every session of a log (anything
  :func:`igbot.analytics.load` reads) through a bot, with no sends, and records what it did.
- :func:`diff` compares two replays: where each session first diverges, and which outcomes
  (handover, fallback, end state) changed.
- :func:`try_proposals` counts the fallbacks an intent proposed by
  :func:`igbot.analytics.misses` would have removed on the same log.
- :func:`coverage` measures which states, transitions, intents and actions a log or a set of
  Kata test specs exercised.

JSON shapes: see :mod:`igbot.replay._result` (``ReplayResult.to_dict``),
:mod:`igbot.replay._diff` (``ReplayDiff.to_dict``) and :mod:`igbot.replay._coverage`
(``Coverage.to_dict``).

``igbot.replay`` is both this package and the function: once the package is imported Python
binds the name ``igbot.replay`` to it, so the package is callable and calling it is
:func:`replay`.
"""

import sys as _sys
import types as _types
from typing import Any as _Any

from igbot.replay._coverage import Coverage, CoverageItem
from igbot.replay._diff import ReplayDiff, diff
from igbot.replay._measure import coverage
from igbot.replay._messages import ApiStub, kata_message, reply_text
from igbot.replay._proposals import try_proposals
from igbot.replay._replay import replay
from igbot.replay._result import ReplayResult

__all__ = [
    "ApiStub",
    "Coverage",
    "CoverageItem",
    "ReplayDiff",
    "ReplayResult",
    "coverage",
    "diff",
    "kata_message",
    "replay",
    "reply_text",
    "try_proposals",
]


class _CallablePackage(_types.ModuleType):
    """``igbot.replay(bot, log)`` works whether ``igbot.replay`` is the function or the package."""

    def __call__(self, *args: _Any, **kwargs: _Any) -> ReplayResult:
        return replay(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallablePackage
