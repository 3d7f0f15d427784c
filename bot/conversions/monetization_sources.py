"""A tenant's monetization sources (where revenue comes from: links, affiliates, ads, subscriptions,
direct sales): list, read, add, rename and delete them.

A purchase callback names its source by id or by exact name (bot/conversions/purchase_callbacks.py), and
the revenue report groups sales by it. So a name is unique per tenant, and a source that conversions
still refer to cannot be deleted (409): setting their source to nothing would move their revenue to
"no source" in every report, past periods included. Renaming keeps the conversions with their source;
new callbacks must then use the new name (or the id).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Conflict
from bot.tenancy.named_rows import NamedRows
from bot.tenancy.schema_base import RequestModel, ResponseModel, given_changes
from storage.keyset import Page
from storage.models import Conversion, MonetizationSource

# storage/models/conversion_tables.py SOURCE_KINDS, spelled out for the schema.
SourceKind = Literal["link", "affiliate", "ads", "subscription", "direct"]
SourceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SourceFields(RequestModel):
    name: SourceName = Field(description="what purchase callbacks send as monetization_source (exact)")
    kind: SourceKind


class SourceChanges(RequestModel):
    name: SourceName | None = None
    kind: SourceKind | None = None


class SourceView(ResponseModel):
    id: int
    name: str
    kind: str


SOURCES: NamedRows[MonetizationSource] = NamedRows(MonetizationSource, "monetization source")


async def list_sources(
    session: AsyncSession, tenant_id: int, *, limit: int, before: int | None
) -> Page[MonetizationSource]:
    return await SOURCES.page(session, tenant_id, limit=limit, before=before)


async def get_source(
    session: AsyncSession, tenant_id: int, source_id: int, *, for_update: bool = False
) -> MonetizationSource:
    return await SOURCES.get(session, tenant_id, source_id, for_update=for_update)


async def create_source(session: AsyncSession, tenant_id: int, fields: SourceFields) -> MonetizationSource:
    return await SOURCES.create(session, tenant_id, fields.model_dump())


async def update_source(
    session: AsyncSession, tenant_id: int, source_id: int, changes: SourceChanges, *, if_match: str | None
) -> MonetizationSource:
    return await SOURCES.change(session, tenant_id, source_id, given_changes(changes), if_match=if_match)


async def delete_source(
    session: AsyncSession, tenant_id: int, source_id: int, *, if_match: str | None
) -> None:
    async def refuse_if_owed(source: MonetizationSource) -> None:
        used = await session.scalar(
            select(func.count()).where(
                Conversion.tenant_id == tenant_id, Conversion.monetization_source_id == source.id
            )
        )
        if used:
            raise Conflict(
                f"{used} conversion(s) are owed to this source, and deleting it would take their revenue "
                "out of its line in every report; rename it instead",
                code="in_use",
            )

    await SOURCES.delete(session, tenant_id, source_id, if_match=if_match, refuse=refuse_if_owed)
