"""Durable inbound queue: accept items with dedupe (group commit), and the worker that processes them.

The worker claims events with a lease, runs at most one event per conversation at a time and never a
later one before an earlier one (see storage.inbox), runs many conversations side by side up to a bound,
keeps leases alive while a turn runs, retries failures with backoff and parks an event as ``failed``
after ``max_attempts``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import InboundItem, StatusUpdate, item_to_record
from bot.claim_loop import ClaimLoop
from storage import inbox as queue
from storage.db import transaction
from storage.inbox import ClaimedEvent, LeaseLost, NewEvent
from storage.models import utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0


def to_new_event(tenant_id: int, channel_id: int, item: InboundItem) -> NewEvent:
    return NewEvent(
        tenant_id=tenant_id,
        channel_id=channel_id,
        platform_event_id=item.event_id,
        conversation_key=item.conversation_key,
        kind="status" if isinstance(item, StatusUpdate) else "message",
        payload=item_to_record(item),
    )


@dataclass
class _Pending:
    events: Sequence[NewEvent]
    future: asyncio.Future[int]


class Inbox:
    """Accepts inbound items durably; concurrent callers share a commit and return once their rows are in."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, on_accept: Callable[[], None] = lambda: None
    ):
        self._sessions = sessions
        self._on_accept = on_accept
        self._pending: list[_Pending] = []
        self._lock = asyncio.Lock()

    async def accept(self, tenant_id: int, channel_id: int, items: Sequence[InboundItem]) -> int:
        """Store the items (dropping ones already stored); returns how many were new."""
        events = [to_new_event(tenant_id, channel_id, item) for item in items]
        return await self.accept_events(events)

    async def accept_events(self, events: Sequence[NewEvent]) -> int:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(events, future))
        async with self._lock:
            if not future.done():
                batch, self._pending = self._pending, []
                # Shielded: a caller that goes away must not abort the commit the others wait on.
                await asyncio.shield(asyncio.ensure_future(self._write(batch)))
        new = await future
        if new:
            self._on_accept()
        return new

    async def _write(self, batch: list[_Pending]) -> None:
        now = utcnow()
        try:
            counts = []
            async with transaction(self._sessions) as session:
                for pending in batch:
                    counts.append(await queue.insert_events(session, pending.events, now))
        except BaseException as exc:
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for pending, count in zip(batch, counts, strict=True):
            if not pending.future.done():
                pending.future.set_result(count)


class EventProcessor(Protocol):
    async def process(self, event: ClaimedEvent) -> None:
        """Handle one claimed event and mark it done in the same transaction as its effects."""


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 8
    lease_seconds: float = 30.0
    max_attempts: int = 5
    retry_base_seconds: float = 2.0
    poll_interval_seconds: float = 0.5
    only_channels: Collection[int] | None = None
    except_platforms: Collection[str] = field(default_factory=tuple)


def backoff_seconds(attempts: int, base: float) -> float:
    """Exponential backoff with jitter: base, 2*base, 4*base ... capped at five minutes."""
    delay: float = min(base * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return delay * random.uniform(0.8, 1.2)


class InboxWorker(ClaimLoop[ClaimedEvent]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        processor: EventProcessor,
        options: WorkerOptions,
        *,
        name: str = "inbox",
    ) -> None:
        super().__init__(
            name=name, concurrency=options.concurrency, poll_interval_seconds=options.poll_interval_seconds
        )
        self._sessions = sessions
        self._processor = processor
        self._options = options
        self.processed = 0

    def _key(self, claim: ClaimedEvent) -> tuple[int, str]:
        return (claim.channel_id, claim.conversation_key)

    async def _claim(self, limit: int) -> list[ClaimedEvent]:
        async with transaction(self._sessions) as session:
            return await queue.claim_events(
                session,
                now=utcnow(),
                lease_seconds=self._options.lease_seconds,
                limit=limit,
                # Keys are (channel id, conversation key), see _key: those conversations run here already.
                skip_conversations=cast(set[tuple[int, str]], set(self._running)),
                only_channels=self._options.only_channels,
                except_platforms=self._options.except_platforms,
            )

    async def _handle(self, event: ClaimedEvent) -> None:
        heartbeat = asyncio.create_task(self._keep_lease(event))
        try:
            await self._processor.process(event)
            self.processed += 1
        except LeaseLost:
            log.warning(
                "%s: event %s was taken over by another worker; dropped this attempt", self._name, event.id
            )
        except Exception as exc:  # noqa: BLE001 - any failure of a turn is recorded on its event and retried
            await self._record_failure(event, exc)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _keep_lease(self, event: ClaimedEvent) -> None:
        interval = self._options.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with transaction(self._sessions) as session:
                    until = utcnow() + timedelta(seconds=self._options.lease_seconds)
                    if not await queue.extend_lease(session, event.id, event.lock_token, until):
                        return
            except Exception:
                log.exception("%s: could not extend the lease of event %s", self._name, event.id)

    async def _record_failure(self, event: ClaimedEvent, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        now = utcnow()
        try:
            async with transaction(self._sessions) as session:
                if event.attempts >= self._options.max_attempts:
                    await queue.fail_event(session, event.id, event.lock_token, error=error, now=now)
                    log.error(
                        "%s: event %s failed after %s attempts: %s",
                        self._name,
                        event.id,
                        event.attempts,
                        error,
                    )
                    return
                delay = backoff_seconds(event.attempts, self._options.retry_base_seconds)
                await queue.release_for_retry(
                    session,
                    event.id,
                    event.lock_token,
                    error=error,
                    available_at=now + timedelta(seconds=delay),
                    now=now,
                )
                log.warning(
                    "%s: event %s attempt %s failed (%s); retrying in %.1fs",
                    self._name,
                    event.id,
                    event.attempts,
                    error,
                    delay,
                )
        except Exception:
            log.exception(
                "%s: could not record the failure of event %s; its lease will expire", self._name, event.id
            )
