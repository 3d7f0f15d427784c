"""Knowledge entry, template and custom command queries (always scoped by tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CustomCommand, KnowledgeEntry, Template
from storage.sql import table


async def active_entries(session: AsyncSession, tenant_id: int) -> list[KnowledgeEntry]:
    rows = await session.scalars(
        select(KnowledgeEntry)
        .where(KnowledgeEntry.tenant_id == tenant_id, KnowledgeEntry.active.is_(True))
        .order_by(KnowledgeEntry.id)
    )
    return list(rows.all())


async def knowledge_version(session: AsyncSession, tenant_id: int) -> tuple[int, datetime | None]:
    """A cheap fingerprint (count, last change) that tells a cache when the tenant's entries changed."""
    row = (
        await session.execute(
            select(func.count(), func.max(KnowledgeEntry.updated_at)).where(
                KnowledgeEntry.tenant_id == tenant_id
            )
        )
    ).one()
    return int(row[0]), row[1]


async def existing_questions(session: AsyncSession, tenant_id: int) -> set[str]:
    rows = await session.scalars(select(KnowledgeEntry.question).where(KnowledgeEntry.tenant_id == tenant_id))
    return {q.strip().lower() for q in rows.all()}


def add_entry(
    session: AsyncSession,
    *,
    tenant_id: int,
    question: str,
    answer: str,
    keywords: Sequence[str],
    category: str | None,
    active: bool = True,
) -> KnowledgeEntry:
    entry = KnowledgeEntry(
        tenant_id=tenant_id,
        question=question,
        answer=answer,
        keywords=list(keywords),
        category=category,
        active=active,
    )
    session.add(entry)
    return entry


async def active_templates(session: AsyncSession, tenant_id: int) -> list[Template]:
    rows = await session.scalars(
        select(Template)
        .where(Template.tenant_id == tenant_id, Template.active.is_(True))
        .order_by(Template.id)
    )
    return list(rows.all())


async def get_template(session: AsyncSession, tenant_id: int, name: str) -> Template | None:
    return await session.scalar(
        select(Template).where(Template.tenant_id == tenant_id, Template.name == name)
    )


async def active_commands(session: AsyncSession, tenant_id: int, group_id: int | None) -> list[CustomCommand]:
    """Tenant-wide commands plus, in a group, that group's own (which win on a name clash)."""
    scope: ColumnElement[bool] = CustomCommand.group_id.is_(None)
    if group_id is not None:
        scope = or_(scope, CustomCommand.group_id == group_id)
    rows = await session.scalars(
        select(CustomCommand)
        .where(CustomCommand.tenant_id == tenant_id, CustomCommand.active.is_(True), scope)
        .order_by(CustomCommand.group_id.is_(None), CustomCommand.id)
    )
    return list(rows.all())


async def get_command(session: AsyncSession, tenant_id: int, command: str) -> CustomCommand | None:
    return await session.scalar(
        select(CustomCommand).where(
            CustomCommand.tenant_id == tenant_id,
            CustomCommand.command == command,
            CustomCommand.group_id.is_(None),
        )
    )


_ENTRIES, _TEMPLATES, _COMMANDS = table(KnowledgeEntry), table(Template), table(CustomCommand)
# Prebuilt Core statements (compiled once; no ORM bookkeeping): they run on most turns.
_COUNT_ENTRIES = (
    update(_ENTRIES)
    .where(_ENTRIES.c.tenant_id == bindparam("tenant"), _ENTRIES.c.id.in_(bindparam("ids", expanding=True)))
    # updated_at stays: it marks content changes, which invalidate the cached search index.
    .values(usage_count=_ENTRIES.c.usage_count + 1, updated_at=_ENTRIES.c.updated_at)
)
_COUNT_TEMPLATE = (
    update(_TEMPLATES)
    .where(_TEMPLATES.c.tenant_id == bindparam("tenant"), _TEMPLATES.c.id == bindparam("row"))
    .values(usage_count=_TEMPLATES.c.usage_count + 1)
)
_COUNT_COMMAND = (
    update(_COMMANDS)
    .where(_COMMANDS.c.tenant_id == bindparam("tenant"), _COMMANDS.c.id == bindparam("row"))
    .values(usage_count=_COMMANDS.c.usage_count + 1)
)


async def count_usage(
    session: AsyncSession,
    *,
    tenant_id: int,
    knowledge_ids: Sequence[int] = (),
    template_id: int | None = None,
    command_id: int | None = None,
) -> None:
    """Add one use to each entry, template or command a turn answered with."""
    if knowledge_ids:
        await session.execute(_COUNT_ENTRIES, {"tenant": tenant_id, "ids": list(knowledge_ids)})
    if template_id is not None:
        await session.execute(_COUNT_TEMPLATE, {"tenant": tenant_id, "row": template_id})
    if command_id is not None:
        await session.execute(_COUNT_COMMAND, {"tenant": tenant_id, "row": command_id})


async def all_active_commands(session: AsyncSession, tenant_id: int) -> list[CustomCommand]:
    """Every active command of the tenant, tenant-wide and per group, oldest first (for a cache)."""
    rows = await session.scalars(
        select(CustomCommand)
        .where(CustomCommand.tenant_id == tenant_id, CustomCommand.active.is_(True))
        .order_by(CustomCommand.id)
    )
    return list(rows.all())
