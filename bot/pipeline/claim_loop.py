"""The loop both durable queues share: claim up to a bound, run each claim as a task under a renewed lease.

Whatever this process is working on is passed to the next claim, so a row is never claimed twice by
the process that already runs it (even if its lease lapsed), and one running task's bookkeeping entry
can never be replaced or removed by another's. One keeper renews the leases of everything running here
in one statement every third of the lease: a few statements, not one connection per running claim.
A stop gives running work a grace period, then cancels what is left and gives its claims back at once
(see ``storage.leases.release``), so a successor need not wait for the leases to run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

# Nearly full, a loop claims again once 1/8 of its slots are free (at once when it has room to spare).
CLAIM_BATCH_DIVISOR = 8

Claim = TypeVar("Claim")

# A stop names at most this many released ids in its log line; the count is always complete.
IDS_SHOWN = 20
# A stopping loop may take at least this long to finish the claim (or renewal) it is in before it is
# cancelled, whatever the grace: cut off inside its transaction, a claim's rows would be held by no one
# until their lease ran out, and on SQLite its connection could keep the database locked.
WIND_DOWN_SECONDS = 2.0
# Giving back what was cut short waits at most this long (say, for a connection that a cancelled turn
# still holds); past it the claims are left to their leases.
RELEASE_SECONDS = 5.0


@dataclass(frozen=True)
class Drained:
    """How a stop left one loop's work: finished within the grace, given back (row ids), or left to expire."""

    name: str
    finished: int
    released: tuple[int, ...]
    expiring: int

    def describe(self) -> str:
        ids = ", ".join(str(row_id) for row_id in self.released[:IDS_SHOWN])
        more = len(self.released) - IDS_SHOWN
        shown = f" [{ids}{f', +{more} more' if more > 0 else ''}]" if self.released else ""
        expiring = f", {self.expiring} left to expire" if self.expiring else ""
        return f"{self.name} {self.finished} finished, {len(self.released)} released{shown}{expiring}"


def describe_stop(drained: Sequence[Drained]) -> str:
    """One line for the log: ids and counts only."""
    return "; ".join(part.describe() for part in drained)


