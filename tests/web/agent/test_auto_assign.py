"""Auto-assignment (tenant setting ``auto_assign``): the oldest waiting conversation goes to an available
agent with room, at once or within a few seconds, and never beyond an agent's capacity."""

from __future__ import annotations

from sqlalchemy import select

from bot.tenancy.agent_accounts import set_auto_assign
from storage.db import transaction
from storage.models import Conversation, ConversationEvent, Tenant
from tests.support.doubles import wait_until
from tests.support.platforms import World
from tests.web.agent.desk import AgentClient, asks_for_a_person, new_agent, waiting_customer

OTHER = "2000000002"


async def auto_assign(world: World, enabled: bool = True) -> None:
    async with transaction(world.sessions) as session:
        tenant = await session.get(Tenant, world.tenant_id)
        assert tenant is not None
        await set_auto_assign(session, tenant=tenant, enabled=enabled)


async def owners(world: World) -> dict[int, int | None]:
    async with world.sessions() as session:
        rows = await session.execute(select(Conversation.id, Conversation.assigned_agent_id))
        return dict(rows.all())


async def mine(agent: AgentClient) -> list[int]:
    return [c["id"] for c in (await agent.get("/conversations", mine="1")).body["conversations"]]


async def test_a_waiting_conversation_goes_to_the_available_agent(world: World) -> None:
    await auto_assign(world)
    dana = await new_agent(world, "Dana")
    await new_agent(world, "Sam")  # never connected: not available
    assert (await dana.get("/me")).status == 200  # Dana's console is on

    conversation = (await asks_for_a_person(world)).id

    async def assigned() -> bool:
        return await mine(dana) == [conversation]

    await wait_until(assigned)
    async with world.sessions() as session:
        event = await session.scalar(select(ConversationEvent).order_by(ConversationEvent.id.desc()).limit(1))
    assert event is not None
    assert (event.to_status, event.actor, event.to_agent_id, event.reason) == (
        "transferred",
        "system",
        dana.id,
        "auto-assigned",
    )


async def test_capacity_holds_the_rest_in_the_queue_until_a_place_frees(world: World) -> None:
    await auto_assign(world)
    dana = await new_agent(world, "Dana", capacity=1)
    await dana.get("/me")
    first = (await asks_for_a_person(world)).id

    async def first_assigned() -> bool:
        return await mine(dana) == [first]

    await wait_until(first_assigned)
    second = await waiting_customer(world, sender=OTHER)
    queue = (await dana.get("/queue")).body["conversations"]
    assert [c["id"] for c in queue] == [second]  # Dana is full

    assert (await dana.post(f"/conversations/{first}/resolve", {"note": "done"})).status == 200

    async def second_assigned() -> bool:
        return await mine(dana) == [second]

    await wait_until(second_assigned)


async def test_without_the_setting_conversations_wait_for_a_claim(world: World) -> None:
    dana = await new_agent(world, "Dana")
    await dana.get("/me")
    conversation = await waiting_customer(world)
    # Another waiting conversation, released to the bot, wakes the assigner: still nothing is assigned.
    other = await waiting_customer(world, sender=OTHER)
    await dana.post(f"/conversations/{other}/claim")
    await dana.post(f"/conversations/{other}/release")

    assert (await owners(world))[conversation] is None
    assert [c["id"] for c in (await dana.get("/queue")).body["conversations"]] == [conversation]
