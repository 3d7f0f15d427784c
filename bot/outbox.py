"""Delivers queued replies through their platform adapter, in order per conversation, with retries.

Long text is split at the adapter's limit and sent part by part; ``parts_sent`` is committed after
each part, so a retry continues where the platform stopped accepting instead of repeating parts.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import (
    Adapter,
    Outbound,
    PermanentSendFailure,
    RetryableSendFailure,
    SendFailed,
    split_text,
)
from bot.claim_loop import ClaimLoop
from bot.crypto import CredentialBox
from bot.inbox import backoff_seconds, utcnow
from storage import outbox as queue
from storage.db import transaction
from storage.models import OutboxItem
from storage.outbox import ClaimedSend, SendContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderOptions:
    concurrency: int = 8
    lease_seconds: float = 30.0
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    poll_interval_seconds: float = 0.5
    only_channels: Collection[int] | None = None
    except_platforms: Collection[str] = field(default_factory=tuple)


class OutboxSender(ClaimLoop[ClaimedSend]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        adapters: Mapping[str, Adapter],
        credentials: CredentialBox,
        options: SenderOptions,
    ) -> None:
        super().__init__(
            name="outbox",
            concurrency=options.concurrency,
            poll_interval_seconds=options.poll_interval_seconds,
        )
        self._sessions = sessions
        self._adapters = adapters
        self._credentials = credentials
        self._options = options
        self.sent = 0

    def _key(self, claim: ClaimedSend) -> int:
        return claim.id

    async def _claim(self, limit: int) -> list[ClaimedSend]:
        async with transaction(self._sessions) as session:
            return await queue.claim_sends(
                session,
                now=utcnow(),
                lease_seconds=self._options.lease_seconds,
                limit=limit,
                only_channels=self._options.only_channels,
                except_platforms=self._options.except_platforms,
            )

    async def _handle(self, claim: ClaimedSend) -> None:
        try:
            await self._send(claim)
        except Exception:
            log.exception(
                "outbox: delivering %s crashed; its lease will expire and it will be retried", claim.id
            )

    async def _send(self, claim: ClaimedSend) -> None:
        async with transaction(self._sessions) as session:
            context = await queue.load_send_context(session, claim)
            parts_sent = await session.scalar(
                OutboxItem.__table__.select()
                .with_only_columns(OutboxItem.parts_sent)
                .where(OutboxItem.id == claim.id)
            )
        adapter = self._adapters.get(context.platform)
        now = utcnow()
        if adapter is None:
            await self._finish_failed(claim, f"no adapter for platform {context.platform!r}")
            return
        parts = split_text(context.text, adapter.max_text_length) or [""]
        ids: list[str] = []
        try:
            credentials = self._credentials.open(context.credentials_encrypted)
            for index in range(int(parts_sent or 0), len(parts)):
                outbound = self._outbound(context, claim, parts, index)
                result = await adapter.send(credentials, outbound)
                ids.extend(result.platform_message_ids)
                await self._record_part(claim, index + 1)
        except RetryableSendFailure as exc:
            await self._retry_or_fail(claim, exc, exc.retry_after)
            return
        except PermanentSendFailure as exc:
            await self._finish_failed(claim, _describe(exc))
            return
        except SendFailed as exc:
            await self._retry_or_fail(claim, exc, None)
            return
        async with transaction(self._sessions) as session:
            if await queue.mark_sent(session, claim, platform_message_ids=ids, now=now):
                self.sent += 1

    @staticmethod
    def _outbound(context: SendContext, claim: ClaimedSend, parts: list[str], index: int) -> Outbound:
        last = index == len(parts) - 1
        return Outbound(
            recipient_id=context.recipient_id,
            text=parts[index],
            # Stable across resends, so a platform that dedupes (GroupMe source_guid) drops a repeat.
            dedupe_key=f"{claim.message_id}-{index}",
            choices=context.choices if last else (),
            group_id=context.group_id,
        )

    async def _record_part(self, claim: ClaimedSend, parts_sent: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == claim.id, OutboxItem.lock_token == claim.lock_token)
                .values(parts_sent=parts_sent)
            )

    async def _retry_or_fail(self, claim: ClaimedSend, exc: SendFailed, retry_after: float | None) -> None:
        if claim.attempts >= self._options.max_attempts:
            await self._finish_failed(claim, f"gave up after {claim.attempts} attempts: {_describe(exc)}")
            return
        delay = max(retry_after or 0.0, backoff_seconds(claim.attempts, self._options.retry_base_seconds))
        now = utcnow()
        async with transaction(self._sessions) as session:
            await queue.reschedule(
                session, claim, error=_describe(exc), at=now + timedelta(seconds=delay), now=now
            )
        log.warning(
            "outbox: %s attempt %s failed (%s); retrying in %.1fs", claim.id, claim.attempts, exc, delay
        )

    async def _finish_failed(self, claim: ClaimedSend, error: str) -> None:
        async with transaction(self._sessions) as session:
            await queue.mark_failed(session, claim, error=error, now=utcnow())
        log.error("outbox: message %s failed: %s", claim.message_id, error)


def _describe(exc: SendFailed) -> str:
    return f"{exc.code}: {exc.message}" if exc.code else exc.message
