"""The tenant is told once when 80 % and once when 100 % of a period's credits are used."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing import credit_accounts
from bot.billing.admission import LLMTurnRequest, admit_and_hold
from bot.billing.credit_alerts import EVENT, crossed
from bot.billing.turn_credits import settle
from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.notification_settings import set_notification_url
from storage import billing_records, webhook_deliveries
from storage.db import transaction
from storage.inbox_queue import ClaimedEvent
from storage.models import Tenant, utcnow
from tests.support.credits import account, claimed_events, set_balance, set_subscription, tenant_row


async def turns(sessions: async_sessionmaker[AsyncSession], tenant_id: int, count: int) -> int:
    """``count`` one-credit LLM turns at once; returns how many notifications they queued."""
    events = await claimed_events(sessions, tenant_id, count)

    async def one(event: ClaimedEvent) -> int:
        async with transaction(sessions) as session:
            outcome = await admit_and_hold(
                session, LLMTurnRequest(tenant_id, None, event.id, event.lock_token, 1), (), utcnow()
            )
        if outcome.hold is None:
            return 0
        async with transaction(sessions) as session:
            _, queued = await settle(
                session, outcome.hold, charge=1, message_id=None, note="turn", now=utcnow()
            )
        return queued

    return sum(await asyncio.gather(*(one(event) for event in events)))


async def notified(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> list[int]:
    async with sessions() as session:
        rows = await webhook_deliveries.deliveries_of(session, tenant_id, event=EVENT)
    return [row.body["data"]["threshold_percent"] for row in rows]


async def with_webhook(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox, tenant_id: int
) -> None:
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, tenant_id)
        assert tenant is not None
        await set_notification_url(session, box, tenant, "https://hooks.example/credits")


def test_thresholds_count_as_crossed_only_by_the_charge_that_passes_them() -> None:
    assert crossed(used_before=7, used_after=8, credits=10) == [80]
    assert crossed(used_before=8, used_after=9, credits=10) == []
    assert crossed(used_before=9, used_after=10, credits=10) == [100]
    assert crossed(used_before=0, used_after=10, credits=10) == [80, 100]
    assert crossed(used_before=0, used_after=0, credits=0) == []


async def test_the_tenant_is_told_once_at_80_and_once_at_100_percent(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport, box: CredentialBox
) -> None:
    await set_subscription(sessions, demo.tenant_id, plan="basic")  # no overage
    await set_balance(sessions, demo.tenant_id, 10)
    await with_webhook(sessions, box, demo.tenant_id)

    # Fifteen turns at once against ten credits: eight cross 80 %, the tenth 100 %, five find none left.
    assert await turns(sessions, demo.tenant_id, 15) == 2

    assert sorted(await notified(sessions, demo.tenant_id)) == [80, 100]
    async with sessions() as session:
        period = (await account(sessions, demo.tenant_id)).period_start
        notices = await billing_records.notices(session, demo.tenant_id, period_start=period)
    assert [(n.threshold, n.credits, n.webhook_delivery_id is not None) for n in notices] == [
        (80, 10, True),
        (100, 10, True),
    ]

    # More credits in the same period and more turns: no second notice for either threshold.
    tenant = await tenant_row(sessions, demo.tenant_id)
    async with transaction(sessions) as session:
        await credit_accounts.grant(session, tenant, credits_added=10, key="top-up", note=None, now=utcnow())
    assert await turns(sessions, demo.tenant_id, 10) == 0
    assert sorted(await notified(sessions, demo.tenant_id)) == [80, 100]


async def test_without_a_notification_url_the_notice_is_only_recorded(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_subscription(sessions, demo.tenant_id, plan="basic")
    await set_balance(sessions, demo.tenant_id, 5)
    assert await turns(sessions, demo.tenant_id, 5) == 0
    async with sessions() as session:
        notices = await billing_records.notices(session, demo.tenant_id)
    assert [n.threshold for n in notices] == [80, 100]
    assert await notified(sessions, demo.tenant_id) == []


async def test_a_new_period_can_be_told_again(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport, box: CredentialBox
) -> None:
    await set_subscription(sessions, demo.tenant_id, plan="free")
    await set_balance(sessions, demo.tenant_id, 10)
    await with_webhook(sessions, box, demo.tenant_id)
    await turns(sessions, demo.tenant_id, 10)
    end = (await account(sessions, demo.tenant_id)).period_end
    tenant = await tenant_row(sessions, demo.tenant_id)
    async with transaction(sessions) as session:
        await credit_accounts.summary(session, tenant, end + timedelta(minutes=1))  # rolls the period

    # The free plan's next 10 credits (the period's own): used up, told again.
    assert await turns(sessions, demo.tenant_id, 10) == 2
    assert sorted(await notified(sessions, demo.tenant_id)) == [80, 80, 100, 100]
