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
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from adapters.base import (
    Adapter,
    Outbound,
    PermanentSendFailure,
    RetryableSendFailure,
    SendFailed,
    SendResult,
    split_text,
)
from bot.backoff import backoff_seconds
from bot.error_text import describe_error
from bot.pipeline.claim_loop import ClaimLoop
from bot.pipeline.windows import WINDOW_CLOSED, check_window
from bot.security import CredentialBox
from storage import outbox_queue as queue
from storage.db import transaction
from storage.models import OutboxItem, utcnow
from storage.outbox_queue import ClaimedSend, SendContext

log = logging.getLogger(__name__)

INLINE_MAX_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class SenderOptions:
    concurrency: int = 8
    lease_seconds: float = 30.0
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    poll_interval_seconds: float = 0.5
    # Quick retries in place (tenacity) before a failure goes back to the queue with a longer backoff.
    inline_attempts: int = 3
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
        except ValueError as exc:
            # The adapter cannot express this message (e.g. choices that do not fit the platform's limit):
            # resending the same message can never succeed, and waiting would block the conversation.
            log.exception("outbox: message %s cannot be sent as it is", claim.message_id)
            await self._finish_failed(claim, f"cannot be sent: {describe_error(exc)}", "rejected")
        except Exception as exc:
            log.exception("outbox: delivering %s crashed", claim.id)
            await self._retry_or_fail(claim, SendFailed(describe_error(exc), code="crash"), None)

    async def _send(self, claim: ClaimedSend) -> None:
        async with transaction(self._sessions) as session:
            context = await queue.load_send_context(session, claim)
        adapter = self._adapters.get(context.platform)
        if adapter is None:
            await self._finish_failed(claim, f"no adapter for platform {context.platform!r}", "no_adapter")
            return
        window = check_window(
            platform=context.platform,
            role=context.role,
            last_inbound_at=context.last_inbound_at,
            now=utcnow(),
            channel_settings=context.channel_settings,
        )
        if not window.allowed:
            await self._finish_failed(claim, window.reason or WINDOW_CLOSED, WINDOW_CLOSED)
            return
        # A template stands in for the whole text, so it is one part.
        parts = (
            [context.text] if window.template else split_text(context.text, adapter.max_text_length) or [""]
        )
        ids: list[str] = []
        try:
            credentials = self._credentials.open(context.credentials_encrypted)
            for index in range(context.parts_sent, len(parts)):
                outbound = Outbound(
                    recipient_id=context.recipient_id,
                    text=parts[index],
                    # Stable across resends, so a platform that dedupes (GroupMe source_guid) drops a repeat.
                    dedupe_key=f"{claim.message_id}-{index}",
                    from_id=context.external_id,
                    choices=context.choices if index == len(parts) - 1 else (),
                    reply_to=context.reply_to if index == 0 else None,
                    group_id=context.group_id,
                    tag=window.tag,
                    template=window.template,
                )
                result = await self._send_part(adapter, credentials, outbound)
                ids.extend(result.platform_message_ids)
                if index < len(parts) - 1:
                    await self._record_part(claim, index + 1)
        except RetryableSendFailure as exc:
            await self._retry_or_fail(claim, exc, exc.retry_after)
            return
        except PermanentSendFailure as exc:
            await self._permanent(claim, context, exc)
            return
        except SendFailed as exc:
            await self._retry_or_fail(claim, exc, None)
            return
        async with transaction(self._sessions) as session:
            if await queue.mark_sent(session, claim, platform_message_ids=ids, now=utcnow()):
                self.sent += 1

    async def _send_part(
        self, adapter: Adapter, credentials: Mapping[str, str], outbound: Outbound
    ) -> SendResult:
        """Send one part, retrying quick retryable failures in place; longer waits go back to the queue."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._options.inline_attempts),
            wait=self._inline_wait,
            retry=retry_if_exception(_worth_waiting_for),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await adapter.send(credentials, outbound)
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    def _inline_wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        retry_after = failure.retry_after if isinstance(failure, RetryableSendFailure) else None
        pause = backoff_seconds(state.attempt_number, self._options.retry_base_seconds)
        return max(retry_after or 0.0, pause)

    async def _permanent(self, claim: ClaimedSend, context: SendContext, exc: PermanentSendFailure) -> None:
        if exc.credentials_invalid:
            async with transaction(self._sessions) as session:
                await queue.flag_credentials(session, context.channel_id)
            log.error("outbox: channel %s needs new credentials (%s)", context.channel_id, _describe(exc))
        reason = (
            WINDOW_CLOSED if exc.window_closed else ("credentials" if exc.credentials_invalid else "rejected")
        )
        await self._finish_failed(claim, _describe(exc), reason)

    async def _record_part(self, claim: ClaimedSend, parts_sent: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == claim.id, OutboxItem.lock_token == claim.lock_token)
                .values(parts_sent=parts_sent)
            )

    async def _retry_or_fail(self, claim: ClaimedSend, exc: SendFailed, retry_after: float | None) -> None:
        if claim.attempts >= self._options.max_attempts:
            error = f"gave up after {claim.attempts} attempts: {_describe(exc)}"
            await self._finish_failed(claim, error, "gave_up")
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

    async def _finish_failed(self, claim: ClaimedSend, error: str, reason: str) -> None:
        async with transaction(self._sessions) as session:
            await queue.mark_failed(session, claim, error=error, reason=reason, now=utcnow())
        log.error("outbox: message %s failed (%s): %s", claim.message_id, reason, error)


def _worth_waiting_for(exc: BaseException) -> bool:
    return isinstance(exc, RetryableSendFailure) and (exc.retry_after or 0.0) <= INLINE_MAX_WAIT_SECONDS


def _describe(exc: SendFailed) -> str:
    return f"{exc.code}: {exc.message}" if exc.code else exc.message
