"""The tenants' notification webhook: signed POSTs, retried through the shared lease protocol like the outbox.

A fake receiver checks each request's signature the way the README tells receivers to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.notifier import Notifier, NotifierOptions, canonical_body, signature
from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.notification_settings import rotate_notification_secret, set_notification_url
from storage import webhook_deliveries
from storage.db import transaction
from storage.models import Tenant, WebhookDelivery, utcnow
from tests.fakes.notify_receiver import FakeNotifyReceiver, verify
from tests.support.doubles import wait_until

EVENT = "test.something_happened"
MAX_ATTEMPTS = 4


@dataclass
class Desk:
    sessions: async_sessionmaker[AsyncSession]
    box: CredentialBox
    tenant_id: int
    receiver: FakeNotifyReceiver
    notifier: Notifier

    async def queue(self, **data: object) -> int:
        async with transaction(self.sessions) as session:
            body = await webhook_deliveries.enqueue(
                session, tenant_id=self.tenant_id, tenant_slug="demo", event=EVENT, data=data, now=utcnow()
            )
        self.notifier.wake()
        return int(body["id"])

    async def delivery(self, delivery_id: int) -> WebhookDelivery:
        async with self.sessions() as session:
            found = await session.scalar(
                select(WebhookDelivery).where(
                    WebhookDelivery.tenant_id == self.tenant_id, WebhookDelivery.id == delivery_id
                )
            )
        assert found is not None
        return found

    async def settles(self, delivery_id: int, status: str) -> WebhookDelivery:
        async def done() -> bool:
            return (await self.delivery(delivery_id)).status == status

        await wait_until(done)
        return await self.delivery(delivery_id)


@pytest.fixture
async def desk(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox, demo: DemoReport
) -> AsyncIterator[Desk]:
    receiver = FakeNotifyReceiver()
    await receiver.start()
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, demo.tenant_id)
        assert tenant is not None
        change = await set_notification_url(session, box, tenant, receiver.url)
    assert change.new_secret is not None
    receiver.secret = change.new_secret
    options = NotifierOptions(
        lease_seconds=5.0,
        max_attempts=MAX_ATTEMPTS,
        retry_base_seconds=0.01,
        poll_interval_seconds=0.05,
        attempt_timeout_seconds=0.5,
    )
    async with httpx.AsyncClient() as http:
        notifier = Notifier(sessions, http, box, options)
        notifier.start()
        try:
            yield Desk(sessions, box, demo.tenant_id, receiver, notifier)
        finally:
            await notifier.stop(grace_seconds=0)
            await receiver.close()


async def test_a_notification_arrives_signed_with_its_event_and_delivery_id(desk: Desk) -> None:
    delivery_id = await desk.queue(conversation_id=7, waited_minutes=16)

    row = await desk.settles(delivery_id, "sent")

    [got] = desk.receiver.received
    assert got.signature_valid
    assert got.status == 204
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Chatbot-Event"] == EVENT
    assert got.headers["X-Chatbot-Delivery"] == str(delivery_id)
    assert got.json["id"] == delivery_id
    assert got.json["event"] == EVENT
    assert got.json["tenant"] == "demo"
    assert got.json["data"] == {"conversation_id": 7, "waited_minutes": 16}
    assert got.json["occurred_at"].endswith("+00:00")
    assert (row.attempts, row.sent_at is not None, row.last_error) == (1, True, None)


async def test_a_500_is_retried_and_the_retry_carries_the_same_delivery_id(desk: Desk) -> None:
    desk.receiver.fail(500)
    delivery_id = await desk.queue(n=1)

    row = await desk.settles(delivery_id, "sent")

    assert [r.status for r in desk.receiver.received] == [500, 204]
    assert {r.delivery_id for r in desk.receiver.received} == {str(delivery_id)}
    assert all(r.signature_valid for r in desk.receiver.received)
    # The same bytes both times: a receiver that dedupes on the id, or on the body, sees one event.
    assert desk.receiver.received[0].raw_body == desk.receiver.received[1].raw_body
    assert len(desk.receiver.accepted) == 1
    assert row.attempts == 2


async def test_408_429_and_a_timeout_are_retried_too(desk: Desk) -> None:
    desk.receiver.fail(408)
    desk.receiver.fail(429)
    desk.receiver.hang()
    delivery_id = await desk.queue(n=2)

    row = await desk.settles(delivery_id, "sent")

    assert [r.status for r in desk.receiver.received] == [408, 429, 0, 204]
    assert row.attempts == 4


async def test_a_400_fails_at_once_without_a_retry(desk: Desk) -> None:
    desk.receiver.fail(400)
    delivery_id = await desk.queue(n=3)

    row = await desk.settles(delivery_id, "failed")

    assert len(desk.receiver.received) == 1
    assert row.attempts == 1
    assert row.last_error is not None
    assert "HTTP 400" in row.last_error


async def test_a_receiver_that_keeps_failing_is_given_up_after_the_attempt_limit(desk: Desk) -> None:
    desk.receiver.fail(503, times=MAX_ATTEMPTS + 5)
    delivery_id = await desk.queue(n=4)

    row = await desk.settles(delivery_id, "failed")

    assert len(desk.receiver.received) == MAX_ATTEMPTS
    assert row.attempts == MAX_ATTEMPTS
    assert row.last_error is not None
    assert row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


async def test_a_receiver_holding_an_old_secret_sees_a_bad_signature(desk: Desk) -> None:
    old_secret = desk.receiver.secret
    async with transaction(desk.sessions) as session:
        tenant = await session.get(Tenant, desk.tenant_id)
        assert tenant is not None
        new_secret = await rotate_notification_secret(session, desk.box, tenant)
    assert new_secret != old_secret

    delivery_id = await desk.queue(n=5)
    row = await desk.settles(delivery_id, "failed")

    [got] = desk.receiver.received
    assert (got.signature_valid, got.status) == (False, 401)
    assert verify(
        new_secret, got.headers["X-Chatbot-Timestamp"], got.raw_body, got.headers["X-Chatbot-Signature"]
    )
    assert row.last_error is not None
    assert "HTTP 401" in row.last_error


async def test_an_unreachable_receiver_is_retried_as_a_transport_error(desk: Desk) -> None:
    await desk.receiver.close()  # nothing listens on its port now
    delivery_id = await desk.queue(n=6)

    row = await desk.settles(delivery_id, "failed")

    assert row.attempts == MAX_ATTEMPTS
    assert row.last_error is not None
    assert "transport: ConnectError" in row.last_error
    # The URL (which may carry a token) is not in the stored error.
    assert "127.0.0.1" not in row.last_error


def test_a_tampered_body_or_timestamp_does_not_verify() -> None:
    body = canonical_body({"id": 1, "event": EVENT, "data": {"waited_minutes": 16}})
    header = signature("whsec_test", 1700000000, body)

    assert verify("whsec_test", "1700000000", body, header)
    assert not verify("whsec_test", "1700000000", body.replace(b"16", b"61"), header)
    assert not verify("whsec_test", "1700000001", body, header)
    assert not verify("whsec_other", "1700000000", body, header)


# -- the shared lease protocol -----------------------------------------------------------------------------


async def test_claims_count_attempts_take_over_expired_leases_and_park_at_the_limit(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    now = utcnow()
    async with transaction(sessions) as session:
        body = await webhook_deliveries.enqueue(
            session, tenant_id=demo.tenant_id, tenant_slug="demo", event=EVENT, data={}, now=now
        )
    later = now + timedelta(seconds=1)

    async with transaction(sessions) as session:
        [first] = await webhook_deliveries.claim_deliveries(
            session, now=later, lease_seconds=60, limit=5, max_attempts=2
        )
    async with transaction(sessions) as session:
        # Held under a live lease: nobody else claims it.
        assert await webhook_deliveries.claim_deliveries(session, now=later, lease_seconds=60, limit=5) == []
        # Its sender stalls: the lease is let run out.
        assert await webhook_deliveries.renew_leases(session, [first], lease_seconds=-1, now=later) == {
            first.id
        }
    async with transaction(sessions) as session:
        [second] = await webhook_deliveries.claim_deliveries(
            session, now=later, lease_seconds=60, limit=5, max_attempts=2
        )
    assert (first.id, first.attempts, second.id, second.attempts) == (body["id"], 1, body["id"], 2)
    assert first.lock_token != second.lock_token

    async with transaction(sessions) as session:
        # The stalled attempt wakes up: it holds nothing any more and changes nothing.
        assert not await webhook_deliveries.mark_sent(session, first, now=later)
        assert await webhook_deliveries.renew_leases(session, [second], lease_seconds=-1, now=later) == {
            second.id
        }
    async with transaction(sessions) as session:
        # Over the attempt limit: parked, not claimed a third time.
        assert (
            await webhook_deliveries.claim_deliveries(
                session, now=later, lease_seconds=60, limit=5, max_attempts=2
            )
            == []
        )
    async with sessions() as session:
        row = await session.get(WebhookDelivery, body["id"])
    assert row is not None
    assert (row.status, row.attempts, row.sent_at) == ("failed", 2, None)
    assert row.last_error is not None
    assert "gave up" in row.last_error
