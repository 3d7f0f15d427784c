"""Two agents claim the same conversation at the same moment: exactly one wins, the other is told who.

Each agent calls through its own HTTP client and its own app (two processes on one database); the suite
runs this on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.handoff.agent_actions import claim
from bot.handoff.agent_errors import Conflict
from bot.tenancy.agent_accounts import AgentIdentity, authenticate
from bot.web.app_keys import RUNTIME
from storage.db import transaction
from storage.models import Conversation, ConversationEvent, utcnow
from tests.support.platforms import World
from tests.web.agent.desk import AgentClient, new_agent, waiting_customer

CUSTOMERS = ["2000000011", "2000000012", "2000000013", "2000000014"]


async def test_two_agents_claiming_at_once_exactly_one_wins(
    world: World, aiohttp_client: AiohttpClient
) -> None:
    other_process = await aiohttp_client(create_app(world.client.app[RUNTIME].settings))
    dana = await new_agent(world, "Dana")
    sam = (await new_agent(world, "Sam")).using(other_process)
    names = {dana.id: "Dana", sam.id: "Sam"}

    for customer in CUSTOMERS:
        conversation = await waiting_customer(world, sender=customer)
        path = f"/conversations/{conversation}/claim"

        answers = await asyncio.gather(dana.post(path), sam.post(path))

        assert sorted(a.status for a in answers) == [200, 409]
        (won,) = [a for a in answers if a.status == 200]
        (lost,) = [a for a in answers if a.status == 409]
        winner = won.body["assigned_agent"]["id"]
        assert lost.error == f"already claimed by {names[winner]}"
        async with world.sessions() as session:
            row = await session.get(Conversation, conversation)
            claims = await session.scalar(
                select(func.count())
                .select_from(ConversationEvent)
                .where(
                    ConversationEvent.conversation_id == conversation,
                    ConversationEvent.to_status == "transferred",
                )
            )
        assert row is not None
        assert (row.status, row.assigned_agent_id, claims) == ("transferred", winner, 1)


async def identity(world: World, agent: AgentClient) -> AgentIdentity:
    async with world.sessions() as session:
        found = await authenticate(session, agent.token, now=utcnow())
    assert found is not None
    return found


async def test_a_claim_that_read_the_conversation_before_another_committed_loses(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await identity(world, await new_agent(world, "Dana"))
    sam = await identity(world, await new_agent(world, "Sam"))

    async def sam_claims() -> None:
        async with transaction(world.sessions) as session:
            await claim(session, sam, conversation, now=utcnow())

    async with transaction(world.sessions) as session:
        await claim(session, dana, conversation, now=utcnow())
        # Sam's claim starts while Dana's is not committed yet: it reads, or waits, until Dana commits.
        late = asyncio.create_task(sam_claims())
        await asyncio.sleep(0.2)

    with pytest.raises(Conflict, match=r"^already claimed by Dana$"):
        await late
