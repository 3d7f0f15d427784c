"""The tenant's configuration is read once per process and reloaded only when it changes: any change to a
tenant, channel, bot, template, command or knowledge entry bumps ``tenants.config_version`` in its own
transaction, and turns, usage counts and conversations do not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.config_cache import ConfigCache, TenantConfig
from bot.tenancy.demo.seed import DemoReport
from storage import knowledge
from storage.db import read_only, transaction
from storage.models import Bot, CustomCommand, Template, Tenant
from tests.support.platforms import World, payload
from tests.web.agent.desk import customer_says


async def config_of(
    sessions: async_sessionmaker[AsyncSession], cache: ConfigCache, tenant_id: int
) -> TenantConfig:
    async with read_only(sessions) as session:
        return await cache.for_tenant(session, tenant_id)


async def version_of(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> int:
    async with sessions() as session:
        version = await session.scalar(select(Tenant.config_version).where(Tenant.id == tenant_id))
    assert version is not None
    return version


async def test_a_change_anywhere_reaches_every_process_cache_and_nothing_else_reloads(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    here, there = ConfigCache(), ConfigCache()  # two processes
    first = await config_of(sessions, here, demo.tenant_id)
    await config_of(sessions, there, demo.tenant_id)
    assert await config_of(sessions, here, demo.tenant_id) is first
    assert (here.loads, there.loads) == (1, 1)

    async with transaction(sessions) as session:
        session.add(
            Template(tenant_id=demo.tenant_id, name="promo", trigger_keywords=["promo"], body="10% off")
        )

    for cache in (here, there):
        config = await config_of(sessions, cache, demo.tenant_id)
        assert "promo" in [t.name for t in config.templates]
        assert config.version == first.version + 1
    assert (here.loads, there.loads) == (2, 2)


async def test_each_kind_of_configuration_change_bumps_the_version(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    start = await version_of(sessions, demo.tenant_id)
    async with transaction(sessions) as session:
        bot = await session.scalar(select(Bot).where(Bot.tenant_id == demo.tenant_id))
        assert bot is not None
        bot.fallback_text = "Hmm?"
        command = await session.scalar(select(CustomCommand).where(CustomCommand.tenant_id == demo.tenant_id))
        assert command is not None
        command.response = "changed"
    after_bot = await version_of(sessions, demo.tenant_id)
    assert after_bot > start

    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, demo.tenant_id)
        assert tenant is not None
        tenant.settings = {**tenant.settings, "business_hours": {"mon": "09:00-17:00"}}
    after_tenant = await version_of(sessions, demo.tenant_id)
    assert after_tenant > after_bot

    async with transaction(sessions) as session:
        template = await session.scalar(select(Template).where(Template.tenant_id == demo.tenant_id))
        assert template is not None
        await session.delete(template)
    after_delete = await version_of(sessions, demo.tenant_id)
    assert after_delete > after_tenant

    async with transaction(sessions) as session:
        # Counting uses is not configuration, and neither is reading it.
        await knowledge.count_usage(
            session, tenant_id=demo.tenant_id, template_id=None, command_id=command.id
        )
        tenant = await session.get(Tenant, demo.tenant_id)
        assert tenant is not None
        _ = tenant.settings
    assert await version_of(sessions, demo.tenant_id) == after_delete


async def test_turns_do_not_change_the_configuration(world: World) -> None:
    start = await version_of(world.sessions, world.tenant_id)

    await customer_says(world, "messenger", "what are your opening hours?")
    await customer_says(world, "messenger", "can I talk to a real person please")
    assert (await world.post("groupme", payload("groupme", "user_mention.json"))).status == 200
    await world.settled()

    assert await version_of(world.sessions, world.tenant_id) == start


async def test_the_next_turn_answers_with_a_command_changed_meanwhile(world: World) -> None:
    await customer_says(world, "messenger", "!hours")
    async with transaction(world.sessions) as session:
        command = await session.scalar(
            select(CustomCommand).where(
                CustomCommand.tenant_id == world.tenant_id, CustomCommand.command == "!hours"
            )
        )
        assert command is not None
        command.response = "Open all night this week!"

    await customer_says(world, "messenger", "!hours")

    texts = [b["message"].get("text") for b in world.graph.sent if "message" in b]
    assert texts[-1] == "Open all night this week!"
    assert texts[-2] != "Open all night this week!"
