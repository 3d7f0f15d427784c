"""Delivers queued replies through their platform adapter, in order per conversation, with retries.

Long text is split at the adapter's limit and sent part by part; each part is recorded before it goes
out and again (with its platform id) once accepted, so a retry continues after the last part the
platform accepted. Delivery is at least once: when a send's answer is lost the platform may have the
part, so before sending it again the next attempt looks for what the platform's echo or status told
us about it (Messenger echoes carry our text; WhatsApp statuses carry the id we missed). A lease that
always covers the running attempt, renewed while the send runs, keeps every other sender away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from adapters.base import (
    Adapter,
    Outbound,
    PermanentSendFailure,
    RetryableSendFailure,
    SendFailed,
    SendResult,
    ThreadControl,
    split_text,
)
from bot.backoff import backoff_seconds
from bot.errors import describe_error
from bot.handoff.messaging_windows import WINDOW_CLOSED, check_window
from bot.observability import log_context
from bot.pipeline.claim_loop import ClaimLoop
from bot.security import CredentialBox
from storage import message_parts, send_progress
from storage import outbox_queue as queue
from storage.db import read_only, transaction
from storage.group_commit import GroupCommit
from storage.models import utcnow
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
    # One call to the platform is given up after this long (the HTTP client's own timeouts are per phase).
    attempt_timeout_seconds: float = 20.0
    only_channels: Collection[int] | None = None
    except_platforms: Collection[str] = field(default_factory=tuple)


class OutboxSender(ClaimLoop[ClaimedSend]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        adapters: Mapping[str, Adapter],
        credentials: CredentialBox,
        options: SenderOptions,
        *,
        commits: GroupCommit | None = None,
        reads: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        # The lease always covers a whole attempt on top of the renewal period, so even if renewing
        # fails mid-send no other sender can take the row before this attempt has given up.
        super().__init__(
            name="outbox",
            concurrency=options.concurrency,
            poll_interval_seconds=options.poll_interval_seconds,
            lease_seconds=options.lease_seconds + options.attempt_timeout_seconds,
        )
        self._sessions = sessions
        # Progress marks share commits with the turns' writes (none of them waits on the platform).
        self._commits = commits or GroupCommit(sessions)
        self._reads = reads or sessions
        self._adapters = adapters
        self._credentials = credentials
        self._options = options
        self.sent = 0

    def _key(self, claim: ClaimedSend) -> int:
        return claim.id

    async def _claim(self, limit: int, running: Collection[Hashable]) -> list[ClaimedSend]:
        return await self._commits.run(
            lambda session: queue.claim_sends(
                session,
                now=utcnow(),
                lease_seconds=self._lease_seconds,
                limit=limit,
                max_attempts=self._options.max_attempts,
                # Keys are outbox row ids (see _key): never claim a row this process is still sending.
                exclude_ids=cast(Collection[int], running),
                only_channels=self._options.only_channels,
                except_platforms=self._options.except_platforms,
            )
        )

    async def _renew(self, claims: list[ClaimedSend]) -> set[Hashable]:
        async with transaction(self._sessions) as session:
            held = await queue.renew_leases(session, claims, lease_seconds=self._lease_seconds, now=utcnow())
        return {claim.id for claim in claims if claim.id in held}

    async def _release(self, claims: list[ClaimedSend]) -> set[int]:
        async with transaction(self._sessions) as session:
            return await queue.release_sends(session, claims, now=utcnow())

    async def _handle(self, claim: ClaimedSend) -> None:
        # Each claim runs in a task of its own (see ClaimLoop), so the binding ends with it.
        log_context.bind(tenant_id=claim.tenant_id, conversation_id=claim.conversation_id)
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
        async with read_only(self._reads) as session:
            context = await queue.load_send_context(session, claim)
        adapter = self._adapters.get(context.platform)
        if adapter is None:
            await self._finish_failed(claim, f"no adapter for platform {context.platform!r}", "no_adapter")
            return
        if context.thread_control is not None:
            await self._control_thread(claim, context, adapter)
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
        try:
            credentials = self._credentials.open(context.credentials_encrypted)
            for index in range(context.parts_sent, len(parts)):
                known = context.parts.get(index)
                if known is not None and known.platform_message_id is not None:
                    # An earlier attempt's answer was lost, but the platform's echo or status named the
                    # part since: it arrived, so it is not sent again.
                    if not await self._record_sent(claim, index, None, last=index == len(parts) - 1):
                        return
                    continue
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
                await self._commits.run(
                    partial(
                        message_parts.record_part_attempt,
                        claim=claim,
                        part_index=index,
                        text=parts[index],
                        now=utcnow(),
                    ),
                    soon=True,
                )
                try:
                    result = await self._send_part(claim, adapter, credentials, outbound)
                except RetryableSendFailure as exc:
                    if exc.maybe_delivered:
                        await self._commits.run(
                            partial(
                                message_parts.mark_part_unconfirmed,
                                claim=claim,
                                part_index=index,
                                now=utcnow(),
                            )
                        )
                    raise
                first_id = result.platform_message_ids[0] if result.platform_message_ids else None
                if not await self._record_sent(claim, index, first_id, last=index == len(parts) - 1):
                    return
        except SendFailed as exc:
            await self._failed(claim, context, exc)
            return
        if context.parts_sent >= len(parts):
            # Every part was recorded by an earlier attempt that stopped before marking the row sent.
            await self._mark_sent(claim)

    async def _control_thread(self, claim: ClaimedSend, context: SendContext, adapter: Adapter) -> None:
        """A Handover Protocol call queued in the conversation's order (no window: it is not a message)."""
        control = context.thread_control or {}
        if context.platform != "messenger" or control.get("action") not in ("pass", "take"):
            await self._finish_failed(claim, f"no thread control on {context.platform}", "rejected")
            return
        outbound = Outbound(
            recipient_id=context.recipient_id,
            text="",
            dedupe_key=f"{claim.message_id}-0",
            from_id=context.external_id,
            thread_control=ThreadControl(
                action="pass" if control["action"] == "pass" else "take",
                target_app_id=control.get("target_app_id"),
                metadata=control.get("metadata"),
            ),
        )
        try:
            credentials = self._credentials.open(context.credentials_encrypted)
            await self._send_part(claim, adapter, credentials, outbound)
        except SendFailed as exc:
            await self._failed(claim, context, exc)
            return
        await self._mark_sent(claim)

    async def _failed(self, claim: ClaimedSend, context: SendContext, exc: SendFailed) -> None:
        if isinstance(exc, PermanentSendFailure):
            await self._permanent(claim, context, exc)
        else:
            retry_after = exc.retry_after if isinstance(exc, RetryableSendFailure) else None
            await self._retry_or_fail(claim, exc, retry_after)

    async def _mark_sent(self, claim: ClaimedSend) -> None:
        if await self._commit_progress(
            claim,
            lambda session, with_ids: send_progress.mark_sent(
                session, claim, now=utcnow(), with_ids=with_ids
            ),
        ):
            self.sent += 1

    async def _record_sent(
        self, claim: ClaimedSend, index: int, platform_message_id: str | None, *, last: bool
    ) -> bool:
        """Record an accepted part (and, after the last one, the whole send) in one commit.

        False (and stop) if this attempt no longer holds the row.
        """
        held = await self._commit_progress(
            claim,
            lambda session, with_ids: send_progress.record_part_sent(
                session,
                claim,
                part_index=index,
                platform_message_id=platform_message_id,
                last=last,
                now=utcnow(),
                with_ids=with_ids,
            ),
        )
        if held and last:
            self.sent += 1
        if not held:
            log.warning("outbox: lost the lease of %s after sending part %s", claim.id, index)
        return held

    async def _commit_progress(
        self, claim: ClaimedSend, record: Callable[[AsyncSession, bool], Awaitable[bool]]
    ) -> bool:
        """Commit a send's progress, ``record(session, with_ids)``; returns whether the lease was held.

        A platform id recorded elsewhere already is left off by the statements themselves; only another
        transaction recording it at the same moment (PostgreSQL) makes the commit fail on a unique
        index. The progress is then committed again with the ids left off: the platform has the part.
        """
        try:
            return await self._commits.run(lambda session: record(session, True), soon=True)
        except IntegrityError:
            log.warning("outbox: a platform id of %s was recorded meanwhile; the ids are left off", claim.id)
            return await self._commits.run(lambda session: record(session, False), soon=True)

    async def _send_part(
        self, claim: ClaimedSend, adapter: Adapter, credentials: Mapping[str, str], outbound: Outbound
    ) -> SendResult:
        """Send one part, retrying quick retryable failures in place; longer waits go back to the queue.

        Each attempt is cut off after ``attempt_timeout_seconds``, which the lease always covers.
        """
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._options.inline_attempts),
            wait=self._inline_wait,
            retry=retry_if_exception(_worth_waiting_for),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                try:
                    async with asyncio.timeout(self._options.attempt_timeout_seconds):
                        return await adapter.send(credentials, outbound)
                except TimeoutError:
                    raise RetryableSendFailure(
                        f"no answer within {self._options.attempt_timeout_seconds:g}s",
                        code="timeout",
                        maybe_delivered=True,
                    ) from None
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    def _inline_wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        retry_after = failure.retry_after if isinstance(failure, RetryableSendFailure) else None
        pause = backoff_seconds(state.attempt_number, self._options.retry_base_seconds)
        return max(retry_after or 0.0, pause)

    async def _permanent(self, claim: ClaimedSend, context: SendContext, exc: PermanentSendFailure) -> None:
        if exc.credentials_invalid:
            async with transaction(self._sessions) as session:
                await queue.flag_credentials(
                    session, tenant_id=claim.tenant_id, channel_id=context.channel_id
                )
            log.error("outbox: channel %s needs new credentials (%s)", context.channel_id, _describe(exc))
        reason = (
            WINDOW_CLOSED if exc.window_closed else ("credentials" if exc.credentials_invalid else "rejected")
        )
        await self._finish_failed(claim, _describe(exc), reason)

    async def _retry_or_fail(self, claim: ClaimedSend, exc: SendFailed, retry_after: float | None) -> None:
        if claim.attempts >= self._options.max_attempts:
            error = f"gave up after {claim.attempts} attempts: {_describe(exc)}"
            await self._finish_failed(claim, error, "gave_up")
            return
        delay = max(retry_after or 0.0, backoff_seconds(claim.attempts, self._options.retry_base_seconds))
        async with transaction(self._sessions) as session:
            await queue.reschedule(session, claim, error=_describe(exc), delay_seconds=delay, now=utcnow())
        log.warning(
            "outbox: %s attempt %s failed (%s); retrying in %.1fs",
            claim.id,
            claim.attempts,
            _describe(exc),
            delay,
        )

    async def _finish_failed(self, claim: ClaimedSend, error: str, reason: str) -> None:
        async with transaction(self._sessions) as session:
            await queue.mark_failed(session, claim, error=error, reason=reason, now=utcnow())
        log.error("outbox: message %s failed (%s): %s", claim.message_id, reason, error)


def _worth_waiting_for(exc: BaseException) -> bool:
    # A send whose answer was lost goes back to the queue: by the next attempt the platform's echo or
    # status may show that it arrived, and then it is not sent again.
    return (
        isinstance(exc, RetryableSendFailure)
        and not exc.maybe_delivered
        and (exc.retry_after or 0.0) <= INLINE_MAX_WAIT_SECONDS
    )


def _describe(exc: SendFailed) -> str:
    return f"{exc.code}: {exc.message}" if exc.code else exc.message
