"""Who may call the agents' API: a valid agent token of an active agent, and only for its own tenant."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.tenancy.agent_accounts import disable_agent
from storage.db import transaction
from storage.models import Agent, Tenant, utcnow
from tests.support.platforms import World
from tests.web.agent.desk import API, new_agent, other_tenant, waiting_customer


async def test_an_agent_sees_who_it_is_and_its_tenant(world: World) -> None:
    dana = await new_agent(world, "Dana", role="admin", capacity=3)

    me = await dana.get("/me")

    assert me.status == 200
    assert me.body == {
        "id": dana.id,
        "name": "Dana",
        "role": "admin",
        "capacity": 3,
        "tenant": {"id": world.tenant_id, "name": "Demo Coffee Roasters", "slug": "demo"},
    }


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic ZGFuYTpzZWNyZXQ=",
        "Bearer cba_not-a-token-we-issued",
        "Bearer cba_x;DROP",
    ],
    ids=["missing", "empty", "no-token", "blank-token", "basic", "unknown", "odd-characters"],
)
async def test_without_a_valid_token_every_route_answers_401(world: World, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in [
        ("GET", "/me"),
        ("GET", "/queue"),
        ("GET", "/conversations?mine=1"),
        ("GET", "/conversations/1"),
        ("GET", "/conversations/1/messages"),
        ("POST", "/conversations/1/claim"),
        ("POST", "/conversations/1/reply"),
        ("GET", "/events"),
    ]:
        response = await world.client.request(method, API + path, headers=headers)
        assert response.status == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await response.json())["error"]["status"] == 401


async def test_a_disabled_agents_token_stops_working_at_once(world: World) -> None:
    dana = await new_agent(world, "Dana")
    assert (await dana.get("/me")).status == 200

    async with transaction(world.sessions) as session:
        tenant = await session.get(Tenant, world.tenant_id)
        assert tenant is not None
        assert await disable_agent(session, tenant=tenant, name="Dana") is True

    refused = await dana.get("/me")
    assert refused.status == 401
    assert "agent token" in refused.error


async def test_another_tenants_conversation_is_not_found_on_every_route(world: World) -> None:
    conversation = await waiting_customer(world)
    stranger = await new_agent(world, "Sam", role="admin", tenant_id=await other_tenant(world))
    colleague = await new_agent(world, "Dana")

    c = f"/conversations/{conversation}"
    for answer in [
        await stranger.get(c),
        await stranger.get(c + "/messages"),
        await stranger.post(c + "/claim"),
        await stranger.post(c + "/reply", {"text": "hi"}),
        await stranger.post(c + "/notes", {"text": "who is this?"}),
        await stranger.post(c + "/resolve", {"note": "spam"}),
        await stranger.post(c + "/release"),
        await stranger.post(c + "/transfer", {"agent_id": colleague.id}),
    ]:
        assert answer.status == 404
        assert answer.error == f"no conversation {conversation}"
    assert (await stranger.get("/queue")).body == {"conversations": []}
    # ... and it is still waiting, untouched, for the tenant's own agents.
    assert [item["id"] for item in (await colleague.get("/queue")).body["conversations"]] == [conversation]


async def test_a_transfer_to_another_tenants_agent_is_not_found(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    stranger = await new_agent(world, "Sam", tenant_id=await other_tenant(world))
    assert (await dana.post(f"/conversations/{conversation}/claim")).status == 200

    answer = await dana.post(f"/conversations/{conversation}/transfer", {"agent_id": stranger.id})

    assert answer.status == 404
    assert answer.error == f"no agent {stranger.id}"


async def test_calling_the_api_makes_an_agent_available(world: World) -> None:
    dana = await new_agent(world, "Dana")
    await new_agent(world, "Sam")

    assert (await dana.get("/me")).status == 200

    team = {a["name"]: a for a in (await dana.get("/agents")).body["agents"]}
    assert team["Dana"]["available"] is True
    assert team["Sam"]["available"] is False  # never connected, never called
    assert (team["Dana"]["open_conversations"], team["Dana"]["capacity"]) == (0, 5)


async def test_an_expired_agent_token_answers_401(world: World) -> None:
    dana = await new_agent(world, "Dana")
    async with transaction(world.sessions) as session:
        agent = await session.get(Agent, dana.id)
        assert agent is not None
        agent.token_expires_at = utcnow() + timedelta(minutes=5)
    assert (await dana.get("/me")).status == 200

    async with transaction(world.sessions) as session:
        agent = await session.get(Agent, dana.id)
        assert agent is not None
        agent.token_expires_at = utcnow() - timedelta(seconds=1)

    refused = await dana.get("/me")
    assert refused.status == 401
    assert "agent token" in refused.error
