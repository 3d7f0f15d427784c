"""The one backoff rule: exponential from a base, capped, with jitter (queues and LLM retries share it)."""

from __future__ import annotations

import random

MAX_BACKOFF_SECONDS = 300.0


def backoff_seconds(attempts: int, base: float) -> float:
    """Exponential backoff with jitter: base, 2*base, 4*base ... capped at five minutes."""
    delay: float = min(base * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return delay * random.uniform(0.8, 1.2)
