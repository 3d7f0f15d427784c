"""Every change to a tenant's configuration bumps ``tenants.config_version`` in the same transaction.

The turn caches a tenant's configuration per process (tenant, channels, bots, templates, commands,
knowledge: bot/pipeline/config_cache.py) and checks it with one cheap read of this counter, so a change
made anywhere (the CLI, the admin API, another process) is seen by the next turn everywhere. The bump is
an ORM flush hook, so no service can forget it: any flush that adds, changes or deletes a row of those
tables bumps the counter of the tenants they belong to. Counters that turns update in bulk (usage
counts) are Core statements and do not count as configuration; a Core statement (or hand-written SQL)
that does change configuration must call ``bump_config_versions`` itself.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Update, event, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from storage.models import Bot, Channel, CustomCommand, KnowledgeEntry, Template, Tenant

CONFIGURATION = (Channel, Bot, Template, CustomCommand, KnowledgeEntry)


def _changed_tenants(session: Session) -> set[int]:
    tenants: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CONFIGURATION):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            if obj.tenant_id is not None:
                tenants.add(obj.tenant_id)
        elif (
            isinstance(obj, Tenant)
            and obj.id is not None
            and obj not in session.new
            and (obj in session.deleted or session.is_modified(obj, include_collections=False))
        ):
            tenants.add(obj.id)
    return tenants


def _bump(tenant_ids: Collection[int] | None) -> Update:
    """Core, not ORM: run inside a flush, it must not start another one."""
    table = Tenant.__table__
    statement = update(table).values(config_version=table.c.config_version + 1)  # type: ignore[arg-type]
    return statement if tenant_ids is None else statement.where(table.c.id.in_(sorted(tenant_ids)))


async def bump_config_versions(session: AsyncSession, tenant_ids: Collection[int] | None) -> None:
    """Tell every cache that these tenants' (None: all tenants') configuration changed outside the ORM."""
    await session.execute(_bump(tenant_ids))


@event.listens_for(Session, "after_flush")
def _bump_config_versions(session: Session, _flush: UOWTransaction, *_: Any) -> None:
    tenants = _changed_tenants(session)
    if tenants:
        session.connection().execute(_bump(tenants))
