"""When and how long to wait before trying a Graph API call again.

Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
the n-th retry waits a random time in ``[0, min(max_delay, base_delay * 2**n)]``, unless Meta
sent ``Retry-After``, which is honoured as given (up to ``max_retry_after``). Only retryable
failures are retried: HTTP 5xx, network errors, codes 1, 2, 4, 17, 32, 341, 613, 80002 and
``is_transient: true``; never 10, 100, 190, 200 or 551.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from dataclasses import dataclass, field

from igbot.channel._errors import GraphError

__all__ = ["RetryPolicy", "parse_retry_after"]

logger = logging.getLogger(__name__)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class RetryPolicy:
    """How many times and how long to wait between tries of one Graph API call.

    Attributes:
        max_retries: retries after the first try (0 turns retrying off).
        base_delay: the first backoff ceiling, in seconds.
        max_delay: the largest backoff ceiling, in seconds.
        max_retry_after: the longest ``Retry-After`` igbot waits; a longer one is raised.
        rng: the random source for jitter (pass ``random.Random(seed)`` for repeatable waits).
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def backoff(self, attempt: int) -> float:
        """The jittered wait before retry number ``attempt`` (0-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempt, 62)))
        return self.rng.uniform(0.0, ceiling)

    def next_delay(self, attempt: int, error: GraphError) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to give up and raise it."""
        if not error.retryable or attempt >= self.max_retries:
            return None
        if error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                return None
            return error.retry_after
        return self.backoff(attempt)

    def log_retry(self, method: str, path: str, attempt: int, delay: float,
                  error: GraphError) -> None:
        """Log one retry (path without query, so no token; Meta's code and trace id)."""
        logger.warning(
            "Graph API %s %s failed (%s, code=%s subcode=%s status=%s fbtrace_id=%s); "
            "retry %d/%d in %.3fs",
            method, path, type(error).__name__, error.code, error.subcode, error.http_status,
            error.fbtrace_id, attempt + 1, self.max_retries, delay,
        )
