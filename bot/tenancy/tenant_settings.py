"""A tenant's own settings as the admin API shows and changes them (``GET/PATCH /tenant``).

The link domains, attribution window and link token parameter follow the same rules as `chatbot tenant
set` (bot/tenancy/tenant_accounts.py does both); the plan is shown, never changed here.

The entity tag is a digest of what ``GET /tenant`` shows, not of the row's ``updated_at``: every change
to any of the tenant's bots, channels or templates also touches the tenants row (its config version), and
an editor of the settings should not be refused because a template changed meanwhile.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Invalid, NotFound, Stale
from bot.tenancy.row_versions import matches
from bot.tenancy.schema_base import RequestModel, ResponseModel, given_changes
from bot.tenancy.tenant_accounts import (
    allowed_link_domains,
    attribution_window,
    link_token_param,
    set_attribution_window,
    set_link_domains,
    set_link_token_param,
)
from storage.billing_records import plan_terms
from storage.models import Tenant

TenantName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Domain = Annotated[str, StringConstraints(max_length=253)]
# A conversation idle this long is closed and the next message opens a new one: 5 minutes to 30 days.
TimeoutMinutes = Annotated[int, Field(ge=5, le=43200)]


class TenantChanges(RequestModel):
    name: TenantName | None = None
    timezone: str | None = Field(None, description="an IANA time zone such as Europe/Lisbon")
    inactivity_timeout_minutes: TimeoutMinutes | None = None
    allowed_link_domains: Annotated[list[Domain], Field(max_length=100)] | None = Field(
        None, description="hosts the bot's tracked links may lead to, each with its subdomains ([]: none)"
    )
    attribution_window_days: int | None = Field(
        None, description="days after the bot's last reply a sale is still owed to it (1 to 365)"
    )
    link_token_param: str | None = Field(
        None, description="query parameter that carries a tracked link's token to the shop (null: none)"
    )


class TenantView(ResponseModel):
    name: str
    slug: str
    timezone: str
    inactivity_timeout_minutes: int
    allowed_link_domains: list[str]
    attribution_window_days: int
    link_token_param: str | None
    plan_code: str | None = Field(description="the plan subscribed to (read-only)")
    subscription_status: str | None = Field(description="trialing, active, past_due or canceled (read-only)")


async def read_settings(session: AsyncSession, tenant_id: int) -> TenantView:
    return await _view(session, await _tenant(session, tenant_id))


async def change_settings(
    session: AsyncSession, tenant_id: int, changes: TenantChanges, *, if_match: str | None
) -> TenantView:
    """Apply the given changes after checking ``If-Match`` against the current settings; all or nothing
    (the caller's transaction is rolled back by any refusal)."""
    tenant = await _tenant(session, tenant_id, for_update=True)
    if if_match is not None and not matches(if_match, etag_of(await _view(session, tenant))):
        raise Stale(
            "the settings were changed since you read them; read them again (their ETag) and repeat",
            field="If-Match",
        )
    values = given_changes(changes, nullable=("link_token_param",))
    if "name" in values:
        tenant.name = values["name"]
    if "timezone" in values:
        tenant.timezone = checked_timezone(values["timezone"])
    if "inactivity_timeout_minutes" in values:
        tenant.inactivity_timeout_minutes = values["inactivity_timeout_minutes"]
    if "allowed_link_domains" in values:
        await set_link_domains(session, tenant, values["allowed_link_domains"])
    if "attribution_window_days" in values:
        await set_attribution_window(session, tenant, values["attribution_window_days"])
    if "link_token_param" in values:
        await set_link_token_param(session, tenant, values["link_token_param"] or "")
    await session.flush()
    return await _view(session, tenant)


def checked_timezone(name: str) -> str:
    cleaned = name.strip()
    if cleaned not in _zones():
        raise Invalid(f"timezone {name!r} is not an IANA time zone such as Europe/Lisbon", field="timezone")
    return cleaned


def etag_of(view: TenantView) -> str:
    seed = view.model_dump_json()
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:24] + '"'


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(zoneinfo.available_timezones())
    return _ZONES


async def _tenant(session: AsyncSession, tenant_id: int, *, for_update: bool = False) -> Tenant:
    statement = select(Tenant).where(Tenant.id == tenant_id)
    if for_update:
        statement = statement.with_for_update()
    tenant = await session.scalar(statement)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    return tenant


async def tenant_to_edit(session: AsyncSession, tenant_id: int) -> Tenant:
    """The tenant row, locked, so that two edits of its settings cannot each write back a copy without
    the other's (NotFound when there is no such tenant)."""
    return await _tenant(session, tenant_id, for_update=True)


async def store_setting(session: AsyncSession, tenant: Tenant, key: str, value: Any) -> None:
    """Set one key of the tenant's settings. The dict is reassigned so that the JSON column is seen as
    changed, which also bumps the tenant's configuration version (storage/config_versions.py)."""
    tenant.settings = {**(tenant.settings or {}), key: value}
    await session.flush()


async def _view(session: AsyncSession, tenant: Tenant) -> TenantView:
    terms = await plan_terms(session, tenant.id)
    return TenantView(
        name=tenant.name,
        slug=tenant.slug,
        timezone=tenant.timezone,
        inactivity_timeout_minutes=tenant.inactivity_timeout_minutes,
        allowed_link_domains=list(allowed_link_domains(tenant.settings)),
        attribution_window_days=attribution_window(tenant.settings).days,
        link_token_param=link_token_param(tenant.settings),
        plan_code=terms.plan_code if terms else None,
        subscription_status=terms.status if terms else None,
    )
