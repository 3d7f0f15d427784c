"""The claim loop's bookkeeping: what runs here is never started twice, and the bound always holds."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field

import pytest

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


@dataclass
class SlowClaimQueue(CarelessQueue):
    """A queue whose claim takes until ``go`` is set (a claim waiting on a busy database)."""

    claiming: asyncio.Event = field(default_factory=asyncio.Event)
    go: asyncio.Event = field(default_factory=asyncio.Event)
    released: list[str] = field(default_factory=list)

    async def _claim(self, limit: int, running: Collection[Hashable]) -> list[Work]:
        if not self.claims:
            return []
        self.claiming.set()
        await self.go.wait()
        return await super()._claim(limit, running)

    async def _release(self, claims: list[Work]) -> set[int]:
        self.released.extend(claim.key for claim in claims)
        return set(range(len(claims)))


async def test_a_claim_in_progress_when_the_stop_comes_is_finished_and_what_it_took_is_given_back() -> None:
    loop = SlowClaimQueue()
    loop.claims = [[Work("late", 60.0)]]
    loop.start()
    await asyncio.wait_for(loop.claiming.wait(), 10)

    stopping = asyncio.create_task(loop.stop(grace_seconds=0.1))
    await asyncio.sleep(0)  # the stop has begun while the claim is still in its transaction
    loop.go.set()
    drained = await stopping

    # Not cut off inside the claim: the work it took was started, then given back when the grace ran out.
    assert loop.released == ["late"]
    assert (drained.finished, len(drained.released), drained.expiring) == (0, 1, 0)
    assert not loop.alive


@dataclass
class LosingQueue(CarelessQueue):
    """Every renewal finds the lease gone."""

    async def _renew(self, claims: list[Work]) -> set[Hashable]:
        self.renewed.extend(claim.key for claim in claims)
        return set()


async def test_a_lost_lease_is_reported_once_a_second_renewal_misses_not_at_the_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = LosingQueue()
    # "quick" finishes right after the first renewal misses it (as a finished send races its renewal);
    # "stuck" is still running at the second miss: only it has lost its lease.
    loop.claims = [[Work("quick", 0.03), Work("stuck", 0.3)]]
    with caplog.at_level(logging.WARNING, logger="bot.pipeline.claim_loop"):
        loop.start()
        try:
            for _ in range(100):
                if len(loop.finished) >= 2:
                    break
                await asyncio.sleep(0.02)
        finally:
            await loop.stop()
    lost = [record.getMessage() for record in caplog.records if "lost the lease" in record.getMessage()]
    assert lost
    assert all(message.endswith("stuck") for message in lost)
