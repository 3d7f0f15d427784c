"""The agents' side of the running world: agents with tokens, their HTTP calls, customers who ask for a
person through real webhooks, and a reader for the live event stream."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.tenancy.agent_accounts import create_agent
from bot.tenancy.tenant_accounts import create_tenant
from storage.db import transaction
from storage.models import Conversation, Tenant
from tests.support.platforms import World, payload_json

API = "/api/v1/agent"
PSID = "2000000001"  # the Messenger customer of messenger/text.json
WA_ID = "15551234567"  # the WhatsApp customer of whatsapp/text.json ("Ana Souza")
ASK_FOR_A_PERSON = "can I talk to a real person please"

_mids = itertools.count(1)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def error(self) -> str:
        return str(self.body["error"]["message"])


@dataclass
class AgentClient:
    """One agent calling the API with its bearer token, through one HTTP client (one app)."""

    client: TestClient[Any, Any]
    token: str
    id: int
    name: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    async def get(self, path: str, **params: str) -> Answer:
        response = await self.client.get(API + path, headers=self.headers(), params=params)
        return Answer(response.status, await response.json())

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Answer:
        response = await self.client.post(API + path, headers=self.headers(), json=body or {})
        return Answer(response.status, await response.json())

    def using(self, client: TestClient[Any, Any]) -> AgentClient:
        """The same agent calling through another client (another app on the same database)."""
        return AgentClient(client, self.token, self.id, self.name)

    async def events(self, last_event_id: int | None = None) -> EventStream:
        headers = self.headers()
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        response = await self.client.get(API + "/events", headers=headers)
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return EventStream(response)


async def new_agent(
    world: World,
    name: str,
    *,
    role: str = "agent",
    capacity: int = 5,
    tenant_id: int | None = None,
    client: TestClient[Any, Any] | None = None,
) -> AgentClient:
    async with transaction(world.sessions) as session:
        tenant = await session.get(Tenant, tenant_id or world.tenant_id)
        assert tenant is not None
        created = await create_agent(
            session, tenant=tenant, name=name, role=role, email=None, capacity=capacity
        )
    return AgentClient(client or world.client, created.secret, created.id, name)


async def other_tenant(world: World) -> int:
    async with transaction(world.sessions) as session:
        created = await create_tenant(session, name="Other Shop", slug="other-shop", plan_code="free")
    return created.id


# -- customers -------------------------------------------------------------------------------------------


def messenger_text(text: str, *, sender: str = PSID) -> bytes:
    body = payload_json("messenger", "text.json")
    event = body["entry"][0]["messaging"][0]
    event["sender"]["id"] = sender
    event["message"] = {"mid": f"m_agent_test_{next(_mids)}", "text": text}
    event["timestamp"] = int(time.time() * 1000)
    return json.dumps(body).encode()


def whatsapp_text(text: str) -> bytes:
    body = copy.deepcopy(payload_json("whatsapp", "text.json"))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.agent-test-{next(_mids)}"
    message["text"]["body"] = text
    message["timestamp"] = str(int(time.time()))
    return json.dumps(body).encode()


async def customer_says(world: World, platform: str, text: str, *, sender: str = PSID) -> None:
    body = messenger_text(text, sender=sender) if platform == "messenger" else whatsapp_text(text)
    assert (await world.post(platform, body)).status == 200
    await world.settled()


async def conversation_of(world: World, key: str) -> Conversation:
    async with world.sessions() as session:
        found = await session.scalar(
            select(Conversation).where(Conversation.conversation_key == key).order_by(Conversation.id.desc())
        )
    assert found is not None
    return found


async def asks_for_a_person(world: World, platform: str = "messenger", *, sender: str = PSID) -> Conversation:
    """A customer who asks for a person: the conversation, now handed over (waiting, or assigned already)."""
    await customer_says(world, platform, ASK_FOR_A_PERSON, sender=sender)
    conversation = await conversation_of(world, sender if platform == "messenger" else WA_ID)
    assert conversation.status in ("escalated", "transferred")
    return conversation


async def waiting_customer(world: World, platform: str = "messenger", *, sender: str = PSID) -> int:
    """A customer who asks for a person: returns the id of the conversation now waiting in the queue."""
    conversation = await asks_for_a_person(world, platform, sender=sender)
    assert conversation.status == "escalated"
    return conversation.id


async def customer_went_quiet(world: World, key: str, quiet_for: timedelta) -> None:
    """The customer's last message was ``quiet_for`` ago, in our database and at the platform."""
    moment = datetime.now(UTC) - quiet_for
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Conversation).where(Conversation.conversation_key == key).values(last_inbound_at=moment)
        )
    world.graph.last_user_message[key] = moment


def message_sends(world: World) -> int:
    """Message sends that reached the fake Graph API, accepted or refused (sender actions excluded)."""
    return sum(
        1
        for r in world.graph.requests
        if isinstance(r.json, dict) and ("message" in r.json or "type" in r.json)
    )


# -- live events -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveEvent:
    id: int
    kind: str
    data: dict[str, Any]


@dataclass
class EventStream:
    """Reads Server-Sent Events from an open response: events with data, and the last id announced."""

    response: ClientResponse
    last_id: int | None = None
    comments: list[str] = field(default_factory=list)

    async def next(self, timeout: float = 20.0) -> LiveEvent:
        return await asyncio.wait_for(self._next(), timeout)

    async def take(self, count: int, timeout: float = 20.0) -> list[LiveEvent]:
        return [await self.next(timeout) for _ in range(count)]

    async def until(self, kind: str, timeout: float = 20.0) -> LiveEvent:
        """The next event of ``kind`` (skipping others)."""
        while True:
            event = await self.next(timeout)
            if event.kind == kind:
                return event

    async def _next(self) -> LiveEvent:
        fields: dict[str, str] = {}
        while True:
            raw = await self.response.content.readline()
            if not raw:
                raise ConnectionError("the stream ended")
            line = raw.decode().rstrip("\n")
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
                continue
            if "id" in fields:
                self.last_id = int(fields["id"])
            if "data" in fields:
                return LiveEvent(
                    int(fields["id"]), fields.get("event", "message"), json.loads(fields["data"])
                )
            fields = {}

    def close(self) -> None:
        self.response.close()
