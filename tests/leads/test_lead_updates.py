"""Lead changes outside a customer's message: a tracked link opened, a purchase, an agent's hand.

Every change is checked against its activity rows: replaying them gives the lead as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.leads.lead_rules import MANUAL_REASON, VIP_REASON, LeadValueError
from bot.leads.lead_updates import record_link_click, record_purchase, set_lead_by_agent
from bot.tenancy.agent_accounts import create_agent
from bot.tenancy.demo.seed import DemoReport
from storage import conversations
from storage.db import transaction
from storage.models import Channel, Customer, Tenant, utcnow
from tests.leads.lead_support import (
    START,
    Activity,
    activities,
    assert_every_change_recorded,
    customer_row,
    lead_of,
)
from tests.web.test_links import TOKEN, HandedOut, handed_out

__all__ = ["handed_out"]


@dataclass(frozen=True)
class Known:
    tenant_id: int
    customer_id: int
    agent_id: int


@pytest.fixture
async def known(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> Known:
    """A customer of the demo tenant, and one of its agents."""
    async with transaction(sessions) as session:
        channel = await session.scalar(select(Channel).where(Channel.tenant_id == demo.tenant_id))
        tenant = await session.get(Tenant, demo.tenant_id)
        assert channel is not None
        assert tenant is not None
        customer = await conversations.get_or_create_customer(
            session,
            tenant_id=demo.tenant_id,
            channel_id=channel.id,
            platform_user_id="ana",
            name="Ana Silva",
            now=utcnow(),
        )
        agent = await create_agent(session, tenant=tenant, name="Sam", role="agent", email=None)
        return Known(demo.tenant_id, customer.id, agent.id)


async def set_lead(sessions: async_sessionmaker[AsyncSession], customer_id: int, **values: object) -> None:
    """Start a test from a lead other than a new customer's (the rows then start from here too)."""
    async with transaction(sessions) as session:
        await session.execute(update(Customer).where(Customer.id == customer_id).values(**values))


async def by_agent(sessions: async_sessionmaker[AsyncSession], known: Known, **change: str | None) -> None:
    async with transaction(sessions) as session:
        customer = await session.get(Customer, known.customer_id)
        assert customer is not None
        await set_lead_by_agent(
            session,
            customer,
            stage=change.get("stage"),
            label=change.get("label"),
            customer_type=change.get("customer_type"),
            agent_id=known.agent_id,
            now=utcnow(),
        )


async def test_opening_a_tracked_link_raises_the_lead_once(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
) -> None:
    client = await aiohttp_client(create_app(settings))

    first = await client.get(f"/r/{TOKEN}", allow_redirects=False)
    again = await client.get(f"/r/{TOKEN}", allow_redirects=False)

    assert (first.status, again.status) == (302, 302)
    customer = await customer_row(sessions, handed_out.customer_id)
    assert (customer.lead_score, customer.lead_stage) == (15, "convert")
    rows = await activities(sessions, handed_out.customer_id)
    assert rows == [
        Activity("score", "0", "15", "opened a tracked link", True),
        Activity("stage", "intake", "convert", "opened a tracked link", True),
    ]


