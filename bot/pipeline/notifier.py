"""Delivers the tenants' notifications: a signed JSON POST to the tenant's URL, retried like the outbox.

Each request carries ``X-Chatbot-Event``, ``X-Chatbot-Delivery`` (the delivery's id, the same on every
retry, so the receiver can drop a repeat), ``X-Chatbot-Timestamp`` (unix seconds) and
``X-Chatbot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``. A 2xx answer is a
delivery; 408, 429, 5xx, a timeout or a transport error is retried with the one backoff (honouring
Retry-After) until the attempt limit; any other answer (4xx, a redirect) is final. The URL and secret
are read when each attempt starts, so a changed URL or a rotated secret applies to retries. Log lines
name deliveries and tenants by id, never the URL (it may carry a token) or the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.backoff import MAX_BACKOFF_SECONDS, backoff_seconds
from bot.errors import describe_error
from bot.pipeline.claim_loop import ClaimLoop
from bot.security import CredentialBox, CredentialsUnreadable
from bot.tenancy.notification_settings import notification_target
from storage import webhook_deliveries as deliveries
from storage.db import read_only, transaction
from storage.models import utcnow
from storage.webhook_deliveries import ClaimedDelivery

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 429})
USER_AGENT = "chatbot-notifier/1"


@dataclass(frozen=True)
class NotifierOptions:
    concurrency: int = 4
    lease_seconds: float = 30.0
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    poll_interval_seconds: float = 0.5
    # One POST is given up after this long; the lease always covers it.
    attempt_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: ``sent``, ``retry`` (with an optional Retry-After) or ``failed``."""

    kind: str
    error: str | None = None
    retry_after: float | None = None


def canonical_body(body: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact, sorted keys, the same on every retry."""
    return json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<raw body>"`` keyed with the tenant's secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(
    *, secret: str, event: str, delivery_id: str, timestamp: int, raw_body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Chatbot-Event": event,
        "X-Chatbot-Delivery": delivery_id,
        "X-Chatbot-Timestamp": str(timestamp),
        "X-Chatbot-Signature": signature(secret, timestamp, raw_body),
    }


class Notifier(ClaimLoop[ClaimedDelivery]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        credentials: CredentialBox,
        options: NotifierOptions,
    ) -> None:
        # As in the outbox: the lease covers a whole attempt on top of the renewal period.
        super().__init__(
            name="notifier",
            concurrency=options.concurrency,
            poll_interval_seconds=options.poll_interval_seconds,
            lease_seconds=options.lease_seconds + options.attempt_timeout_seconds,
        )
        self._sessions = sessions
        self._http = http
        self._credentials = credentials
        self._options = options
        self.sent = 0

    def _key(self, claim: ClaimedDelivery) -> int:
        return claim.id

    async def _claim(self, limit: int, running: Collection[Hashable]) -> list[ClaimedDelivery]:
        async with transaction(self._sessions) as session:
            return await deliveries.claim_deliveries(
                session,
                now=utcnow(),
                lease_seconds=self._lease_seconds,
                limit=limit,
                max_attempts=self._options.max_attempts,
                exclude_ids=cast(Collection[int], running),
            )

    async def _renew(self, claims: list[ClaimedDelivery]) -> set[Hashable]:
        async with transaction(self._sessions) as session:
            held = await deliveries.renew_leases(
                session, claims, lease_seconds=self._lease_seconds, now=utcnow()
            )
        return {claim.id for claim in claims if claim.id in held}

    async def _release(self, claims: list[ClaimedDelivery]) -> set[int]:
        async with transaction(self._sessions) as session:
            return await deliveries.release_deliveries(session, claims, now=utcnow())

    async def _handle(self, claim: ClaimedDelivery) -> None:
        try:
            outcome = await self._attempt(claim)
        except Exception as exc:
            log.exception("notifier: delivery %s crashed", claim.id)
            outcome = Outcome("retry", f"crash: {describe_error(exc)}")
        try:
            await self._record(claim, outcome)
        except Exception:
            # The database is away: the lease runs out and the delivery is tried again (the attempt counted).
            log.exception("notifier: could not record how delivery %s ended", claim.id)

    async def _attempt(self, claim: ClaimedDelivery) -> Outcome:
        async with read_only(self._sessions) as session:
            settings = await deliveries.tenant_settings(session, claim)
        try:
            target = notification_target(settings, self._credentials)
        except CredentialsUnreadable:
            return Outcome("failed", "the signing secret cannot be decrypted with the configured key")
        if target is None:
            return Outcome("failed", "the tenant has no notification URL any more")
        raw_body = canonical_body(claim.body)
        headers = signed_headers(
            secret=target.secret,
            event=claim.event,
            delivery_id=str(claim.body.get("id", claim.id)),
            timestamp=int(time.time()),
            raw_body=raw_body,
        )
        timeout = self._options.attempt_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                # Streamed and closed unread: only the status matters, and a receiver's body can be huge.
                async with self._http.stream("POST", target.url, content=raw_body, headers=headers) as answer:
                    return _judge(answer)
        except TimeoutError:
            return Outcome("retry", f"timeout: no answer within {timeout:g}s")
        except httpx.HTTPError as exc:
            # Named by class only: an httpx message quotes the URL, which may carry a token.
            return Outcome("retry", f"transport: {type(exc).__name__}")

    async def _record(self, claim: ClaimedDelivery, outcome: Outcome) -> None:
        now = utcnow()
        if outcome.kind == "sent":
            async with transaction(self._sessions) as session:
                if await deliveries.mark_sent(session, claim, now=now):
                    self.sent += 1
            log.info("notifier: delivered %s (%s) of tenant %s", claim.id, claim.event, claim.tenant_id)
            return
        error = outcome.error or "failed"
        if outcome.kind == "retry" and claim.attempts < self._options.max_attempts:
            delay = max(
                min(outcome.retry_after or 0.0, MAX_BACKOFF_SECONDS),
                backoff_seconds(claim.attempts, self._options.retry_base_seconds),
            )
            async with transaction(self._sessions) as session:
                await deliveries.reschedule(session, claim, error=error, delay_seconds=delay, now=now)
            log.warning(
                "notifier: delivery %s attempt %s failed (%s); retrying in %.1fs",
                claim.id,
                claim.attempts,
                error,
                delay,
            )
            return
        if outcome.kind == "retry":
            error = f"gave up after {claim.attempts} attempts: {error}"
        async with transaction(self._sessions) as session:
            await deliveries.mark_failed(session, claim, error=error, now=now)
        log.error("notifier: delivery %s of tenant %s failed: %s", claim.id, claim.tenant_id, error)


def _judge(answer: httpx.Response) -> Outcome:
    status = answer.status_code
    if 200 <= status < 300:
        return Outcome("sent")
    if status in RETRYABLE_STATUSES or status >= 500:
        return Outcome("retry", f"HTTP {status}", _retry_after(answer.headers.get("Retry-After")))
    if 300 <= status < 400:
        return Outcome("failed", f"HTTP {status}: redirects are not followed; set the final URL")
    return Outcome("failed", f"HTTP {status}: refused by the receiver")


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare from webhooks and read as absent)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None
