"""Helpers shared by the channel tests."""

from __future__ import annotations

import random

from igbot.channel import RetryPolicy

TOKEN = "EAAtesttoken1234567890secretvalue"
PERSON = "6251234567890123"


def fast_retry(max_retries: int = 3) -> RetryPolicy:
    """Retries with millisecond waits, so retry tests stay quick."""
    return RetryPolicy(max_retries=max_retries, base_delay=0.001, max_delay=0.005,
                       rng=random.Random(7))
