"""A running server wired to fake platform APIs, with a channel per platform, for end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.meta import sign
from bot.app import create_app
from bot.config import Settings
from bot.security import CredentialBox
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.demo.seed import DemoReport
from storage.db import transaction
from storage.models import InboundEvent, OutboxItem, Tenant
from tests.fakes.graph import FakeGraphAPI
from tests.fakes.groupme import FakeGroupMe
from tests.support.doubles import wait_until

PAYLOADS = Path(__file__).parent.parent / "payloads"
PAGE_ID, PAGE_TOKEN = "1000000001", "page-token-not-secret-really"
PHONE_ID, WA_TOKEN = "3000000001", "wa-token-not-secret-really"
APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-me"
GROUPME_BOT, GROUPME_GROUP = "bot-77", "2000"


async def add_messenger_channel(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox, tenant_id: int
) -> str:
    """Give the tenant the test Page's Messenger channel; returns its webhook key."""
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, tenant_id)
        assert tenant is not None
        channel = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="messenger",
                external_id=PAGE_ID,
                secrets={"access_token": PAGE_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN},
            ),
        )
        return channel.webhook_key


def payload(platform: str, name: str) -> bytes:
    return (PAYLOADS / platform / name).read_bytes()


def payload_json(platform: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(payload(platform, name))
    return data


@dataclass
class World:
    client: TestClient[Any, Any]
    graph: FakeGraphAPI
    groupme: FakeGroupMe
    sessions: async_sessionmaker[AsyncSession]
    keys: dict[str, str]
    tenant_id: int

    async def post(self, platform: str, body: bytes, *, signed: bool = True, key: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if signed and platform in ("messenger", "whatsapp"):
            headers["X-Hub-Signature-256"] = sign(body, APP_SECRET)
        return await self.client.post(
            f"/webhooks/{platform}/{key or self.keys[platform]}", data=body, headers=headers
        )

    async def settled(self) -> None:
        """Wait until every stored event is processed and every reply delivered or failed."""

        async def done() -> bool:
            async with self.sessions() as session:
                busy_events = await session.scalar(
                    select(func.count())
                    .select_from(InboundEvent)
                    .where(InboundEvent.status.in_(("pending", "processing")))
                )
                busy_sends = await session.scalar(
                    select(func.count())
                    .select_from(OutboxItem)
                    .where(OutboxItem.status.in_(("pending", "sending")))
                )
            return busy_events == 0 and busy_sends == 0

        await wait_until(done)


@pytest.fixture
async def world(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    box: CredentialBox,
    demo: DemoReport,
    aiohttp_client: Callable[..., Any],
) -> AsyncIterator[World]:
    graph = FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN}, phone_numbers={PHONE_ID: WA_TOKEN})
    groupme = FakeGroupMe(bot_ids={GROUPME_BOT: GROUPME_GROUP})
    graph_url = await graph.start()
    groupme_url = await groupme.start()
    settings = settings.model_copy(update={"graph_api_base": graph_url, "groupme_api_base": groupme_url})
    keys: dict[str, str] = {}
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, demo.tenant_id)
        assert tenant is not None
        meta_secrets = {"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}
        for platform, external_id, token in (
            ("messenger", PAGE_ID, PAGE_TOKEN),
            ("whatsapp", PHONE_ID, WA_TOKEN),
        ):
            channel = await add_channel(
                session,
                box,
                tenant=tenant,
                request=ChannelRequest(
                    platform=platform,
                    external_id=external_id,
                    secrets={"access_token": token, **meta_secrets},
                ),
            )
            keys[platform] = channel.webhook_key
        channel = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="groupme",
                external_id=GROUPME_BOT,
                group_id=GROUPME_GROUP,
                settings={"bot_name": "Brewbot"},
            ),
        )
        keys["groupme"] = channel.webhook_key
    client = await aiohttp_client(create_app(settings))
    try:
        yield World(client, graph, groupme, sessions, keys, demo.tenant_id)
    finally:
        await client.close()
        await graph.close()
        await groupme.close()