class ClaimLoop(ABC, Generic[Claim]):
    def __init__(
        self, *, name: str, concurrency: int, poll_interval_seconds: float, lease_seconds: float
    ) -> None:
        self._name = name
        self._concurrency = concurrency
        self._poll_interval = poll_interval_seconds
        self._lease_seconds = lease_seconds
        self._wake = asyncio.Event()
        self._running: dict[Hashable, asyncio.Task[None]] = {}
        self._claims: dict[Hashable, Claim] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._keeper_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._keeper_stopping = asyncio.Event()

    @abstractmethod
    async def _claim(self, limit: int, running: Collection[Hashable]) -> list[Claim]:
        """Claim at most ``limit`` items whose keys are not in ``running`` (committed before returning)."""

    @abstractmethod
    def _key(self, claim: Claim) -> Hashable:
        """What identifies a running claim (a conversation for the inbox, an outbox row for the outbox)."""

    @abstractmethod
    async def _handle(self, claim: Claim) -> None:
        """Do the work of one claim; must not raise except on cancellation."""

    @abstractmethod
    async def _renew(self, claims: list[Claim]) -> set[Hashable]:
        """Extend these claims' leases by the lease time; returns the keys whose lease is still ours."""

    @abstractmethod
    async def _release(self, claims: list[Claim]) -> set[int]:
        """Give these unfinished claims back, claimable at once; returns the row ids released."""

    def wake(self) -> None:
        """Look for work now instead of at the next poll (new work was just committed here)."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    @property
    def busy(self) -> int:
        """How many claims are being worked on now."""
        return len(self._running)

    def start(self) -> None:
        self._stopping.clear()
        self._keeper_stopping.clear()
        self._loop_task = asyncio.create_task(self.run(), name=self._name)
        self._keeper_task = asyncio.create_task(self._keep_leases(), name=f"{self._name}-leases")

    async def stop(self, grace_seconds: float = 5.0, *, release: bool = True) -> Drained:
        """Stop claiming; give running work ``grace_seconds`` to finish, then cancel it and give it back.

        ``release=False`` leaves the cancelled claims' leases to run out, as a crash would.
        """
        clock = asyncio.get_running_loop()
        deadline = clock.time() + grace_seconds
        # Asked to stop, not cancelled: it finishes the claim it is in, and what that claimed runs below.
        self._stopping.set()
        self._wake.set()
        await wind_down(self._loop_task, max(grace_seconds, WIND_DOWN_SECONDS))
        running, claims = dict(self._running), dict(self._claims)
        cut_short: list[Claim] = []
        if running:
            left = max(deadline - clock.time(), 0.0)
            _, still_running = await asyncio.wait(running.values(), timeout=left)
            cut_short = [claims[key] for key, task in running.items() if task in still_running]
            while still_running:
                for task in still_running:
                    task.cancel()
                _, still_running = await asyncio.wait(still_running, timeout=1.0)
        self._keeper_stopping.set()
        await wind_down(self._keeper_task, WIND_DOWN_SECONDS)
        released: set[int] = set()
        expiring = len(cut_short)
        if cut_short and release:
            try:
                async with asyncio.timeout(RELEASE_SECONDS):
                    released = await self._release(cut_short)
                # The rest finished (or were taken over) while they were being cancelled.
                expiring = 0
            except Exception:  # TimeoutError included
                log.exception("%s: could not give back %s claims; their leases expire", self._name, expiring)
        finished = len(running) - len(released) - expiring
        return Drained(self._name, finished, tuple(sorted(released)), expiring)

    async def run(self) -> None:
        # A claim costs one query however many it takes, and the query's cost grows with the backlog:
        # while this process is nearly full it waits until a batch of slots is free (or a poll comes
        # round) instead of claiming one item each time one finishes.
        claim_batch = max(1, self._concurrency // CLAIM_BATCH_DIVISOR)
        polled = True
        while not self._stopping.is_set():
            # Cleared before claiming, so a wake that arrives while we claim is not lost.
            self._wake.clear()
            free = self._concurrency - len(self._running)
            claims: list[Claim] = []
            if free > 0 and (polled or free >= claim_batch or not self._running):
                try:
                    claims = await self._claim(free, set(self._running))
                except Exception:
                    log.exception("%s: claiming failed; retrying shortly", self._name)
            started = 0
            for claim in claims:
                key = self._key(claim)
                if key in self._running:
                    # The claim query was told what runs here; a duplicate is a bug, and starting it
                    # would run one conversation (or one send) twice at once. Its lease will lapse.
                    log.error("%s: claimed %s while it is still running here; left alone", self._name, key)
                    continue
                self._claims[key] = claim
                self._running[key] = asyncio.create_task(
                    self._run_one(key, claim), name=f"{self._name}-{key}"
                )
                started += 1
            if claims and started == free:
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
            # arrives as its timeout fires, and then stop() would wait for this loop forever.
            polled = True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()
                    polled = False

    async def _run_one(self, key: Hashable, claim: Claim) -> None:
        try:
            await self._handle(claim)
        finally:
            if self._running.get(key) is asyncio.current_task():
                del self._running[key]
                del self._claims[key]
            self._wake.set()

    async def _keep_leases(self) -> None:
        # Claims whose renewal found them no longer held at the last round. A claim that was just finished
        # (its done mark committed, its task not yet resumed) is not held either, so one miss proves
        # nothing; a claim still running after a second miss has lost its lease.
        missed: dict[Hashable, Claim] = {}
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._lease_seconds / 3):
                    await self._keeper_stopping.wait()
            if self._keeper_stopping.is_set():
                return
            claims = dict(self._claims)
            if not claims:
                continue
            try:
                held = await self._renew(list(claims.values()))
            except Exception:
                log.exception("%s: could not renew the leases of %s claims", self._name, len(claims))
                continue
            not_held = {key: claims[key] for key in claims.keys() - held}
            for key, claim in not_held.items():
                # Only if that same claim still runs: a finished one may have been followed by a new
                # claim under the same key (the conversation's next event) since the snapshot.
                if missed.get(key) is claim and self._claims.get(key) is claim:
                    log.warning("%s: lost the lease of %s", self._name, key)
            missed = not_held


async def wind_down(task: asyncio.Task[None] | None, seconds: float) -> None:
    """Wait up to ``seconds`` for a task that was asked to stop, then cancel it (see WIND_DOWN_SECONDS)."""
    if task is not None and not task.done():
        await asyncio.wait({task}, timeout=seconds)
    await _cancel(task)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel until done: a cancellation lost inside a library must not hang a stop."""
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
    with contextlib.suppress(asyncio.CancelledError):
        await task
