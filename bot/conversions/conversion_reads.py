"""A tenant's recorded conversions, as the admin API lists and shows them (as they were reported)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, RootModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversions.purchase_callbacks import ConversionView, view
from bot.tenancy.config_errors import NotFound
from bot.tenancy.read_filters import OneOf, RowId
from bot.tenancy.schema_base import RequestModel
from storage import account_pages
from storage.keyset import Page
from storage.models import Conversion
from storage.models.conversion_tables import OUTCOMES
from storage.sql import get_owned


class ConversionFilter(RequestModel):
    outcome: Annotated[str, OneOf(OUTCOMES)] | None = Field(
        None, description="purchased, visited (a tracked link's first click), did_nothing or abandoned"
    )
    customer_id: RowId | None = None
    conversation_id: RowId | None = None


class ConversionRecord(RootModel[ConversionView]):
    """One conversion, the same as ``POST /conversions`` answered it."""


async def list_conversions(
    session: AsyncSession, tenant_id: int, where: ConversionFilter, *, limit: int, before: int | None
) -> Page[ConversionRecord]:
    found = await account_pages.conversions_page(
        session,
        tenant_id,
        outcome=where.outcome,
        customer_id=where.customer_id,
        conversation_id=where.conversation_id,
        limit=limit,
        before=before,
    )
    return Page([ConversionRecord(view(row)) for row in found.rows], found.next_before)


async def get_conversion(session: AsyncSession, tenant_id: int, conversion_id: int) -> ConversionRecord:
    conversion = await get_owned(session, Conversion, tenant_id, conversion_id)
    if conversion is None:
        raise NotFound(f"no conversion {conversion_id}")
    return ConversionRecord(view(conversion))
