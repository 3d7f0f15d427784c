"""Tracked links as a customer clicks them: `/r/{token}` answers 302 and the first click is a visit, once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.conversions.touches import record_touch, touch_of
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.tenant_accounts import set_link_token_param
from storage import campaigns, conversations
from storage.db import transaction
from storage.models import Channel, Conversion, InboundEvent, Message, Tenant, TrackedLink, utcnow

TARGET = "https://shop.democoffee.example/house-blend?size=12oz"
TOKEN = "Hx3kTq9ZbP0aLw7e"
AD_ID = "120210000000000001"


@dataclass(frozen=True)
class HandedOut:
    """A link the bot gave a customer in a reply, as a turn stores it."""

    tenant_id: int
    conversation_id: int
    message_id: int
    customer_id: int
    link_id: int
    bot_id: int
    campaign_id: int


@pytest.fixture
async def handed_out(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> HandedOut:
    now = utcnow()
    async with transaction(sessions) as session:
        channel = await session.scalar(select(Channel).where(Channel.tenant_id == demo.tenant_id))
        assert channel is not None
        customer = await conversations.get_or_create_customer(
            session,
            tenant_id=demo.tenant_id,
            channel_id=channel.id,
            platform_user_id="u-1",
            name="Lena",
            now=now,
        )
        conversation = await conversations.start_conversation(
            session,
            tenant_id=demo.tenant_id,
            channel_id=channel.id,
            bot_id=channel.bot_id,
            customer_id=customer.id,
            group_id=None,
            conversation_key="u-1",
            now=now,
        )
        # The customer came from an ad and asked to buy; the bot's answer offered the link.
        event = InboundEvent(
            tenant_id=demo.tenant_id,
            channel_id=channel.id,
            platform_event_id="e-1",
            conversation_key="u-1",
            kind="message",
            payload={},
            status="done",
        )
        session.add(event)
        await session.flush()
        campaign_id = await campaigns.upsert_campaign(
            session, tenant_id=demo.tenant_id, ad_id=AD_ID, name="Spring sale", source_type="ad", now=now
        )
        question = Message(
            tenant_id=demo.tenant_id,
            conversation_id=conversation.id,
            channel_id=channel.id,
            inbound_event_id=event.id,
            customer_id=customer.id,
            role="user",
            direction="in",
            status="received",
            text="I'd like the house blend",
            source="ad",
            ad_id=AD_ID,
            ctwa_clid="ARAk-click",
            campaign_id=campaign_id,
            intent="purchase_intent",
            intent_score=0.88,
            created_at=now,
        )
        reply = Message(
            tenant_id=demo.tenant_id,
            conversation_id=conversation.id,
            channel_id=channel.id,
            inbound_event_id=event.id,
            role="assistant",
            direction="out",
            status="sent",
            text=f"Here you go: https://bot.example/r/{TOKEN}",
        )
        session.add_all([question, reply])
        await session.flush()
        record_touch(conversation, touch_of(question))
        link = TrackedLink(
            tenant_id=demo.tenant_id,
            token=TOKEN,
            target_url=TARGET,
            conversation_id=conversation.id,
            message_id=reply.id,
            bot_id=channel.bot_id,
            product="House Blend 12 oz",
        )
        session.add(link)
        await session.flush()
        return HandedOut(
            demo.tenant_id, conversation.id, reply.id, customer.id, link.id, channel.bot_id, campaign_id
        )


async def link_row(sessions: async_sessionmaker[AsyncSession]) -> TrackedLink:
    async with sessions() as session:
        link = await session.scalar(select(TrackedLink).where(TrackedLink.token == TOKEN))
        assert link is not None
        return link


async def visits(sessions: async_sessionmaker[AsyncSession]) -> list[Conversion]:
    async with sessions() as session:
        return list((await session.scalars(select(Conversion).order_by(Conversion.id))).all())


async def test_a_click_redirects_to_the_target_and_records_the_first_visit(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
) -> None:
    client = await aiohttp_client(create_app(settings))
    before = utcnow()

    response = await client.get(f"/r/{TOKEN}", allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"] == TARGET
    assert response.headers["Cache-Control"] == "no-store"
    link = await link_row(sessions)
    assert link.clicks == 1
    assert link.first_clicked_at is not None
    assert link.first_clicked_at >= before - timedelta(seconds=1)
    [visit] = await visits(sessions)
    assert visit.outcome == "visited"
    assert (visit.tenant_id, visit.conversation_id, visit.message_id, visit.customer_id) == (
        handed_out.tenant_id,
        handed_out.conversation_id,
        handed_out.message_id,
        handed_out.customer_id,
    )
    assert visit.tracked_link_id == handed_out.link_id
    assert visit.occurred_at == link.first_clicked_at


async def test_the_visit_keeps_the_bot_the_intent_and_the_ad_the_customer_came_from(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
) -> None:
    client = await aiohttp_client(create_app(settings))

    await client.get(f"/r/{TOKEN}", allow_redirects=False)

    [visit] = await visits(sessions)
    assert (visit.message_id, visit.bot_id) == (handed_out.message_id, handed_out.bot_id)
    assert (visit.intent, visit.intent_score) == ("purchase_intent", 0.88)
    for which in ("first", "last"):
        assert getattr(visit, f"{which}_touch_source") == "ad"
        assert getattr(visit, f"{which}_touch_ad_id") == AD_ID
        assert getattr(visit, f"{which}_touch_ctwa_clid") == "ARAk-click"
        assert getattr(visit, f"{which}_touch_campaign_id") == handed_out.campaign_id


async def test_a_second_click_is_counted_but_is_not_a_second_visit(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
) -> None:
    client = await aiohttp_client(create_app(settings))
    first = await client.get(f"/r/{TOKEN}", allow_redirects=False)
    first_clicked_at = (await link_row(sessions)).first_clicked_at

    second = await client.get(f"/r/{TOKEN}", allow_redirects=False)

    assert (first.status, second.status) == (302, 302)
    assert second.headers["Location"] == TARGET
    link = await link_row(sessions)
    assert link.clicks == 2
    assert link.first_clicked_at == first_clicked_at
    assert len(await visits(sessions)) == 1


async def test_concurrent_first_clicks_record_one_visit(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
) -> None:
    client = await aiohttp_client(create_app(settings))

    responses = await asyncio.gather(*(client.get(f"/r/{TOKEN}", allow_redirects=False) for _ in range(8)))

    assert [r.status for r in responses] == [302] * 8
    assert (await link_row(sessions)).clicks == 8
    assert len(await visits(sessions)) == 1


@pytest.mark.parametrize("token", ["no-such-token", "x" * 65])
async def test_an_unknown_token_is_a_404_with_a_json_error(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
    token: str,
) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await client.get(f"/r/{token}", allow_redirects=False)

    assert response.status == 404
    assert (await response.json())["error"]["status"] == 404
    assert "Location" not in response.headers
    assert (await link_row(sessions)).clicks == 0
    assert await visits(sessions) == []


@pytest.mark.parametrize(
    ("method", "agent"),
    [
        ("GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"),
        ("GET", "WhatsApp/2.23.20.0 A"),
        ("HEAD", "Mozilla/5.0"),
    ],
)
async def test_link_previews_follow_the_link_without_counting_a_visit(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
    method: str,
    agent: str,
) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await client.request(
        method, f"/r/{TOKEN}", headers={"User-Agent": agent}, allow_redirects=False
    )

    assert response.status == 302
    assert response.headers["Location"] == TARGET
    link = await link_row(sessions)
    assert (link.clicks, link.first_clicked_at) == (0, None)
    assert await visits(sessions) == []


async def test_a_tenant_can_have_the_token_passed_on_to_its_shop(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    handed_out: HandedOut,
) -> None:
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, handed_out.tenant_id)
        assert tenant is not None
        await set_link_token_param(session, tenant, "cb_link")
    client = await aiohttp_client(create_app(settings))

    response = await client.get(f"/r/{TOKEN}", allow_redirects=False)

    # The shop's own query stays as it was; the token comes after it, for the shop's purchase callback.
    assert response.status == 302
    assert response.headers["Location"] == f"{TARGET}&cb_link={TOKEN}"
    assert len(await visits(sessions)) == 1