async def test_a_link_preview_does_not_raise_the_lead(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await client.get(
        f"/r/{TOKEN}", allow_redirects=False, headers={"User-Agent": "facebookexternalhit/1.1"}
    )

    assert response.status == 302
    assert (await customer_row(sessions, handed_out.customer_id)).lead_score == 0
    assert await activities(sessions, handed_out.customer_id) == []


async def test_a_purchase_qualifies_even_a_lost_lead_and_can_make_a_vip(
    sessions: async_sessionmaker[AsyncSession], known: Known
) -> None:
    await set_lead(sessions, known.customer_id, lead_stage="lost", lead_score=55, lead_label="warm")

    async with transaction(sessions) as session:
        await record_purchase(session, known.tenant_id, known.customer_id, now=utcnow())

    customer = await customer_row(sessions, known.customer_id)
    assert lead_of(customer) == {"stage": "qualified", "score": "95", "label": "hot", "type": "vip"}
    rows = await activities(sessions, known.customer_id)
    assert rows == [
        Activity("score", "55", "95", "made a purchase", True),
        Activity("label", "warm", "hot", "made a purchase", True),
        Activity("stage", "lost", "qualified", "made a purchase", True),
        Activity("type", "new", "vip", VIP_REASON, True),
    ]
    start = {"stage": "lost", "score": "55", "label": "warm", "type": "new"}
    assert_every_change_recorded(customer, rows, start)


async def test_the_score_stays_within_0_and_100(
    sessions: async_sessionmaker[AsyncSession], known: Known
) -> None:
    await set_lead(sessions, known.customer_id, lead_score=80, lead_label="hot")
    async with transaction(sessions) as session:
        await record_purchase(session, known.tenant_id, known.customer_id, now=utcnow())
        await record_purchase(session, known.tenant_id, known.customer_id, now=utcnow())

    customer = await customer_row(sessions, known.customer_id)
    assert customer.lead_score == 100
    rows = await activities(sessions, known.customer_id)
    assert [(r.field, r.old, r.new) for r in rows if r.field == "score"] == [("score", "80", "100")]


async def test_an_agent_sets_any_stage_and_label_as_a_manual_change(
    sessions: async_sessionmaker[AsyncSession], known: Known
) -> None:
    await set_lead(sessions, known.customer_id, lead_stage="convert")

    await by_agent(
        sessions, known, stage="nurture", label="hot"
    )  # backwards, and a label the score doesn't give

    customer = await customer_row(sessions, known.customer_id)
    assert (customer.lead_stage, customer.lead_label, customer.lead_score) == ("nurture", "hot", 0)
    assert await activities(sessions, known.customer_id) == [
        Activity("stage", "convert", "nurture", MANUAL_REASON, False, known.agent_id),
        Activity("label", "cold", "hot", MANUAL_REASON, False, known.agent_id),
    ]


async def test_an_agents_label_holds_until_the_score_changes_band(
    sessions: async_sessionmaker[AsyncSession], known: Known
) -> None:
    await by_agent(sessions, known, label="hot")
    async with transaction(sessions) as session:
        await record_link_click(
            session, known.tenant_id, known.customer_id, now=utcnow()
        )  # 0 -> 15: cold band

    customer = await customer_row(sessions, known.customer_id)
    assert (customer.lead_score, customer.lead_label) == (15, "hot")

    async with transaction(sessions) as session:
        await record_purchase(
            session, known.tenant_id, known.customer_id, now=utcnow()
        )  # 15 -> 55: warm band

    customer = await customer_row(sessions, known.customer_id)
    assert (customer.lead_score, customer.lead_label) == (55, "warm")
    assert_every_change_recorded(customer, await activities(sessions, known.customer_id))


async def test_an_agent_can_flag_a_vip_and_setting_the_same_value_records_nothing(
    sessions: async_sessionmaker[AsyncSession], known: Known
) -> None:
    await by_agent(sessions, known, customer_type="vip", stage="intake", label="cold")

    customer = await customer_row(sessions, known.customer_id)
    assert customer.customer_type == "vip"
    assert await activities(sessions, known.customer_id) == [
        Activity("type", "new", "vip", MANUAL_REASON, False, known.agent_id)
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stage": "vip"}, "unknown lead stage 'vip'"),
        ({"label": "lukewarm"}, "unknown lead label 'lukewarm'"),
        ({"stage": "lost", "customer_type": "gold"}, "unknown customer type 'gold'"),
    ],
)
async def test_an_unknown_value_from_an_agent_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], known: Known, change: dict[str, str], message: str
) -> None:
    with pytest.raises(LeadValueError, match=message):
        await by_agent(sessions, known, **change)

    assert lead_of(await customer_row(sessions, known.customer_id)) == START
    assert await activities(sessions, known.customer_id) == []
