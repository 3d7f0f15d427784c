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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Conflict, NotFound
from bot.tenancy.row_versions import check_version
from bot.tenancy.schema_base import RequestModel, ResponseModel, apply_changes, given_changes
from storage.conversion_records import monetization_source_named
from storage.keyset import Page, newest_first
from storage.models import Conversion, MonetizationSource
from storage.sql import get_owned

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


async def list_sources(
    session: AsyncSession, tenant_id: int, *, limit: int, before: int | None
) -> Page[MonetizationSource]:
    statement = select(MonetizationSource).where(MonetizationSource.tenant_id == tenant_id)
    return await newest_first(session, statement, MonetizationSource.id, limit=limit, before=before)


async def get_source(
    session: AsyncSession, tenant_id: int, source_id: int, *, for_update: bool = False
) -> MonetizationSource:
    source = await get_owned(session, MonetizationSource, tenant_id, source_id, for_update=for_update)
    if source is None:
        raise NotFound(f"no monetization source {source_id}")
    return source


async def create_source(session: AsyncSession, tenant_id: int, fields: SourceFields) -> MonetizationSource:
    await _refuse_taken_name(session, tenant_id, fields.name)
    source = MonetizationSource(tenant_id=tenant_id, name=fields.name, kind=fields.kind)
    session.add(source)
    await _flush(session, fields.name)
    return source


async def update_source(
    session: AsyncSession, tenant_id: int, source_id: int, changes: SourceChanges, *, if_match: str | None
) -> MonetizationSource:
    source = await get_source(session, tenant_id, source_id, for_update=True)
    check_version(source, if_match)
    values = given_changes(changes)
    if "name" in values and values["name"] != source.name:
        await _refuse_taken_name(session, tenant_id, values["name"])
    apply_changes(source, values)
    await _flush(session, source.name)
    return source


async def delete_source(
    session: AsyncSession, tenant_id: int, source_id: int, *, if_match: str | None
) -> None:
    source = await get_source(session, tenant_id, source_id, for_update=True)
    check_version(source, if_match)
    used = await session.scalar(
        select(func.count()).where(
            Conversion.tenant_id == tenant_id, Conversion.monetization_source_id == source.id
        )
    )
    if used:
        raise Conflict(
            f"{used} conversion(s) are owed to this source, and deleting it would take their revenue out "
            "of its line in every report; rename it instead",
            code="in_use",
        )
    await session.delete(source)
    await session.flush()


async def _refuse_taken_name(session: AsyncSession, tenant_id: int, name: str) -> None:
    if await monetization_source_named(session, tenant_id=tenant_id, name=name) is not None:
        raise Conflict(f"a monetization source named {name!r} already exists", field="name")


async def _flush(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:  # another request took the name between our check and this write
        raise Conflict(f"a monetization source named {name!r} already exists", field="name") from None
