"""`/api/v1/commands`: a tenant admin adds "!sizes" and the like, for every conversation or one GroupMe
group, changes them with If-Match and deletes them; names clash the way the bot would confuse them."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine.triggers import match_command
from bot.engine.types import CommandInfo
from storage.db import transaction
from storage.models import Bot, Channel, Group, Tenant
from tests.support.admin_api import AdminApi

PRICE = {"command": "!Sizes", "response": "A bag is 250g or 1kg, {first_name}."}


async def groupme_group(sessions: async_sessionmaker[AsyncSession], slug: str, name: str) -> int:
    """A GroupMe group of the tenant's (with a GroupMe channel of its own)."""
    async with transaction(sessions) as session:
        tenant_id = (await session.scalars(select(Tenant.id).where(Tenant.slug == slug))).one()
        bot = Bot(tenant_id=tenant_id, name=f"{name} bot", persona="", enabled_tools=[])
        session.add(bot)
        await session.flush()
        channel = Channel(
            tenant_id=tenant_id, bot_id=bot.id, platform="groupme", name=name,
            external_id=f"gm-{slug}-{name}", webhook_key=f"key-{slug}-{name}",
        )  # fmt: skip
        session.add(channel)
        await session.flush()
        group = Group(tenant_id=tenant_id, channel_id=channel.id, platform_group_id=f"pg-{name}", name=name)
        session.add(group)
        await session.flush()
        return group.id


async def test_an_admin_adds_reads_changes_and_deletes_a_command(admin: AdminApi) -> None:
    created = await admin.post("/commands", PRICE)
    assert created.status == 201, created.body
    assert created.body["command"] == "!sizes"  # stored as the bot reads it
    assert (created.body["group_id"], created.body["active"], created.body["usage_count"]) == (None, True, 0)
    one = f"/commands/{created.body['id']}"
    # What a customer types finds it the way the engine matches it.
    info = CommandInfo(created.body["id"], created.body["command"], created.body["response"])
    assert match_command("!SIZES? please", [info]) == info

    read = await admin.get(one)
    assert (read.status, read.body["response"], read.etag) == (200, PRICE["response"], created.etag)
    assert created.body["id"] in [c["id"] for c in (await admin.get("/commands")).body["items"]]

    changed = await admin.patch(
        one, {"response": "Only 250g.", "active": False}, headers={"If-Match": read.etag}
    )
    assert changed.status == 200, changed.body
    assert (changed.body["response"], changed.body["active"], changed.body["command"]) == (
        "Only 250g.", False, "!sizes"
    )  # fmt: skip
    stale = await admin.patch(one, {"response": "Free!"}, headers={"If-Match": read.etag})
    assert (stale.status, stale.error["field"]) == (412, "If-Match")
    assert (await admin.delete(one, headers={"If-Match": read.etag})).status == 412
    assert (await admin.get(one)).body["response"] == "Only 250g."

    assert (await admin.delete(one, headers={"If-Match": changed.etag})).status == 204
    assert (await admin.get(one)).status == 404


async def test_a_name_the_bot_would_confuse_is_a_409_within_one_scope(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    group_id = await groupme_group(sessions, "demo", "roasters")
    assert (await admin.post("/commands", {"command": "beans", "response": "Arabica."})).status == 201

    for same in ("beans", "!beans", "!BEANS", "  Beans "):
        again = await admin.post("/commands", {"command": same, "response": "Robusta."})
        assert (again.status, again.error["code"], again.error["field"]) == (409, "conflict", "command")

    # One group may have its own "!beans" (it wins there), but only one.
    own = await admin.post("/commands", {"command": "!beans", "response": "Ours.", "group_id": group_id})
    assert (own.status, own.body["group_id"]) == (201, group_id)
    twin = await admin.post("/commands", {"command": "!beans", "response": "Twin.", "group_id": group_id})
    assert (twin.status, twin.error["field"]) == (409, "command")

    # Moving the group's command to every conversation clashes too, and changes nothing.
    moved = await admin.patch(f"/commands/{own.body['id']}", {"group_id": None})
    assert (moved.status, moved.error["field"]) == (409, "command")
    assert (await admin.get(f"/commands/{own.body['id']}")).body["group_id"] == group_id
    renamed = await admin.patch(f"/commands/{own.body['id']}", {"command": "roast", "group_id": None})
    assert (renamed.status, renamed.body["command"], renamed.body["group_id"]) == (200, "!roast", None)


async def test_refusals_name_the_field(
    admin: AdminApi, other_admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    theirs = await groupme_group(sessions, "other-shop", "their-group")

    foreign = await admin.post("/commands", {**PRICE, "group_id": theirs})
    assert (foreign.status, foreign.error["field"]) == (422, "group_id")
    missing = await admin.post("/commands", {**PRICE, "group_id": 999_999})
    assert (missing.status, missing.error["field"]) == (422, "group_id")
    two_words = await admin.post("/commands", {"command": "!price list", "response": "x"})
    assert (two_words.status, two_words.error["field"]) == (422, "command")
    bare = await admin.post("/commands", {"command": "!", "response": "x"})
    assert (bare.status, bare.error["field"]) == (422, "command")
    no_response = await admin.post("/commands", {"command": "!x", "response": "   "})
    assert (no_response.status, no_response.error["field"]) == (422, "response")
    unknown = await admin.post("/commands", {**PRICE, "scope": "all"})
    assert (unknown.status, unknown.error["code"], unknown.error["field"]) == (422, "unknown_field", "scope")

    created = await admin.post("/commands", PRICE)
    null_response = await admin.patch(f"/commands/{created.body['id']}", {"response": None})
    assert (null_response.status, null_response.error["field"]) == (422, "response")
    assert [c["command"] for c in (await admin.get("/commands")).body["items"]].count("!sizes") == 1
    assert (await other_admin.post("/commands", {**PRICE, "group_id": theirs})).status == 201


async def test_another_tenants_commands_are_not_found(admin: AdminApi, other_admin: AdminApi) -> None:
    mine = await admin.post("/commands", PRICE)
    one = f"/commands/{mine.body['id']}"

    assert (await other_admin.get(one)).status == 404
    assert (await other_admin.patch(one, {"response": "taken over"})).status == 404
    assert (await other_admin.delete(one)).status == 404
    assert (await other_admin.get("/commands")).body["items"] == []
    # The other tenant may have its own "!sizes": names are per tenant.
    assert (await other_admin.post("/commands", PRICE)).status == 201
    assert (await admin.get(one)).body["response"] == PRICE["response"]


async def test_two_admins_adding_one_tenant_wide_command_at_once_make_one(admin: AdminApi) -> None:
    # The unique key does not cover tenant-wide commands (their group is NULL): the service's check must.
    answers = await asyncio.gather(
        *(admin.post("/commands", {"command": "!twin", "response": f"answer {n}"}) for n in range(3))
    )

    assert sorted(a.status for a in answers) == [201, 409, 409]
    listed = (await admin.get("/commands")).body["items"]
    assert [c["command"] for c in listed].count("!twin") == 1
