"""A tenant's API keys: list them, issue one (the key shown once), revoke one.

Only a key's SHA-256 and its first characters (``prefix``, to tell keys apart) are stored; no answer
shows the hash. A revoked key is refused from the moment the revocation commits, the very key that
revoked it included (bot/tenancy/api_callers.py looks keys up on every request, caching nothing).
`chatbot apikey` and ``/api/v1/api-keys`` both come here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import NotFound
from bot.tenancy.schema_base import RequestModel, ResponseModel
from bot.tenancy.tenant_accounts import new_api_key
from storage.keyset import Page, newest_first
from storage.models import ApiKey, utcnow
from storage.sql import get_owned

KeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ApiKeyFields(RequestModel):
    name: KeyName = Field(description="what the key is for, e.g. 'shop checkout'")


class ApiKeyView(ResponseModel):
    id: int
    name: str
    prefix: str = Field(description="the key's first characters, to tell keys apart")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyIssued(ApiKeyView):
    key: str = Field(description="the API key: shown in this answer only")


async def list_keys(session: AsyncSession, tenant_id: int, *, limit: int, before: int | None) -> Page[ApiKey]:
    """The tenant's keys, newest first, revoked ones included."""
    statement = select(ApiKey).where(ApiKey.tenant_id == tenant_id)
    return await newest_first(session, statement, ApiKey.id, limit=limit, before=before)


async def issue_key(session: AsyncSession, tenant_id: int, fields: ApiKeyFields) -> ApiKeyIssued:
    row, key = await new_api_key(session, tenant_id, name=fields.name)
    await session.refresh(row)
    return ApiKeyIssued(**ApiKeyView.model_validate(row).model_dump(), key=key)


async def revoke_key(session: AsyncSession, tenant_id: int, key_id: int) -> ApiKey:
    """Revoke the key (a key revoked already stays as it was)."""
    row = await get_owned(session, ApiKey, tenant_id, key_id, for_update=True)
    if row is None:
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.flush()
    return row
