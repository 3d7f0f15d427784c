"""The inbox worker: processes stored inbound events, each conversation in order.

It claims events with a lease, runs at most one event per conversation at a time and never a
later one before an earlier one (see storage.inbox_queue), runs many conversations side by side up to a bound,
keeps leases alive while a turn runs, retries failures with backoff and parks an event as ``failed``
after ``max_attempts``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from typing import Protocol, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.backoff import backoff_seconds
from bot.errors import describe_error
from bot.pipeline.claim_loop import ClaimLoop
from storage import inbox_queue as queue
from storage.db import transaction
from storage.group_commit import GroupCommit
from storage.inbox_queue import ClaimedEvent, LeaseLost
from storage.models import utcnow

log = logging.getLogger(__name__)


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


class InboxWorker(ClaimLoop[ClaimedEvent]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        processor: EventProcessor,
        options: WorkerOptions,
        *,
        name: str = "inbox",
        commits: GroupCommit | None = None,
    ) -> None:
        super().__init__(
            name=name,
            concurrency=options.concurrency,
            poll_interval_seconds=options.poll_interval_seconds,
            lease_seconds=options.lease_seconds,
        )
        self._sessions = sessions
        self._commits = commits or GroupCommit(sessions)
        self._processor = processor
        self._options = options
        self.processed = 0

    def _key(self, claim: ClaimedEvent) -> tuple[int, str]:
        return (claim.channel_id, claim.conversation_key)

    async def _claim(self, limit: int, running: Collection[Hashable]) -> list[ClaimedEvent]:
        # With the turns' writes: a claim waits for no more than the batch being written.
        return await self._commits.run(
            lambda session: queue.claim_events(
                session,
                now=utcnow(),
                lease_seconds=self._options.lease_seconds,
                limit=limit,
                max_attempts=self._options.max_attempts,
                # Keys are (channel id, conversation key), see _key: those conversations run here already.
                skip_conversations=cast(Collection[tuple[int, str]], running),
                only_channels=self._options.only_channels,
                except_platforms=self._options.except_platforms,
            )
        )

    async def _renew(self, claims: list[ClaimedEvent]) -> set[Hashable]:
        async with transaction(self._sessions) as session:
            held = await queue.extend_leases(
                session, claims, lease_seconds=self._options.lease_seconds, now=utcnow()
            )
        return {self._key(claim) for claim in claims if claim.id in held}

    async def _release(self, claims: list[ClaimedEvent]) -> set[int]:
        async with transaction(self._sessions) as session:
            return await queue.release_events(session, claims, now=utcnow())

    async def _handle(self, event: ClaimedEvent) -> None:
        try:
            await self._processor.process(event)
            self.processed += 1
        except LeaseLost:
            log.warning(
                "%s: event %s was taken over by another worker; dropped this attempt", self._name, event.id
            )
        except Exception as exc:  # noqa: BLE001 - any failure of a turn is recorded on its event and retried
            await self._record_failure(event, exc)

    async def _record_failure(self, event: ClaimedEvent, exc: Exception) -> None:
        error = describe_error(exc)
        now = utcnow()
        try:
            async with transaction(self._sessions) as session:
                if event.attempts >= self._options.max_attempts:
                    await queue.fail_event(session, event, error=error, now=now)
                    log.error(
                        "%s: event %s failed after %s attempts: %s",
                        self._name,
                        event.id,
                        event.attempts,
                        error,
                    )
                    return
                delay = backoff_seconds(event.attempts, self._options.retry_base_seconds)
                await queue.release_for_retry(session, event, error=error, delay_seconds=delay, now=now)
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
