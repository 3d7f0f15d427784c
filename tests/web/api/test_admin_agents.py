"""`/api/v1/agents`: a tenant admin creates agents (the token shown once), changes, deactivates them and
gives them new tokens; the old token is refused at once and no answer ever shows a hash."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.security import hash_token
from storage.db import read_only
from storage.models import Agent
from tests.support.admin_api import AdminApi, Reply

DANA = {"name": "Dana", "email": "dana@democoffee.example", "role": "agent", "capacity": 3}


async def desk_status(admin: AdminApi, token: str) -> int:
    async with admin.client.get("/api/v1/agent/me", headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status


async def assert_no_secret(reply: Reply, sessions: async_sessionmaker[AsyncSession], *tokens: str) -> None:
    text = json.dumps(reply.body)
    async with read_only(sessions) as session:
        hashes = list((await session.scalars(select(Agent.token_hash))).all())
    for secret in (*tokens, *hashes, *(hash_token(t) for t in tokens)):
        assert secret not in text
    assert "token_hash" not in text


async def test_an_admin_creates_reads_changes_and_deactivates_an_agent(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await admin.post("/agents", DANA)
    assert created.status == 201, created.body
    token = created.body["token"]
    assert token.startswith("cba_")
    assert (created.body["role"], created.body["capacity"], created.body["active"]) == ("agent", 3, True)
    assert await desk_status(admin, token) == 200
    agent = f"/agents/{created.body['id']}"

    read = await admin.get(agent)
    assert read.status == 200
    assert "token" not in read.body
    assert read.body["email"] == "dana@democoffee.example"
    listed = await admin.get("/agents")
    for reply in (read, listed):
        await assert_no_secret(reply, sessions, token)

    changed = await admin.patch(
        agent,
        {"role": "admin", "capacity": 8, "email": None, "token_expires_at": "2999-01-01T00:00:00Z"},
        headers={"If-Match": read.etag},
    )
    assert changed.status == 200, changed.body
    assert (changed.body["role"], changed.body["capacity"], changed.body["email"]) == ("admin", 8, None)
    assert changed.body["token_expires_at"].startswith("2999-01-01")
    await assert_no_secret(changed, sessions, token)
    stale = await admin.patch(agent, {"capacity": 1}, headers={"If-Match": read.etag})
    assert (stale.status, stale.error["field"]) == (412, "If-Match")

    gone = await admin.delete(agent, headers={"If-Match": changed.etag})
    assert gone.status == 204
    assert await desk_status(admin, token) == 401
    kept = await admin.get(agent)
    assert (kept.status, kept.body["active"], kept.body["name"]) == (200, False, "Dana")  # history keeps it
    back = await admin.patch(agent, {"active": True})
    assert back.body["active"] is True
    assert await desk_status(admin, token) == 200


async def test_a_new_token_is_shown_once_and_the_old_one_is_refused_at_once(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await admin.post("/agents", DANA)
    old = created.body["token"]

    renewed = await admin.post(f"/agents/{created.body['id']}/token")

    assert renewed.status == 200, renewed.body
    new = renewed.body["token"]
    assert new != old
    assert await desk_status(admin, old) == 401
    assert await desk_status(admin, new) == 200
    read = await admin.get(f"/agents/{created.body['id']}")
    await assert_no_secret(read, sessions, old, new)
    expiring = await admin.post(
        f"/agents/{created.body['id']}/token", {"token_expires_at": "2999-06-01T00:00:00+00:00"}
    )
    assert expiring.body["token_expires_at"].startswith("2999-06-01")
    assert await desk_status(admin, new) == 401


async def test_refusals_name_the_field(admin: AdminApi) -> None:
    created = await admin.post("/agents", DANA)
    agent = f"/agents/{created.body['id']}"
    refusals = [
        ({"role": "owner"}, "role"),
        ({"capacity": -1}, "capacity"),
        ({"email": "not an address"}, "email"),
        ({"token_expires_at": "2001-01-01T00:00:00Z"}, "token_expires_at"),
        ({"token_hash": "x"}, "token_hash"),
        ({"name": None}, "name"),
    ]
    for body, field in refusals:
        refused = await admin.patch(agent, {**body, "capacity": 4} if field != "capacity" else body)
        assert (refused.status, refused.error["field"]) == (422, field), (field, refused.body)
    assert (await admin.get(agent)).body["capacity"] == 3
    twin = await admin.post("/agents", DANA)
    assert (twin.status, twin.error["field"]) == (409, "name")
    assert "token" not in json.dumps(twin.body)


async def test_another_tenants_agents_are_not_found(admin: AdminApi, other_admin: AdminApi) -> None:
    mine = await admin.post("/agents", DANA)
    path = f"/agents/{mine.body['id']}"

    assert (await other_admin.get(path)).status == 404
    assert (await other_admin.patch(path, {"role": "admin"})).status == 404
    assert (await other_admin.delete(path)).status == 404
    assert (await other_admin.post(path + "/token")).status == 404
    assert mine.body["id"] not in [a["id"] for a in (await other_admin.get("/agents")).body["items"]]
    assert await desk_status(admin, mine.body["token"]) == 200
