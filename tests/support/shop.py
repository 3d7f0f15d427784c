"""A shop reporting orders to `POST /api/v1/conversions`, and its customers' conversations with the bot.

``Shop`` is the client side (by API key or by signed body); ``Chats`` writes conversations, bot turns and
tracked links straight into the database with chosen times, as finished turns leave them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.security import CredentialBox, body_signature
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.notification_settings import set_notification_url
from bot.tenancy.tenant_accounts import create_tenant
from storage import conversations
from storage.db import transaction
from storage.models import (
    Channel,
    Conversion,
    InboundEvent,
    LeadActivity,
    Message,
    Tenant,
    TrackedLink,
    utcnow,
)

PATH = "/api/v1/conversions"
_ids = count(1)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body["error"]
        return error

    @property
    def conversion(self) -> dict[str, Any]:
        conversion: dict[str, Any] = self.body["conversion"]
        return conversion


@dataclass
class Shop:
    client: TestClient[Any, Any]
    slug: str
    api_key: str | None = None
    secret: str | None = None

    async def report(self, body: dict[str, Any] | bytes, *, key: str | None = None) -> Answer:
        """POST with the tenant's API key (or ``key``)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key or self.api_key}"}
        return await self._post(raw, headers)

    async def report_signed(
        self, body: dict[str, Any], *, secret: str | None = None, slug: str | None = None
    ) -> Answer:
        """POST signed with the tenant's signing secret (or ``secret``), as a checkout would."""
        raw = json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Chatbot-Tenant": slug or self.slug,
            "X-Chatbot-Signature": body_signature(secret or self.secret or "", raw),
        }
        return await self._post(raw, headers)

    async def post_raw(self, raw: bytes, headers: dict[str, str]) -> Answer:
        return await self._post(raw, headers)

    async def _post(self, raw: bytes, headers: dict[str, str]) -> Answer:
        response = await self.client.post(PATH, data=raw, headers=headers)
        return Answer(response.status, await response.json())


def purchase(**fields: Any) -> dict[str, Any]:
    """A purchase report with a fresh order id; ``fields`` change or add to it."""
    body: dict[str, Any] = {
        "outcome": "purchased",
        "value": "59.90",
        "currency": "EUR",
        "external_order_id": f"order-{next(_ids)}",
    }
    body.update(fields)
    return body


async def signing_secret_for(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox, tenant_id: int
) -> str:
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, tenant_id)
        assert tenant is not None
        change = await set_notification_url(session, box, tenant, "https://shop.example/hooks/chatbot")
    assert change.new_secret is not None
    return change.new_secret


@dataclass
class Chats:
    """Conversations of one tenant on one of its channels, written as finished turns leave them."""

    sessions: async_sessionmaker[AsyncSession]
    tenant_id: int
    channel_id: int
    bot_id: int

    @classmethod
    async def of(cls, sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> Chats:
        async with sessions() as session:
            channel = await session.scalar(select(Channel).where(Channel.tenant_id == tenant_id).limit(1))
        assert channel is not None
        return cls(sessions, tenant_id, channel.id, channel.bot_id)

    async def conversation(self, user: str, *, at: datetime | None = None) -> tuple[int, int]:
        """A customer's new conversation: (customer id, conversation id)."""
        at = at or utcnow()
        async with transaction(self.sessions) as session:
            customer = await conversations.get_or_create_customer(
                session,
                tenant_id=self.tenant_id,
                channel_id=self.channel_id,
                platform_user_id=user,
                name=user,
                now=at,
            )
            conversation = await conversations.start_conversation(
                session,
                tenant_id=self.tenant_id,
                channel_id=self.channel_id,
                bot_id=self.bot_id,
                customer_id=customer.id,
                group_id=None,
                conversation_key=user,
                now=at,
            )
            return customer.id, conversation.id

    async def bot_turn(
        self,
        conversation_id: int,
        *,
        ago: timedelta = timedelta(0),
        route: str = "knowledge",
        intent: str | None = "product_inquiry",
        intent_score: float | None = 0.8,
    ) -> int:
        """The customer asks, the bot answers ``ago`` before now; returns the bot reply's id."""
        at = utcnow() - ago
        async with transaction(self.sessions) as session:
            event = InboundEvent(
                tenant_id=self.tenant_id,
                channel_id=self.channel_id,
                platform_event_id=f"test-event-{next(_ids)}",
                conversation_key="k",
                kind="message",
                payload={},
                status="done",
            )
            session.add(event)
            await session.flush()
            common = {
                "tenant_id": self.tenant_id,
                "conversation_id": conversation_id,
                "channel_id": self.channel_id,
            }
            question = Message(
                **common, inbound_event_id=event.id, role="user", direction="in", status="received",
                text="which beans?", route=route, intent=intent, intent_score=intent_score, created_at=at,
            )  # fmt: skip
            answer = Message(
                **common, inbound_event_id=event.id, role="assistant", direction="out", status="sent",
                text="these beans", route=route, created_at=at + timedelta(seconds=1),
            )  # fmt: skip
            session.add_all([question, answer])
            await session.flush()
            return answer.id

    async def link(self, conversation_id: int, message_id: int) -> str:
        """A tracked link offered by the reply ``message_id``; returns its token."""
        token = f"tok{next(_ids):013d}"
        async with transaction(self.sessions) as session:
            session.add(
                TrackedLink(
                    tenant_id=self.tenant_id,
                    token=token,
                    target_url="https://shop.democoffee.example/beans",
                    conversation_id=conversation_id,
                    message_id=message_id,
                    bot_id=self.bot_id,
                )
            )
        return token


async def another_tenant(sessions: async_sessionmaker[AsyncSession], box: CredentialBox) -> Chats:
    """A second tenant with a channel of its own."""
    async with transaction(sessions) as session:
        created = await create_tenant(session, name="Other Shop", slug="other-shop", plan_code="free")
        tenant = await session.get(Tenant, created.id)
        assert tenant is not None
        await add_channel(
            session, box, tenant=tenant, request=ChannelRequest(platform="console", name="other")
        )
    return await Chats.of(sessions, created.id)


async def stored_conversions(sessions: async_sessionmaker[AsyncSession]) -> list[Conversion]:
    async with sessions() as session:
        return list((await session.scalars(select(Conversion).order_by(Conversion.id))).all())


async def lead_activities(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(LeadActivity)) or 0)
