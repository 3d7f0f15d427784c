"""The benchmark's arithmetic: percentiles, median with min and max, ratios, and the reply ledger.

Kept free of I/O so that a test can check it, and so that the load generator, the orchestrator and
the report all count the same way.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks; NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Spread:
    """Several runs of one figure: the median, and the lowest and highest run."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, samples: Iterable[float]) -> Spread:
        present = [sample for sample in samples if not math.isnan(sample)]
        if not present:
            return cls(math.nan, math.nan, math.nan)
        return cls(statistics.median(present), min(present), max(present))


def ratio(value: float, anchor: float) -> float:
    """``value / anchor``; NaN when either is missing or the anchor is zero."""
    if math.isnan(value) or math.isnan(anchor) or anchor == 0:
        return math.nan
    return value / anchor


@dataclass(frozen=True)
class _Sent:
    number: int
    question: int
    sent_at: float


@dataclass
class Accounting:
    """What the ledger found: every sent message answered exactly once and in order, or not."""

    sent: int
    refused: int
    answered: int
    lost: int
    duplicates: int
    out_of_order: int
    unknown: int


@dataclass
class ReplyLedger:
    """Matches replies seen at the platform to the messages sent, per conversation.

    A reply names its question (the workload asks distinct questions with distinct answers), so it is
    matched to the earliest unanswered message of its conversation that asked that question. A reply
    with no such message left is a duplicate; a message never answered is lost; a reply that answers
    an earlier message than one already answered in its conversation is out of order. With no more
    messages per conversation than distinct questions, every match is exact.
    """

    _messages: dict[str, list[_Sent]] = field(default_factory=dict)
    _waiting: dict[tuple[str, int], deque[_Sent]] = field(default_factory=lambda: defaultdict(deque))
    _highest: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    out_of_order: int = 0
    unknown: int = 0
    refused: int = 0

    def sent(self, conversation: str, question: int, at: float) -> int:
        """Record a message; returns its number within the conversation (0, 1, ...)."""
        messages = self._messages.setdefault(conversation, [])
        message = _Sent(len(messages), question, at)
        messages.append(message)
        self._waiting[(conversation, question)].append(message)
        return message.number

    def withdraw(self, conversation: str, number: int) -> None:
        """Forget a message the server refused (its webhook was not acknowledged): no reply is owed."""
        message = self._messages[conversation][number]
        self._waiting[(conversation, message.question)].remove(message)
        self.refused += 1

    def replied(self, conversation: str, question: int | None, at: float) -> float | None:
        """Record a reply; returns the end-to-end latency of the message it answers, or None."""
        if question is None or conversation not in self._messages:
            self.unknown += 1
            return None
        waiting = self._waiting.get((conversation, question))
        if not waiting:
            self.duplicates += 1
            return None
        message = waiting.popleft()
        if message.number < self._highest.get(conversation, -1):
            self.out_of_order += 1
        self._highest[conversation] = max(self._highest.get(conversation, -1), message.number)
        return at - message.sent_at

    def outstanding(self) -> int:
        """Messages still waiting for their reply."""
        return sum(len(waiting) for waiting in self._waiting.values())

    def accounting(self) -> Accounting:
        sent = sum(len(messages) for messages in self._messages.values())
        lost = self.outstanding()
        return Accounting(
            sent=sent,
            refused=self.refused,
            answered=sent - lost - self.refused,
            lost=lost,
            duplicates=self.duplicates,
            out_of_order=self.out_of_order,
            unknown=self.unknown,
        )
