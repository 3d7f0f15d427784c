"""`/api/v1/intents`: a tenant admin adds, replaces, lists and removes the tenant's own intents, the same
ones `chatbot intent add|list|remove` manages."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.context import tenant_intents
from bot.tenancy.tenant_accounts import require_tenant
from storage.db import read_only
from tests.support.admin_api import AdminApi

WHOLESALE = {"name": "Wholesale Order", "examples": ["do you sell to cafes", " bulk beans? ", ""]}


async def test_an_admin_adds_replaces_lists_and_removes_an_intent(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    added = await admin.post("/intents", WHOLESALE)
    assert added.status == 201, added.body
    assert added.body == {"name": "wholesale_order", "examples": ["do you sell to cafes", "bulk beans?"]}

    replaced = await admin.post("/intents", {"name": "wholesale order", "examples": ["price for 20kg"]})
    assert (replaced.status, replaced.body["examples"]) == (200, ["price for 20kg"])
    await admin.post("/intents", {"name": "gift", "examples": ["a present for my dad"]})

    listed = await admin.get("/intents")
    assert listed.status == 200
    assert listed.body["items"] == [
        {"name": "wholesale_order", "examples": ["price for 20kg"]},
        {"name": "gift", "examples": ["a present for my dad"]},
    ]
    # What the next turn scores with.
    async with read_only(sessions) as session:
        tenant = await require_tenant(session, "demo")
        assert [i.name for i in tenant_intents(tenant.settings)] == ["wholesale_order", "gift"]

    assert (await admin.delete("/intents?name=Wholesale+Order")).status == 204
    again = await admin.delete("/intents?name=wholesale_order")
    assert (again.status, again.error["field"]) == (404, "name")
    assert [i["name"] for i in (await admin.get("/intents")).body["items"]] == ["gift"]


async def test_refusals_name_the_field_and_change_nothing(admin: AdminApi) -> None:
    await admin.post("/intents", {"name": "gift", "examples": ["a present"]})

    no_examples = await admin.post("/intents", {"name": "gift", "examples": ["  ", ""]})
    assert (no_examples.status, no_examples.error["field"]) == (422, "examples")
    assert "at least one example" in no_examples.error["message"]
    bad_name = await admin.post("/intents", {"name": "gift!", "examples": ["x"]})
    assert (bad_name.status, bad_name.error["field"]) == (422, "name")
    unknown = await admin.post("/intents", {"name": "gift", "examples": ["x"], "score": 1})
    assert (unknown.status, unknown.error["code"], unknown.error["field"]) == (422, "unknown_field", "score")
    no_name = await admin.delete("/intents")
    assert (no_name.status, no_name.error["field"]) == (422, "name")

    assert (await admin.get("/intents")).body["items"] == [{"name": "gift", "examples": ["a present"]}]


async def test_another_tenants_intents_are_its_own(admin: AdminApi, other_admin: AdminApi) -> None:
    await admin.post("/intents", {"name": "gift", "examples": ["a present"]})

    assert (await other_admin.get("/intents")).body["items"] == []
    gone = await other_admin.delete("/intents?name=gift")
    assert (gone.status, gone.error["field"]) == (404, "name")
    assert (await other_admin.post("/intents", {"name": "gift", "examples": ["theirs"]})).status == 201

    assert (await admin.get("/intents")).body["items"] == [{"name": "gift", "examples": ["a present"]}]
