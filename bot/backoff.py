"""The one backoff rule for both queues and the LLM retries: exponential from a base, capped, jittered."""

from __future__ import annotations

import random

MAX_BACKOFF_SECONDS = 300.0
JITTER = 0.2


def backoff_seconds(
    attempt: int, base: float, *, cap: float = MAX_BACKOFF_SECONDS, jitter: float = JITTER
) -> float:
    """The pause before retrying after failed attempt number ``attempt`` (1 for the first failure).

    ``base``, ``2 * base``, ``4 * base`` ... never more than ``cap``; then spread by up to ``jitter``
    either way, so that many failures at once do not retry in step.
    """
    delay = min(base * 2.0 ** max(attempt - 1, 0), cap)
    return delay * random.uniform(1.0 - jitter, 1.0 + jitter)
