"""`/api/v1/bots`: a tenant admin creates, reads, changes and deletes bots; the rules are `chatbot bot
set`'s (bot/tenancy/bot_settings.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine.tools.builtin import BUILTIN_TOOLS
from bot.tenancy.bot_settings import TOOL_NAMES
from bot.tenancy.demo.seed import DemoReport
from tests.support.admin_api import AdminApi
from tests.support.shop import Chats

NIGHT_BOT = {
    "name": "Night shift",
    "persona": "A calm barista who answers after hours.",
    "temperature": 0.2,
    "tools": ["search_knowledge_base", "handoff_to_human"],
    "handoff_phrases": ["a person please", "  manager  "],
    "out_of_credits_action": "handoff",
}


async def test_an_admin_creates_reads_changes_and_deletes_a_bot(admin: AdminApi) -> None:
    created = await admin.post("/bots", NIGHT_BOT)
    assert created.status == 201, created.body
    bot = f"/bots/{created.body['id']}"
    assert created.body["tools"] == ["search_knowledge_base", "handoff_to_human"]
    assert created.body["handoff_phrases"] == ["a person please", "manager"]
    assert (created.body["out_of_credits_action"], created.body["active"]) == ("handoff", True)
    assert created.body["max_tool_rounds"] == 3  # left out: the default
    assert created.body["model"] is None

    read = await admin.get(bot)
    assert (read.status, read.body, read.etag) == (200, created.body, created.etag)

    changed = await admin.patch(
        bot,
        {
            "temperature": 1.1,
            "max_tool_rounds": 0,
            "handoff_text": "A colleague takes over.",
            "model": "gemini-x",
        },
        headers={"If-Match": read.etag},
    )
    assert changed.status == 200, changed.body
    assert (changed.body["temperature"], changed.body["max_tool_rounds"]) == (1.1, 0)
    assert (changed.body["handoff_text"], changed.body["model"]) == ("A colleague takes over.", "gemini-x")
    assert changed.body["persona"] == NIGHT_BOT["persona"]
    back_to_default = await admin.patch(bot, {"model": None, "handoff_text": None})
    assert (back_to_default.body["model"], back_to_default.body["handoff_text"]) == (None, None)

    stale = await admin.delete(bot, headers={"If-Match": read.etag})
    assert stale.status == 412
    gone = await admin.delete(bot, headers={"If-Match": back_to_default.etag})
    assert gone.status == 204
    assert (await admin.get(bot)).status == 404
    assert created.body["id"] not in [b["id"] for b in (await admin.get("/bots")).body["items"]]


async def test_out_of_range_values_and_unknown_names_are_refused_naming_the_field(admin: AdminApi) -> None:
    created = await admin.post("/bots", NIGHT_BOT)
    bot = f"/bots/{created.body['id']}"
    refusals = [
        ({"temperature": 2.5}, "temperature"),
        ({"max_output_tokens": 8}, "max_output_tokens"),
        ({"knowledge_threshold": 1.5}, "knowledge_threshold"),
        ({"max_tool_rounds": 11}, "max_tool_rounds"),
        ({"handoff_after_negative": -1}, "handoff_after_negative"),
        ({"tools": ["search_knowledge_base", "teleport"]}, "tools.1"),
        ({"out_of_credits_action": "shrug"}, "out_of_credits_action"),
        ({"persona": None}, "persona"),
        ({"fallback_text": ""}, "fallback_text"),
    ]
    for body, field in refusals:
        refused = await admin.patch(bot, {**body, "name": "Renamed"})
        assert (refused.status, refused.error["field"]) == (422, field), (body, refused.body)
    unknown = await admin.post("/bots", {**NIGHT_BOT, "name": "Other", "colour": "red"})
    assert (unknown.status, unknown.error["code"], unknown.error["field"]) == (422, "unknown_field", "colour")
    nameless = await admin.post("/bots", {"persona": "no name"})
    assert (nameless.status, nameless.error["field"]) == (422, "name")
    assert (await admin.get(bot)).body == created.body


async def test_a_name_is_unique_per_tenant(admin: AdminApi, other_admin: AdminApi) -> None:
    first = await admin.post("/bots", NIGHT_BOT)
    assert first.status == 201
    again = await admin.post("/bots", NIGHT_BOT)
    assert (again.status, again.error["field"]) == (409, "name")
    other = await admin.post("/bots", {"name": "Day shift"})
    renamed = await admin.patch(f"/bots/{other.body['id']}", {"name": "Night shift"})
    assert (renamed.status, renamed.error["field"]) == (409, "name")
    assert (await other_admin.post("/bots", NIGHT_BOT)).status == 201  # another tenant's names are its own


async def test_a_bot_that_channels_use_is_not_deleted(admin: AdminApi) -> None:
    (demo_bot,) = (await admin.get("/bots")).body["items"]

    refused = await admin.delete(f"/bots/{demo_bot['id']}")

    assert (refused.status, refused.error["code"]) == (409, "bot_in_use")
    assert "1 channel;" in refused.error["message"]
    assert (await admin.get(f"/bots/{demo_bot['id']}")).status == 200
    deactivated = await admin.patch(f"/bots/{demo_bot['id']}", {"active": False})
    assert (deactivated.status, deactivated.body["active"]) == (200, False)


async def test_another_tenants_bots_are_not_found(admin: AdminApi, other_admin: AdminApi) -> None:
    mine = await admin.post("/bots", NIGHT_BOT)
    path = f"/bots/{mine.body['id']}"

    assert (await other_admin.get(path)).status == 404
    assert (await other_admin.patch(path, {"persona": "taken over"})).status == 404
    assert (await other_admin.delete(path)).status == 404
    assert mine.body["id"] not in [b["id"] for b in (await other_admin.get("/bots")).body["items"]]
    assert (await admin.get(path)).body["persona"] == NIGHT_BOT["persona"]


def test_the_tool_names_the_rules_allow_are_the_tools_the_engine_has() -> None:
    assert sorted(TOOL_NAMES) == sorted(tool.name for tool in BUILTIN_TOOLS)


async def test_a_bot_that_conversations_name_is_deactivated_not_deleted(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    chats = await Chats.of(sessions, demo.tenant_id)
    await chats.conversation("ana")
    night = await admin.post("/bots", {"name": "Night shift"})
    moved = await admin.patch(f"/channels/{chats.channel_id}", {"bot_id": night.body["id"]})
    assert moved.status == 200

    refused = await admin.delete(f"/bots/{chats.bot_id}")

    assert (refused.status, refused.error["code"], refused.error["field"]) == (
        409,
        "bot_has_history",
        "active",
    )
    assert (await admin.get(f"/bots/{chats.bot_id}")).status == 200
