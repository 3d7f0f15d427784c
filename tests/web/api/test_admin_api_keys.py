"""`/api/v1/api-keys`: a tenant admin issues keys (each shown once), lists them without their hashes and
revokes them; a revoked key is refused at once, the key that revoked itself included."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import read_only
from storage.models import ApiKey
from tests.support.admin_api import AdminApi, Reply


async def assert_no_secret(reply: Reply, sessions: async_sessionmaker[AsyncSession], *keys: str) -> None:
    text = json.dumps(reply.body)
    async with read_only(sessions) as session:
        hashes = list((await session.scalars(select(ApiKey.key_hash))).all())
    for secret in (*keys, *hashes):
        assert secret not in text
    assert "key_hash" not in text


async def test_an_admin_issues_lists_and_revokes_a_key(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    issued = await admin.post("/api-keys", {"name": "shop checkout"})
    assert issued.status == 201, issued.body
    key = issued.body["key"]
    assert key.startswith("cbk_")
    assert key.startswith(issued.body["prefix"])
    assert (issued.body["name"], issued.body["revoked_at"]) == ("shop checkout", None)
    assert (await admin.get("/tenant", key=key)).status == 200

    listed = await admin.get("/api-keys")
    assert [k["name"] for k in listed.body["items"]][:1] == ["shop checkout"]
    assert all("key" not in k for k in listed.body["items"])
    await assert_no_secret(listed, sessions, key, admin.api_key)

    revoked = await admin.delete(f"/api-keys/{issued.body['id']}")
    assert revoked.status == 204
    assert (await admin.get("/tenant", key=key)).status == 401
    after = {k["id"]: k for k in (await admin.get("/api-keys")).body["items"]}
    assert after[issued.body["id"]]["revoked_at"] is not None
    assert (await admin.delete(f"/api-keys/{issued.body['id']}")).status == 204  # again: nothing changes
    assert (await admin.get("/tenant")).status == 200  # the admin's own key still works


async def test_a_key_may_revoke_itself_and_is_refused_at_once(admin: AdminApi) -> None:
    issued = await admin.post("/api-keys", {"name": "leaked"})
    key = issued.body["key"]

    revoked = await admin.delete(f"/api-keys/{issued.body['id']}", key=key)

    assert revoked.status == 204
    refused = await admin.get("/api-keys", key=key)
    assert (refused.status, refused.error["code"]) == (401, "unauthorized")
    assert (await admin.post("/api-keys", {"name": "another"}, key=key)).status == 401


async def test_refusals_name_the_field(admin: AdminApi) -> None:
    for body, field in (({}, "name"), ({"name": "  "}, "name"), ({"name": "x", "scope": "all"}, "scope")):
        refused = await admin.post("/api-keys", body)
        assert (refused.status, refused.error["field"]) == (422, field), (body, refused.body)
    assert [k["name"] for k in (await admin.get("/api-keys")).body["items"]] == ["first key"]


async def test_another_tenants_keys_are_not_found(admin: AdminApi, other_admin: AdminApi) -> None:
    mine = await admin.post("/api-keys", {"name": "mine"})

    assert (await other_admin.delete(f"/api-keys/{mine.body['id']}")).status == 404
    assert mine.body["id"] not in [k["id"] for k in (await other_admin.get("/api-keys")).body["items"]]
    assert (await admin.get("/tenant", key=mine.body["key"])).status == 200


async def test_a_keys_list_shows_when_each_key_was_last_used(admin: AdminApi) -> None:
    issued = await admin.post("/api-keys", {"name": "reporting"})
    unused = {k["id"]: k for k in (await admin.get("/api-keys")).body["items"]}
    assert unused[issued.body["id"]]["last_used_at"] is None

    assert (await admin.get("/tenant", key=issued.body["key"])).status == 200

    used = {k["id"]: k for k in (await admin.get("/api-keys")).body["items"]}
    assert used[issued.body["id"]]["last_used_at"] is not None
    assert used[issued.body["id"]]["last_used_at"] >= issued.body["created_at"]
