"""Tenants: create one with its subscription and API key (shown once), find one by slug, replace its API key;
its link domains, link token parameter and attribution window."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.security import hash_token, new_token
from bot.tenancy.config_errors import Invalid
from storage import api_key_records, tenants
from storage.models import ApiKey, Tenant, utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

# tenants.settings key: the hosts the bot's tracked links may lead to (each with its subdomains).
LINK_DOMAINS_SETTING = "allowed_link_domains"
# tenants.settings key: how long after the bot's last reply a sale in its conversation is still owed to it.
ATTRIBUTION_WINDOW_SETTING = "attribution_window_days"
DEFAULT_ATTRIBUTION_WINDOW_DAYS = 7
MAX_ATTRIBUTION_WINDOW_DAYS = 365
# tenants.settings key: the query parameter a tracked link's redirect adds with the link's token (none by
# default), so that the shop can report a sale through the link it came by.
LINK_TOKEN_PARAM_SETTING = "link_token_param"  # noqa: S105 - the setting's name, not a secret
_PARAM = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# At least two labels: a bare "com" would allow every .com site.
_DOMAIN = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})+\Z")


@dataclass(frozen=True)
class Created:
    """A created object plus the secret to show once."""

    id: int
    secret: str


async def list_tenants(session: AsyncSession) -> list[tuple[str, str]]:
    """Every tenant's slug and name, by slug (operator-level)."""
    return await tenants.list_tenants(session)


async def require_tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = await tenants.get_tenant_by_slug(session, slug)
    if tenant is None:
        raise AdminError(f"no tenant with slug {slug!r} (list them with: chatbot tenant list)")
    return tenant


async def create_tenant(session: AsyncSession, *, name: str, slug: str, plan_code: str = "free") -> Created:
    if not SLUG_PATTERN.match(slug):
        raise AdminError(f"slug {slug!r} must be 2-63 lowercase letters, digits or dashes")
    if not name.strip():
        raise AdminError("the tenant name must not be empty")
    if await tenants.get_tenant_by_slug(session, slug) is not None:
        raise AdminError(f"a tenant with slug {slug!r} already exists")
    plan = await tenants.get_plan(session, plan_code)
    if plan is None:
        raise AdminError(f"unknown plan {plan_code!r} (free, basic, pro or enterprise)")
    tenant = await tenants.create_tenant(session, name=name.strip(), slug=slug, plan=plan, now=utcnow())
    api_key = await issue_api_key(session, tenant.id, name="first key")
    return Created(tenant.id, api_key)


async def issue_api_key(session: AsyncSession, tenant_id: int, *, name: str) -> str:
    """A new API key for the tenant, returned once to show; only its hash and first characters are kept."""
    _, api_key = await new_api_key(session, tenant_id, name=name)
    return api_key


async def new_api_key(session: AsyncSession, tenant_id: int, *, name: str) -> tuple[ApiKey, str]:
    """The new key's row and the key itself (to show once)."""
    api_key = new_token("cbk")
    row = api_key_records.add_key(
        session, tenant_id=tenant_id, name=name, key_hash=hash_token(api_key), prefix=api_key
    )
    await session.flush()
    return row, api_key


async def rotate_api_key(session: AsyncSession, tenant: Tenant) -> str:
    """Revoke every key of the tenant and issue one new key (to show once); the old ones are refused from
    the moment this commits."""
    await api_key_records.revoke_all(session, tenant.id, now=utcnow())
    return await issue_api_key(session, tenant.id, name="rotated key")


def attribution_window(settings: Mapping[str, Any] | None) -> timedelta:
    """The tenant's attribution window; an unreadable stored value means the default (7 days)."""
    value = (settings or {}).get(ATTRIBUTION_WINDOW_SETTING, DEFAULT_ATTRIBUTION_WINDOW_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ATTRIBUTION_WINDOW_DAYS:
        value = DEFAULT_ATTRIBUTION_WINDOW_DAYS
    return timedelta(days=value)


async def set_attribution_window(session: AsyncSession, tenant: Tenant, days: int) -> int:
    if not 1 <= days <= MAX_ATTRIBUTION_WINDOW_DAYS:
        raise Invalid(
            f"the attribution window must be between 1 and {MAX_ATTRIBUTION_WINDOW_DAYS} days",
            field=ATTRIBUTION_WINDOW_SETTING,
        )
    tenant.settings = {**(tenant.settings or {}), ATTRIBUTION_WINDOW_SETTING: days}
    await session.flush()
    return days


def link_token_param(settings: Mapping[str, Any] | None) -> str | None:
    value = (settings or {}).get(LINK_TOKEN_PARAM_SETTING)
    return value if isinstance(value, str) and _PARAM.fullmatch(value) else None


async def set_link_token_param(session: AsyncSession, tenant: Tenant, name: str) -> str | None:
    """Set the parameter that carries a link's token to the shop (empty: none); returns it."""
    cleaned = name.strip()
    if cleaned and not _PARAM.fullmatch(cleaned):
        raise Invalid(
            f"link token parameter {name!r} must be 1-32 letters, digits, dashes or underscores, "
            "starting with a letter",
            field=LINK_TOKEN_PARAM_SETTING,
        )
    settings = {**(tenant.settings or {}), LINK_TOKEN_PARAM_SETTING: cleaned or None}
    tenant.settings = {key: value for key, value in settings.items() if value is not None}
    await session.flush()
    return cleaned or None


def allowed_link_domains(settings: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The tenant's allowed link domains, from its settings; anything malformed there is left out."""
    stored = (settings or {}).get(LINK_DOMAINS_SETTING)
    if not isinstance(stored, list):
        return ()
    return tuple(d for d in stored if isinstance(d, str) and _DOMAIN.match(d))


def normalise_link_domain(value: str) -> str:
    """``value`` as a lowercase host name (``Shop.Example.com.`` -> ``shop.example.com``), or Invalid."""
    domain = value.strip().lower().rstrip(".")
    if any(mark in domain for mark in ("://", "/", "?", "#", "@", ":")):
        raise Invalid(
            f"link domain {value!r} must be a host name like example.com, "
            "without scheme, path, port or user name",
            field=LINK_DOMAINS_SETTING,
        )
    if not _DOMAIN.match(domain):
        raise Invalid(
            f"link domain {value!r} is not a host name like example.com "
            "(letters, digits and dashes, at least two labels; international names in their xn-- form)",
            field=LINK_DOMAINS_SETTING,
        )
    return domain


async def set_link_domains(session: AsyncSession, tenant: Tenant, domains: Sequence[str]) -> tuple[str, ...]:
    """Replace the tenant's allowed link domains (an empty list: the bot makes no links); returns them."""
    normalised = tuple(dict.fromkeys(normalise_link_domain(domain) for domain in domains))
    tenant.settings = {**(tenant.settings or {}), LINK_DOMAINS_SETTING: list(normalised)}
    await session.flush()
    return normalised
