"""`/api/v1/synonyms`: a tenant admin adds, replaces, lists and removes the tenant's own synonym groups,
the same ones `chatbot kb synonyms add|list|remove` manages, and the next customer's words find the entry."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.config_cache import tenant_synonyms
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.tenant_accounts import require_tenant
from storage.db import read_only
from tests.support.admin_api import AdminApi
from tests.support.platforms import World
from tests.web.agent.desk import customer_says

LOYALTY = {"name": " Loyalty ", "members": ["coffee passport", " Stamp card ", "", "stamp  card"]}


async def test_an_admin_adds_replaces_lists_and_removes_a_synonym_group(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    added = await admin.post("/synonyms", LOYALTY)
    assert added.status == 201, added.body
    assert added.body == {"name": "loyalty", "members": ["coffee passport", "Stamp card"]}

    replaced = await admin.post("/synonyms", {"name": "LOYALTY", "members": ["bean club", "coffee passport"]})
    assert (replaced.status, replaced.body["members"]) == (200, ["bean club", "coffee passport"])
    await admin.post("/synonyms", {"name": "Gift-Card", "members": ["present voucher"]})

    listed = await admin.get("/synonyms")
    assert listed.status == 200
    assert listed.body["items"] == [
        {"name": "gift card", "members": ["present voucher"]},
        {"name": "loyalty", "members": ["bean club", "coffee passport"]},
    ]
    # What the next turn's knowledge search reads.
    async with read_only(sessions) as session:
        tenant = await require_tenant(session, "demo")
        assert tenant_synonyms(tenant.settings) == {
            "loyalty": ["bean club", "coffee passport"],
            "gift card": ["present voucher"],
        }

    assert (await admin.delete("/synonyms?name=Loyalty")).status == 204
    again = await admin.delete("/synonyms?name=loyalty")
    assert (again.status, again.error["field"]) == (404, "name")
    assert "no synonym group named 'loyalty'" in again.error["message"]
    assert [g["name"] for g in (await admin.get("/synonyms")).body["items"]] == ["gift card"]


async def test_refusals_name_the_field_and_change_nothing(admin: AdminApi) -> None:
    await admin.post("/synonyms", {"name": "loyalty", "members": ["coffee passport"]})

    no_members = await admin.post("/synonyms", {"name": "loyalty", "members": ["  ", ""]})
    assert (no_members.status, no_members.error["field"]) == (422, "members")
    assert "at least one word or phrase" in no_members.error["message"]
    long_phrase = await admin.post(
        "/synonyms", {"name": "loyalty", "members": ["bean club", "the card you get stamped at the till"]}
    )
    assert (long_phrase.status, long_phrase.error["field"]) == (422, "members.1")
    assert "up to 4 words" in long_phrase.error["message"]
    too_many = await admin.post("/synonyms", {"name": "loyalty", "members": [f"word{n}" for n in range(51)]})
    assert (too_many.status, too_many.error["field"]) == (422, "members")
    no_words = await admin.post("/synonyms", {"name": "?!", "members": ["x"]})
    assert (no_words.status, no_words.error["field"]) == (422, "name")
    unknown = await admin.post("/synonyms", {"name": "loyalty", "members": ["x"], "weight": 1})
    assert (unknown.status, unknown.error["code"], unknown.error["field"]) == (422, "unknown_field", "weight")
    no_name = await admin.delete("/synonyms")
    assert (no_name.status, no_name.error["field"]) == (422, "name")

    assert (await admin.get("/synonyms")).body["items"] == [
        {"name": "loyalty", "members": ["coffee passport"]}
    ]


async def test_another_tenants_synonyms_are_its_own(admin: AdminApi, other_admin: AdminApi) -> None:
    await admin.post("/synonyms", {"name": "loyalty", "members": ["coffee passport"]})

    assert (await other_admin.get("/synonyms")).body["items"] == []
    gone = await other_admin.delete("/synonyms?name=loyalty")
    assert (gone.status, gone.error["field"]) == (404, "name")
    assert (await other_admin.post("/synonyms", {"name": "loyalty", "members": ["punch card"]})).status == 201

    assert (await admin.get("/synonyms")).body["items"] == [
        {"name": "loyalty", "members": ["coffee passport"]}
    ]


async def test_the_next_customer_who_uses_the_new_word_gets_the_entry(world: World, demo: DemoReport) -> None:
    assert demo.api_key is not None
    admin = AdminApi(world.client, demo.api_key)
    await customer_says(world, "messenger", "what is the coffee passport?")
    before = _last_reply(world)

    added = await admin.post("/synonyms", {"name": "loyalty", "members": ["coffee passport"]})
    assert added.status == 201, added.body
    await customer_says(world, "messenger", "what is the coffee passport?")

    assert "Bean Point" not in before
    assert "You earn 1 Bean Point for every $1 you spend" in _last_reply(world)


def _last_reply(world: World) -> str:
    texts = [b["message"]["text"] for b in world.graph.sent if "text" in b.get("message", {})]
    assert texts
    text: str = texts[-1]
    return text
