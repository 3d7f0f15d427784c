"""The knowledge port: tenant-scoped search over a cached index that follows configuration changes only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.pipeline.config_cache import ConfigCache, TenantKnowledge
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.tenant_accounts import create_tenant
from storage import knowledge
from storage.db import read_only, transaction
from storage.models import CustomCommand, KnowledgeEntry, Template


async def knowledge_of(
    sessions: async_sessionmaker[AsyncSession], cache: ConfigCache, tenant_id: int
) -> TenantKnowledge:
    async with read_only(sessions) as session:
        return (await cache.for_tenant(session, tenant_id)).knowledge


def entry_loads(db: AsyncEngine) -> list[str]:
    """Every statement from now on that reads the entries' answers, i.e. that (re)loads the knowledge base."""
    loads: list[str] = []

    @event.listens_for(db.sync_engine, "before_cursor_execute")
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        loads_entries = (
            "knowledge_entries.answer" in statement and "ORDER BY knowledge_entries.id" in statement
        )
        if statement.lstrip().upper().startswith("SELECT") and loads_entries:
            loads.append(statement)

    return loads


async def test_search_answers_from_the_tenants_own_entries_only(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    async with transaction(sessions) as session:
        other = await create_tenant(session, name="Other Shop", slug="other")
        knowledge.add_entry(
            session,
            tenant_id=other.id,
            question="What are your opening hours?",
            answer="OTHER SHOP: we never close",
            keywords=["hours"],
            category=None,
        )
    service = ConfigCache()
    demo_hits = await (await knowledge_of(sessions, service, demo.tenant_id)).search("opening hours")
    other_hits = await (await knowledge_of(sessions, service, other.id)).search("opening hours")
    assert "9am" in demo_hits[0].answer
    assert all("OTHER SHOP" not in hit.answer for hit in demo_hits)
    assert other_hits[0].answer == "OTHER SHOP: we never close"


async def test_the_knowledge_base_is_not_reloaded_for_usage_counts_but_follows_edits(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    loads = entry_loads(db)
    service = ConfigCache()
    first = await knowledge_of(sessions, service, demo.tenant_id)
    hit = (await first.search("opening hours"))[0]
    assert len(loads) == 1
    async with transaction(sessions) as session:
        await knowledge.count_usage(session, tenant_id=demo.tenant_id, knowledge_ids=[hit.entry_id])
    again = await knowledge_of(sessions, service, demo.tenant_id)
    # Answering a question is no reason to read every entry of the tenant again.
    assert len(loads) == 1
    assert (await again.search("opening hours"))[0] == hit

    async with transaction(sessions) as session:
        usage = await session.scalar(
            select(KnowledgeEntry.usage_count).where(
                KnowledgeEntry.tenant_id == demo.tenant_id, KnowledgeEntry.id == hit.entry_id
            )
        )
        assert usage == 1
        entry = await session.get(KnowledgeEntry, hit.entry_id)
        assert entry is not None
        entry.answer = "We are open 10am to 4pm, every day."
    edited = await knowledge_of(sessions, service, demo.tenant_id)
    assert len(loads) == 2
    assert (await edited.search("opening hours"))[0].answer == "We are open 10am to 4pm, every day."


async def test_a_turn_counts_one_use_of_its_template_and_command_for_its_own_tenant_only(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    async with transaction(sessions) as session:
        template = await session.scalar(select(Template).where(Template.tenant_id == demo.tenant_id))
        command = await session.scalar(select(CustomCommand).where(CustomCommand.tenant_id == demo.tenant_id))
        assert template is not None
        assert command is not None
        before = (template.usage_count, command.usage_count)
        ids = (template.id, command.id)
    async with transaction(sessions) as session:
        await knowledge.count_usage(session, tenant_id=demo.tenant_id, template_id=ids[0], command_id=ids[1])
        # Another tenant's id changes nothing: the statements are scoped by tenant.
        await knowledge.count_usage(
            session, tenant_id=demo.tenant_id + 1, template_id=ids[0], command_id=ids[1]
        )
    async with transaction(sessions) as session:
        counts = (
            await session.scalar(select(Template.usage_count).where(Template.id == ids[0])),
            await session.scalar(select(CustomCommand.usage_count).where(CustomCommand.id == ids[1])),
        )
    assert counts == (before[0] + 1, before[1] + 1)
