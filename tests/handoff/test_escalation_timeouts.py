"""The escalation timeout: a conversation left unclaimed past the tenant's timeout is flagged in the queue,
its customer told once (through the outbox, to the platform), and the tenant's webhook notified once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.handoff.escalation_timeouts import EVENT
from bot.leads.erasure_steps import ERASED
from bot.leads.forgetting import forget_customer
from bot.security import CredentialBox
from bot.tenancy.notification_settings import (
    DEFAULT_TIMEOUT_TEXT,
    set_escalation_timeout,
    set_escalation_timeout_text,
    set_notification_url,
)
from bot.web.app_keys import RUNTIME
from storage.db import transaction
from storage.models import Conversation, Customer, LiveEvent, Message, Tenant, WebhookDelivery, utcnow
from tests.fakes.notify_receiver import FakeNotifyReceiver
from tests.support.doubles import wait_until
from tests.support.platforms import World
from tests.web.agent.desk import PSID, customer_says, new_agent, waiting_customer

OTHER = "2000000002"


async def waited(world: World, conversation_id: int, minutes: float) -> None:
    """The conversation was escalated ``minutes`` ago."""
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(escalated_at=utcnow() - timedelta(minutes=minutes))
        )


async def sweep(world: World) -> list[int]:
    flagged = await world.client.app[RUNTIME].escalations.sweep()  # type: ignore[union-attr]
    await world.settled()
    return [f.conversation_id for f in flagged]


async def configure(world: World, **changes: Any) -> None:
    async with transaction(world.sessions) as session:
        tenant = await session.get(Tenant, world.tenant_id)
        assert tenant is not None
        if "minutes" in changes:
            await set_escalation_timeout(session, tenant, changes["minutes"])
        if "text" in changes:
            await set_escalation_timeout_text(session, tenant, changes["text"])


def notices_to(world: World, psid: str, text: str = DEFAULT_TIMEOUT_TEXT) -> int:
    return sum(1 for body in world.graph.sent_to(psid) if body.get("message", {}).get("text") == text)


async def deliveries(world: World) -> list[WebhookDelivery]:
    async with world.sessions() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.tenant_id == world.tenant_id)
            .order_by(WebhookDelivery.id)
        )
        return list(rows.all())


@pytest.fixture
async def receiver(world: World, box: CredentialBox) -> AsyncIterator[FakeNotifyReceiver]:
    """The tenant's notification receiver, with the tenant's URL pointing at it."""
    async with FakeNotifyReceiver() as fake:
        async with transaction(world.sessions) as session:
            tenant = await session.get(Tenant, world.tenant_id)
            assert tenant is not None
            change = await set_notification_url(session, box, tenant, fake.url)
        assert change.new_secret is not None
        fake.secret = change.new_secret
        yield fake


async def test_an_overdue_conversation_is_flagged_once_and_its_customer_told_once(world: World) -> None:
    conversation = await waiting_customer(world, sender=PSID)
    fresh = await waiting_customer(world, sender=OTHER)
    await waited(world, conversation, 16)  # the default timeout is 15 minutes
    await waited(world, fresh, 14)

    assert await sweep(world) == [conversation]
    assert await sweep(world) == []

    assert notices_to(world, PSID) == 1
    assert notices_to(world, OTHER) == 0
    async with world.sessions() as session:
        notice = await session.scalar(
            select(Message).where(
                Message.conversation_id == conversation, Message.text == DEFAULT_TIMEOUT_TEXT
            )
        )
        flagged = await session.scalar(
            select(LiveEvent).where(LiveEvent.conversation_id == conversation, LiveEvent.kind == "queue")
        )
    assert notice is not None
    assert (notice.role, notice.route, notice.status) == ("assistant", "handoff", "sent")
    assert flagged is not None
    assert flagged.payload["flagged"] is True
    # Without a notification URL nothing is queued for a webhook.
    assert await deliveries(world) == []

    dana = await new_agent(world, "Dana")
    queue = {c["id"]: c for c in (await dana.get("/queue")).body["conversations"]}
    assert queue[conversation]["flagged"] is True
    assert queue[conversation]["flagged_at"].endswith("+00:00")
    assert (queue[fresh]["flagged"], queue[fresh]["flagged_at"]) == (False, None)


async def test_two_processes_sweeping_at_once_tell_the_customer_once(
    world: World, receiver: FakeNotifyReceiver, aiohttp_client: Callable[..., Any]
) -> None:
    other_process = await aiohttp_client(create_app(world.client.app[RUNTIME].settings))
    customers = ["2000000021", "2000000022", "2000000023"]
    conversations = [await waiting_customer(world, sender=c) for c in customers]
    for conversation in conversations:
        await waited(world, conversation, 30)

    results = await asyncio.gather(
        world.client.app[RUNTIME].escalations.sweep(),  # type: ignore[union-attr]
        other_process.app[RUNTIME].escalations.sweep(),
        world.client.app[RUNTIME].escalations.sweep(),  # type: ignore[union-attr]
    )
    await world.settled()

    flagged = sorted(f.conversation_id for result in results for f in result)
    assert flagged == sorted(conversations)
    assert [notices_to(world, c) for c in customers] == [1, 1, 1]
    await wait_until(lambda: _received(receiver, 3))
    assert sorted(r.json["data"]["conversation_id"] for r in receiver.accepted) == sorted(conversations)
    assert len(await deliveries(world)) == 3


async def _received(receiver: FakeNotifyReceiver, count: int) -> bool:
    return len(receiver.accepted) >= count


async def test_the_tenant_is_notified_with_a_signed_description_of_the_wait(
    world: World, receiver: FakeNotifyReceiver
) -> None:
    conversation = await waiting_customer(world, "whatsapp")  # Ana Souza
    await waited(world, conversation, 20)

    assert await sweep(world) == [conversation]
    await wait_until(lambda: _received(receiver, 1))

    [got] = receiver.received
    assert got.signature_valid
    assert got.headers["X-Chatbot-Event"] == EVENT == got.json["event"]
    assert got.json["tenant"] == "demo"
    data = got.json["data"]
    assert data["conversation_id"] == conversation
    assert data["channel"]["platform"] == "whatsapp"
    assert data["customer_name"] == "Ana Souza"
    assert data["waited_minutes"] == 20
    assert data["handoff_reason"]
    [row] = await deliveries(world)
    assert (row.status, row.conversation_id, row.attempts) == ("sent", conversation, 1)


async def test_a_conversation_claimed_before_the_timeout_is_not_flagged(world: World) -> None:
    conversation = await waiting_customer(world, sender=PSID)
    dana = await new_agent(world, "Dana")
    assert (await dana.post(f"/conversations/{conversation}/claim")).status == 200
    await waited(world, conversation, 60)

    assert await sweep(world) == []
    assert notices_to(world, PSID) == 0


async def test_a_timeout_of_zero_never_flags(world: World) -> None:
    await configure(world, minutes=0)
    conversation = await waiting_customer(world, sender=PSID)
    await waited(world, conversation, 60 * 24 * 30)

    assert await sweep(world) == []
    assert notices_to(world, PSID) == 0


async def test_the_tenants_own_timeout_and_text_apply(world: World) -> None:
    await configure(world, minutes=5, text="Still here! A person will be with you shortly.")
    conversation = await waiting_customer(world, sender=PSID)
    await waited(world, conversation, 4)
    assert await sweep(world) == []

    await waited(world, conversation, 6)
    assert await sweep(world) == [conversation]
    assert notices_to(world, PSID, "Still here! A person will be with you shortly.") == 1


async def test_a_conversation_escalated_again_may_be_flagged_again_for_the_new_wait(world: World) -> None:
    conversation = await waiting_customer(world, sender=PSID)
    await waited(world, conversation, 16)
    assert await sweep(world) == [conversation]
    dana = await new_agent(world, "Dana")
    assert (await dana.post(f"/conversations/{conversation}/claim")).status == 200
    assert (await dana.post(f"/conversations/{conversation}/release")).status == 200

    await customer_says(world, "messenger", "can I talk to a real person please", sender=PSID)
    queue = (await dana.get("/queue")).body["conversations"]
    assert [(c["id"], c["flagged"]) for c in queue] == [(conversation, False)]

    await waited(world, conversation, 16)
    assert await sweep(world) == [conversation]
    assert notices_to(world, PSID) == 2


async def test_forgetting_the_customer_erases_their_name_from_the_notification_record(
    world: World, receiver: FakeNotifyReceiver
) -> None:
    conversation = await waiting_customer(world, "whatsapp")  # Ana Souza
    await waited(world, conversation, 20)
    assert await sweep(world) == [conversation]
    await wait_until(lambda: _received(receiver, 1))
    async with transaction(world.sessions) as session:
        customer_id = await session.scalar(
            select(Conversation.customer_id).where(Conversation.id == conversation)
        )
        assert customer_id is not None
        assert await session.get(Customer, customer_id) is not None
        await forget_customer(
            session, world.tenant_id, customer_id, requested_by="the customer", now=utcnow()
        )

    [row] = await deliveries(world)
    assert "Ana" not in str(row.body)
    assert row.body["data"]["customer_name"] == ERASED
    assert (row.body["event"], row.body["tenant"], row.body["data"]["conversation_id"]) == (
        EVENT,
        "demo",
        conversation,
    )
