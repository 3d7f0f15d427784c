"""The claim loop's bookkeeping: what runs here is never started twice, and the bound always holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field

from bot.pipeline.claim_loop import ClaimLoop


@dataclass
class Work:
    key: str
    seconds: float


@dataclass
class CarelessQueue(ClaimLoop[Work]):
    """A queue whose claim ignores what already runs here and hands out a key again and again."""

    claims: list[list[Work]] = field(default_factory=list)
    running_now: Counter[str] = field(default_factory=Counter)
    most_at_once: int = 0
    most_of_one_key: int = 0
    finished: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(name="careless", concurrency=2, poll_interval_seconds=0.01, lease_seconds=0.06)

    async def _claim(self, limit: int, running: Collection[Hashable]) -> list[Work]:
        return self.claims.pop(0)[:limit] if self.claims else []

    def _key(self, claim: Work) -> str:
        return claim.key

    async def _handle(self, claim: Work) -> None:
        self.running_now[claim.key] += 1
        self.most_of_one_key = max(self.most_of_one_key, self.running_now[claim.key])
        self.most_at_once = max(self.most_at_once, sum(self.running_now.values()))
        await asyncio.sleep(claim.seconds)
        self.running_now[claim.key] -= 1
        self.finished.append(claim.key)

    async def _renew(self, claims: list[Work]) -> set[Hashable]:
        self.renewed.extend(claim.key for claim in claims)
        return {claim.key for claim in claims}

    async def _release(self, claims: list[Work]) -> set[int]:
        return set()


async def test_a_key_claimed_again_while_it_runs_is_not_started_and_the_bound_holds() -> None:
    loop = CarelessQueue()
    # "a" is handed out while it still runs; if its second copy replaced the first's entry, the first
    # one finishing would drop the entry and let a third piece of work past the bound of two.
    loop.claims = [[Work("a", 0.3)], [Work("a", 0.3)], [Work("b", 0.3)], [Work("c", 0.3)], [Work("d", 0.05)]]
    loop.start()
    try:
        for _ in range(200):
            if len(loop.finished) >= 4:
                break
            await asyncio.sleep(0.02)
    finally:
        await loop.stop()
    assert loop.most_of_one_key == 1
    assert loop.most_at_once <= 2
    assert sorted(loop.finished) == ["a", "b", "c", "d"]


async def test_a_lease_is_renewed_while_its_work_runs() -> None:
    loop = CarelessQueue()
    loop.claims = [[Work("slow", 0.3)]]
    loop.start()
    try:
        for _ in range(100):
            if loop.finished:
                break
            await asyncio.sleep(0.02)
    finally:
        await loop.stop()
    assert loop.finished == ["slow"]
    assert loop.renewed.count("slow") >= 3  # every third of the 0.06 s lease, for 0.3 s
